//! The HTTP surface: GraphQL, the GraphiQL playground, health and readiness.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::Config;
use crate::app::App;
use gateway::AppState;
use gateway::PersistedOperations;

/// The routes of `app`, as `config` sets them up.
pub(crate) fn router(
    app: &App,
    config: &Config,
    persisted: PersistedOperations,
    registry: prometheus_client::registry::Registry,
    shutdown: tokio::sync::watch::Receiver<bool>,
    smtp: Option<std::sync::Arc<crate::smtp_check::SmtpReachability>>,
) -> Router {
    let dashboard = match &config.http.dashboard_dir {
        Some(dir) => crate::dashboard::routes(dir),
        None => Router::new(),
    };
    // The playground shows the schema: with introspection off there is none.
    let (playground, graphiql) = if config.http.introspection {
        let assets = Router::new().route("/graphiql/{file}", get(crate::playground::asset));
        (
            assets,
            Some(crate::playground::page as fn() -> axum::response::Response),
        )
    } else {
        (Router::new(), None)
    };
    let metrics = crate::metrics::Metrics::new(registry);
    let websockets_open = metrics.websockets_open.clone();
    let routes = Router::new()
        .route(
            "/graphql",
            get(gateway::graphql_http::get).post(gateway::graphql_http::post),
        )
        .route("/graphql/ws", get(gateway::websocket::upgrade))
        .route("/invoices/{id}/pdf", get(crate::invoice_pdf::download))
        .route("/exports/{token}", get(crate::exports::download))
        .route(
            "/unsubscribe/{token}",
            get(crate::unsubscribe::confirm_page).post(crate::unsubscribe::one_click),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/metrics",
            get(move |State(state): State<AppState>| serve_metrics(state, metrics.clone())),
        )
        .route(
            "/readyz",
            get(move |State(state): State<AppState>| readyz(state, smtp.clone())),
        )
        .merge(playground)
        .merge(dashboard)
        .with_state(app_state(
            app,
            config,
            persisted,
            shutdown,
            websockets_open,
            graphiql,
        ))
        .layer(axum::middleware::from_fn_with_state(
            config.limits.body_time,
            body_in_time,
        ))
        .layer(RequestBodyLimitLayer::new(config.limits.body_bytes));
    with_request_ids(routes)
}

/// What every handler shares: the app's parts and the settings they answer by.
fn app_state(
    app: &App,
    config: &Config,
    persisted: PersistedOperations,
    shutdown: tokio::sync::watch::Receiver<bool>,
    websockets_open: prometheus_client::metrics::gauge::Gauge,
    graphiql: Option<fn() -> axum::response::Response>,
) -> AppState {
    AppState {
        api: app.api.clone(),
        domain: app.core.domain.clone(),
        public_origin: config.http.public_url.origin().to_owned(),
        trusted_proxies: std::sync::Arc::new(config.http.trusted_proxies.clone()),
        session_cookie: app.session_cookie,
        persisted: std::sync::Arc::new(persisted),
        introspection: config.http.introspection,
        shutdown,
        ws_ping: config.events.ping_interval,
        ws_init_timeout: config.events.ws_init_timeout,
        limits: config.limits,
        live: app.live.clone(),
        websockets_open,
        graphiql,
    }
}

/// Every request gets an id (the client's `X-Request-Id`, or a new UUID), which names
/// its span, so every log line of the request carries it, and comes back in the
/// response's `X-Request-Id`. One line per response at info: the access log.
fn with_request_ids(routes: Router) -> Router {
    routes
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|id| id.to_str().ok())
                        .unwrap_or_default();
                    // `operation`: the GraphQL operation's name, recorded once known.
                    tracing::info_span!("request", id, method = %request.method(), path = request.uri().path(),
                        operation = tracing::field::Empty)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Reads the whole request body within `limit` (a slow-body client would otherwise
/// hold its connection and a task for as long as it likes): 408 past it, 413 past the
/// size limit (the layer outside this one bounds the body).
async fn body_in_time(
    State(limit): State<std::time::Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(limit, axum::body::to_bytes(body, usize::MAX)).await {
        Ok(Ok(bytes)) => {
            next.run(axum::extract::Request::from_parts(parts, bytes.into()))
                .await
        }
        Ok(Err(err)) => {
            let too_large = std::error::Error::source(&err)
                .is_some_and(|e| e.is::<http_body_util::LengthLimitError>());
            if too_large {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "the request body is too large",
                )
                    .into_response()
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    "the request body could not be read",
                )
                    .into_response()
            }
        }
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            [(axum::http::header::CONNECTION, "close")],
            "the request body took too long to arrive",
        )
            .into_response(),
    }
}

/// Ready when the database answers within [`READY_WITHIN`] (a probe must not wait out
/// the pool's acquire timeout while the database restarts).
async fn readyz(
    state: AppState,
    smtp: Option<std::sync::Arc<crate::smtp_check::SmtpReachability>>,
) -> impl IntoResponse {
    match tokio::time::timeout(READY_WITHIN, state.domain.ping()).await {
        // The relay is reported, never a reason to be unready: emails wait for it.
        Ok(Ok(())) => match smtp {
            Some(smtp) => (StatusCode::OK, format!("ready\n{}", smtp.line())),
            None => (StatusCode::OK, "ready".to_owned()),
        },
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "database not reachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database unreachable".to_owned(),
            )
        }
        Err(_) => {
            tracing::warn!("database did not answer the readiness probe in time");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database unreachable".to_owned(),
            )
        }
    }
}

const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// `GET /metrics`: this instance's counters and gauges, in OpenMetrics text.
async fn serve_metrics(
    state: AppState,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.scrape(&state.domain).await,
    )
}
