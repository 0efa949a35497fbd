use async_graphql::Enum;

/// A member's role in an account: a preset of permissions, or CUSTOM.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::permissions::Role")]
pub enum Role {
    /// The primary contact's alone: every permission. Never given; only
    /// `transferOwnership` moves it.
    Owner,
    /// Every permission but TRANSFER_OWNERSHIP.
    Admin,
    /// Invoices: VIEW_INVOICES and PAY_INVOICES.
    Billing,
    /// Services, domains and tickets: VIEW_SERVICES, VIEW_SERVICE_PASSWORDS,
    /// VIEW_DOMAINS, VIEW_TICKETS and OPEN_TICKETS.
    Technical,
    /// The permissions picked one by one (never TRANSFER_OWNERSHIP).
    Custom,
}

/// One thing a member may do in an account; a role is a preset of them, and staff hold
/// them all. A scoped member never holds the account-wide ones (VIEW_INVOICES,
/// PAY_INVOICES, MANAGE_CONTACTS, MANAGE_ACCOUNT, VIEW_EMAILS, VIEW_AUDIT_LOG,
/// TRANSFER_OWNERSHIP), and an API token only those it was given.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::permissions::Permission")]
pub enum Permission {
    /// See invoices (list, amounts, PDFs) and every price, such as a service's
    /// recurring amount.
    ViewInvoices,
    /// Pay invoices (`payInvoice`, which needs VIEW_INVOICES too).
    PayInvoices,
    /// See the account's services (their price needs VIEW_INVOICES too).
    ViewServices,
    /// See a service's login password (`Service.password`).
    ViewServicePasswords,
    /// See the account's domain names.
    ViewDomains,
    /// See support tickets and their replies.
    ViewTickets,
    /// Open tickets and reply to them (a reply needs VIEW_TICKETS too).
    OpenTickets,
    /// Add, edit and remove contacts, grant portal access, invite, see and revoke the
    /// members' API tokens, and follow `contactEvents` and `invitationEvents`.
    ManageContacts,
    /// Manage the account: its billing contact, webhook endpoints and exports.
    ManageAccount,
    /// See the account's email history (`Account.emails`).
    ViewEmails,
    /// See the account's audit log (`Account.auditLog`).
    ViewAuditLog,
    /// Transfer ownership and set the account's security (`setAccountSecurity`): the
    /// owner's alone.
    TransferOwnership,
}

pub(crate) fn permissions(list: Vec<domain::permissions::Permission>) -> Vec<Permission> {
    list.into_iter().map(Permission::from).collect()
}

/// Where an invoice stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::invoice::InvoiceStatus")]
pub enum InvoiceStatus {
    /// Issued, not paid, not yet past its due date.
    Unpaid,
    /// Paid (`payInvoice` records the payment).
    Paid,
    /// Not paid and past its due date (the reminder job marks it so).
    Overdue,
    /// Withdrawn: nothing to pay.
    Cancelled,
}

/// Where a service stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::service::ServiceStatus")]
pub enum ServiceStatus {
    /// Ordered, not yet provisioned (a service cannot go back to it).
    Pending,
    /// Provisioned and running.
    Active,
    /// Stopped for now.
    Suspended,
    /// Ended.
    Terminated,
}

/// Where a support ticket stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::ticket::TicketStatus")]
pub enum TicketStatus {
    /// Opened, waiting for staff.
    Open,
    /// Staff replied last.
    Answered,
    /// The customer's side replied last: waiting for staff.
    CustomerReply,
    /// Closed; a new reply reopens it.
    Closed,
}

/// Who wrote a ticket reply, as the account knows them.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::ticket_reply::ReplyBadge")]
pub enum ReplyBadge {
    /// The account's owner.
    Owner,
    /// A member of the account (a contact with portal access).
    AuthorizedUser,
    /// A contact of the account without a login, e.g. replying by email.
    SubAccount,
    /// A sender the account does not know.
    Guest,
    /// The portal's staff.
    Staff,
}

/// Where an email stands in the outbox.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::email::EmailStatus")]
pub enum EmailStatus {
    /// Waiting to be sent, or to be retried after a failed attempt.
    Queued,
    /// Handed to the mail server.
    Sent,
    /// Given up on: refused for good, or still failing after the retry period.
    Failed,
}

/// PENDING until accepted, revoked, or past its expiry (then EXPIRED).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::invitation::InvitationStatus")]
pub enum InvitationStatus {
    /// Sent, not yet accepted, revoked or expired: its link works.
    Pending,
    /// Accepted: the email gained the account.
    Accepted,
    /// Withdrawn (`revokeInvitation`), or found dead when someone tried to accept it,
    /// its sender no longer able to give what it offers.
    Revoked,
    /// Past its expiry without being accepted.
    Expired,
}
