//! The `viewer` table (SPEC "One door"): what a member reads through `viewer` — its own
//! fields, its membership's, and the fixture account's reached through
//! `viewer.memberships` and `viewer.currentAccount` — by session state and permission.
//!
//! In a restricted state (PW_CHANGE, NO_2FA) `viewer` shows the user and, per
//! membership, the account's id and name and the role; permissions are `[]`; every other
//! field of the membership and the account is FORBIDDEN with the state's reason, its null
//! landing where GraphQL puts it. In the normal state an account's fields reached
//! through `viewer` obey the same rules as through `account(id)`: the expectations come
//! from the same rows of [`OPERATIONS`], and each allowed read is compared with the
//! `account(id)` answer.
//!
//! Columns: the members of the fixture account, and the anonymous caller (`viewer` is
//! null, no error, whatever is selected). OTHER and STAFF are left out: they are no
//! members of it, so their `viewer` reaches another account (OTHER's, read as the OWNER
//! column reads Acme) or none (staff have no memberships and no current account).

use super::*;

/// Where a field is read from under `viewer`.
#[derive(Clone, Copy)]
pub(super) struct Place {
    /// Names the place in the grid.
    label: &'static str,
    /// The query, with `%` where the field's selection goes.
    query: &'static str,
    /// The path of the object the field belongs to.
    prefix: &'static str,
    /// A sibling that must still arrive when the field fails and its null stays at it.
    sibling: &'static str,
    /// Where a failing non-null field of the object leaves its null: the nearest
    /// nullable ancestor. `viewer.memberships` is `[Membership!]!` and
    /// `Membership.account` is `Account!`, so for a membership and its account it is
    /// `viewer` itself; `Viewer.currentAccount` is nullable.
    nullable_parent: &'static str,
}

const VIEWER: Place = Place {
    label: "viewer",
    query: "{ viewer { user { email } % } }",
    prefix: "viewer",
    sibling: "viewer.user.email",
    nullable_parent: "viewer",
};
const MEMBERSHIP: Place = Place {
    label: "memberships",
    query: "{ viewer { user { email } memberships { role % } } }",
    prefix: "viewer.memberships.0",
    sibling: "viewer.memberships.0.role",
    nullable_parent: "viewer",
};
const MEMBERSHIP_ACCOUNT: Place = Place {
    label: "memberships.account",
    query: "{ viewer { user { email } memberships { account { id % } } } }",
    prefix: "viewer.memberships.0.account",
    sibling: "viewer.memberships.0.account.id",
    nullable_parent: "viewer",
};
const CURRENT_ACCOUNT: Place = Place {
    label: "currentAccount",
    query: "{ viewer { user { email } currentAccount { id % } } }",
    prefix: "viewer.currentAccount",
    sibling: "viewer.currentAccount.id",
    nullable_parent: "viewer.currentAccount",
};

/// What a field read through `viewer` shows, by session state.
#[derive(Clone, Copy)]
enum Shown {
    /// In every state: the user, the role, the account's id and name.
    Always,
    /// The member's permissions; `[]` in a restricted state.
    Permissions,
    /// Nothing in a restricted state (FORBIDDEN with the state's reason); otherwise
    /// what `account(id)` shows: the field's row in [`OPERATIONS`] says who reads it
    /// (no row: every member).
    AccountData,
}

pub(super) struct ViewerField {
    /// `Type.field` as the schema names it.
    pub(super) name: &'static str,
    /// The field and its sub-selection.
    selection: &'static str,
    /// Whether the schema lets the field be null (the coverage test checks it).
    pub(super) nullable: bool,
    shown: Shown,
    /// What an allowed member reads at the field (`None`: present and not null).
    value: fn(&World, Actor) -> Option<Value>,
}

impl ViewerField {
    fn field(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(_, f)| f)
    }
}

const fn field(
    name: &'static str,
    selection: &'static str,
    nullable: bool,
    shown: Shown,
    value: fn(&World, Actor) -> Option<Value>,
) -> ViewerField {
    ViewerField {
        name,
        selection,
        nullable,
        shown,
        value,
    }
}

fn email(_: &World, actor: Actor) -> Option<Value> {
    Some(json!({ "email": actor.email() }))
}

fn account_id(world: &World, _: Actor) -> Option<Value> {
    Some(json!({ "id": world.account_id }))
}

fn present(_: &World, _: Actor) -> Option<Value> {
    None
}

/// `Viewer`'s fields, read at `viewer`.
pub(super) const VIEWER_FIELDS: &[ViewerField] = &[
    field("Viewer.user", "user { email }", false, Shown::Always, email),
    field("Viewer.isStaff", "isStaff", false, Shown::Always, |_, _| {
        Some(json!(false))
    }),
    field(
        "Viewer.twoFactorEnabled",
        "twoFactorEnabled",
        false,
        Shown::Always,
        |_, actor| Some(json!(actor.has_two_factor())),
    ),
    field(
        "Viewer.apiTokens",
        "apiTokens { name }",
        false,
        Shown::Always,
        present,
    ),
    field(
        "Viewer.passkeys",
        "passkeys { name }",
        false,
        Shown::Always,
        present,
    ),
    field(
        "Viewer.sessions",
        "sessions { current }",
        false,
        Shown::Always,
        present,
    ),
    field(
        "Viewer.passwordChangeRequired",
        "passwordChangeRequired",
        false,
        Shown::Always,
        |_, actor| Some(json!(actor == Actor::MustChangePassword)),
    ),
    field(
        "Viewer.memberships",
        "memberships { role }",
        false,
        Shown::Always,
        |_, actor| Some(json!([{ "role": actor.role() }])),
    ),
    field(
        "Viewer.currentAccount",
        "currentAccount { name }",
        true,
        Shown::Always,
        |_, _| Some(json!({ "name": "Acme" })),
    ),
    field(
        "Viewer.permissions",
        "permissions",
        false,
        Shown::Permissions,
        present,
    ),
];

/// `Membership`'s fields, read at `viewer.memberships.0` (the fixture account: each
/// member has no other).
pub(super) const MEMBERSHIP_FIELDS: &[ViewerField] = &[
    field(
        "Membership.account",
        "account { id }",
        false,
        Shown::Always,
        account_id,
    ),
    field(
        "Membership.role",
        "role",
        false,
        Shown::Always,
        |_, actor| Some(json!(actor.role())),
    ),
    field(
        "Membership.permissions",
        "permissions",
        false,
        Shown::Permissions,
        present,
    ),
    field(
        "Membership.contact",
        "contact { email }",
        false,
        Shown::AccountData,
        email,
    ),
    field(
        "Membership.accessExpiresAt",
        "accessExpiresAt",
        true,
        Shown::AccountData,
        |_, _| Some(Value::Null),
    ),
    field(
        "Membership.scope",
        "scope { serviceIds domainIds }",
        true,
        Shown::AccountData,
        |world, actor| match actor {
            Actor::ScopedIn => Some(world.scope_in.clone()),
            _ => Some(Value::Null),
        },
    ),
];

/// `Account`'s fields, read at `viewer.memberships.0.account` and at
/// `viewer.currentAccount`.
pub(super) const ACCOUNT_FIELDS: &[ViewerField] = &[
    field("Account.id", "id", false, Shown::Always, |world, _| {
        Some(json!(world.account_id))
    }),
    field("Account.name", "name", false, Shown::Always, |_, _| {
        Some(json!("Acme"))
    }),
    field(
        "Account.owner",
        "owner { email }",
        false,
        Shown::AccountData,
        |_, _| Some(json!({ "email": OWNER_EMAIL })),
    ),
    field(
        "Account.billingContact",
        "billingContact { email }",
        true,
        Shown::AccountData,
        |_, _| Some(json!({ "email": BILLING_EMAIL })),
    ),
    field(
        "Account.createdAt",
        "createdAt",
        false,
        Shown::AccountData,
        present,
    ),
    field(
        "Account.requireTwoFactor",
        "requireTwoFactor",
        false,
        Shown::AccountData,
        |_, _| Some(json!(true)),
    ),
    field(
        "Account.eventsCursor",
        "eventsCursor",
        false,
        Shown::AccountData,
        present,
    ),
    field(
        "Account.contacts",
        "contacts { totalCount }",
        true,
        Shown::AccountData,
        present,
    ),
    field(
        "Account.invitations",
        "invitations { nodes { email } }",
        true,
        Shown::AccountData,
        |_, _| Some(json!({ "nodes": [{ "email": INVITEE_EMAIL }] })),
    ),
    field(
        "Account.apiTokens",
        "apiTokens { name }",
        true,
        Shown::AccountData,
        present,
    ),
    field(
        "Account.webhookEndpoints",
        "webhookEndpoints { url }",
        true,
        Shown::AccountData,
        present,
    ),
    field(
        "Account.invoices",
        "invoices { totalCount }",
        true,
        Shown::AccountData,
        present,
    ),
    field(
        "Account.services",
        "services { totalCount }",
        true,
        Shown::AccountData,
        present,
    ),
    field(
        "Account.domains",
        "domains { totalCount }",
        true,
        Shown::AccountData,
        present,
    ),
    field(
        "Account.tickets",
        "tickets { totalCount }",
        true,
        Shown::AccountData,
        present,
    ),
    field(
        "Account.emails",
        "emails { totalCount }",
        true,
        Shown::AccountData,
        present,
    ),
    field(
        "Account.auditLog",
        "auditLog { totalCount }",
        true,
        Shown::AccountData,
        present,
    ),
];

/// The table's columns (see the module's documentation).
pub(super) const VIEWER_COLUMNS: [Actor; 9] = [
    Actor::Owner,
    Actor::Admin,
    Actor::Billing,
    Actor::Technical,
    Actor::Custom,
    Actor::ScopedIn,
    Actor::MustChangePassword,
    Actor::NoSecondFactor,
    Actor::Anonymous,
];

/// Every row of the table: a field at a place, and its label in the grid.
pub(super) fn rows() -> Vec<(String, Place, &'static ViewerField)> {
    let at = |place: Place, fields: &'static [ViewerField]| {
        fields
            .iter()
            .map(move |f| (format!("{}.{}", place.label, f.field()), place, f))
    };
    at(VIEWER, VIEWER_FIELDS)
        .chain(at(MEMBERSHIP, MEMBERSHIP_FIELDS))
        .chain(at(MEMBERSHIP_ACCOUNT, ACCOUNT_FIELDS))
        .chain(at(CURRENT_ACCOUNT, ACCOUNT_FIELDS))
        .collect()
}

/// The permissions the matrix's row for `name` needs (no row: none, any member).
fn needs_of(name: &str) -> &'static [&'static str] {
    match OPERATIONS
        .iter()
        .find(|op| op.name == name)
        .map(|op| op.guard)
    {
        Some(Guard::Needs(needs)) => needs,
        Some(Guard::StaffOnly) | None => &[],
    }
}

fn expected(world: &World, place: Place, field: &ViewerField, actor: Actor) -> Expected {
    let at = format!("{}.{}", place.prefix, field.field());
    if actor == Actor::Anonymous {
        return Expected::allowed(&at, Some(("viewer".to_owned(), Value::Null)));
    }
    let state = actor.state();
    let value = (field.value)(world, actor).map(|v| (at.clone(), v));
    match field.shown {
        Shown::Always => Expected::allowed(&at, value),
        Shown::Permissions => {
            let held = match state {
                SessionState::Normal => actor.permissions().unwrap_or_default(),
                _ => &[],
            };
            Expected::allowed(&at, Some((at.clone(), json!(held))))
        }
        Shown::AccountData
            if state == SessionState::Normal && actor.holds(needs_of(field.name)) =>
        {
            Expected::allowed(&at, value)
        }
        Shown::AccountData => {
            let null_at = if field.nullable {
                at.as_str()
            } else {
                place.nullable_parent
            };
            // What still arrives: the failed field's sibling, or the viewer's user when
            // the null took the current account; nothing when it took `viewer`.
            let context = if null_at == at {
                Some(place.sibling)
            } else if null_at != "viewer" {
                Some("viewer.user.email")
            } else {
                None
            };
            Expected::error(Outcome::Forbidden, &at, null_at, state.reason(), context)
        }
    }
}

/// For a member in the normal state: whether `account(id)` answers the same as the
/// account reached through `viewer` did (same error code, same value).
async fn same_as_account_query(
    world: &World,
    actor: Actor,
    field: &ViewerField,
    at: &str,
    through_viewer: &Gql,
) -> Result<(), String> {
    let query = format!(
        "query($a: ID!) {{ account(id: $a) {{ id {} }} }}",
        field.selection
    );
    let direct = world
        .send(actor, &query, json!({ "a": world.account_id }))
        .await;
    let path = format!("account.{}", field.field());
    if direct.error_code() != through_viewer.error_code()
        || direct.get(&path) != through_viewer.get(at)
    {
        return Err(format!(
            "through viewer it is not what account(id) answers\n    request: {query}\n    \
             account(id) answered (HTTP {}): {}",
            direct.status, direct.body
        ));
    }
    Ok(())
}

/// Runs every row of the table in one world (reads change nothing).
pub(super) async fn run_viewer_table() -> (Vec<Verdict>, Vec<String>) {
    let world = World::start().await;
    let mut verdicts = Vec::new();
    for (label, place, field) in rows() {
        let query = place.query.replace('%', field.selection);
        for actor in VIEWER_COLUMNS {
            let expected = expected(&world, place, field, actor);
            let r = world.send(actor, &query, json!({})).await;
            let mut problem = judge(&expected, &r).err();
            let compared = field.name.starts_with("Account.")
                && actor != Actor::Anonymous
                && actor.state() == SessionState::Normal;
            if problem.is_none() && compared {
                problem = same_as_account_query(&world, actor, field, &expected.at, &r)
                    .await
                    .err();
            }
            let problem = problem
                .map(|reason| mismatch(&label, actor, &expected, &reason, &query, &json!({}), &r));
            verdicts.push(Verdict {
                row: label.clone(),
                actor,
                expected: expected.short(),
                problem,
            });
        }
    }
    let setup_problems = world.setup_problems.clone();
    world.app.stop().await;
    (verdicts, setup_problems)
}
