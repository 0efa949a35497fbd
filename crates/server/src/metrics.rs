//! `GET /metrics` in Prometheus' text format (OpenMetrics). One registry per instance,
//! not a process-wide recorder: tests run several servers in one process.
//!
//! What each part counts is registered by its owner: the domain (SQL statements,
//! sign-ins, throttles, events published), the API (operations and their duration,
//! errors by code, live renders and deliveries, subscriptions open), the mail worker
//! (delivery attempts). Here: WebSocket connections, and what is read at each scrape
//! (the outbox's backlog, the database pool).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

pub(crate) struct Metrics {
    registry: Registry,
    pub(crate) websockets_open: Gauge,
    outbox_queued: Gauge,
    outbox_oldest_age: Gauge<f64, AtomicU64>,
    outbox_failed: Gauge,
    pool_open: Gauge,
    pool_in_use: Gauge,
}

impl Metrics {
    /// Takes the registry the domain, API and mail worker have registered in.
    pub(crate) fn new(mut registry: Registry) -> Arc<Self> {
        let metrics = Self {
            registry: Registry::default(),
            websockets_open: Gauge::default(),
            outbox_queued: Gauge::default(),
            outbox_oldest_age: Gauge::default(),
            outbox_failed: Gauge::default(),
            pool_open: Gauge::default(),
            pool_in_use: Gauge::default(),
        };
        registry.register(
            "clientele_websocket_connections_open",
            "WebSocket connections open on this instance",
            metrics.websockets_open.clone(),
        );
        registry.register(
            "clientele_outbox_queued",
            "Emails waiting to be sent or retried",
            metrics.outbox_queued.clone(),
        );
        registry.register(
            "clientele_outbox_oldest_queued_age_seconds",
            "How long the oldest queued email has waited",
            metrics.outbox_oldest_age.clone(),
        );
        registry.register(
            "clientele_outbox_failed",
            "Emails given up on",
            metrics.outbox_failed.clone(),
        );
        registry.register(
            "clientele_db_pool_connections",
            "Database pool connections open",
            metrics.pool_open.clone(),
        );
        registry.register(
            "clientele_db_pool_connections_in_use",
            "Database pool connections in use",
            metrics.pool_in_use.clone(),
        );
        Arc::new(Self {
            registry,
            ..metrics
        })
    }

    /// Reads what is not counted as it happens, then encodes everything.
    pub(crate) async fn scrape(&self, domain: &domain::Domain) -> String {
        let (open, in_use) = domain.pool();
        self.pool_open.set(open.into());
        self.pool_in_use.set(in_use.into());
        match domain.outbox_backlog().await {
            Ok(backlog) => {
                self.outbox_queued.set(backlog.queued as i64);
                self.outbox_oldest_age
                    .set(backlog.oldest_queued_age.as_secs_f64());
                self.outbox_failed.set(backlog.failed as i64);
            }
            // The database is away: the outbox figures keep their last values.
            Err(err) => tracing::warn!(error = %err, "could not read the outbox for /metrics"),
        }
        let mut text = String::new();
        if let Err(err) = encode(&mut text, &self.registry) {
            tracing::error!(error = %err, "could not encode /metrics");
        }
        text
    }
}
