//! Rendering a scrape: for each enabled kind, for each of its families,
//! `# HELP`, `# TYPE`, then that family's series for every stored object.

use crate::cache::Store;
use crate::exposition::{ChunkWriter, ClientGone};
use crate::families::{Families, Family, FamilyFilter, Series};
use crate::objects::Resource;
use std::sync::Arc;

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
    fn render(&self, out: &mut ChunkWriter<'_>) -> Result<(), ClientGone>;
}

impl<T: Families> RenderKind for KindRenderer<T> {
    fn resource(&self) -> Resource {
        T::RESOURCE
    }

    fn render(&self, out: &mut ChunkWriter<'_>) -> Result<(), ClientGone> {
        let snapshot = self.store.snapshot();
        for family in &self.families {
            family.write_header(&mut out.buf, out.format);
            for entry in &snapshot {
                let mut series =
                    Series::new(&mut out.buf, family.name, family.labels, &entry.identity);
                (family.series)(&entry.object, &mut series);
                out.maybe_flush()?;
            }
        }
        Ok(())
    }
}

/// Renders the kinds the request selected, in order, into `out`.
pub fn render(
    kinds: &[Arc<dyn RenderKind>],
    selected: impl Fn(Resource) -> bool,
    mut out: ChunkWriter<'_>,
) -> Result<usize, ClientGone> {
    for kind in kinds.iter().filter(|k| selected(k.resource())) {
        kind.render(&mut out)?;
    }
    out.finish()
}
