//! The GraphQL API. Thin: resolve arguments, call a domain service, map the result.
//! Every error carries `extensions.code` (see [`error`]).

mod completion;
mod connection;
mod context;
mod error;
mod guards;
mod limits;
mod loaders;
mod mutation;
mod query;
mod responses;
mod scalars;
mod session_cookie;
mod socket;
mod subscription;
mod types;

use async_graphql::Schema;
use domain::Domain;

pub use context::{RequestAuth, authenticate, bearer_token};
pub use error::{ApiError, ApiResult, error_response};
pub use limits::Limits;
pub use session_cookie::SessionCookie;

use completion::FieldTypes;
use loaders::Loaders;
use mutation::Mutation;
use query::Query;

pub type ClienteleSchema = Schema<Query, Mutation, Subscription>;

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
}

pub fn build_schema(
    domain: Domain,
    live: events_feed::LiveFeed,
    config: ApiConfig,
) -> ClienteleSchema {
    builder(field_types(), &config.limits)
        .data(domain)
        .data(live)
        .data(config)
        .finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder(FieldTypes::default(), &Limits::default())
        .finish()
        .sdl()
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
/// ones (tested).
fn builder(
    field_types: FieldTypes,
    limits: &Limits,
) -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query, Mutation::default(), Subscription)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity)
        .extension(responses::ErrorResponses::new(field_types))
        .extension(socket::SocketAuth)
}

/// Attaches what every resolver of one request may need: who is asking, and fresh
/// per-request data loaders (so batching and caching never leak between requests).
pub fn prepare_request(
    request: async_graphql::Request,
    domain: &Domain,
    auth: RequestAuth,
) -> async_graphql::Request {
    let actor = match &auth {
        RequestAuth::SignedIn(actor) => Some(actor.clone()),
        _ => None,
    };
    request
        .data(auth)
        .data(Loaders::for_request(domain.clone(), actor))
}
