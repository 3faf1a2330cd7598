//! Churn of what follows the pods: the endpoints, endpoint slice and
//! attach/detach controllers catching up with this tick's pod changes.

use super::super::generate::network::follow_pods;
use super::super::store::{Store, now_unix};

pub(super) fn tick(store: &Store) {
    follow_pods(store, now_unix());
}
