//! Interned strings: one heap copy of each distinct value, shared by every
//! object that holds it.
//!
//! Namespaces, node names, images, owner kinds and label values repeat across
//! thousands of pods; keeping one `Arc<str>` of each is most of the memory
//! saving over holding whole objects.

use serde::{Deserialize, Deserializer};
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex};

static INTERNED: LazyLock<Mutex<HashSet<Arc<str>>>> = LazyLock::new(Default::default);
static EMPTY: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));

/// A shared, immutable string. Empty when the field was absent.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Str(Arc<str>);

impl Str {
    pub fn new(value: &str) -> Str {
        if value.is_empty() {
            return Str::default();
        }
        // A poisoned lock only means another thread panicked mid-insert; the
        // set itself is still consistent.
        let mut set = INTERNED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = set.get(value) {
            return Str(existing.clone());
        }
        let shared: Arc<str> = Arc::from(value);
        set.insert(shared.clone());
        Str(shared)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Drops interned strings no object holds any more (the set's own copy is
/// the only reference). Called after relists and periodically, so churn in
/// pod names or images does not grow the set without bound.
pub fn sweep_interned() -> usize {
    let mut set = INTERNED.lock().unwrap_or_else(|e| e.into_inner());
    let before = set.len();
    set.retain(|s| Arc::strong_count(s) > 1);
    before - set.len()
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
    fn sweep_drops_only_unused_strings() {
        let kept = Str::new("sweep-test-kept");
        drop(Str::new("sweep-test-dropped"));
        sweep_interned();
        let set = INTERNED.lock().unwrap();
        assert!(set.contains("sweep-test-kept"));
        assert!(!set.contains("sweep-test-dropped"));
        drop(kept);
    }
}
