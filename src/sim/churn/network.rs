//! Churn of what follows the pods: the endpoints, endpoint slice and
//! attach/detach controllers catching up with this tick's pod changes.

use super::super::generate::network::follow_pods;
use super::super::store::{Store, now_unix};

/// Catches up at most once a second, as the controllers batch their
/// updates: following means reading every pod, far more work than a tick's
/// few changes, so a churn of a tick a millisecond (the load test) would
/// otherwise spend its time here instead of changing the cluster.
pub(super) fn tick(store: &Store, followed_at: &mut i64) {
    let now = now_unix();
    if now != *followed_at {
        *followed_at = now;
        follow_pods(store, now);
    }
}
