//! What every route handler shares.

use api::{ClienteleSchema, SessionCookie};
use domain::Domain;

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) schema: ClienteleSchema,
    pub(crate) domain: Domain,
    /// PUBLIC_URL's origin (scheme://host[:port]), which cookie-authenticated sockets
    /// must come from.
    pub(crate) public_origin: String,
    pub(crate) session_cookie: SessionCookie,
    /// Automatic persisted queries, and the allow-list when one is configured.
    pub(crate) persisted: std::sync::Arc<crate::persisted::PersistedOperations>,
    /// `INTROSPECTION=off` hides the schema from `__schema`/`__type`.
    pub(crate) introspection: bool,
    pub(crate) shutdown: tokio::sync::watch::Receiver<bool>,
    pub(crate) ws_ping: std::time::Duration,
    /// WebSocket message size and subscriptions per connection.
    pub(crate) limits: api::Limits,
    /// Where WebSockets hear that a user's access changed (on any instance).
    pub(crate) live: events::LiveFeed,
}
