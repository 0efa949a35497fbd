//! The GraphQL API. Thin: resolve arguments, call a domain service, map the result.
//! Every error carries `extensions.code` (see [`error`]).

mod completion;
mod connection;
mod context;
mod error;
mod fanout;
mod guards;
mod limits;
mod loaders;
mod mutation;
mod query;
mod responses;
mod scalars;
mod session_cookie;
mod socket;
mod stats;
mod subscription;
mod types;
mod user_streams;
mod variables;

use std::sync::Arc;

use async_graphql::Schema;
use domain::Domain;

pub use context::{RequestAuth, authenticate, bearer_token};
pub use error::{ApiError, ApiResult, error_response, is_request_error};
pub use fanout::Reply;
pub use limits::Limits;
pub use session_cookie::SessionCookie;

use completion::FieldTypes;
use loaders::Loaders;
use mutation::Mutation;
use query::Query;

type ClienteleSchema = Schema<Query, Mutation, Subscription>;

pub use socket::{SessionState, WsConnection, websocket_connection};
use subscription::Subscription;

/// Settings of the HTTP surface that resolvers need.
#[derive(Clone, Debug, Default)]
pub struct ApiConfig {
    /// The session cookie that sign-in sets and sign-out clears.
    pub session_cookie: SessionCookie,
    /// Query depth and complexity (set on the schema) and page sizes (read by
    /// connection fields).
    pub limits: Limits,
    /// No "Did you mean …?" in validation errors: they spell the schema out name by
    /// name, so they go when introspection is off (`INTROSPECTION=off`).
    pub disable_suggestions: bool,
}

/// The GraphQL API as the server runs it: the schema, and what every operation goes
/// through around it (see [`responses`]). Cheap to clone.
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
        let mut schema = builder(&config.limits);
        if config.disable_suggestions {
            schema = schema.disable_suggestions();
        }
        let schema = schema
            .data(domain.clone())
            .data(live)
            .data(user_streams::UserStreams::new(
                limits.subscriptions_per_user,
                stats.subscriptions_open.clone(),
            ))
            .data(config)
            .finish();
        Self {
            schema,
            field_types: Arc::new(field_types()),
            domain,
            fanout: Arc::default(),
            limits,
            stats,
        }
    }

    /// Runs one request (a query or mutation) carrying [`prepare_request`]'s data:
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

    /// Adds the API's counters (operations, errors, live streams) to `/metrics`.
    pub fn register_metrics(&self, registry: &mut prometheus_client::registry::Registry) {
        self.stats.register(registry);
    }
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder(&Limits::default()).finish().sdl()
}

/// The declared type of every field, read once from the SDL, for the response pass that
/// puts `null` where fields failed.
fn field_types() -> FieldTypes {
    FieldTypes::from_sdl(&sdl()).unwrap_or_else(|err| {
        // Our own SDL always parses (tested); were it not to, responses keep
        // async-graphql's shape rather than the server refusing to start.
        tracing::error!(%err, "the schema's SDL does not parse; field errors keep async-graphql's shape");
        FieldTypes::default()
    })
}

/// The schema with the limits that keep one request from costing the server too much.
/// The standard introspection query that GraphiQL sends stays well inside the default
/// ones (tested). No extension: see [`responses`] for why and what runs instead.
fn builder(limits: &Limits) -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query, Mutation::default(), Subscription)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity)
}

/// Attaches what every resolver of one request may need: who is asking, and fresh
/// per-request data loaders (so batching and caching never leak between requests).
pub fn prepare_request(
    request: async_graphql::Request,
    domain: &Domain,
    auth: RequestAuth,
) -> async_graphql::Request {
    // The loaders' reads go through the domain's door (`Access`), which decides what
    // a restricted session sees.
    let actor = auth.actor().cloned();
    request
        .data(auth)
        .data(Loaders::for_request(domain.clone(), actor))
}
