//! What a socket waits on besides its input and its operations.

use std::pin::Pin;
use std::time::Duration;

use futures_util::future::Fuse;
use tokio::time::Instant;

use super::SessionCheck;
use crate::state::AppState;

/// When a socket's first safety-net re-read (every `Limits::session_recheck`) is due:
/// somewhere between half and one and a half periods from now, so that sockets opened
/// together (10,000 dashboards after a deploy) do not all read their sessions in the
/// same second ever after.
fn first_recheck(period: Duration) -> Instant {
    use std::hash::{BuildHasher, Hasher};
    // A fresh `RandomState` is seeded differently each time: enough randomness to
    // spread checks, without a random-number crate.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let spread = (period.as_millis() as u64).max(1);
    Instant::now() + period / 2 + Duration::from_millis(random % spread)
}

/// What a socket waits on besides its input and its operations: its timers, the
/// notices that its user's access changed, and the session check under way.
pub(super) struct Watch {
    pub(super) ping: tokio::time::Interval,
    /// The safety net: a re-read of the session now and then, whatever was heard.
    pub(super) recheck: tokio::time::Interval,
    pub(super) init_timeout: Pin<Box<tokio::time::Sleep>>,
    /// Fires when the session expires (armed once `connection_init` has read it).
    pub(super) expiry: Pin<Box<tokio::time::Sleep>>,
    pub(super) armed_for: Option<Instant>,
    pub(super) access: tokio::sync::broadcast::Receiver<i64>,
    /// The session check under way, if any. It runs beside the socket's streams, never
    /// instead of them: they may hold the database connection it needs (SQLite).
    pub(super) check: Pin<Box<Fuse<SessionCheck>>>,
    pub(super) shutdown: tokio::sync::watch::Receiver<bool>,
}

impl Watch {
    pub(super) fn new(state: &AppState) -> Self {
        let mut ping = tokio::time::interval(state.ws_ping);
        ping.reset();
        let period = state.limits.session_recheck;
        Self {
            ping,
            recheck: tokio::time::interval_at(first_recheck(period), period),
            init_timeout: Box::pin(tokio::time::sleep(state.ws_init_timeout)),
            expiry: Box::pin(tokio::time::sleep(period)),
            armed_for: None,
            access: state.live.access_changes(),
            check: Box::pin(Fuse::terminated()),
            shutdown: state.shutdown.clone(),
        }
    }

    /// Arms the expiry timer for `at`.
    pub(super) fn expire_at(&mut self, at: Instant) {
        self.armed_for = Some(at);
        self.expiry.as_mut().reset(at);
    }
}
