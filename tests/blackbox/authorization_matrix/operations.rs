//! What is asked: the one declarative table of operations, and the fields deliberately
//! left out of it.

use super::*;

#[derive(Clone, Copy, Debug)]
pub(super) enum Guard {
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
pub(super) struct Within {
    /// The list as the schema names it (`Account.services`).
    pub(super) field: &'static str,
    pub(super) needs: &'static [&'static str],
    pub(super) path: &'static str,
    /// What still arrives next to the FORBIDDEN list.
    pub(super) context: &'static str,
}

/// What a row's setup made for it, and what its variables are built from.
pub(super) struct Prepared {
    pub(super) account_id: String,
    pub(super) ticket_id: String,
    /// The throw-away object the row's [`Setup`] made (empty for `Setup::Nothing`).
    pub(super) object_id: String,
    /// The actor's own password, for `currentPassword`.
    pub(super) password: String,
    /// Unique per row: keeps the emails and names of created things apart.
    pub(super) unique: String,
}

/// A throw-away object made for one mutation row, so rows never share state.
#[derive(Clone, Copy, Debug)]
pub(super) enum Setup {
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
pub(super) enum How {
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

pub(super) struct Op {
    /// `Type.field` as the schema names it; the coverage check matches on it.
    pub(super) name: &'static str,
    pub(super) guard: Guard,
    pub(super) how: How,
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
pub(super) const OPERATIONS: &[Op] = &[
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
            query: "query($accountId: ID!) { account(id: $accountId) { id invitations { nodes { email } } } }",
            path: "account.invitations",
            context: Some("account.id"),
            within: None,
            value: Some(("account.invitations.nodes.0.email", INVITEE_EMAIL)),
        },
    },
    Op {
        name: "Account.apiTokens",
        guard: Guard::Needs(&[MANAGE_CONTACTS]),
        how: How::Read {
            query: "query($accountId: ID!) { account(id: $accountId) { id apiTokens { name } } }",
            path: "account.apiTokens",
            context: Some("account.id"),
            within: None,
            value: None,
        },
    },
    Op {
        name: "Account.webhookEndpoints",
        guard: Guard::Needs(&[MANAGE_ACCOUNT]),
        how: How::Read {
            query: "query($accountId: ID!) { account(id: $accountId) { id webhookEndpoints { url } } }",
            path: "account.webhookEndpoints",
            context: Some("account.id"),
            within: None,
            value: None,
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
        "Mutation.eraseContact",
        &[MANAGE_CONTACTS],
        "mutation($id: ID!, $password: String!) { eraseContact(id: $id, currentPassword: $password) }",
        Setup::Contact,
        |p| json!({ "id": p.object_id, "password": p.password }),
        None,
    ),
    mutation(
        "Mutation.exportAccount",
        &[MANAGE_ACCOUNT],
        "mutation($accountId: ID!) { exportAccount(accountId: $accountId) }",
        Setup::Nothing,
        |p| json!({ "accountId": p.account_id }),
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
        // On, as the world has it: the other rows (and NO_2FA's state) keep running.
        // Turning it on needs the actor's own second factor, which OWNER has.
        "mutation($a: ID!) { setAccountSecurity(accountId: $a, requireTwoFactor: true) { requireTwoFactor } }",
        Setup::Nothing,
        |p| json!({ "a": p.account_id }),
        None,
    ),
    mutation(
        "Mutation.createWebhookEndpoint",
        &[MANAGE_ACCOUNT],
        "mutation($accountId: ID!) { createWebhookEndpoint(accountId: $accountId, input: { url: \"https://hooks.example.invalid/in\", eventTypes: [\"contact.created\"] }) { endpoint { url } } }",
        Setup::Nothing,
        |p| json!({ "accountId": p.account_id }),
        Some((
            "createWebhookEndpoint.endpoint.url",
            "https://hooks.example.invalid/in",
        )),
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
        // About a service staff just recorded: in nobody's scope yet.
        "mutation($accountId: ID!, $service: ID!) { openTicket(accountId: $accountId, subject: \"Matrix\", body: \"Is this allowed?\", serviceId: $service) { subject } }",
        Setup::Service,
        |p| json!({ "accountId": p.account_id, "service": p.object_id }),
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
/// `registration`, `password_reset`, `accounts`, `two_factor`; the sign-in throttle
/// their credential checks spend by `credential_throttles`), and those an emailed
/// token authorizes.
pub(super) const NOT_IN_THE_MATRIX: &[&str] = &[
    // A member's own credentials, not an account's rows; `@personOnly` (the token
    // columns meet that rule on removeContact, transferOwnership and
    // setAccountSecurity; `api_tokens` runs every marked mutation with a token and
    // covers who may create and revoke which token).
    "Mutation.createApiToken",
    "Mutation.revokeApiToken",
    // An endpoint's own life (MANAGE_ACCOUNT, `@personOnly`), covered by `webhooks`;
    // the matrix has `createWebhookEndpoint`.
    "Mutation.updateWebhookEndpoint",
    "Mutation.deleteWebhookEndpoint",
    "Mutation.rotateWebhookSecret",
    "Mutation.redeliverWebhook",
    "Mutation.sendTestWebhook",
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
    // A user's own passkeys, and signing in with one (covered by `passkeys`).
    "Mutation.beginPasskeyRegistration",
    "Mutation.finishPasskeyRegistration",
    "Mutation.beginPasskeyLogin",
    "Mutation.finishPasskeyLogin",
    "Mutation.renamePasskey",
    "Mutation.removePasskey",
    // Staff only, and about a user's sign-in rather than an account (covered by
    // `live_sessions` and `two_factor`).
    "Mutation.revokeUserSessions",
    "Mutation.resetTwoFactor",
    // Staff only, a person everywhere rather than an account's rows (covered by
    // `personal_data`), and a user's own login.
    "Mutation.eraseUser",
    "Mutation.deleteMyLogin",
    // A person's own data, emailed to them (covered by `exports`).
    "Mutation.requestDataExport",
    // Authorized by the emailed token, not by a role (covered by `invitations` and
    // `notification_preferences`).
    "Mutation.acceptInvitation",
    "Query.emailPreferences",
    "Mutation.setEmailPreferences",
];

/// Fields with no guard of their own: whoever sees the object sees them (the object
/// itself is reached through a row above, e.g. `Query.account`). `Query.viewer`,
/// `Query.portalSettings`, `Query.notificationCategories` and `Query.webhookEventTypes`
/// answer anonymous callers too.
pub(super) const PUBLIC_FIELDS: &[&str] = &[
    "Query.viewer",
    "Query.portalSettings",
    "Query.notificationCategories",
    "Query.webhookEventTypes",
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

/// The object types whose every field must be in the matrix or public (or, for
/// `Viewer` and `Membership`, in the `viewer` table: see `viewer::VIEWER_FIELDS`).
pub(super) const COVERED_TYPES: &[&str] = &[
    "Query",
    "Mutation",
    "Account",
    "Service",
    "Invoice",
    "Viewer",
    "Membership",
];
