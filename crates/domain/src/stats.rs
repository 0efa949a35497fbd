//! What the domain counts for `GET /metrics`: statements, sign-ins, throttles, events
//! published. The server registers these beside its own (see its `metrics` module).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::throttle::Rule;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RuleLabel {
    rule: &'static str,
}

/// How a sign-in (`login`) ended.
#[derive(Clone, Copy, Debug)]
pub enum SignIn {
    Succeeded,
    Failed,
    Throttled,
}

#[derive(Default)]
pub struct Stats {
    sql_statements: Counter,
    sign_ins: Family<OutcomeLabel, Counter>,
    throttled: Family<RuleLabel, Counter>,
    events_published: Counter,
}

impl Stats {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "clientele_sql_statements",
            "SQL statements run (BEGIN and COMMIT not counted)",
            self.sql_statements.clone(),
        );
        registry.register(
            "clientele_sign_ins",
            "Sign-ins (login) by outcome: succeeded, failed, throttled",
            self.sign_ins.clone(),
        );
        registry.register(
            "clientele_throttled",
            "Actions refused RATE_LIMITED, by throttle rule",
            self.throttled.clone(),
        );
        registry.register(
            "clientele_events_published",
            "Live events committed to the log (and announced to every instance)",
            self.events_published.clone(),
        );
    }

    pub fn sql_statements(&self) -> u64 {
        self.sql_statements.get()
    }

    pub(crate) fn statement(&self) {
        self.sql_statements.inc();
    }

    pub(crate) fn sign_in(&self, outcome: SignIn) {
        let outcome = match outcome {
            SignIn::Succeeded => "succeeded",
            SignIn::Failed => "failed",
            SignIn::Throttled => "throttled",
        };
        self.sign_ins.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    pub(crate) fn throttled(&self, rule: Rule) {
        self.throttled
            .get_or_create(&RuleLabel { rule: rule.name() })
            .inc();
    }

    pub(crate) fn events_logged(&self, count: u64) {
        self.events_published.inc_by(count);
    }
}
