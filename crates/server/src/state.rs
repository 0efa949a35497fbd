//! What every route handler shares.

use api::{Api, SessionCookie};
use domain::Domain;

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) api: Api,
    pub(crate) domain: Domain,
    /// PUBLIC_URL's origin (scheme://host[:port]), which cookie-authenticated sockets
    /// must come from.
    pub(crate) public_origin: String,
    /// Whose forwarding headers name the client.
    pub(crate) trusted_proxies: std::sync::Arc<crate::client_address::TrustedProxies>,
    pub(crate) session_cookie: SessionCookie,
    /// Automatic persisted queries, and the allow-list when one is configured.
    pub(crate) persisted: std::sync::Arc<crate::persisted::PersistedOperations>,
    /// `INTROSPECTION=off` hides the schema from `__schema`/`__type`.
    pub(crate) introspection: bool,
    pub(crate) shutdown: tokio::sync::watch::Receiver<bool>,
    pub(crate) ws_ping: std::time::Duration,
    /// How long a WebSocket may take to send `connection_init`.
    pub(crate) ws_init_timeout: std::time::Duration,
    /// WebSocket message size and subscriptions per connection.
    pub(crate) limits: api::Limits,
    /// Where WebSockets hear that a user's access changed (on any instance).
    pub(crate) live: live::LiveFeed,
    pub(crate) metrics: std::sync::Arc<crate::metrics::Metrics>,
}

impl AppState {
    /// What every GraphQL request goes through before it runs, whatever its transport:
    /// a persisted query's text looked up, the allow-list applied, introspection
    /// turned off when configured.
    pub(crate) fn admit(
        &self,
        mut request: async_graphql::Request,
    ) -> Result<async_graphql::Request, async_graphql::ServerError> {
        self.persisted.resolve(&mut request)?;
        if !self.introspection {
            request = request.disable_introspection();
        }
        Ok(request)
    }
}
