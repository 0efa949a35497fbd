//! The authorization matrix: every guarded field and every mutation, for every kind of
//! caller, as one table of `(operation, actor) -> expected outcome` rows.
//! (Over 500 lines: one table of every guarded field and mutation × every caller.)
//!
//! The rows are generated from two declarative tables: [`OPERATIONS`] (what each
//! operation needs, as SPEC "Roles and permissions" and the schema's docs say) and
//! [`Actor::permissions`] (SPEC's role table). Every row is run; every mismatch is
//! collected with the operation, the actor, the expectation and the response body, and
//! the test fails once listing all of them. A second test checks through introspection
//! that the schema has no mutation or field of `Account`, `Service`, `Invoice` (or
//! `Query`) without a row or an explicit reason to have none.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use clientele_tests::{Gql, MEMBER_PASSWORD, STAFF_PASSWORD, TestApp};
use serde_json::{Value, json};

const VIEW_INVOICES: &str = "VIEW_INVOICES";
const PAY_INVOICES: &str = "PAY_INVOICES";
const VIEW_SERVICES: &str = "VIEW_SERVICES";
const VIEW_SERVICE_PASSWORDS: &str = "VIEW_SERVICE_PASSWORDS";
const VIEW_DOMAINS: &str = "VIEW_DOMAINS";
const VIEW_TICKETS: &str = "VIEW_TICKETS";
const OPEN_TICKETS: &str = "OPEN_TICKETS";
const MANAGE_CONTACTS: &str = "MANAGE_CONTACTS";
const MANAGE_ACCOUNT: &str = "MANAGE_ACCOUNT";
const VIEW_EMAILS: &str = "VIEW_EMAILS";
const VIEW_AUDIT_LOG: &str = "VIEW_AUDIT_LOG";
const TRANSFER_OWNERSHIP: &str = "TRANSFER_OWNERSHIP";

/// The password the two account owners register with.
const OWNER_PASSWORD: &str = "owner password 1";
const OWNER_EMAIL: &str = "owner@acme.test";
const BILLING_EMAIL: &str = "billing@acme.test";
/// Invited to the fixture account (pending).
const INVITEE_EMAIL: &str = "invitee@acme.test";

// ---------------------------------------------------------------------------------------
// Who asks
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Actor {
    /// The fixture account's owner (primary contact).
    Owner,
    Admin,
    Billing,
    Technical,
    /// A CUSTOM member with VIEW_TICKETS and OPEN_TICKETS only.
    Custom,
    /// The owner of a different account.
    Other,
    /// No token.
    Anonymous,
    Staff,
}

const ACTORS: [Actor; 8] = [
    Actor::Owner,
    Actor::Admin,
    Actor::Billing,
    Actor::Technical,
    Actor::Custom,
    Actor::Other,
    Actor::Anonymous,
    Actor::Staff,
];

const CUSTOM_PERMISSIONS: &[&str] = &[VIEW_TICKETS, OPEN_TICKETS];

impl Actor {
    fn label(self) -> &'static str {
        match self {
            Actor::Owner => "OWNER",
            Actor::Admin => "ADMIN",
            Actor::Billing => "BILLING",
            Actor::Technical => "TECHNICAL",
            Actor::Custom => "CUSTOM",
            Actor::Other => "OTHER",
            Actor::Anonymous => "ANONYMOUS",
            Actor::Staff => "STAFF",
        }
    }

    /// The actor's permissions on the fixture account, transcribed from SPEC's role
    /// table; `None` for those who are not members of it.
    fn permissions(self) -> Option<&'static [&'static str]> {
        match self {
            Actor::Owner => Some(&[
                VIEW_INVOICES,
                PAY_INVOICES,
                VIEW_SERVICES,
                VIEW_SERVICE_PASSWORDS,
                VIEW_DOMAINS,
                VIEW_TICKETS,
                OPEN_TICKETS,
                MANAGE_CONTACTS,
                MANAGE_ACCOUNT,
                VIEW_EMAILS,
                VIEW_AUDIT_LOG,
                TRANSFER_OWNERSHIP,
            ]),
            Actor::Admin => Some(&[
                VIEW_INVOICES,
                PAY_INVOICES,
                VIEW_SERVICES,
                VIEW_SERVICE_PASSWORDS,
                VIEW_DOMAINS,
                VIEW_TICKETS,
                OPEN_TICKETS,
                MANAGE_CONTACTS,
                MANAGE_ACCOUNT,
                VIEW_EMAILS,
                VIEW_AUDIT_LOG,
            ]),
            Actor::Billing => Some(&[VIEW_INVOICES, PAY_INVOICES]),
            Actor::Technical => Some(&[
                VIEW_SERVICES,
                VIEW_SERVICE_PASSWORDS,
                VIEW_DOMAINS,
                VIEW_TICKETS,
                OPEN_TICKETS,
            ]),
            Actor::Custom => Some(CUSTOM_PERMISSIONS),
            Actor::Other | Actor::Anonymous | Actor::Staff => None,
        }
    }

    /// What the actor types as `currentPassword`.
    fn password(self) -> &'static str {
        match self {
            Actor::Owner | Actor::Other => OWNER_PASSWORD,
            Actor::Admin | Actor::Billing | Actor::Technical | Actor::Custom => MEMBER_PASSWORD,
            Actor::Staff => STAFF_PASSWORD,
            Actor::Anonymous => "no password",
        }
    }

    fn holds(self, needs: &[&str]) -> bool {
        self.permissions()
            .is_some_and(|held| needs.iter().all(|p| held.contains(p)))
    }
}

// ---------------------------------------------------------------------------------------
// What is asked: the one declarative table
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Guard {
    /// Members holding every listed permission on the fixture account (an empty list:
    /// any member); staff pass. Anyone else names an object of an account they do not
    /// belong to, so gets NOT_FOUND.
    Needs(&'static [&'static str]),
    /// Staff only, whoever else asks (members of any account: FORBIDDEN).
    StaffOnly,
}

/// The guarded list a field is read through: without its permissions the caller is
/// FORBIDDEN at the list, before the field is reached.
#[derive(Clone, Copy, Debug)]
struct Within {
    /// The list as the schema names it (`Account.services`).
    field: &'static str,
    needs: &'static [&'static str],
    path: &'static str,
    /// What still arrives next to the FORBIDDEN list.
    context: &'static str,
}

/// What a row's setup made for it, and what its variables are built from.
struct Prepared {
    account_id: String,
    ticket_id: String,
    /// The throw-away object the row's [`Setup`] made (empty for `Setup::Nothing`).
    object_id: String,
    /// The actor's own password, for `currentPassword`.
    password: &'static str,
    /// Unique per row: keeps the emails and names of created things apart.
    unique: String,
}

/// A throw-away object made for one mutation row, so rows never share state.
#[derive(Clone, Copy, Debug)]
enum Setup {
    Nothing,
    /// A contact without portal access (with an email), added by the owner.
    Contact,
    /// A contact with portal access: a possible new owner.
    Member,
    /// A pending invitation of a fresh email, sent by the owner.
    Invitation,
    /// An unpaid invoice, issued by staff.
    Invoice,
    /// A service, recorded by staff.
    Service,
}

#[derive(Clone, Copy)]
enum How {
    /// A query, with `$accountId` the fixture account.
    Read {
        query: &'static str,
        /// Where the field's value lands under `data` (and, when FORBIDDEN, its error).
        path: &'static str,
        /// A sibling that must still arrive when the field is FORBIDDEN.
        context: Option<&'static str>,
        within: Option<Within>,
        /// A string an allowed caller reads: (path, value).
        value: Option<(&'static str, &'static str)>,
    },
    /// A mutation, run once per actor in a world shared by the mutation rows.
    Mutation {
        document: &'static str,
        setup: Setup,
        vars: fn(&Prepared) -> Value,
        /// A string an allowed caller reads back: (path, value).
        value: Option<(&'static str, &'static str)>,
    },
}

struct Op {
    /// `Type.field` as the schema names it; the coverage check matches on it.
    name: &'static str,
    guard: Guard,
    how: How,
}

const fn connection(
    name: &'static str,
    query: &'static str,
    path: &'static str,
    needs: &'static [&'static str],
) -> Op {
    Op {
        name,
        guard: Guard::Needs(needs),
        how: How::Read {
            query,
            path,
            context: Some("account.id"),
            within: None,
            value: None,
        },
    }
}

const fn staff_mutation(
    name: &'static str,
    document: &'static str,
    setup: Setup,
    vars: fn(&Prepared) -> Value,
    value: Option<(&'static str, &'static str)>,
) -> Op {
    Op {
        name,
        guard: Guard::StaffOnly,
        how: How::Mutation {
            document,
            setup,
            vars,
            value,
        },
    }
}

const fn mutation(
    name: &'static str,
    needs: &'static [&'static str],
    document: &'static str,
    setup: Setup,
    vars: fn(&Prepared) -> Value,
    value: Option<(&'static str, &'static str)>,
) -> Op {
    Op {
        name,
        guard: Guard::Needs(needs),
        how: How::Mutation {
            document,
            setup,
            vars,
            value,
        },
    }
}

const SERVICES: Within = Within {
    field: "Account.services",
    needs: &[VIEW_SERVICES],
    path: "account.services",
    context: "account.id",
};
const INVOICES: Within = Within {
    field: "Account.invoices",
    needs: &[VIEW_INVOICES],
    path: "account.invoices",
    context: "account.id",
};

/// Every operation of the matrix. Add a row here when the schema gains a guarded field
/// or a mutation; the coverage test fails until you do.
const OPERATIONS: &[Op] = &[
    // --- Queries -------------------------------------------------------------------
    Op {
        name: "Query.account",
        guard: Guard::Needs(&[]),
        how: How::Read {
            query: "query($accountId: ID!) { account(id: $accountId) { id } }",
            path: "account",
            context: None,
            within: None,
            value: None,
        },
    },
    Op {
        name: "Query.accounts",
        guard: Guard::StaffOnly,
        how: How::Read {
            query: "{ accounts { totalCount } }",
            path: "accounts",
            context: None,
            within: None,
            value: None,
        },
    },
    // --- Account: unguarded, every member sees them ------------------------------------
    Op {
        name: "Account.name",
        guard: Guard::Needs(&[]),
        how: How::Read {
            query: "query($accountId: ID!) { account(id: $accountId) { name } }",
            path: "account.name",
            context: None,
            within: None,
            value: Some(("account.name", "Acme")),
        },
    },
    Op {
        name: "Account.owner",
        guard: Guard::Needs(&[]),
        how: How::Read {
            query: "query($accountId: ID!) { account(id: $accountId) { owner { email } } }",
            path: "account.owner",
            context: None,
            within: None,
            value: Some(("account.owner.email", OWNER_EMAIL)),
        },
    },
    Op {
        name: "Account.billingContact",
        guard: Guard::Needs(&[]),
        how: How::Read {
            query: "query($accountId: ID!) { account(id: $accountId) { billingContact { email } } }",
            path: "account.billingContact",
            context: None,
            within: None,
            value: Some(("account.billingContact.email", BILLING_EMAIL)),
        },
    },
    // --- Account: guarded lists ----------------------------------------------------------
    connection(
        "Account.contacts",
        "query($accountId: ID!) { account(id: $accountId) { id contacts { totalCount } } }",
        "account.contacts",
        &[MANAGE_CONTACTS],
    ),
    Op {
        name: "Account.invitations",
        guard: Guard::Needs(&[MANAGE_CONTACTS]),
        how: How::Read {
            query: "query($accountId: ID!) { account(id: $accountId) { id invitations { email } } }",
            path: "account.invitations",
            context: Some("account.id"),
            within: None,
            value: Some(("account.invitations.0.email", INVITEE_EMAIL)),
        },
    },
    connection(
        "Account.invoices",
        "query($accountId: ID!) { account(id: $accountId) { id invoices { totalCount } } }",
        "account.invoices",
        &[VIEW_INVOICES],
    ),
    connection(
        "Account.services",
        "query($accountId: ID!) { account(id: $accountId) { id services { totalCount } } }",
        "account.services",
        &[VIEW_SERVICES],
    ),
    connection(
        "Account.domains",
        "query($accountId: ID!) { account(id: $accountId) { id domains { totalCount } } }",
        "account.domains",
        &[VIEW_DOMAINS],
    ),
    connection(
        "Account.tickets",
        "query($accountId: ID!) { account(id: $accountId) { id tickets { totalCount } } }",
        "account.tickets",
        &[VIEW_TICKETS],
    ),
    connection(
        "Account.emails",
        "query($accountId: ID!) { account(id: $accountId) { id emails { totalCount } } }",
        "account.emails",
        &[VIEW_EMAILS],
    ),
    connection(
        "Account.auditLog",
        "query($accountId: ID!) { account(id: $accountId) { id auditLog { totalCount } } }",
        "account.auditLog",
        &[VIEW_AUDIT_LOG],
    ),
    // --- Fields inside visible objects ---------------------------------------------------
    Op {
        name: "Service.password",
        guard: Guard::Needs(&[VIEW_SERVICE_PASSWORDS]),
        how: How::Read {
            query: "query($accountId: ID!) { account(id: $accountId) { id services { edges { node { productName password } } } } }",
            path: "account.services.edges.0.node.password",
            context: Some("account.services.edges.0.node.productName"),
            within: Some(SERVICES),
            value: Some(("account.services.edges.0.node.password", "s3cret")),
        },
    },
    Op {
        name: "Service.recurringAmount",
        guard: Guard::Needs(&[VIEW_INVOICES]),
        how: How::Read {
            query: "query($accountId: ID!) { account(id: $accountId) { id services { edges { node { productName recurringAmount } } } } }",
            path: "account.services.edges.0.node.recurringAmount",
            context: Some("account.services.edges.0.node.productName"),
            within: Some(SERVICES),
            value: Some(("account.services.edges.0.node.recurringAmount", "9.99")),
        },
    },
    Op {
        name: "Invoice.total",
        guard: Guard::Needs(&[VIEW_INVOICES]),
        how: How::Read {
            query: "query($accountId: ID!) { account(id: $accountId) { id invoices { edges { node { number total } } } } }",
            path: "account.invoices.edges.0.node.total",
            context: Some("account.invoices.edges.0.node.number"),
            within: Some(INVOICES),
            value: Some(("account.invoices.edges.0.node.total", "120.50")),
        },
    },
    Op {
        name: "Invoice.pdfUrl",
        guard: Guard::Needs(&[VIEW_INVOICES]),
        how: How::Read {
            query: "query($accountId: ID!) { account(id: $accountId) { id invoices { edges { node { number pdfUrl } } } } }",
            path: "account.invoices.edges.0.node.pdfUrl",
            context: Some("account.invoices.edges.0.node.number"),
            within: Some(INVOICES),
            value: None,
        },
    },
    // --- Contacts and the account ------------------------------------------------------
    mutation(
        "Mutation.addContact",
        &[MANAGE_CONTACTS],
        "mutation($accountId: ID!, $email: String!) { addContact(accountId: $accountId, input: { firstName: \"Throw\", lastName: \"Away\", email: $email, role: TECHNICAL }) { id } }",
        Setup::Nothing,
        |p| json!({ "accountId": p.account_id, "email": format!("{}@acme.test", p.unique) }),
        None,
    ),
    mutation(
        "Mutation.updateContact",
        &[MANAGE_CONTACTS],
        "mutation($id: ID!) { updateContact(id: $id, input: { phone: \"+1 555 0100\" }) { phone } }",
        Setup::Contact,
        |p| json!({ "id": p.object_id }),
        Some(("updateContact.phone", "+1 555 0100")),
    ),
    mutation(
        "Mutation.removeContact",
        &[MANAGE_CONTACTS],
        "mutation($id: ID!, $password: String!) { removeContact(id: $id, currentPassword: $password) }",
        Setup::Contact,
        |p| json!({ "id": p.object_id, "password": p.password }),
        None,
    ),
    mutation(
        "Mutation.setPortalAccess",
        &[MANAGE_CONTACTS],
        "mutation($id: ID!) { setPortalAccess(contactId: $id, enabled: true) { portalAccess } }",
        Setup::Contact,
        |p| json!({ "id": p.object_id }),
        None,
    ),
    mutation(
        "Mutation.transferOwnership",
        &[TRANSFER_OWNERSHIP],
        "mutation($id: ID!, $password: String!) { transferOwnership(contactId: $id, currentPassword: $password) { id } }",
        Setup::Member,
        |p| json!({ "id": p.object_id, "password": p.password }),
        None,
    ),
    mutation(
        "Mutation.setAccountSecurity",
        &[TRANSFER_OWNERSHIP],
        // Off, the default: turning it on needs the actor's own second factor (covered
        // by `two_factor`), and the other rows keep running.
        "mutation($a: ID!) { setAccountSecurity(accountId: $a, requireTwoFactor: false) { requireTwoFactor } }",
        Setup::Nothing,
        |p| json!({ "a": p.account_id }),
        None,
    ),
    mutation(
        "Mutation.setBillingContact",
        &[MANAGE_ACCOUNT],
        "mutation($id: ID!) { setBillingContact(contactId: $id) { billingContact { lastName } } }",
        Setup::Contact,
        |p| json!({ "id": p.object_id }),
        Some(("setBillingContact.billingContact.lastName", "Away")),
    ),
    // --- Invitations ---------------------------------------------------------------------
    mutation(
        "Mutation.inviteUser",
        &[MANAGE_CONTACTS],
        "mutation($accountId: ID!, $email: String!) { inviteUser(accountId: $accountId, input: { email: $email, role: TECHNICAL }) { status } }",
        Setup::Nothing,
        |p| json!({ "accountId": p.account_id, "email": format!("{}@acme.test", p.unique) }),
        Some(("inviteUser.status", "PENDING")),
    ),
    mutation(
        "Mutation.sendPortalInvite",
        &[MANAGE_CONTACTS],
        "mutation($id: ID!) { sendPortalInvite(contactId: $id) { status } }",
        Setup::Contact,
        |p| json!({ "id": p.object_id }),
        Some(("sendPortalInvite.status", "PENDING")),
    ),
    mutation(
        "Mutation.resendInvitation",
        &[MANAGE_CONTACTS],
        "mutation($id: ID!) { resendInvitation(id: $id) { status } }",
        Setup::Invitation,
        |p| json!({ "id": p.object_id }),
        Some(("resendInvitation.status", "PENDING")),
    ),
    mutation(
        "Mutation.revokeInvitation",
        &[MANAGE_CONTACTS],
        "mutation($id: ID!) { revokeInvitation(id: $id) { status } }",
        Setup::Invitation,
        |p| json!({ "id": p.object_id }),
        Some(("revokeInvitation.status", "REVOKED")),
    ),
    // --- Billing and tickets, as a member ------------------------------------------------
    mutation(
        "Mutation.payInvoice",
        &[PAY_INVOICES, VIEW_INVOICES],
        "mutation($id: ID!) { payInvoice(id: $id) { status } }",
        Setup::Invoice,
        |p| json!({ "id": p.object_id }),
        Some(("payInvoice.status", "PAID")),
    ),
    mutation(
        "Mutation.openTicket",
        &[OPEN_TICKETS],
        "mutation($accountId: ID!) { openTicket(accountId: $accountId, subject: \"Matrix\", body: \"Is this allowed?\") { subject } }",
        Setup::Nothing,
        |p| json!({ "accountId": p.account_id }),
        Some(("openTicket.subject", "Matrix")),
    ),
    mutation(
        "Mutation.replyToTicket",
        &[OPEN_TICKETS, VIEW_TICKETS],
        "mutation($id: ID!) { replyToTicket(ticketId: $id, body: \"A reply\") { body } }",
        Setup::Nothing,
        |p| json!({ "id": p.ticket_id }),
        Some(("replyToTicket.body", "A reply")),
    ),
    // --- Staff ------------------------------------------------------------------------
    staff_mutation(
        "Mutation.addTicketReplyFromEmail",
        "mutation($id: ID!) { addTicketReplyFromEmail(ticketId: $id, fromEmail: \"stranger@elsewhere.test\", body: \"By email\") { badge } }",
        Setup::Nothing,
        |p| json!({ "id": p.ticket_id }),
        Some(("addTicketReplyFromEmail.badge", "GUEST")),
    ),
    staff_mutation(
        "Mutation.createInvoice",
        "mutation($accountId: ID!) { createInvoice(accountId: $accountId, input: { total: \"120.50\", currency: \"EUR\", dueDate: \"2026-12-31\" }) { status } }",
        Setup::Nothing,
        |p| json!({ "accountId": p.account_id }),
        Some(("createInvoice.status", "UNPAID")),
    ),
    staff_mutation(
        "Mutation.createService",
        "mutation($accountId: ID!) { createService(accountId: $accountId, input: { productName: \"Web hosting\", username: \"acme\", password: \"s3cret\", recurringAmount: \"9.99\", status: ACTIVE }) { productName } }",
        Setup::Nothing,
        |p| json!({ "accountId": p.account_id }),
        Some(("createService.productName", "Web hosting")),
    ),
    staff_mutation(
        "Mutation.setServiceStatus",
        "mutation($id: ID!) { setServiceStatus(id: $id, status: SUSPENDED) { status } }",
        Setup::Service,
        |p| json!({ "id": p.object_id }),
        Some(("setServiceStatus.status", "SUSPENDED")),
    ),
    staff_mutation(
        "Mutation.createDomain",
        "mutation($accountId: ID!, $name: String!) { createDomain(accountId: $accountId, input: { name: $name, expiresAt: \"2027-01-01\" }) { expiresAt } }",
        Setup::Nothing,
        |p| json!({ "accountId": p.account_id, "name": format!("{}.test", p.unique) }),
        Some(("createDomain.expiresAt", "2027-01-01")),
    ),
    staff_mutation(
        "Mutation.defineNotificationCategory",
        "mutation($key: String!) { defineNotificationCategory(input: { key: $key, label: \"Matrix\" }) { label } }",
        Setup::Nothing,
        |p| json!({ "key": format!("MATRIX_{}", p.unique.to_uppercase()) }),
        Some(("defineNotificationCategory.label", "Matrix")),
    ),
    staff_mutation(
        "Mutation.sendNotification",
        "mutation($accountId: ID!) { sendNotification(accountId: $accountId, category: \"GENERAL\", subject: \"Matrix\", body: \"To the account's people\") }",
        Setup::Nothing,
        |p| json!({ "accountId": p.account_id }),
        None,
    ),
    staff_mutation(
        "Mutation.updatePortalSettings",
        // The default value: the other rows keep running with self-service on.
        "mutation { updatePortalSettings(input: { allowClientContactManagement: true }) { allowClientContactManagement } }",
        Setup::Nothing,
        |_| json!({}),
        None,
    ),
];

/// Operations deliberately not in the matrix: the session mutations, whose rules are
/// about who is signed in rather than about permissions (covered by `sessions`,
/// `registration`, `password_reset` and `accounts`), and those an emailed token
/// authorizes.
const NOT_IN_THE_MATRIX: &[&str] = &[
    "Mutation.register",
    "Mutation.login",
    "Mutation.logout",
    "Mutation.requestPasswordReset",
    "Mutation.resetPassword",
    "Mutation.changePassword",
    "Mutation.createAccount",
    "Mutation.switchAccount",
    "Mutation.revokeSession",
    "Mutation.enrollTotp",
    "Mutation.confirmTotp",
    "Mutation.disableTotp",
    // Staff only, and about a user's sign-in rather than an account (covered by
    // `live_sessions` and `two_factor`).
    "Mutation.revokeUserSessions",
    "Mutation.resetTwoFactor",
    // Authorized by the emailed token, not by a role (covered by `invitations` and
    // `notification_preferences`).
    "Mutation.acceptInvitation",
    "Query.emailPreferences",
    "Mutation.setEmailPreferences",
];

/// Fields with no guard of their own: whoever sees the object sees them (the object
/// itself is reached through a row above, e.g. `Query.account`). `Query.viewer`,
/// `Query.portalSettings` and `Query.notificationCategories` answer anonymous callers
/// too.
const PUBLIC_FIELDS: &[&str] = &[
    "Query.viewer",
    "Query.portalSettings",
    "Query.notificationCategories",
    "Account.id",
    "Account.requireTwoFactor",
    "Account.createdAt",
    "Account.eventsCursor",
    "Service.id",
    "Service.productName",
    "Service.status",
    "Service.username",
    "Invoice.id",
    "Invoice.number",
    "Invoice.status",
    "Invoice.currency",
    "Invoice.dueDate",
];

/// The object types whose every field must be in the matrix or public.
const COVERED_TYPES: &[&str] = &["Query", "Mutation", "Account", "Service", "Invoice"];

// ---------------------------------------------------------------------------------------
// Expectations, generated
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Forbidden,
    NotFound,
    Unauthenticated,
}

impl Outcome {
    fn code(self) -> &'static str {
        match self {
            Outcome::Allowed => "ALLOWED (no error, data present)",
            Outcome::Forbidden => "FORBIDDEN",
            Outcome::NotFound => "NOT_FOUND",
            Outcome::Unauthenticated => "UNAUTHENTICATED",
        }
    }
}

/// One row's expectation: the outcome, where (the field's path under `data`; for an
/// error, also the error's `path`), where the failure leaves its `null` (see
/// [`null_lands_at`]), and what must still arrive next to a FORBIDDEN field.
#[derive(Clone, Copy, Debug)]
struct Expected {
    outcome: Outcome,
    at: &'static str,
    /// For an error: the path under `data` that must be present with the value null
    /// (`""`: `data` itself).
    null_at: &'static str,
    context: Option<&'static str>,
    value: Option<(&'static str, &'static str)>,
}

impl Op {
    fn field(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(_, f)| f)
    }

    /// The path of the field itself, and of the root field an unknown or anonymous
    /// caller is stopped at.
    fn paths(&self) -> (&'static str, &'static str) {
        match self.how {
            How::Read { path, .. } => (path, path.split('.').next().unwrap_or(path)),
            How::Mutation { .. } => (self.field(), self.field()),
        }
    }

    fn expected(&self, actor: Actor) -> Expected {
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
        let error = |outcome, at, context| Expected {
            outcome,
            at,
            null_at: null_lands_at(at),
            context,
            value: None,
        };
        let allowed = Expected {
            outcome: Outcome::Allowed,
            at,
            null_at: at,
            context: None,
            value,
        };
        match (actor, self.guard) {
            (Actor::Anonymous, _) => error(Outcome::Unauthenticated, root, None),
            (Actor::Staff, _) => allowed,
            (_, Guard::StaffOnly) => error(Outcome::Forbidden, at, None),
            (Actor::Other, Guard::Needs(_)) => error(Outcome::NotFound, root, None),
            (member, Guard::Needs(needs)) => match within {
                Some(list) if !member.holds(list.needs) => {
                    error(Outcome::Forbidden, list.path, Some(list.context))
                }
                _ if !member.holds(needs) => error(Outcome::Forbidden, at, context),
                _ => allowed,
            },
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
fn failing_field(op: &Op, at: &str) -> String {
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

/// Whether the response is what the row expects; the reason when it is not.
fn judge(expected: &Expected, r: &Gql) -> Result<(), String> {
    if expected.outcome == Outcome::Allowed {
        if let Some(errors) = r.body.get("errors") {
            return Err(format!("unexpected errors: {errors}"));
        }
        if r.at(expected.at).is_null() {
            return Err(format!("no data at {}", expected.at));
        }
        if let Some((path, want)) = expected.value
            && r.at(path) != want
        {
            return Err(format!("{path} is {}, not {want:?}", r.at(path)));
        }
        return Ok(());
    }
    let code = expected.outcome.code();
    if r.error_code() != Some(code) {
        return Err(format!(
            "first error code is {}",
            r.error_code().unwrap_or("missing")
        ));
    }
    let path = &r.body["errors"][0]["path"];
    if *path != error_path(expected.at) {
        return Err(format!(
            "the {code} error is at {path}, not at {}",
            expected.at
        ));
    }
    if !r.at(expected.at).is_null() {
        return Err(format!(
            "{} is not null: {}",
            expected.at,
            r.at(expected.at)
        ));
    }
    // Present, not merely absent: the failed field's key (or, for a non-null field, its
    // nearest nullable parent's) is in `data` with the value null.
    if !r.null_at(expected.null_at) {
        let where_ = match expected.null_at {
            "" => "data",
            path => path,
        };
        return Err(format!(
            "{where_} is not present as null (a failed field leaves null at its path, \
             or at its nearest nullable parent when it is non-null)"
        ));
    }
    if let Some(context) = expected.context
        && r.at(context).is_null()
    {
        return Err(format!(
            "partial result lost: {context} is null next to the {code} field"
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The world the rows run in
// ---------------------------------------------------------------------------------------

/// A server with the fixture account ("Acme": owner, ADMIN, BILLING, TECHNICAL, CUSTOM
/// members, an invoice, a service, a domain, a ticket, a pending invitation, BILLING as
/// billing contact), a
/// second account ("Other Co") and a staff user, all made through the API.
struct World {
    app: TestApp,
    account_id: String,
    owner_contact_id: String,
    ticket_id: String,
    owner: String,
    admin: String,
    billing: String,
    technical: String,
    custom: String,
    other: String,
    staff: String,
}

impl World {
    async fn start() -> Self {
        let app = TestApp::start().await;
        let owner = app.register("Acme", OWNER_EMAIL, OWNER_PASSWORD).await;
        let account_id = app.current_account(&owner).await;
        let member = |email, role, permissions| {
            app.add_member(&owner, &account_id, email, role, permissions)
        };
        let admin = member("admin@acme.test", "ADMIN", None).await;
        let billing = member(BILLING_EMAIL, "BILLING", None).await;
        let technical = member("technical@acme.test", "TECHNICAL", None).await;
        let custom = member("custom@acme.test", "CUSTOM", Some(CUSTOM_PERMISSIONS)).await;
        let other = app
            .register("Other Co", "owner@other.test", OWNER_PASSWORD)
            .await;
        let staff = app.staff().await;
        let vars = json!({ "a": account_id });
        for fixture in [
            "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"120.50\", currency: \"EUR\", dueDate: \"2026-12-31\" }) { id } }",
            "mutation($a: ID!) { createService(accountId: $a, input: { productName: \"Web hosting\", username: \"acme\", password: \"s3cret\", recurringAmount: \"9.99\", status: ACTIVE }) { id } }",
            "mutation($a: ID!) { createDomain(accountId: $a, input: { name: \"acme.test\", expiresAt: \"2027-01-01\" }) { id } }",
        ] {
            app.gql_as(&staff, fixture, vars.clone()).await.ok();
        }
        // Not checked here: when it fails, the `Account.invitations` rows say so.
        app.gql_as(
            &owner,
            "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: { email: $e, role: BILLING }) { id } }",
            json!({ "a": account_id, "e": INVITEE_EMAIL }),
        )
        .await;
        let ticket = app
            .gql_as(
                &owner,
                "mutation($a: ID!) { openTicket(accountId: $a, subject: \"Site down\", body: \"Please help\") { id } }",
                vars.clone(),
            )
            .await
            .ok();
        let ticket_id = ticket.str("openTicket.id").to_owned();
        app.gql_as(
            &owner,
            "mutation($c: ID!) { setBillingContact(contactId: $c) { id } }",
            json!({ "c": billing.contact_id }),
        )
        .await
        .ok();
        let owner_contact_id = app
            .gql_as(
                &owner,
                "query($a: ID!) { account(id: $a) { owner { id } } }",
                vars,
            )
            .await
            .ok()
            .str("account.owner.id")
            .to_owned();
        Self {
            app,
            account_id,
            owner_contact_id,
            ticket_id,
            owner,
            admin: admin.token,
            billing: billing.token,
            technical: technical.token,
            custom: custom.token,
            other,
            staff,
        }
    }

    fn token(&self, actor: Actor) -> Option<&str> {
        Some(match actor {
            Actor::Owner => &self.owner,
            Actor::Admin => &self.admin,
            Actor::Billing => &self.billing,
            Actor::Technical => &self.technical,
            Actor::Custom => &self.custom,
            Actor::Other => &self.other,
            Actor::Staff => &self.staff,
            Actor::Anonymous => return None,
        })
    }

    async fn send(&self, actor: Actor, query: &str, vars: Value) -> Gql {
        match self.token(actor) {
            Some(token) => self.app.gql_as(token, query, vars).await,
            None => self.app.gql(query, vars).await,
        }
    }

    /// Makes the row's throw-away object; its id (empty for `Setup::Nothing`).
    async fn prepare(&self, setup: Setup, unique: &str) -> Result<String, String> {
        let email = format!("{unique}@acme.test");
        let (token, query, vars, path) = match setup {
            Setup::Nothing => return Ok(String::new()),
            Setup::Contact => (
                &self.owner,
                "mutation($a: ID!, $e: String!) { addContact(accountId: $a, input: { firstName: \"Throw\", lastName: \"Away\", email: $e, role: TECHNICAL }) { id } }",
                json!({ "a": self.account_id, "e": email }),
                "addContact.id",
            ),
            Setup::Member => (
                &self.owner,
                "mutation($a: ID!, $e: String!, $p: String!) { addContact(accountId: $a, input: { firstName: \"Next\", lastName: \"Owner\", email: $e, role: ADMIN, portalAccess: true, password: $p }) { id } }",
                json!({ "a": self.account_id, "e": email, "p": MEMBER_PASSWORD }),
                "addContact.id",
            ),
            Setup::Invitation => (
                &self.owner,
                "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: { email: $e, role: TECHNICAL }) { id } }",
                json!({ "a": self.account_id, "e": email }),
                "inviteUser.id",
            ),
            Setup::Invoice => (
                &self.staff,
                "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"45.00\", currency: \"EUR\", dueDate: \"2026-12-31\" }) { id } }",
                json!({ "a": self.account_id }),
                "createInvoice.id",
            ),
            Setup::Service => (
                &self.staff,
                "mutation($a: ID!) { createService(accountId: $a, input: { productName: \"VPS\", status: ACTIVE }) { id } }",
                json!({ "a": self.account_id }),
                "createService.id",
            ),
        };
        let r = self.app.gql_as(token, query, vars.clone()).await;
        match r.at(path).as_str() {
            Some(id) if r.body.get("errors").is_none() => Ok(id.to_owned()),
            _ => Err(format!(
                "the row's setup ({setup:?}) failed\n    request: {query}  variables: {vars}\n    response (HTTP {}): {}",
                r.status, r.body
            )),
        }
    }

    /// After an allowed `transferOwnership`, staff gives the account back to its owner,
    /// so the next rows see the world as it was. `Err` when that fails.
    async fn restore_owner(&self) -> Result<(), String> {
        let vars = json!({ "a": self.account_id });
        let r = self
            .app
            .gql_as(
                &self.staff,
                "query($a: ID!) { account(id: $a) { owner { id } } }",
                vars,
            )
            .await;
        if r.at("account.owner.id").as_str() == Some(self.owner_contact_id.as_str()) {
            return Ok(());
        }
        let back = self
            .app
            .gql_as(
                &self.staff,
                "mutation($c: ID!, $p: String!) { transferOwnership(contactId: $c, currentPassword: $p) { owner { id } } }",
                json!({ "c": self.owner_contact_id, "p": STAFF_PASSWORD }),
            )
            .await;
        if back.at("transferOwnership.owner.id").as_str() == Some(self.owner_contact_id.as_str()) {
            Ok(())
        } else {
            Err(format!(
                "could not give the account back to its owner; later rows may be wrong: {}",
                back.body
            ))
        }
    }
}

/// One mismatch, printed in full.
fn mismatch(
    op: &Op,
    actor: Actor,
    expected: &Expected,
    reason: &str,
    request: &str,
    vars: &Value,
    r: &Gql,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} as {}: expected {} at {}{}",
        op.name,
        actor.label(),
        expected.outcome.code(),
        expected.at,
        match (expected.outcome, expected.value) {
            (Outcome::Allowed, Some((path, value))) => format!(" ({path} = {value:?})"),
            _ => String::new(),
        }
    );
    let _ = writeln!(out, "    but: {reason}");
    let _ = writeln!(out, "    request: {request}  variables: {vars}");
    let _ = write!(out, "    response (HTTP {}): {}", r.status, r.body);
    out
}

/// One row as it ran: what was expected and, if the server disagreed, why.
struct Verdict {
    op: &'static str,
    actor: Actor,
    expected: Outcome,
    problem: Option<String>,
}

/// Runs every read row in one world (reads change nothing).
async fn run_reads() -> Vec<Verdict> {
    let world = World::start().await;
    let mut verdicts = Vec::new();
    for op in OPERATIONS {
        let How::Read { query, .. } = op.how else {
            continue;
        };
        for actor in ACTORS {
            let expected = op.expected(actor);
            let vars = if query.contains("$accountId") {
                json!({ "accountId": world.account_id })
            } else {
                json!({})
            };
            let r = world.send(actor, query, vars.clone()).await;
            let problem = judge(&expected, &r)
                .err()
                .map(|reason| mismatch(op, actor, &expected, &reason, query, &vars, &r));
            verdicts.push(Verdict {
                op: op.name,
                actor,
                expected: expected.outcome,
                problem,
            });
        }
    }
    world.app.stop().await;
    verdicts
}

/// Runs every mutation row in one world: each row acts on a throw-away object made for
/// it (or creates something new), so the rows do not interfere.
async fn run_mutations() -> Vec<Verdict> {
    let world = World::start().await;
    let mut verdicts = Vec::new();
    for op in OPERATIONS {
        let How::Mutation {
            document,
            setup,
            vars,
            ..
        } = op.how
        else {
            continue;
        };
        for actor in ACTORS {
            let unique = format!("row{}", verdicts.len());
            let expected = op.expected(actor);
            let mut problem = match world.prepare(setup, &unique).await {
                Err(setup_failed) => Some(format!(
                    "{} as {}: not run: {setup_failed}",
                    op.name,
                    actor.label()
                )),
                Ok(object_id) => {
                    let prepared = Prepared {
                        account_id: world.account_id.clone(),
                        ticket_id: world.ticket_id.clone(),
                        object_id,
                        password: actor.password(),
                        unique,
                    };
                    let vars = vars(&prepared);
                    let r = world.send(actor, document, vars.clone()).await;
                    judge(&expected, &r)
                        .err()
                        .map(|reason| mismatch(op, actor, &expected, &reason, document, &vars, &r))
                }
            };
            if let Err(restore) = world.restore_owner().await {
                let problem = problem.get_or_insert_with(String::new);
                let _ = write!(problem, "\n    and afterwards: {restore}");
            }
            verdicts.push(Verdict {
                op: op.name,
                actor,
                expected: expected.outcome,
                problem,
            });
        }
    }
    world.app.stop().await;
    verdicts
}

/// The matrix at a glance: the expected outcome of every row, `✗` where the server
/// answered otherwise.
fn grid(verdicts: &[Verdict]) -> String {
    let mut out = format!("{:<34}", "operation");
    for actor in ACTORS {
        let _ = write!(out, " {:<10}", actor.label());
    }
    for op in OPERATIONS {
        let _ = write!(out, "\n{:<34}", op.name);
        for actor in ACTORS {
            let cell = verdicts
                .iter()
                .find(|v| v.op == op.name && v.actor == actor)
                .map_or("?".to_owned(), |v| {
                    let short = match v.expected {
                        Outcome::Allowed => "allowed",
                        Outcome::Forbidden => "FORBIDDEN",
                        Outcome::NotFound => "NOT_FOUND",
                        Outcome::Unauthenticated => "UNAUTH",
                    };
                    let mark = if v.problem.is_some() { "✗" } else { "" };
                    format!("{short}{mark}")
                });
            let _ = write!(out, " {cell:<10}");
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn every_role_gets_exactly_the_fields_and_mutations_its_permissions_allow() {
    let (reads, mutations) = tokio::join!(run_reads(), run_mutations());
    let verdicts: Vec<Verdict> = reads.into_iter().chain(mutations).collect();
    assert_eq!(verdicts.len(), OPERATIONS.len() * ACTORS.len());
    let mismatches: Vec<&str> = verdicts
        .iter()
        .filter_map(|v| v.problem.as_deref())
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} authorization matrix rows do not match (✗: the server disagreed):\n\n{}\n\n{}",
        mismatches.len(),
        verdicts.len(),
        grid(&verdicts),
        mismatches.join("\n\n")
    );
}

#[tokio::test]
async fn every_mutation_and_guarded_field_has_a_row_in_the_matrix() {
    let app = TestApp::start().await;
    let query = COVERED_TYPES
        .iter()
        .map(|t| {
            format!(
                "{t}: __type(name: \"{t}\") {{ fields {{ name description type {{ kind }} }} }}"
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let r = app.gql(&format!("{{ {query} }}"), json!({})).await.ok();
    app.stop().await;

    // Every field of the covered types, and whether it is nullable.
    let schema_fields: Vec<(String, bool)> = COVERED_TYPES
        .iter()
        .flat_map(|t| {
            let fields = r.at(&format!("{t}.fields")).as_array().cloned();
            let fields = fields.unwrap_or_else(|| panic!("no fields of {t} in {}", r.body));
            fields.into_iter().map(move |f| {
                (
                    format!("{t}.{}", f["name"].as_str().expect("field name")),
                    f["type"]["kind"] != "NON_NULL",
                )
            })
        })
        .collect();
    let in_schema: BTreeSet<String> = schema_fields.iter().map(|(f, _)| f.clone()).collect();
    let matrix: Vec<&str> = OPERATIONS.iter().map(|op| op.name).collect();
    let accounted: Vec<&str> = matrix
        .iter()
        .chain(NOT_IN_THE_MATRIX)
        .chain(PUBLIC_FIELDS)
        .copied()
        .collect();

    let mut problems = Vec::new();
    for field in &in_schema {
        if !accounted.contains(&field.as_str()) {
            problems.push(format!(
                "{field} has no row in OPERATIONS and is in neither NOT_IN_THE_MATRIX nor PUBLIC_FIELDS"
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for name in &accounted {
        if !seen.insert(*name) {
            problems.push(format!("{name} is listed twice"));
        }
        if !in_schema.contains(*name) {
            problems.push(format!("{name} is listed but the schema has no such field"));
        }
    }
    // Where the matrix expects each failure's null agrees with the schema's nullability.
    for op in OPERATIONS {
        for actor in ACTORS {
            let expected = op.expected(actor);
            if expected.outcome == Outcome::Allowed {
                continue;
            }
            let field = failing_field(op, expected.at);
            let Some((_, nullable)) = schema_fields.iter().find(|(f, _)| *f == field) else {
                problems.push(format!(
                    "{} as {}: no field {field}",
                    op.name,
                    actor.label()
                ));
                continue;
            };
            if *nullable != (expected.null_at == expected.at) {
                problems.push(format!(
                    "{} as {}: {field} is {}, but the matrix expects the null at {:?}",
                    op.name,
                    actor.label(),
                    if *nullable { "nullable" } else { "non-null" },
                    expected.null_at
                ));
            }
        }
    }
    // Client developers read the rule in the schema: every guarded field and mutation
    // names the permission it needs (or says it is for staff) in its description.
    let described: std::collections::BTreeMap<String, String> = COVERED_TYPES
        .iter()
        .flat_map(|t| {
            let fields = r
                .at(&format!("{t}.fields"))
                .as_array()
                .cloned()
                .unwrap_or_default();
            fields.into_iter().map(move |f| {
                (
                    format!("{t}.{}", f["name"].as_str().unwrap_or_default()),
                    f["description"].as_str().unwrap_or_default().to_owned(),
                )
            })
        })
        .collect();
    for op in OPERATIONS {
        let description = described
            .get(op.name)
            .map(String::as_str)
            .unwrap_or_default();
        let missing: Vec<&str> = match op.guard {
            Guard::StaffOnly => (!description.contains("Staff"))
                .then_some("Staff")
                .into_iter()
                .collect(),
            Guard::Needs(needs) => needs
                .iter()
                .copied()
                .filter(|p| !description.contains(p))
                .collect(),
        };
        if !missing.is_empty() {
            problems.push(format!(
                "{}'s description does not name {}: {description:?}",
                op.name,
                missing.join(", ")
            ));
        }
    }
    for op in OPERATIONS {
        let is_mutation = matches!(op.how, How::Mutation { .. });
        if is_mutation != op.name.starts_with("Mutation.") {
            problems.push(format!("{} is run as the wrong kind of operation", op.name));
        }
    }
    assert!(
        problems.is_empty(),
        "the authorization matrix does not cover the schema:\n{}",
        problems.join("\n")
    );
}
