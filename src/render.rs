//! Rendering a scrape: for each enabled kind, for each of its families,
//! `# HELP`, `# TYPE`, then that family's series for every stored object.
//! Families are rendered in parallel and sent in order.

use crate::cache::{Entry, Store};
use crate::exposition::{ChunkWriter, ClientGone, Format, Sink, chunk_buffer};
use crate::families::{Families, Family, FamilyFilter, Series};
use crate::objects::Resource;
use bytes::Bytes;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// A kind's store and the families enabled for it (chosen once at start).
pub struct KindRenderer<T> {
    pub store: Arc<Store<T>>,
    pub families: Vec<Family<T>>,
}

impl<T: Families> KindRenderer<T> {
    /// Keeps only the families the filter lets through, so a denied family
    /// costs nothing per scrape.
    pub fn new(store: Arc<Store<T>>, filter: &FamilyFilter) -> Self {
        KindRenderer {
            store,
            families: T::families()
                .into_iter()
                .filter(|f| filter.keeps(f))
                .collect(),
        }
    }
}

/// A kind's part of a scrape, with its object type erased so the server can
/// hold all kinds in one list.
pub trait RenderKind: Send + Sync {
    fn resource(&self) -> Resource;
    /// The kind's objects as they are now, ready to render family by family.
    fn snapshot(&self) -> Box<dyn Snapshot + '_>;
}

/// One kind's objects at the start of a scrape.
pub trait Snapshot: Send + Sync {
    fn families(&self) -> usize;
    /// `# HELP`, `# TYPE` and every object's series of one family.
    fn render_family(&self, family: usize, out: &mut ChunkWriter<'_>) -> Result<(), ClientGone>;
}

struct KindSnapshot<'a, T> {
    renderer: &'a KindRenderer<T>,
    entries: Vec<Arc<Entry<T>>>,
}

impl<T: Families> RenderKind for KindRenderer<T> {
    fn resource(&self) -> Resource {
        T::RESOURCE
    }

    fn snapshot(&self) -> Box<dyn Snapshot + '_> {
        Box::new(KindSnapshot {
            renderer: self,
            entries: self.store.snapshot(),
        })
    }
}

impl<T: Families> Snapshot for KindSnapshot<'_, T> {
    fn families(&self) -> usize {
        self.renderer.families.len()
    }

    fn render_family(&self, family: usize, out: &mut ChunkWriter<'_>) -> Result<(), ClientGone> {
        let family = &self.renderer.families[family];
        family.write_header(out.buf, out.format);
        for entry in &self.entries {
            let mut series = Series::new(
                out.buf,
                family.name,
                &family.label_prefixes,
                &entry.identity,
            );
            (family.series)(&entry.object, &mut series);
            out.maybe_flush()?;
        }
        Ok(())
    }
}

/// Chunks a family may have rendered ahead of the one being sent; with the
/// workers' count this bounds the memory a scrape holds.
const CHUNKS_AHEAD: usize = 4;

/// Renders the kinds the request selected into `sink` and returns the body's
/// size.
///
/// Families are rendered on worker threads, one family at a time each, into
/// a bounded channel per family; this thread forwards the channels strictly
/// in family order, so the body is the same as a sequential render. The
/// family being sent never waits on another, so the workers cannot
/// deadlock, and a worker that runs ahead stops after `CHUNKS_AHEAD` chunks.
pub fn render(
    kinds: &[Arc<dyn RenderKind>],
    selected: impl Fn(Resource) -> bool,
    format: Format,
    sink: &mut Sink<'_>,
) -> Result<usize, ClientGone> {
    let snapshots: Vec<Box<dyn Snapshot + '_>> = kinds
        .iter()
        .filter(|k| selected(k.resource()))
        .map(|k| k.snapshot())
        .collect();
    let jobs: Vec<(usize, usize)> = snapshots
        .iter()
        .enumerate()
        .flat_map(|(kind, snapshot)| (0..snapshot.families()).map(move |family| (kind, family)))
        .collect();
    let (senders, receivers): (Vec<_>, Vec<_>) = jobs
        .iter()
        .map(|_| {
            let (sender, receiver) = mpsc::sync_channel::<Bytes>(CHUNKS_AHEAD);
            (Mutex::new(Some(sender)), receiver)
        })
        .unzip();
    let next_job = AtomicUsize::new(0);
    let cancelled = AtomicBool::new(false);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_WORKERS)
        .min(jobs.len().max(1));

    let mut written = 0;
    let sent = std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut buf = chunk_buffer();
                loop {
                    let job = next_job.fetch_add(1, Ordering::Relaxed);
                    if job >= jobs.len() || cancelled.load(Ordering::Relaxed) {
                        break;
                    }
                    let Some(sender) = senders[job]
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .take()
                    else {
                        continue;
                    };
                    let (kind, family) = jobs[job];
                    let mut send = |chunk: Bytes| sender.send(chunk).map_err(|_| ClientGone);
                    let mut out = ChunkWriter::new(format, &mut buf, &mut send);
                    let rendered = snapshots[kind]
                        .render_family(family, &mut out)
                        .and_then(|()| out.flush());
                    if rendered.is_err() {
                        cancelled.store(true, Ordering::Relaxed);
                    }
                    // Dropping the sender closes the family's channel.
                }
            });
        }
        let result = (|| {
            for receiver in receivers {
                for chunk in receiver {
                    written += chunk.len();
                    sink(chunk)?;
                }
            }
            Ok(())
        })();
        if result.is_err() {
            // The receivers are gone with the loop, so workers' sends fail;
            // this stops them picking up further families.
            cancelled.store(true, Ordering::Relaxed);
        }
        result
    });
    sent?;
    if format == Format::OpenMetrics {
        let eof = Bytes::from_static(b"# EOF\n");
        written += eof.len();
        sink(eof)?;
    }
    Ok(written)
}

/// Rendering scales with cores up to about here; more threads only add
/// contention with the HTTP side and the watchers.
const MAX_WORKERS: usize = 4;
