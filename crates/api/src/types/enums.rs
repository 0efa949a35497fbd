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
