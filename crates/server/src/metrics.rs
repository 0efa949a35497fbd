//! `GET /metrics`: the server's counters in Prometheus' text format.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::state::AppState;

pub(crate) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let live = state.api.live_counters();
    let body = format!(
        "# HELP clientele_sql_statements_total SQL statements run since start (BEGIN and COMMIT not counted).\n\
         # TYPE clientele_sql_statements_total counter\n\
         clientele_sql_statements_total {}\n\
         # HELP clientele_live_renders_total Live events rendered: once per group of subscribers who sent the same document and variables and see the same.\n\
         # TYPE clientele_live_renders_total counter\n\
         clientele_live_renders_total {}\n\
         # HELP clientele_live_events_delivered_total Live events sent to subscribers.\n\
         # TYPE clientele_live_events_delivered_total counter\n\
         clientele_live_events_delivered_total {}\n",
        state.domain.sql_statements(),
        live.renders,
        live.delivered,
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}
