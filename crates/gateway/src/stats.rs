//! What the API counts for `GET /metrics`: operations by root field and type with
//! their duration, errors by code, live renders and deliveries.
//!
//! Operations are labelled by what the schema bounds, never by the client's free text:
//! an operation name is whatever the client writes, and any cap on how many names are
//! kept lets invented ones crowd the real ones out. So an operation counts once under
//! each distinct root field it selects that the schema has (`login`, `viewer`,
//! `__typename`), or as `unknown` when it selects none (it is refused). The series are
//! at most the schema's root fields and one `unknown` per type, however clients name
//! their operations.

use std::time::Duration;

use async_graphql::ServerError;
use async_graphql::parser::types::OperationType;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use api::code;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct OperationLabel {
    /// A root field of the schema, or `unknown`.
    field: String,
    r#type: &'static str,
}

impl OperationLabel {
    /// A request refused before it was known what it runs.
    pub(crate) fn unknown() -> Self {
        Self {
            field: "unknown".into(),
            r#type: "unknown",
        }
    }

    /// The labels of an operation of type `ty` that selects `roots` (as written, in
    /// any number, known to the schema or not): one per distinct root field that
    /// `is_root_field` knows, or `unknown` when there is none.
    pub(crate) fn of<'r>(
        ty: OperationType,
        roots: impl IntoIterator<Item = &'r str>,
        is_root_field: impl Fn(&str) -> bool,
    ) -> Vec<Self> {
        let r#type = match ty {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        };
        let mut fields: Vec<&str> = roots.into_iter().filter(|f| is_root_field(f)).collect();
        fields.sort_unstable();
        fields.dedup();
        if fields.is_empty() {
            fields.push("unknown");
        }
        fields
            .into_iter()
            .map(|field| Self {
                field: field.to_owned(),
                r#type,
            })
            .collect()
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: String,
}

pub(crate) struct ApiStats {
    operations: Family<OperationLabel, Histogram>,
    errors: Family<CodeLabel, Counter>,
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
            "GraphQL operations (HTTP and WebSocket) by root field (once under each it selects) and type, and how long each ran (a subscription: while open)",
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

    pub(crate) fn finished(&self, labels: &[OperationLabel], took: Duration) {
        for label in labels {
            self.operations
                .get_or_create(label)
                .observe(took.as_secs_f64());
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(labels: &[OperationLabel]) -> Vec<(&str, &str)> {
        labels
            .iter()
            .map(|l| (l.field.as_str(), l.r#type))
            .collect()
    }

    #[test]
    fn an_operation_is_labelled_by_the_schemas_root_fields_it_selects() {
        let known = |f: &str| ["viewer", "account", "__typename"].contains(&f);
        let labels = OperationLabel::of(
            OperationType::Query,
            ["viewer", "account", "viewer", "inventedField"],
            known,
        );
        assert_eq!(fields(&labels), [("account", "query"), ("viewer", "query")]);
        let labels = OperationLabel::of(OperationType::Mutation, ["nothing", "known"], known);
        assert_eq!(fields(&labels), [("unknown", "mutation")]);
        assert_eq!(
            fields(&OperationLabel::of(OperationType::Query, [], known)),
            [("unknown", "query")]
        );
    }
}
