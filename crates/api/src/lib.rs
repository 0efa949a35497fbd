//! The GraphQL API. Thin: resolve arguments, call a domain service, map the result.
//! Every error carries `extensions.code` (see [`error`]).

mod completion;
mod connection;
mod context;
mod error;
mod guards;
mod loaders;
mod mutation;
mod query;
mod scalars;
mod subscription;
mod types;

use async_graphql::Schema;
use async_graphql::dataloader::DataLoader;
use domain::Domain;

pub use context::{RequestAuth, authenticate, bearer_token};
pub use error::{ApiError, ApiResult, code_of};
pub use mutation::SESSION_COOKIE;

use completion::FieldTypes;
use loaders::Loaders;
use mutation::Mutation;
use query::Query;

pub type ClienteleSchema = Schema<Query, Mutation, Subscription>;

use subscription::Subscription;
pub use subscription::{MAX_SUBSCRIPTIONS_PER_CONNECTION, SubscriptionSlots};

/// Limits that keep one request from costing the server too much. The standard
/// introspection query that GraphiQL sends stays well inside them (tested).
pub const MAX_DEPTH: usize = 16;
pub const MAX_COMPLEXITY: usize = 2_000;

/// Settings of the HTTP surface that resolvers need.
#[derive(Clone, Debug, Default)]
pub struct ApiConfig {
    /// Mark the session cookie `Secure` (the portal is served over HTTPS).
    pub secure_cookies: bool,
}

pub fn build_schema(
    domain: Domain,
    live: events_feed::LiveFeed,
    config: ApiConfig,
) -> ClienteleSchema {
    builder(field_types())
        .data(domain)
        .data(live)
        .data(config)
        .finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder(FieldTypes::default()).finish().sdl()
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

fn builder(field_types: FieldTypes) -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query, Mutation::default(), Subscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(error::ErrorResponses::new(field_types))
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
    request.data(auth).data(DataLoader::new(
        Loaders::new(domain.clone(), actor),
        tokio::spawn,
    ))
}

/// The data of one WebSocket connection, from its `connection_init` payload
/// (`{"authorization": "Bearer …"}`) or, failing that, the session cookie of the
/// upgrade request (which the server only passes on when its Origin is the portal's).
/// A dead token refuses the connection; no token at all makes an anonymous one, whose
/// subscriptions answer UNAUTHENTICATED.
pub async fn websocket_connection(
    domain: &Domain,
    payload: &serde_json::Value,
    cookie_token: Option<&str>,
    meta: domain::RequestMeta,
) -> async_graphql::Result<async_graphql::Data> {
    let bearer = payload
        .get("authorization")
        .or_else(|| payload.get("Authorization"))
        .and_then(|v| v.as_str())
        .and_then(bearer_token);
    let token = bearer.or(cookie_token);
    let auth = authenticate(domain, token, meta)
        .await
        .map_err(|e| async_graphql::Error::from(ApiError(e)))?;
    if let RequestAuth::Invalid(_, message) = &auth {
        return Err(ApiError(domain::DomainError::Unauthenticated(message.clone())).into());
    }
    let actor = match &auth {
        RequestAuth::SignedIn(actor) => Some(actor.clone()),
        _ => None,
    };
    let mut data = async_graphql::Data::default();
    data.insert(auth);
    // No cache: a connection lives for hours, and permissions must be read fresh.
    data.insert(DataLoader::with_cache(
        Loaders::new(domain.clone(), actor),
        tokio::spawn,
        async_graphql::dataloader::NoCache,
    ));
    data.insert(SubscriptionSlots::default());
    Ok(data)
}
