//! The HTTP surface: GraphQL, GraphiQL, health and readiness.

use std::net::SocketAddr;

use api::{ApiConfig, ClienteleSchema, SESSION_COOKIE};
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use domain::{Domain, RequestMeta};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::Config;

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) schema: ClienteleSchema,
    pub(crate) domain: Domain,
    /// PUBLIC_URL's origin (scheme://host[:port]), which cookie-authenticated sockets
    /// must come from.
    pub(crate) public_origin: String,
    pub(crate) shutdown: tokio::sync::watch::Receiver<bool>,
    pub(crate) ws_ping: std::time::Duration,
    /// WebSocket message size and subscriptions per connection.
    pub(crate) limits: api::Limits,
    /// Where WebSockets hear that a user's access changed (on any instance).
    pub(crate) live: events::LiveFeed,
}

pub(crate) fn router(
    domain: Domain,
    live: events::LiveFeed,
    config: &Config,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let api_config = ApiConfig {
        secure_cookies: config.http.public_url.is_https(),
        limits: config.limits,
    };
    let schema = api::build_schema(domain.clone(), live.clone(), api_config);
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/graphql/ws", get(crate::websocket::upgrade))
        .route("/invoices/{id}/pdf", get(crate::invoice_pdf::download))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(AppState {
            schema,
            domain,
            public_origin: config.http.public_url.origin().to_owned(),
            shutdown,
            ws_ping: config.events.ping_interval,
            limits: config.limits,
            live,
        })
        .layer(RequestBodyLimitLayer::new(config.limits.body_bytes))
        .layer(TraceLayer::new_for_http())
}

async fn graphiql() -> impl IntoResponse {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .finish(),
    )
}

async fn graphql(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let meta = RequestMeta {
        ip: Some(peer.ip().to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let auth =
        match api::authenticate(&state.domain, session_token(&headers).as_deref(), meta).await {
            Ok(auth) => auth,
            Err(err) => return api::error_response(err).into(),
        };
    let request = api::prepare_request(request.into_inner(), &state.domain, auth);
    state.schema.execute(request).await.into()
}

/// The session token: `Authorization: Bearer …` first, else the session cookie.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(api::bearer_token)
        .map(str::to_owned);
    bearer.or_else(|| session_cookie(headers))
}

/// The `clientele_session` cookie, if the request carries a non-empty one.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|token| !token.is_empty())
}

/// The HTTP status of a domain error, for routes that answer outside GraphQL.
pub(crate) fn http_status(err: &domain::DomainError) -> StatusCode {
    StatusCode::from_u16(err.code().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.domain.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(err) => {
            tracing::warn!(error = %err, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
