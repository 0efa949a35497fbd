//! Expectations, generated from the tables, and the judge that holds a response to one.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Allowed,
    Forbidden,
    NotFound,
    Unauthenticated,
}

impl Outcome {
    pub(super) fn code(self) -> &'static str {
        match self {
            Outcome::Allowed => "ALLOWED (no error, data present)",
            Outcome::Forbidden => "FORBIDDEN",
            Outcome::NotFound => "NOT_FOUND",
            Outcome::Unauthenticated => "UNAUTHENTICATED",
        }
    }
}

/// One row's expectation: the outcome, where (the field's path under `data`; for an
/// error, also the error's `path`), the error's `extensions.reason` (none: the error
/// must carry none), where the failure leaves its `null` (see [`null_lands_at`]), and
/// what must still arrive next to a failed field.
#[derive(Clone, Debug)]
pub(super) struct Expected {
    pub(super) outcome: Outcome,
    pub(super) at: String,
    /// For an error: the path under `data` that must be present with the value null
    /// (`""`: `data` itself).
    pub(super) null_at: String,
    pub(super) reason: Option<&'static str>,
    pub(super) context: Option<String>,
    /// For an allowed caller: a value read at a path (compared as JSON, lists of
    /// strings in any order); without one, the field must be present and not null.
    pub(super) value: Option<(String, Value)>,
}

impl Expected {
    pub(super) fn allowed(at: &str, value: Option<(String, Value)>) -> Self {
        Expected {
            outcome: Outcome::Allowed,
            at: at.to_owned(),
            null_at: at.to_owned(),
            reason: None,
            context: None,
            value,
        }
    }

    pub(super) fn error(
        outcome: Outcome,
        at: &str,
        null_at: &str,
        reason: Option<&'static str>,
        context: Option<&str>,
    ) -> Self {
        Expected {
            outcome,
            at: at.to_owned(),
            null_at: null_at.to_owned(),
            reason,
            context: context.map(str::to_owned),
            value: None,
        }
    }

    /// How the grid shows it: the outcome, and the reason when there is one.
    pub(super) fn short(&self) -> &'static str {
        match (self.outcome, self.reason) {
            (Outcome::Allowed, _) => "allowed",
            (Outcome::Forbidden, Some("PASSWORD_CHANGE_REQUIRED")) => "FORB:PWCHG",
            (Outcome::Forbidden, Some("TWO_FACTOR_REQUIRED")) => "FORB:2FA",
            (Outcome::Forbidden, Some("API_TOKEN_NOT_ALLOWED")) => "FORB:TOKEN",
            (Outcome::Forbidden, _) => "FORBIDDEN",
            (Outcome::NotFound, _) => "NOT_FOUND",
            (Outcome::Unauthenticated, _) => "UNAUTH",
        }
    }
}

impl Op {
    fn field(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(_, f)| f)
    }

    /// The path of the field itself, and of the root field an unknown or anonymous
    /// caller (or a session in a restricted state) is stopped at.
    pub(super) fn paths(&self) -> (&'static str, &'static str) {
        match self.how {
            How::Read { path, .. } => (path, path.split('.').next().unwrap_or(path)),
            How::Mutation { .. } => (self.field(), self.field()),
        }
    }

    pub(super) fn expected(&self, actor: Actor) -> Expected {
        let (at, root) = self.paths();
        let (context, within, value) = match self.how {
            How::Read {
                context,
                within,
                value,
                ..
            } => (context, within, value),
            How::Mutation { value, .. } => (None, None, value),
        };
        let error = |outcome, at, reason, context| {
            Expected::error(outcome, at, null_lands_at(at), reason, context)
        };
        let value = value.map(|(path, want)| (path.to_owned(), json!(want)));
        let state = actor.state();
        match (actor, state, self.guard) {
            (Actor::Anonymous, ..) => error(Outcome::Unauthenticated, root, None, None),
            // What needs a person refuses a token, before any permission.
            (token, ..) if token.is_token() && self.needs_a_person() => error(
                Outcome::Forbidden,
                root,
                Some("API_TOKEN_NOT_ALLOWED"),
                None,
            ),
            (Actor::Staff, ..) => Expected::allowed(at, value),
            // Refused at the door, whatever the operation: before any permission.
            (_, SessionState::PasswordChangeRequired, _) => {
                error(Outcome::Forbidden, root, state.reason(), None)
            }
            // Not about the account: plain FORBIDDEN, as for any member.
            (_, _, Guard::StaffOnly) => error(Outcome::Forbidden, at, None, None),
            (Actor::Other, _, Guard::Needs(_)) => error(Outcome::NotFound, root, None, None),
            (_, SessionState::TwoFactorRequired, Guard::Needs(_)) => {
                error(Outcome::Forbidden, root, state.reason(), None)
            }
            (member, SessionState::Normal, Guard::Needs(needs)) => {
                let expected = match within {
                    Some(list) if !member.holds(list.needs) => {
                        error(Outcome::Forbidden, list.path, None, Some(list.context))
                    }
                    _ if !member.holds(needs) => error(Outcome::Forbidden, at, None, context),
                    _ => Expected::allowed(at, value),
                };
                match member.scope() {
                    Some(scope) => self.scoped(scope, expected),
                    None => expected,
                }
            }
        }
    }

    /// Whether the schema marks the row's mutation `@personOnly`.
    fn needs_a_person(&self) -> bool {
        static MARKED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        let marked = MARKED.get_or_init(|| api::person_only_fields(&api::sdl()));
        self.name
            .strip_prefix("Mutation.")
            .is_some_and(|name| marked.iter().any(|m| m == name))
    }

    /// What a scope makes of a row the member may otherwise run (SPEC "Scoped access"):
    /// a list counts only what is in scope, in the query itself (its `totalCount`); a
    /// field of a row out of scope is not reached (the list shows another row); an id
    /// out of scope is NOT_FOUND, like one that is not there. SCOPED_IN looks after the
    /// fixture's service ("Web hosting", which the ticket is about) and domain;
    /// SCOPED_OUT after the other service ("Mail server") and no domain.
    fn scoped(&self, scope: Scope, expected: Expected) -> Expected {
        let (at, root) = self.paths();
        let in_scope = scope == Scope::In;
        let count = |n: u64| Expected::allowed(at, Some((format!("{at}.totalCount"), json!(n))));
        let not_found =
            || Expected::error(Outcome::NotFound, root, null_lands_at(root), None, None);
        match self.name {
            _ if expected.outcome != Outcome::Allowed => expected,
            "Account.services" => count(1),
            "Account.domains" | "Account.tickets" => count(u64::from(in_scope)),
            "Service.password" if !in_scope => Expected::allowed(
                at,
                Some((
                    "account.services.edges.0.node.productName".to_owned(),
                    json!("Mail server"),
                )),
            ),
            "Mutation.replyToTicket" if !in_scope => not_found(),
            // About a service recorded a moment ago: in nobody's scope.
            "Mutation.openTicket" => not_found(),
            _ => expected,
        }
    }
}

/// Root fields that are nullable: a failure there leaves `data` with the key, null.
/// Every other root field (all mutations, `accounts`, `portalSettings`) is non-null.
const NULLABLE_ROOT_FIELDS: &[&str] = &["account", "viewer"];

/// Where a failure at `at` leaves its `null`: at the field itself when it is nullable;
/// otherwise its nearest nullable parent (GraphQL spec, "Handling Field Errors"), which
/// for a non-null root field is `data` itself (`""`). Every field the matrix expects to
/// fail below the root is nullable (the guarded lists, `password`, `recurringAmount`);
/// `every_mutation_and_guarded_field_has_a_row_in_the_matrix` checks all of this
/// against the schema.
fn null_lands_at(at: &'static str) -> &'static str {
    if at.contains('.') || NULLABLE_ROOT_FIELDS.contains(&at) {
        at
    } else {
        ""
    }
}

/// The schema field (`Type.field`) a row's expected error is at.
pub(super) fn failing_field(op: &Op, at: &str) -> String {
    match op.how {
        How::Mutation { .. } => format!("Mutation.{at}"),
        How::Read { path, within, .. } => match within {
            _ if at == path => op.name.to_owned(),
            Some(list) if list.path == at => list.field.to_owned(),
            _ => format!("Query.{at}"),
        },
    }
}

/// `a.b.0.c` as a GraphQL error path: `["a", "b", 0, "c"]`.
fn error_path(path: &str) -> Value {
    Value::Array(
        path.split('.')
            .map(|part| match part.parse::<u64>() {
                Ok(i) => json!(i),
                Err(_) => json!(part),
            })
            .collect(),
    )
}

/// Equal as JSON, except that lists of strings (permissions) may come in any order.
fn same(got: &Value, want: &Value) -> bool {
    let sorted = |v: &Value| {
        v.as_array()
            .and_then(|items| items.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
            .map(|mut items| {
                items.sort_unstable();
                items.join(",")
            })
    };
    match (sorted(got), sorted(want)) {
        (Some(got), Some(want)) => got == want,
        _ => got == want,
    }
}

/// Whether the response is what the row expects; the reason when it is not.
pub(super) fn judge(expected: &Expected, r: &Gql) -> Result<(), String> {
    if expected.outcome == Outcome::Allowed {
        if let Some(errors) = r.body.get("errors") {
            return Err(format!("unexpected errors: {errors}"));
        }
        return match &expected.value {
            Some((path, want)) => match r.get(path) {
                None => Err(format!("no {path} in data")),
                Some(got) if !same(got, want) => Err(format!("{path} is {got}, not {want}")),
                Some(_) => Ok(()),
            },
            None if r.get(&expected.at).is_none_or(Value::is_null) => {
                Err(format!("no data at {}", expected.at))
            }
            None => Ok(()),
        };
    }
    let code = expected.outcome.code();
    if r.error_code() != Some(code) {
        return Err(format!(
            "first error code is {}",
            r.error_code().unwrap_or("missing")
        ));
    }
    let path = &r.body["errors"][0]["path"];
    if *path != error_path(&expected.at) {
        return Err(format!(
            "the {code} error is at {path}, not at {}",
            expected.at
        ));
    }
    let reason = r.body["errors"][0]["extensions"].get("reason");
    match (reason, expected.reason) {
        (None, None) => {}
        (Some(got), Some(want)) if got == want => {}
        (Some(got), None) => return Err(format!("the {code} error carries reason {got}")),
        (got, Some(want)) => {
            return Err(format!(
                "the {code} error's reason is {}, not {want}",
                got.map_or("missing".to_owned(), Value::to_string)
            ));
        }
    }
    // The field itself may be absent, under the nullable parent it nulled (checked next).
    if let Some(value) = r.get(&expected.at).filter(|v| !v.is_null()) {
        return Err(format!("{} is not null: {value}", expected.at));
    }
    // Present, not merely absent: the failed field's key (or, for a non-null field, its
    // nearest nullable parent's) is in `data` with the value null.
    if !r.null_at(&expected.null_at) {
        let where_ = match expected.null_at.as_str() {
            "" => "data",
            path => path,
        };
        return Err(format!(
            "{where_} is not present as null (a failed field leaves null at its path, \
             or at its nearest nullable parent when it is non-null)"
        ));
    }
    if let Some(context) = &expected.context
        && r.get(context).is_none_or(Value::is_null)
    {
        return Err(format!(
            "partial result lost: {context} is null next to the {code} field"
        ));
    }
    Ok(())
}
