//! How many live subscriptions each user holds on this instance, over all their
//! connections: one user opening connection after connection must not hold the
//! instance's streams (`Limits::subscriptions_per_user`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use domain::DomainError;
use prometheus_client::metrics::gauge::Gauge;

use crate::error::ApiError;

/// The instance's count per user (schema data).
#[derive(Clone)]
pub(crate) struct UserStreams {
    held: Arc<Mutex<HashMap<i64, usize>>>,
    max: usize,
    /// All users' subscriptions open on this instance (`/metrics`).
    open: Gauge,
}

/// One of a user's subscriptions; dropping it gives the place back.
pub(crate) struct UserStream {
    held: Arc<Mutex<HashMap<i64, usize>>>,
    user_id: i64,
    open: Gauge,
}

impl UserStreams {
    pub(crate) fn new(max: usize, open: Gauge) -> Self {
        Self {
            held: Arc::default(),
            max,
            open,
        }
    }

    /// A place for one more subscription of `user_id`, or RATE_LIMITED.
    pub(crate) fn take(&self, user_id: i64) -> Result<UserStream, ApiError> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let count = held.entry(user_id).or_default();
        if *count >= self.max {
            return Err(ApiError(DomainError::capped(format!(
                "at most {} subscriptions per user at once",
                self.max
            ))));
        }
        *count += 1;
        self.open.inc();
        Ok(UserStream {
            held: self.held.clone(),
            user_id,
            open: self.open.clone(),
        })
    }
}

impl Drop for UserStream {
    fn drop(&mut self) {
        self.open.dec();
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = held.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.user_id);
            }
        }
    }
}
