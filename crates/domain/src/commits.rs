//! Whether a request's work has begun to commit. A request stopped for running too long
//! (`api::Limits::request_time`) may be dropped only before then: dropping it rolls its
//! open transaction back, and nothing it did is kept. Once a [`Change`](crate::change)
//! has begun to commit, the request runs to its end, so that its answer says what
//! happened. Every write a request makes goes through a `Change`.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

tokio::task_local! {
    static COMMITTED: Arc<AtomicBool>;
}

/// Runs `work`, setting `committed` when any of its changes begins to commit.
pub async fn watched<F: Future>(committed: Arc<AtomicBool>, work: F) -> F::Output {
    COMMITTED.scope(committed, work).await
}

/// Runs one poll of a stream's work (a WebSocket operation's responses) with
/// `committed` as the flag its changes set.
pub fn watched_poll<R>(committed: &Arc<AtomicBool>, poll: impl FnOnce() -> R) -> R {
    COMMITTED.sync_scope(committed.clone(), poll)
}

/// Called by a change just before it commits.
pub(crate) fn committing() {
    let _ = COMMITTED.try_with(|committed| committed.store(true, Ordering::SeqCst));
}
