//! The gateway: everything between the network and the schema, in one home. A request
//! comes in over HTTP ([`graphql_http`]) or a WebSocket ([`websocket`], with the
//! connection's session and its re-checks in [`socket`]), with what it brings read once
//! ([`request`], the client's address in [`client_address`]); it is admitted
//! (persisted operations and the allow-list in [`persisted`], the document's shape in
//! [`admission`]), run on the schema with its limits ([`responses`], which gives
//! every error its code and puts the nulls of failed fields where the GraphQL spec
//! wants them, [`completion`]), and live events are rendered once per group of like
//! subscribers ([`fanout`]). The schema itself (types, resolvers) is the `api` crate;
//! `api::handoff` is the seam between its subscriptions and the fan-out.

mod admission;
pub mod client_address;
mod completion;
mod fanout;
pub mod graphql_http;
pub mod persisted;
pub mod request;
mod responses;
mod socket;
mod state;
mod stats;
mod variables;
pub mod websocket;

use std::sync::Arc;

use api::{ApiConfig, ClienteleSchema, Limits};
use domain::Domain;

pub use client_address::{ProxyHeader, TrustedProxies};
pub use fanout::Reply;
pub use persisted::PersistedOperations;
pub use request::{RequestContext, plain_error};
pub use socket::{SessionState, WsConnection, websocket_connection};
pub use state::AppState;

use completion::FieldTypes;

/// The schema as the server runs it, and what every operation goes through around it
/// (see [`responses`]). Cheap to clone.
#[derive(Clone)]
pub struct Api {
    pub(crate) schema: ClienteleSchema,
    pub(crate) field_types: Arc<FieldTypes>,
    pub(crate) domain: Domain,
    /// Subscribers who share rendered events.
    pub(crate) fanout: Arc<fanout::Groups>,
    pub(crate) limits: Limits,
    pub(crate) stats: Arc<stats::ApiStats>,
}

impl Api {
    pub fn new(domain: Domain, live: live::LiveFeed, config: ApiConfig) -> Self {
        let limits = config.limits;
        let stats = Arc::new(stats::ApiStats::default());
        let schema = api::schema(
            domain.clone(),
            live,
            config,
            stats.subscriptions_open.clone(),
        );
        Self {
            schema,
            field_types: Arc::new(field_types()),
            domain,
            fanout: Arc::default(),
            limits,
            stats,
        }
    }

    /// Runs one request (a query or mutation) carrying `api::prepare_request`'s data:
    /// every error coded, every failed field `null`, the operation's span around it.
    pub async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        responses::execute(
            &self.schema,
            &self.field_types,
            &self.limits,
            &self.stats,
            request,
        )
        .await
    }

    /// Adds the gateway's counters (operations, errors, live streams) to `/metrics`.
    pub fn register_metrics(&self, registry: &mut prometheus_client::registry::Registry) {
        self.stats.register(registry);
    }
}

/// The declared type of every field, read once from the SDL, for the response pass that
/// puts `null` where fields failed.
fn field_types() -> FieldTypes {
    FieldTypes::from_sdl(&api::sdl()).unwrap_or_else(|err| {
        // Our own SDL always parses (tested); were it not to, responses keep
        // async-graphql's shape rather than the server refusing to start.
        tracing::error!(%err, "the schema's SDL does not parse; field errors keep async-graphql's shape");
        FieldTypes::default()
    })
}
