//! Interned values: one heap copy of each distinct value, shared by every
//! object that holds it.
//!
//! Namespaces, node names, images, owner kinds and label values repeat across
//! thousands of pods; keeping one `Arc<str>` of each is most of the memory
//! saving over holding whole objects. Whole parts of a record repeat too
//! (the containers of every pod of a ReplicaSet): `Shared` keeps one copy of
//! each distinct slice of them.

use foldhash::fast::RandomState;
use serde::{Deserialize, Deserializer};
use std::collections::HashSet;
use std::fmt;
use std::hash::Hash;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex};

/// The set of distinct values of one type that some object holds.
///
/// Every string of every decoded object is looked up here, so the hash is
/// foldhash's rather than the standard SipHash: with SipHash, hashing and
/// probing these sets took about a quarter of the CPU of a start-up at
/// 30,000 pods. Its seed is random per set, as SipHash's is.
pub struct Interner<T: ?Sized>(LazyLock<Mutex<HashSet<Arc<T>, RandomState>>>);

impl<T: ?Sized + Hash + Eq> Interner<T> {
    pub const fn new() -> Self {
        Interner(LazyLock::new(Default::default))
    }

    /// The shared copy of `value`, made on first sight.
    fn intern(&self, value: &T) -> Arc<T>
    where
        for<'a> Arc<T>: From<&'a T>,
    {
        // A poisoned lock only means another thread panicked mid-insert; the
        // set itself is still consistent.
        let mut set = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = set.get(value) {
            return existing.clone();
        }
        let shared = Arc::from(value);
        set.insert(Arc::clone(&shared));
        shared
    }

    /// The shared copy of a sized `value`, made on first sight.
    fn intern_sized(&self, value: T) -> Arc<T>
    where
        T: Sized,
    {
        let mut set = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = set.get(&value) {
            return existing.clone();
        }
        let shared = Arc::new(value);
        set.insert(Arc::clone(&shared));
        shared
    }

    /// Drops the values no object holds any more (the set's own copy is the
    /// only reference).
    fn sweep(&self) -> usize {
        let mut set = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let before = set.len();
        set.retain(|value| Arc::strong_count(value) > 1);
        before - set.len()
    }
}

static STRINGS: Interner<str> = Interner::new();
static EMPTY: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));

/// A shared, immutable string. Empty when the field was absent.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Str(Arc<str>);

impl Str {
    pub fn new(value: &str) -> Str {
        if value.is_empty() {
            return Str::default();
        }
        Str(STRINGS.intern(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Drops interned values no object holds any more. Called after relists and
/// periodically, so churn in pod names or images does not grow the sets
/// without bound.
pub fn sweep_interned() -> usize {
    use super::{OwnerRef, meta, pod};
    // Shared parts first: they hold interned strings of their own.
    Shared::<pod::Container>::sweep()
        + Shared::<pod::Toleration>::sweep()
        + Shared::<OwnerRef>::sweep()
        + Interned::<meta::ConditionText>::sweep()
        + STRINGS.sweep()
}

/// A part of a record kept once however many objects hold an equal one.
pub trait Sharable: Clone + Hash + Eq + 'static {
    /// The set of this type's shared slices (one static per type).
    fn interner() -> &'static Interner<[Self]>;
}

/// An immutable slice shared by every object holding an equal one; an
/// empty one is `None`, so decoding an absent field takes no lock.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Shared<T: Sharable>(Option<Arc<[T]>>);

impl<T: Sharable> Shared<T> {
    pub fn new(items: &[T]) -> Shared<T> {
        Shared((!items.is_empty()).then(|| T::interner().intern(items)))
    }

    fn sweep() -> usize {
        T::interner().sweep()
    }
}

impl<T: Sharable> Default for Shared<T> {
    fn default() -> Self {
        Shared(None)
    }
}

impl<T: Sharable> Deref for Shared<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.0.as_deref().unwrap_or_default()
    }
}

impl<T: Sharable + fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<'de, T: Sharable + Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Shared::new(&Vec::<T>::deserialize(deserializer)?))
    }
}

/// A small value kept once however many objects hold an equal one,
/// behind a one-word pointer.
pub trait Internable: Hash + Eq + 'static {
    /// The set of this type's shared values (one static per type).
    fn interner() -> &'static Interner<Self>;
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Interned<T: Internable>(Arc<T>);

impl<T: Internable> Interned<T> {
    pub fn new(value: T) -> Interned<T> {
        Interned(T::interner().intern_sized(value))
    }

    fn sweep() -> usize {
        T::interner().sweep()
    }
}

impl<T: Internable + Default> Default for Interned<T> {
    fn default() -> Self {
        Interned::new(T::default())
    }
}

impl<T: Internable> Deref for Interned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Internable + fmt::Debug> fmt::Debug for Interned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Default for Str {
    fn default() -> Self {
        Str(EMPTY.clone())
    }
}

impl Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Str {
    fn from(value: &str) -> Self {
        Str::new(value)
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // JSON strings with escapes cannot be borrowed, so take a Cow.
        let value = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Str::new(&value))
    }
}

/// `null` in JSON means "absent", the same as a missing field.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_one_allocation() {
        let a = Str::new("kube-system-interning-test");
        let b = Str::new("kube-system-interning-test");
        assert!(Arc::ptr_eq(&a.0, &b.0));
    }

    #[test]
    fn equal_parts_share_one_allocation_and_empty_ones_none() {
        let owner = || super::super::OwnerRef {
            kind: Str::new("ReplicaSet"),
            name: Str::new("shared-part-test"),
            controller: Some(true),
        };
        let a = Shared::new(&[owner()]);
        let b = Shared::new(&[owner()]);
        assert!(Arc::ptr_eq(a.0.as_ref().unwrap(), b.0.as_ref().unwrap()));
        assert_eq!(&*a[0].name, "shared-part-test");
        assert!(Shared::<super::super::OwnerRef>::new(&[]).0.is_none());
    }

    #[test]
    fn sweep_drops_only_unused_strings() {
        let kept = Str::new("sweep-test-kept");
        drop(Str::new("sweep-test-dropped"));
        sweep_interned();
        let set = STRINGS.0.lock().unwrap();
        assert!(set.contains("sweep-test-kept"));
        assert!(!set.contains("sweep-test-dropped"));
        drop(kept);
    }
}
