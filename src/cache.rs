//! One store per kind, keyed by UID, holding the decoded objects.
//!
//! The table holds the entries themselves and finds them by hashing the
//! UID inside each record, so a UID is not kept a second time as a key
//! (one allocation less per object, 48 bytes for a 36-character UID).
//!
//! Scrapes never hold the lock while rendering: they take a snapshot (a
//! vector of `Arc`s, a few milliseconds even for 100,000 objects) and render
//! from it, so a slow client cannot stall the watchers.
//!
//! A relist replaces what its watcher had listed before: entries are marked
//! with the watcher that wrote them and the relist (epoch) that last saw
//! them, and when the relist finishes, that watcher's entries it did not see
//! are removed. So objects deleted while a watch was down disappear, while
//! scrapes during the relist still see the old state rather than a gap.

use crate::families::render_identity;
use crate::objects::Object;
use foldhash::fast::RandomState;
use hashbrown::HashTable;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// An object as stored: the record plus its identity labels, escaped once.
#[derive(Debug)]
pub struct Entry<T> {
    pub identity: Box<str>,
    pub object: T,
}

struct Slot<T> {
    entry: Arc<Entry<T>>,
    /// Which watcher wrote the entry (one per namespace with `--namespaces`).
    source: usize,
    /// The relist of that watcher that last saw the object.
    epoch: u64,
}

impl<T: Object> Slot<T> {
    fn uid(&self) -> &str {
        &self.entry.object.meta().uid
    }
}

pub struct Store<T> {
    slots: RwLock<HashTable<Slot<T>>>,
    hasher: RandomState,
    /// The current relist epoch of each watcher.
    epochs: RwLock<HashMap<usize, u64>>,
}

impl<T: Object> Default for Store<T> {
    fn default() -> Self {
        Store {
            slots: RwLock::default(),
            hasher: RandomState::default(),
            epochs: RwLock::default(),
        }
    }
}

impl<T: Object> Store<T> {
    /// A watcher starts a (re)list: what it writes from now on belongs to a
    /// new epoch.
    pub fn begin_relist(&self, source: usize) {
        *write(&self.epochs).entry(source).or_insert(0) += 1;
    }

    /// The relist finished: drop the watcher's entries it did not see again.
    /// Returns how many were removed.
    pub fn finish_relist(&self, source: usize) -> usize {
        let epoch = self.epoch(source);
        let mut slots = write(&self.slots);
        let before = slots.len();
        slots.retain(|slot| slot.source != source || slot.epoch == epoch);
        before - slots.len()
    }

    /// Inserts or replaces an object; says whether it was there before.
    pub fn apply(&self, source: usize, object: T) -> bool {
        let slot = Slot {
            entry: Arc::new(Entry {
                identity: render_identity(&object),
                object,
            }),
            source,
            epoch: self.epoch(source),
        };
        let hash = self.hash(slot.uid());
        match write(&self.slots).entry(
            hash,
            |stored| stored.uid() == slot.uid(),
            |stored| self.hash(stored.uid()),
        ) {
            hashbrown::hash_table::Entry::Occupied(mut stored) => {
                *stored.get_mut() = slot;
                true
            }
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                vacant.insert(slot);
                false
            }
        }
    }

    /// Keeps an entry through the current relist without changing it: used
    /// when the new version of an object could not be decoded, so the last
    /// good version stays rather than the object vanishing.
    pub fn keep(&self, source: usize, uid: &str) {
        let epoch = self.epoch(source);
        if let Some(slot) = write(&self.slots).find_mut(self.hash(uid), |s| s.uid() == uid) {
            slot.epoch = epoch;
        }
    }

    pub fn delete(&self, uid: &str) {
        if let Ok(slot) = write(&self.slots).find_entry(self.hash(uid), |s| s.uid() == uid) {
            slot.remove();
        }
    }

    pub fn len(&self) -> usize {
        read(&self.slots).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The objects as they are now, for one scrape, in the order they lie
    /// in memory: the render walks them once per family, and a walk in
    /// address order goes mostly forward through the allocator's slabs
    /// (an object's arrays were allocated beside it), which the CPU's
    /// prefetcher follows. In the table's hash order every record was a
    /// cache miss: sorting cut a scrape's CPU by a fifth at 30,000 pods.
    /// The order of series within a family means nothing to Prometheus.
    pub fn snapshot(&self) -> Vec<Arc<Entry<T>>> {
        let mut entries: Vec<_> = read(&self.slots)
            .iter()
            .map(|slot| slot.entry.clone())
            .collect();
        entries.sort_unstable_by_key(|entry| Arc::as_ptr(entry) as usize);
        entries
    }

    fn hash(&self, uid: &str) -> u64 {
        self.hasher.hash_one(uid)
    }

    fn epoch(&self, source: usize) -> u64 {
        read(&self.epochs).get(&source).copied().unwrap_or(0)
    }
}

// A poisoned lock means a thread panicked while holding it; the map itself
// is never left half-updated by these short critical sections.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::Service;

    fn service(uid: &str) -> Service {
        serde_json::from_str(&format!(
            r#"{{"metadata":{{"name":"s-{uid}","namespace":"ns","uid":"{uid}"}}}}"#
        ))
        .unwrap()
    }

    fn uids(store: &Store<Service>) -> Vec<String> {
        let mut uids: Vec<String> = store
            .snapshot()
            .iter()
            .map(|e| e.object.metadata.uid.to_string())
            .collect();
        uids.sort();
        uids
    }

    #[test]
    fn a_relist_drops_objects_it_did_not_see() {
        let store = Store::default();
        store.begin_relist(0);
        store.apply(0, service("a"));
        store.apply(0, service("b"));
        store.finish_relist(0);
        assert_eq!(uids(&store), ["a", "b"]);

        store.begin_relist(0);
        store.apply(0, service("b"));
        store.apply(0, service("c"));
        // During the relist the old state is still served.
        assert_eq!(uids(&store), ["a", "b", "c"]);
        assert_eq!(store.finish_relist(0), 1);
        assert_eq!(uids(&store), ["b", "c"]);
    }

    #[test]
    fn a_relist_leaves_other_watchers_entries_alone() {
        let store = Store::default();
        store.begin_relist(0);
        store.apply(0, service("a"));
        store.finish_relist(0);
        store.begin_relist(1);
        store.apply(1, service("x"));
        store.finish_relist(1);
        store.begin_relist(1);
        store.finish_relist(1);
        assert_eq!(uids(&store), ["a"]);
    }

    #[test]
    fn kept_entries_survive_a_relist() {
        let store = Store::default();
        store.begin_relist(0);
        store.apply(0, service("a"));
        store.finish_relist(0);
        store.begin_relist(0);
        store.keep(0, "a");
        store.finish_relist(0);
        assert_eq!(uids(&store), ["a"]);
    }

    #[test]
    fn identity_labels_are_escaped_once_on_insert() {
        let store = Store::default();
        store.apply(
            0,
            serde_json::from_str::<Service>(
                r#"{"metadata":{"name":"we\"b","namespace":"n\\s","uid":"u"}}"#,
            )
            .unwrap(),
        );
        let snapshot = store.snapshot();
        assert_eq!(
            &*snapshot[0].identity,
            r#"namespace="n\\s",service="we\"b",uid="u""#
        );
    }
}
