//! What every route handler shares.

use crate::Api;
use api::SessionCookie;
use domain::Domain;

#[derive(Clone)]
pub struct AppState {
    pub api: Api,
    pub domain: Domain,
    /// PUBLIC_URL's origin (scheme://host[:port]), which cookie-authenticated sockets
    /// must come from.
    pub public_origin: String,
    /// Whose forwarding headers name the client.
    pub trusted_proxies: std::sync::Arc<crate::client_address::TrustedProxies>,
    pub session_cookie: SessionCookie,
    /// Automatic persisted queries, and the allow-list when one is configured.
    pub persisted: std::sync::Arc<crate::persisted::PersistedOperations>,
    /// `INTROSPECTION=off` hides the schema from `__schema`/`__type`.
    pub introspection: bool,
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    pub ws_ping: std::time::Duration,
    /// How long a WebSocket may take to send `connection_init`.
    pub ws_init_timeout: std::time::Duration,
    /// WebSocket message size and subscriptions per connection.
    pub limits: api::Limits,
    /// Where WebSockets hear that a user's access changed (on any instance).
    pub live: live::LiveFeed,
    /// WebSocket connections open on this instance (`/metrics`).
    pub websockets_open: prometheus_client::metrics::gauge::Gauge,
    /// The playground's page, answered to a browser's GET of `/graphql` (none: no
    /// playground, e.g. with introspection off).
    pub graphiql: Option<fn() -> axum::response::Response>,
}

impl AppState {
    /// What every GraphQL request goes through before it runs, whatever its transport:
    /// a persisted query's text looked up, the allow-list applied, introspection
    /// turned off when configured.
    pub fn admit(
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
