//! Notification categories: which emails a contact receives by default.

use sea_orm::ConnectionTrait;

use crate::permissions::Role;
use crate::{DomainError, Result};

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
/// Bounds on a preference list as given, before any key is looked up or echoed.
const MAX_KEYS: usize = 100;
const MAX_KEY_LEN: usize = 64;

pub fn defaults_for(role: Role) -> Vec<String> {
    BUILT_IN
        .iter()
        .filter(|(_, _, roles)| roles.contains(&role))
        .map(|(key, _, _)| (*key).to_owned())
        .collect()
}

/// Checks category keys chosen for a contact; unknown keys are BAD_USER_INPUT.
/// Returns them deduplicated, in the order given.
pub async fn validate_keys(_conn: &impl ConnectionTrait, keys: Vec<String>) -> Result<Vec<String>> {
    const FIELD: &str = "notificationPreferences";
    if keys.len() > MAX_KEYS {
        return Err(DomainError::bad_input(
            FIELD,
            format!("at most {MAX_KEYS} notification categories"),
        ));
    }
    let mut valid: Vec<String> = Vec::with_capacity(keys.len());
    for key in keys {
        crate::validate::plain(FIELD, &key, MAX_KEY_LEN)?;
        let key = key.trim().to_owned();
        if !BUILT_IN.iter().any(|(known, _, _)| *known == key) {
            return Err(DomainError::bad_input(
                "notificationPreferences",
                format!("unknown notification category {key:?}"),
            ));
        }
        if !valid.contains(&key) {
            valid.push(key);
        }
    }
    Ok(valid)
}
