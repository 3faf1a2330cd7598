//! Sharding (`--shard`, `--total-shards`, or followed from a StatefulSet by
//! `src/autoshard.rs`): each instance keeps only the objects whose UID
//! hashes to its shard, so several instances split a large cluster between
//! them.
//!
//! The assignment is kube-state-metrics': FNV-1a (64 bit) of the UID, then
//! jump consistent hashing (Lamping and Veach, "A Fast, Minimal Memory,
//! Consistent Hash Algorithm", 2014) into `total` buckets. So kubestate and
//! kube-state-metrics shards divide a cluster identically, and growing from
//! n to n+1 shards moves only about 1/(n+1) of the objects.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub ordinal: u32,
    pub total: u32,
}

impl Default for Shard {
    /// One instance owning everything.
    fn default() -> Self {
        Shard {
            ordinal: 0,
            total: 1,
        }
    }
}

/// This instance's shard as it is now: fixed by `--shard`, or changed by
/// the StatefulSet's scale. Watchers list again when it changes.
pub type CurrentShard = tokio::sync::watch::Receiver<Shard>;

impl Shard {
    /// Whether the object with this UID belongs to this instance. An
    /// ordinal at or beyond the total (a StatefulSet pod left over while
    /// scaling down) owns nothing, as in kube-state-metrics.
    pub fn owns(&self, uid: &str) -> bool {
        match self.total {
            0 => false,
            1 => self.ordinal == 0,
            total => jump_hash(fnv1a_64(uid.as_bytes()), total) == self.ordinal,
        }
    }
}

fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
}

/// The bucket in `0..buckets` of `key`, as the paper's reference code
/// computes it.
fn jump_hash(mut key: u64, buckets: u32) -> u32 {
    let (mut bucket, mut next) = (-1i64, 0i64);
    while next < i64::from(buckets) {
        bucket = next;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        next = ((bucket + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    bucket as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uids(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("6b3f9a2c-1d2e-4f5a-8b9c-{i:012x}"))
            .collect()
    }

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // From the FNV reference test suite (fnv1a 64-bit).
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn every_object_has_exactly_one_owner_and_shards_are_balanced() {
        let total = 3;
        let shards: Vec<Shard> = (0..total).map(|ordinal| Shard { ordinal, total }).collect();
        let mut counts = [0usize; 3];
        for uid in uids(3000) {
            let owners: Vec<usize> = (0..3).filter(|&i| shards[i].owns(&uid)).collect();
            assert_eq!(owners.len(), 1, "{uid} has owners {owners:?}");
            counts[owners[0]] += 1;
        }
        for count in counts {
            assert!((800..=1200).contains(&count), "unbalanced: {counts:?}");
        }
    }

    #[test]
    fn adding_a_shard_moves_only_its_share_of_objects() {
        let bucket = |uid: &str, total: u32| jump_hash(fnv1a_64(uid.as_bytes()), total);
        let all = uids(4000);
        let moved = all.iter().filter(|u| bucket(u, 4) != bucket(u, 5)).count();
        // About a fifth move, and only to the new shard.
        assert!((600..=1000).contains(&moved), "{moved} of 4000 moved");
        assert!(
            all.iter()
                .all(|u| bucket(u, 4) == bucket(u, 5) || bucket(u, 5) == 4)
        );
    }

    #[test]
    fn a_single_shard_owns_everything() {
        assert!(uids(10).iter().all(|u| Shard::default().owns(u)));
    }

    #[test]
    fn an_ordinal_beyond_the_total_owns_nothing() {
        for (ordinal, total) in [(1, 1), (2, 2), (0, 0), (5, 3)] {
            let shard = Shard { ordinal, total };
            assert!(!uids(100).iter().any(|u| shard.owns(u)), "{shard:?}");
        }
    }
}
