//! Rendering a scrape: for each enabled kind, for each of its families,
//! `# HELP`, `# TYPE`, then that family's series for every stored object.
//! Families are rendered in parallel and sent in order, within a memory
//! budget shared by every scrape in progress (`budget`).

mod budget;
pub(crate) mod prefetch;

pub use budget::{RenderBudget, ScrapeBudget, Token};

use crate::cache::{Entry, Store};
use crate::exposition::{
    Body, CHUNK_CAPACITY, Chunk, ChunkBuffers, ChunkWriter, ClientGone, Encoding, Format, Sink,
};
use crate::families::{Families, Family, FamilyFilter, Series};
use crate::objects::Resource;
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
        family.write_header(&mut out.buf, out.format);
        for (i, entry) in self.entries.iter().enumerate() {
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

/// How many records ahead of the one being rendered are fetched: far
/// enough to cover a memory access while rendering a record's series.
const PREFETCH_DISTANCE: usize = 8;

/// The buffers of one family of one scrape: each taken from the budget,
/// encoded (compressed for gzip) and sent on with its token, which is given
/// back when the HTTP layer drops the chunk after writing it. A compressed
/// chunk is a fraction of the buffer its token stands for.
struct FamilyBuffers<'a> {
    scrape: &'a ScrapeBudget,
    family: usize,
    token: Option<Token>,
    encoding: Encoding,
    sender: mpsc::Sender<Chunk>,
}

impl ChunkBuffers for FamilyBuffers<'_> {
    fn fresh(&mut self) -> Result<Vec<u8>, ClientGone> {
        self.token = Some(self.scrape.take(self.family)?);
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
/// Families are rendered (and compressed) on worker threads, one family at
/// a time each, each into a channel of its own; this thread forwards the
/// channels strictly in family order, so the body is the same as a
/// sequential render. Every
/// chunk holds a token of `budget` until it is dropped, which bounds the
/// memory of all scrapes together; the budget lets the family being sent
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
    let jobs: Vec<(usize, usize)> = snapshots
        .iter()
        .enumerate()
        .flat_map(|(kind, snapshot)| (0..snapshot.families()).map(move |family| (kind, family)))
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
                    let (kind, family) = jobs[job];
                    let mut buffers = FamilyBuffers {
                        scrape: &scrape,
                        family: job,
                        token: None,
                        encoding,
                        sender,
                    };
                    let rendered = ChunkWriter::new(format, &mut buffers).and_then(|mut out| {
                        snapshots[kind].render_family(family, &mut out)?;
                        out.finish()
                    });
                    if rendered.is_err() {
                        cancelled.store(true, Ordering::Relaxed);
                    }
                    // Dropping the sender closes the family's channel.
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
            // this stops them picking up further families, and those
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
    }

    impl RenderKind for Lines {
        fn resource(&self) -> Resource {
            Resource::Pods
        }

        fn snapshot(&self) -> Box<dyn Snapshot + '_> {
            Box::new(Lines {
                families: self.families,
                lines: self.lines,
            })
        }
    }

    impl Snapshot for Lines {
        fn families(&self) -> usize {
            self.families
        }

        fn render_family(
            &self,
            family: usize,
            out: &mut ChunkWriter<'_>,
        ) -> Result<(), ClientGone> {
            out.buf
                .extend_from_slice(format!("# TYPE f{family} gauge\n").as_bytes());
            for i in 0..self.lines {
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
        vec![Arc::new(Lines {
            families,
            lines: LINES,
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
        let mut body = Vec::new();
        let mut sink = |chunk: Bytes| {
            std::thread::sleep(pause);
            body.extend_from_slice(&chunk);
            Ok(())
        };
        let kinds = kinds(families);
        render(budget, &kinds, |_| true, Format::Text, encoding, &mut sink).unwrap();
        body
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
