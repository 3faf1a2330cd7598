//! Rendering a scrape: for each enabled kind, for each of its families,
//! `# HELP`, `# TYPE`, then that family's series for every stored object.
//! Families, and the parts of a large family, are rendered in parallel and
//! sent in order, within a memory budget shared by every scrape in progress
//! (`budget`).

mod budget;
pub(crate) mod prefetch;

pub use budget::{RenderBudget, ScrapeBudget, Token};

use crate::cache::{Entry, Store};
use crate::exposition::{
    Body, CHUNK_CAPACITY, CHUNK_SIZE, Chunk, ChunkBuffers, ChunkWriter, ClientGone, Encoding,
    Format, Sink,
};
use crate::families::{Families, Family, FamilyFilter, Series};
use crate::objects::Resource;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// A kind's store and the families enabled for it (chosen once at start).
pub struct KindRenderer<T> {
    pub store: Arc<Store<T>>,
    pub families: Vec<Family<T>>,
    /// Each family's text per object at its last render (0 before the
    /// first), from which a scrape plans the family's parts.
    bytes_per_object: Vec<AtomicUsize>,
}

impl<T: Families> KindRenderer<T> {
    /// Keeps only the families the filter lets through, so a denied family
    /// costs nothing per scrape.
    pub fn new(store: Arc<Store<T>>, filter: &FamilyFilter) -> Self {
        let families: Vec<Family<T>> = T::families()
            .into_iter()
            .filter(|f| filter.keeps(f))
            .collect();
        KindRenderer {
            store,
            bytes_per_object: families.iter().map(|_| AtomicUsize::new(0)).collect(),
            families,
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
    fn objects(&self) -> usize;
    /// How many objects of `family` to render as one part, so that a part
    /// is about `PART_SIZE` of text; all of them when that is not known.
    fn objects_per_part(&self, family: usize) -> usize;
    /// The series of one family for the objects in `objects`, preceded by
    /// `# HELP` and `# TYPE` when the range starts at the first object.
    fn render_family(
        &self,
        family: usize,
        objects: Range<usize>,
        out: &mut ChunkWriter<'_>,
    ) -> Result<(), ClientGone>;
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

    fn objects(&self) -> usize {
        self.entries.len()
    }

    fn objects_per_part(&self, family: usize) -> usize {
        match self.renderer.bytes_per_object[family].load(Ordering::Relaxed) {
            0 => usize::MAX,
            bytes => PART_SIZE / bytes,
        }
    }

    fn render_family(
        &self,
        family: usize,
        objects: Range<usize>,
        out: &mut ChunkWriter<'_>,
    ) -> Result<(), ClientGone> {
        let definition = &self.renderer.families[family];
        let written_before = out.written();
        if objects.start == 0 {
            definition.write_header(&mut out.buf, out.format);
        }
        for i in objects.clone() {
            let entry = &self.entries[i];
            // Every family walks all the records, far more than the
            // caches hold. The snapshot is in address order, which the
            // hardware prefetcher follows; asking for the records and
            // identities a few steps ahead covers the gaps between them.
            // (Prefetching each pod's arrays too cost more than it saved
            // once the walk was in address order.)
            if let Some(ahead) = self.entries.get(i + PREFETCH_DISTANCE) {
                prefetch::record(&**ahead);
            }
            if let Some(ahead) = self.entries.get(i + PREFETCH_DISTANCE / 2) {
                prefetch::slice(ahead.identity.as_bytes());
            }
            let mut series = Series::new(
                &mut out.buf,
                definition.name,
                &definition.label_prefixes,
                &entry.identity,
            );
            (definition.series)(&entry.object, &mut series);
            out.maybe_flush()?;
        }
        if !objects.is_empty() {
            let bytes = (out.written() - written_before).div_ceil(objects.len());
            self.renderer.bytes_per_object[family].store(bytes.max(1), Ordering::Relaxed);
        }
        Ok(())
    }
}

/// About how much text one part of a family is. A family far larger than
/// the budget's chunks (a pod family at 150,000 pods is tens of MB) is
/// rendered in parts, on every worker at once: rendered whole, the workers
/// ahead of it fill the few chunks the budget lets them hold ahead and then
/// wait for it, so the scrape ran on little more than one core. Every part
/// ends in a chunk of its own, most of them part-full, so parts are a few
/// chunks long.
const PART_SIZE: usize = 3 * CHUNK_SIZE;

/// How many records ahead of the one being rendered are fetched: far
/// enough to cover a memory access while rendering a record's series.
const PREFETCH_DISTANCE: usize = 8;

/// The buffers of one part of one scrape: each taken from the budget,
/// encoded (compressed for gzip) and sent on with its token, which is given
/// back when the HTTP layer drops the chunk after writing it. A compressed
/// chunk is a fraction of the buffer its token stands for.
struct PartBuffers<'a> {
    scrape: &'a ScrapeBudget,
    part: usize,
    token: Option<Token>,
    encoding: Encoding,
    sender: mpsc::Sender<Chunk>,
}

impl ChunkBuffers for PartBuffers<'_> {
    fn fresh(&mut self) -> Result<Vec<u8>, ClientGone> {
        self.token = Some(self.scrape.take(self.part)?);
        Ok(Vec::with_capacity(CHUNK_CAPACITY))
    }

    fn send(&mut self, text: Vec<u8>) -> Result<(), ClientGone> {
        let chunk = self.encoding.encode(text, self.token.take());
        self.sender.send(chunk).map_err(|_| ClientGone)
    }
}

/// Renders the kinds the request selected into `sink`, in `encoding`, and
/// returns the size of the text.
///
/// Each family is one part, or several when its last render was large (a
/// range of the objects each, planned from the text per object then).
/// Parts are rendered (and compressed) on worker threads, one part at a
/// time each, each into a channel of its own; this thread forwards the
/// channels strictly in order, so the body is the same as a sequential
/// render. Every
/// chunk holds a token of `budget` until it is dropped, which bounds the
/// memory of all scrapes together; the budget lets the part being sent
/// progress whatever the others hold, so the workers cannot deadlock.
pub fn render(
    budget: &Arc<RenderBudget>,
    kinds: &[Arc<dyn RenderKind>],
    selected: impl Fn(Resource) -> bool,
    format: Format,
    encoding: Encoding,
    sink: &mut Sink<'_>,
) -> Result<usize, ClientGone> {
    let snapshots: Vec<Box<dyn Snapshot + '_>> = kinds
        .iter()
        .filter(|k| selected(k.resource()))
        .map(|k| k.snapshot())
        .collect();
    let jobs: Vec<Part> = snapshots
        .iter()
        .enumerate()
        .flat_map(|(kind, snapshot)| {
            (0..snapshot.families()).flat_map(move |family| {
                let per_part = snapshot.objects_per_part(family);
                parts(snapshot.objects(), per_part).map(move |objects| Part {
                    kind,
                    family,
                    objects,
                })
            })
        })
        .collect();
    let scrape = budget.join(jobs.len());
    let (senders, receivers): (Vec<_>, Vec<_>) = jobs
        .iter()
        .map(|_| {
            let (sender, receiver) = mpsc::channel::<Chunk>();
            (Mutex::new(Some(sender)), receiver)
        })
        .unzip();
    let next_job = AtomicUsize::new(0);
    let cancelled = AtomicBool::new(false);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_WORKERS)
        .min(jobs.len().max(1));

    let mut body = Body::start(encoding, sink)?;
    let sent = std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
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
                    let Part {
                        kind,
                        family,
                        ref objects,
                    } = jobs[job];
                    let mut buffers = PartBuffers {
                        scrape: &scrape,
                        part: job,
                        token: None,
                        encoding,
                        sender,
                    };
                    let rendered = ChunkWriter::new(format, &mut buffers).and_then(|mut out| {
                        snapshots[kind].render_family(family, objects.clone(), &mut out)?;
                        out.finish()
                    });
                    if rendered.is_err() {
                        cancelled.store(true, Ordering::Relaxed);
                    }
                    // Dropping the sender closes the part's channel.
                }
            });
        }
        let result = (|| {
            for (job, receiver) in receivers.into_iter().enumerate() {
                scrape.advance(job);
                for chunk in receiver {
                    body.write(chunk)?;
                }
            }
            Ok(())
        })();
        if result.is_err() {
            // The receivers are gone with the loop, so workers' sends fail;
            // this stops them picking up further parts, and those
            // waiting for a token.
            cancelled.store(true, Ordering::Relaxed);
            scrape.cancel();
        }
        result
    });
    drop(scrape);
    sent?;
    if format == Format::OpenMetrics {
        body.write(encoding.encode(b"# EOF\n".to_vec(), ()))?;
    }
    body.finish()
}

/// One job of a scrape: a family's series for a range of its kind's
/// objects, the first range with the family's header.
struct Part {
    kind: usize,
    family: usize,
    objects: Range<usize>,
}

/// `objects` in consecutive ranges of `per_part` (at least one object);
/// one empty range when there are none, for the family's header.
fn parts(objects: usize, per_part: usize) -> impl Iterator<Item = Range<usize>> {
    let per_part = per_part.max(1);
    (0..objects.div_ceil(per_part).max(1))
        .map(move |part| part * per_part..objects.min((part + 1) * per_part))
}

/// Rendering scales with cores up to about here; more threads only add
/// contention with the HTTP side and the watchers.
const MAX_WORKERS: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::CHUNK_SIZE;
    use bytes::Bytes;
    use std::io::Read;
    use std::sync::atomic::AtomicBool;
    use std::time::{Duration, Instant};

    /// A kind whose family `f` is `# TYPE f<f> gauge` and then the line
    /// `f<f>_<i> 1` for every `i` below `lines`, so its text is known
    /// without rendering it.
    struct Lines {
        families: usize,
        lines: usize,
        /// Lines per part (`usize::MAX`: each family whole).
        per_part: usize,
    }

    impl RenderKind for Lines {
        fn resource(&self) -> Resource {
            Resource::Pods
        }

        fn snapshot(&self) -> Box<dyn Snapshot + '_> {
            Box::new(Lines { ..*self })
        }
    }

    impl Snapshot for Lines {
        fn families(&self) -> usize {
            self.families
        }

        fn objects(&self) -> usize {
            self.lines
        }

        fn objects_per_part(&self, _family: usize) -> usize {
            self.per_part
        }

        fn render_family(
            &self,
            family: usize,
            objects: Range<usize>,
            out: &mut ChunkWriter<'_>,
        ) -> Result<(), ClientGone> {
            if objects.start == 0 {
                out.buf
                    .extend_from_slice(format!("# TYPE f{family} gauge\n").as_bytes());
            }
            for i in objects {
                out.buf
                    .extend_from_slice(format!("f{family}_{i} 1\n").as_bytes());
                out.maybe_flush()?;
            }
            Ok(())
        }
    }

    fn expected(families: usize, lines: usize) -> String {
        let mut text = String::new();
        for f in 0..families {
            text.push_str(&format!("# TYPE f{f} gauge\n"));
            for i in 0..lines {
                text.push_str(&format!("f{f}_{i} 1\n"));
            }
        }
        text
    }

    /// Families of about three chunks each.
    const LINES: usize = 3 * CHUNK_SIZE / 12;

    fn kinds(families: usize) -> Vec<Arc<dyn RenderKind>> {
        kinds_in_parts(families, usize::MAX)
    }

    fn kinds_in_parts(families: usize, per_part: usize) -> Vec<Arc<dyn RenderKind>> {
        vec![Arc::new(Lines {
            families,
            lines: LINES,
            per_part,
        })]
    }

    /// Renders to a string, pausing `pause` on each chunk while holding it,
    /// as a slow client's connection holds the chunk it is writing.
    fn scrape(budget: &Arc<RenderBudget>, families: usize, pause: Duration) -> String {
        String::from_utf8(scrape_in(budget, families, pause, Encoding::Identity)).unwrap()
    }

    /// The body's bytes in `encoding`.
    fn scrape_in(
        budget: &Arc<RenderBudget>,
        families: usize,
        pause: Duration,
        encoding: Encoding,
    ) -> Vec<u8> {
        scrape_kinds(budget, &kinds(families), pause, encoding)
    }

    fn scrape_kinds(
        budget: &Arc<RenderBudget>,
        kinds: &[Arc<dyn RenderKind>],
        pause: Duration,
        encoding: Encoding,
    ) -> Vec<u8> {
        let mut body = Vec::new();
        let mut sink = |chunk: Bytes| {
            std::thread::sleep(pause);
            body.extend_from_slice(&chunk);
            Ok(())
        };
        render(budget, kinds, |_| true, Format::Text, encoding, &mut sink).unwrap();
        body
    }

    #[test]
    fn objects_are_split_into_consecutive_parts() {
        let split = |objects, per_part| parts(objects, per_part).collect::<Vec<_>>();
        assert_eq!(
            split(0, 3),
            vec![0..0],
            "an empty kind still has its header"
        );
        assert_eq!(split(0, usize::MAX), vec![0..0]);
        assert_eq!(split(10, usize::MAX), vec![0..10]);
        assert_eq!(split(10, 3), vec![0..3, 3..6, 6..9, 9..10]);
        assert_eq!(split(9, 3), vec![0..3, 3..6, 6..9]);
        assert_eq!(split(2, 0), vec![0..1, 1..2], "at least one object a part");
    }

    #[test]
    fn a_large_family_is_rendered_in_parts_from_the_next_scrape_on() {
        use crate::objects::Service;
        let store = Arc::new(Store::<Service>::default());
        let services = 40_000;
        for i in 0..services {
            let service = serde_json::from_str(&format!(
                r#"{{"metadata":{{"name":"service-{i}","namespace":"namespace-{}","uid":"uid-{i}"}},"spec":{{"type":"ClusterIP","clusterIP":"10.0.{}.{}"}}}}"#,
                i % 10,
                i / 256,
                i % 256
            ))
            .unwrap();
            store.apply(0, service);
        }
        let renderer = Arc::new(KindRenderer::new(store, &FamilyFilter::default()));
        let largest = || {
            let snapshot = renderer.snapshot();
            (0..snapshot.families())
                .map(|family| snapshot.objects_per_part(family))
                .min()
                .unwrap()
        };
        assert_eq!(largest(), usize::MAX, "nothing is known before a scrape");
        let kinds: Vec<Arc<dyn RenderKind>> = vec![renderer.clone()];
        let budget = RenderBudget::new(4 * CHUNK_CAPACITY);
        let first = scrape_kinds(&budget, &kinds, Duration::ZERO, Encoding::Identity);
        // kube_service_info alone is 40,000 lines of about 150 bytes, two
        // parts' worth.
        let per_part = largest();
        assert!(
            per_part < services,
            "after a scrape of {} bytes, a part is {per_part} of {services} objects",
            first.len()
        );
        let second = scrape_kinds(&budget, &kinds, Duration::ZERO, Encoding::Identity);
        assert!(
            first == second,
            "the body in parts differs from the body whole"
        );
    }

    #[test]
    fn families_rendered_in_parts_are_whole_and_in_order() {
        // Parts of uneven sizes, some shorter than a chunk and some several
        // chunks long, rendered by concurrent scrapes on a small budget and
        // a slow client: every body is each family's header once, then its
        // lines in order.
        let budget = RenderBudget::new(4 * CHUNK_CAPACITY);
        for per_part in [1_000, LINES / 7 + 3, LINES / 2, LINES - 1] {
            let kinds = kinds_in_parts(4, per_part);
            let bodies = std::thread::scope(|scope| {
                let scrapes: Vec<_> = (0..3)
                    .map(|_| {
                        scope.spawn(|| {
                            scrape_kinds(
                                &budget,
                                &kinds,
                                Duration::from_micros(300),
                                Encoding::Identity,
                            )
                        })
                    })
                    .collect();
                scrapes
                    .into_iter()
                    .map(|s| s.join().unwrap())
                    .collect::<Vec<_>>()
            });
            for body in bodies {
                assert!(
                    body == expected(4, LINES).as_bytes(),
                    "{per_part} lines a part: the body differs from the families' text"
                );
            }
            let gzipped = scrape_kinds(&budget, &kinds, Duration::ZERO, Encoding::Gzip);
            let mut text = String::new();
            flate2::read::GzDecoder::new(&gzipped[..])
                .read_to_string(&mut text)
                .expect("a valid gzip stream");
            assert!(text == expected(4, LINES), "{per_part} lines a part, gzip");
        }
        assert_eq!(budget.held(), 0);
    }

    #[test]
    fn concurrent_scrapes_stay_within_the_budget_and_are_whole() {
        let budget = RenderBudget::new(4 * CHUNK_CAPACITY);
        assert_eq!(budget.tokens(), 4);
        let done = AtomicBool::new(false);
        let most = AtomicUsize::new(0);
        let bodies = std::thread::scope(|scope| {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    most.fetch_max(budget.held(), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_micros(200));
                }
            });
            let scrapes: Vec<_> = (0..6)
                .map(|_| scope.spawn(|| scrape(&budget, 5, Duration::from_millis(1))))
                .collect();
            let bodies: Vec<String> = scrapes.into_iter().map(|s| s.join().unwrap()).collect();
            done.store(true, Ordering::Relaxed);
            bodies
        });
        for body in bodies {
            assert!(
                body == expected(5, LINES),
                "a body differs from the families' text"
            );
        }
        let most = most.load(Ordering::Relaxed);
        assert!((1..=4).contains(&most), "held {most} tokens of 4");
        assert_eq!(budget.held(), 0);
    }

    #[test]
    fn more_scrapes_than_tokens_all_finish() {
        let budget = RenderBudget::new(2 * CHUNK_CAPACITY);
        let (finished, results) = mpsc::channel();
        for _ in 0..8 {
            let (budget, finished) = (budget.clone(), finished.clone());
            std::thread::spawn(move || {
                let _ = finished.send(scrape(&budget, 4, Duration::ZERO) == expected(4, LINES));
            });
        }
        for _ in 0..8 {
            let whole = results
                .recv_timeout(Duration::from_secs(60))
                .expect("every scrape finishes: the budget cannot deadlock");
            assert!(whole);
        }
    }

    #[test]
    fn a_slow_scrape_does_not_starve_a_fast_one() {
        let budget = RenderBudget::new(4 * CHUNK_CAPACITY);
        let slow_done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                // About 30 chunks at 200 ms each: 6 s, several times what
                // the fast scrape's 30 MiB take in a debug build.
                scrape(&budget, 10, Duration::from_millis(200));
                slow_done.store(true, Ordering::Relaxed);
            });
            while budget.held() == 0 {
                std::thread::yield_now();
            }
            let started = Instant::now();
            let body = scrape(&budget, 10, Duration::ZERO);
            assert!(body == expected(10, LINES));
            assert!(
                !slow_done.load(Ordering::Relaxed),
                "the fast scrape waited {:?}, until the slow one had finished",
                started.elapsed()
            );
        });
    }

    #[test]
    fn a_scrape_whose_client_goes_away_gives_back_its_tokens() {
        let budget = RenderBudget::new(4 * CHUNK_CAPACITY);
        let mut chunks = 0;
        let mut sink = |_chunk: Bytes| {
            chunks += 1;
            if chunks == 2 { Err(ClientGone) } else { Ok(()) }
        };
        let kinds = kinds(10);
        let rendered = render(
            &budget,
            &kinds,
            |_| true,
            Format::Text,
            Encoding::Identity,
            &mut sink,
        );
        assert!(rendered.is_err());
        assert_eq!(budget.held(), 0);
        // And the budget serves the next scrape whole.
        assert!(scrape(&budget, 3, Duration::ZERO) == expected(3, LINES));
    }

    #[test]
    fn concurrent_gzip_scrapes_are_each_one_stream_within_the_budget() {
        let budget = RenderBudget::new(4 * CHUNK_CAPACITY);
        let bodies = std::thread::scope(|scope| {
            let scrapes: Vec<_> = (0..3)
                .map(|_| {
                    scope.spawn(|| scrape_in(&budget, 5, Duration::from_millis(1), Encoding::Gzip))
                })
                .collect();
            let bodies: Vec<Vec<u8>> = scrapes.into_iter().map(|s| s.join().unwrap()).collect();
            bodies
        });
        for gzipped in bodies {
            // One member (GzDecoder reads no further), its CRC and length
            // checked.
            let mut text = String::new();
            flate2::read::GzDecoder::new(&gzipped[..])
                .read_to_string(&mut text)
                .expect("a valid gzip stream");
            assert!(
                text == expected(5, LINES),
                "a decoded body differs from the families' text"
            );
            assert!(
                gzipped.len() < text.len() / 2,
                "compressed to {}",
                gzipped.len()
            );
        }
        assert_eq!(budget.held(), 0);
    }
}
