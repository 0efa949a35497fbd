//! The GraphQL schema: its types and resolvers. Thin: resolve arguments, call a domain
//! service, map the result. Every error carries `extensions.code` (see [`error`]).
//! Running it — over HTTP and WebSocket, with its limits, the response completion pass
//! and the live fan-out — is the gateway's; [`handoff`] is the seam between the two.

mod connection;
mod context;
mod directives;
mod error;
mod guards;
pub mod handoff;
mod limits;
mod loaders;
mod mutation;
mod query;
pub mod scalars;
mod session_cookie;
mod subscription;
mod types;
mod user_streams;

use async_graphql::{SDLExportOptions, Schema};
use domain::Domain;
use prometheus_client::metrics::gauge::Gauge;

pub use context::{RequestAuth, authenticate, bearer_token};
pub use directives::{one_per_request_fields, person_only_fields};
pub use error::{ApiError, ApiResult, code, error_response, is_request_error, set_code};
pub use limits::Limits;
pub use loaders::{Loaders, RequestLoader};
pub use session_cookie::SessionCookie;

use mutation::Mutation;
use query::Query;
use subscription::Subscription;

/// The schema, as the gateway runs it.
pub type ClienteleSchema = Schema<Query, Mutation, Subscription>;

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

/// The schema over `domain`, its live feed and `config`; `subscriptions_open` counts
/// the live subscriptions open on this instance (`/metrics`).
pub fn schema(
    domain: Domain,
    live: live::LiveFeed,
    config: ApiConfig,
    subscriptions_open: Gauge,
) -> ClienteleSchema {
    let mut schema = builder(&config.limits);
    if config.disable_suggestions {
        schema = schema.disable_suggestions();
    }
    schema
        .data(domain)
        .data(live)
        .data(user_streams::UserStreams::new(
            config.limits.subscriptions_per_user,
            subscriptions_open,
        ))
        .data(config)
        .finish()
}

/// The schema in SDL, as checked in at `schema.graphql`, with each scalar's
/// `@specifiedBy` URL.
pub fn sdl() -> String {
    builder(&Limits::default())
        .finish()
        .sdl_with_options(SDLExportOptions::new().include_specified_by())
}

/// The schema with the limits that keep one request from costing the server too much.
/// The standard introspection query that GraphiQL sends stays well inside the default
/// ones (tested). No extension: the gateway's response pass runs instead.
fn builder(limits: &Limits) -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    let schema = Schema::build(Query, Mutation::default(), Subscription)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity)
        .override_output_type_description::<chrono::DateTime<chrono::Utc>>(scalars::DATE_TIME);
    connection::describe(schema)
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
