//! The HTTP surface: GraphQL, GraphiQL, health and readiness.

use api::{Api, ApiConfig, SessionCookie};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use domain::Domain;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::Config;
use crate::persisted::PersistedOperations;
use crate::state::AppState;

pub(crate) fn router(
    domain: Domain,
    live: events::LiveFeed,
    config: &Config,
    persisted: PersistedOperations,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let session_cookie = SessionCookie::new(config.http.public_url.is_https());
    let api_config = ApiConfig {
        session_cookie,
        limits: config.limits,
    };
    let api = Api::new(domain.clone(), live.clone(), api_config);
    Router::new()
        .route(
            "/graphql",
            get(crate::graphql_http::get).post(crate::graphql_http::post),
        )
        .route("/graphql/ws", get(crate::websocket::upgrade))
        .route("/invoices/{id}/pdf", get(crate::invoice_pdf::download))
        .route(
            "/unsubscribe/{token}",
            get(crate::unsubscribe::confirm_page).post(crate::unsubscribe::one_click),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(crate::metrics::metrics))
        .route("/readyz", get(readyz))
        .with_state(AppState {
            api,
            domain,
            public_origin: config.http.public_url.origin().to_owned(),
            session_cookie,
            persisted: std::sync::Arc::new(persisted),
            introspection: config.http.introspection,
            shutdown,
            ws_ping: config.events.ping_interval,
            ws_init_timeout: config.events.ws_init_timeout,
            limits: config.limits,
            live,
        })
        .layer(RequestBodyLimitLayer::new(config.limits.body_bytes))
        .layer(TraceLayer::new_for_http())
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
