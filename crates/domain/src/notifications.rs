//! Notification categories: which emails a contact receives by default.

use crate::permissions::Role;

/// The built-in categories and the roles that receive them by default (SPEC §1).
/// MARKETING is opt-in only, so no role has it by default.
pub const BUILT_IN: [(&str, &str, &[Role]); 6] = [
    (
        "INVOICE",
        "Invoices and payments",
        &[Role::Owner, Role::Admin, Role::Billing],
    ),
    (
        "PRODUCT",
        "Services",
        &[Role::Owner, Role::Admin, Role::Technical],
    ),
    (
        "DOMAIN",
        "Domains",
        &[Role::Owner, Role::Admin, Role::Technical],
    ),
    (
        "SUPPORT",
        "Support tickets",
        &[Role::Owner, Role::Admin, Role::Technical],
    ),
    (
        "GENERAL",
        "Account updates and announcements",
        &[Role::Owner, Role::Admin],
    ),
    ("MARKETING", "Marketing", &[]),
];

/// The category keys a new contact with `role` receives, before any edit.
pub fn defaults_for(role: Role) -> Vec<String> {
    BUILT_IN
        .iter()
        .filter(|(_, _, roles)| roles.contains(&role))
        .map(|(key, _, _)| (*key).to_owned())
        .collect()
}
