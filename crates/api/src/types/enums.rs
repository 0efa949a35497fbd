use async_graphql::Enum;

/// A member's role in an account: a preset of permissions, or CUSTOM.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::permissions::Role")]
pub enum Role {
    Owner,
    Admin,
    Billing,
    Technical,
    Custom,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::permissions::Permission")]
pub enum Permission {
    ViewInvoices,
    PayInvoices,
    ViewServices,
    ViewServicePasswords,
    ViewDomains,
    ViewTickets,
    OpenTickets,
    ManageContacts,
    ManageAccount,
    ViewEmails,
    ViewAuditLog,
    TransferOwnership,
}

pub(crate) fn permissions(list: Vec<domain::permissions::Permission>) -> Vec<Permission> {
    list.into_iter().map(Permission::from).collect()
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::invoice::InvoiceStatus")]
pub enum InvoiceStatus {
    Unpaid,
    Paid,
    Overdue,
    Cancelled,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::service::ServiceStatus")]
pub enum ServiceStatus {
    Pending,
    Active,
    Suspended,
    Terminated,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::ticket::TicketStatus")]
pub enum TicketStatus {
    Open,
    Answered,
    CustomerReply,
    Closed,
}

/// Who wrote a ticket reply.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::ticket_reply::ReplyBadge")]
pub enum ReplyBadge {
    Owner,
    AuthorizedUser,
    SubAccount,
    Guest,
    Staff,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::email::EmailStatus")]
pub enum EmailStatus {
    Queued,
    Sent,
    Failed,
}

/// PENDING until accepted, revoked, or past its expiry (then EXPIRED).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entities::invitation::InvitationStatus")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
    Expired,
}
