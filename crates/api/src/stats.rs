//! What the API counts for `GET /metrics`: operations by name and type with their
//! duration, errors by code, live renders and deliveries.
//!
//! Operation names are the client's to choose, so they are labels only while they are
//! few and plain: past [`MAX_NAMES`] distinct names, or for a name that is long, new
//! ones count as `other` (a flood of invented names cannot grow the registry).

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use async_graphql::ServerError;
use async_graphql::parser::types::OperationType;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::error::code;

/// Distinct operation names kept as labels.
const MAX_NAMES: usize = 200;
const MAX_NAME_LEN: usize = 64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct OperationLabel {
    operation: String,
    r#type: &'static str,
}

impl OperationLabel {
    /// A request refused before it was known what it runs.
    pub(crate) fn unknown() -> Self {
        Self {
            operation: "unknown".into(),
            r#type: "unknown",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: String,
}

pub(crate) struct ApiStats {
    operations: Family<OperationLabel, Histogram>,
    errors: Family<CodeLabel, Counter>,
    names: Mutex<HashSet<String>>,
    /// Live events (and stream endings) rendered: once per group, not per subscriber.
    pub(crate) renders: Counter,
    /// Live events sent to subscribers.
    pub(crate) delivered: Counter,
    pub(crate) subscriptions_open: Gauge,
}

impl Default for ApiStats {
    fn default() -> Self {
        Self {
            // 1 ms to ~16 s.
            operations: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.001, 2.0, 15))
            }),
            errors: Family::default(),
            names: Mutex::default(),
            renders: Counter::default(),
            delivered: Counter::default(),
            subscriptions_open: Gauge::default(),
        }
    }
}

impl ApiStats {
    pub(crate) fn register(&self, registry: &mut Registry) {
        registry.register(
            "clientele_graphql_operation_duration_seconds",
            "GraphQL operations (HTTP and WebSocket) by operation name and type, and how long each ran (a subscription: while open)",
            self.operations.clone(),
        );
        registry.register(
            "clientele_graphql_errors",
            "GraphQL errors answered, by extensions.code",
            self.errors.clone(),
        );
        registry.register(
            "clientele_live_renders",
            "Live events rendered: once per group of subscribers who sent the same document and variables and see the same",
            self.renders.clone(),
        );
        registry.register(
            "clientele_live_events_delivered",
            "Live events sent to subscribers",
            self.delivered.clone(),
        );
        registry.register(
            "clientele_subscriptions_open",
            "Live subscriptions open on this instance",
            self.subscriptions_open.clone(),
        );
    }

    /// The label of the operation `name` of type `ty`.
    pub(crate) fn label(&self, name: &str, ty: OperationType) -> OperationLabel {
        let r#type = match ty {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        };
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        let known = names.contains(name)
            || (name.len() <= MAX_NAME_LEN
                && names.len() < MAX_NAMES
                && names.insert(name.to_owned()));
        OperationLabel {
            operation: if known { name } else { "other" }.to_owned(),
            r#type,
        }
    }

    pub(crate) fn finished(&self, label: &OperationLabel, took: Duration) {
        self.operations
            .get_or_create(label)
            .observe(took.as_secs_f64());
    }

    pub(crate) fn errors(&self, errors: &[ServerError]) {
        for error in errors {
            let code = match code(error) {
                Some(async_graphql::Value::String(code)) => code.clone(),
                _ => "NONE".to_owned(),
            };
            self.errors.get_or_create(&CodeLabel { code }).inc();
        }
    }
}
