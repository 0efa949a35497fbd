//! The seam between the live subscriptions' resolvers and the transport that carries
//! them (the gateway's WebSocket and its fan-out), so that neither reaches into the
//! other: what a resolver hands over, what it is given to render, and what a
//! connection lends its streams.
//!
//! A subscription whose events can be rendered once for many subscribers hands its
//! listener over ([`Handoff`]) instead of being driven through async-graphql; to render
//! one event for such a group, the transport runs the document again with the event in
//! hand ([`RenderOne`]). A stream on a connection takes one of its slots and ends when
//! the connection's session does ([`StreamSlots`]).

use std::sync::{Arc, Mutex, PoisonError};

use domain::DomainError;
use domain::entities::event;
use domain::permissions::Permission;
use futures_util::stream::BoxStream;
use tokio::sync::{OwnedSemaphorePermit, watch};

use crate::error::ApiError;

/// What a live stream yields: an event, or (last) why the server ended it.
pub type LiveItem = Result<Arc<event::Model>, DomainError>;

/// What a subscriber sees of an event's payload: staff, or a member with these
/// permissions on the account. Subscribers who see the same share rendered payloads.
/// (The event types have no field that depends on anything else about the viewer;
/// a field that does would have to add it here.)
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Visibility {
    pub staff: bool,
    pub permissions: Vec<Permission>,
}

/// Request data of a shareable subscription: its resolver leaves its listener's
/// stream here, and returns an empty stream to async-graphql.
#[derive(Clone, Default)]
pub struct Handoff(Arc<Mutex<Option<HandedOver>>>);

/// A listener's stream, and what its subscriber sees.
pub type HandedOver = (Visibility, BoxStream<'static, LiveItem>);

impl Handoff {
    pub fn put(&self, visibility: Visibility, items: BoxStream<'static, LiveItem>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((visibility, items));
    }

    /// What the resolver handed over, if it did (once).
    pub fn take(&self) -> Option<HandedOver> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// Request data of a render: the subscription's resolver yields this one item and
/// opens no listener.
pub struct RenderOne(pub LiveItem);

/// What a connection (a WebSocket) lends the streams opened on it, as request data
/// (`Arc<dyn StreamSlots>`).
pub trait StreamSlots: Send + Sync {
    /// One of the connection's places for a stream, or RATE_LIMITED when it holds the
    /// most it may.
    fn take_slot(&self) -> Result<OwnedSemaphorePermit, ApiError>;
    /// Turns true when the connection's session has ended: every stream ends.
    fn ended(&self) -> watch::Receiver<bool>;
}
