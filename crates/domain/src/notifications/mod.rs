//! Notifications: who gets which email. Every non-transactional email belongs to a
//! category (six built in, more defined by staff); each contact receives the
//! categories of its preferences, which default to its role's. [`routing`] turns one
//! event into one email per recipient; [`preferences`] lets a recipient manage their
//! mail from a link, without signing in; [`reminders`] sends what the calendar calls
//! for, once each.

mod preferences;
mod reminders;
mod routing;

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::emails::{self, Email};
use crate::entities::{contact, notification_category};
use crate::permissions::{Permission, Role};
use crate::{Actor, Domain, DomainError, Result, access, validate};

pub use preferences::EmailPreferences;
pub use reminders::{ReminderKind, ReminderRun, SentReminder};
pub(crate) use routing::{Concerns, Notification, Writer};

/// Bounds on a preference list as given, before any key is looked up or echoed.
const MAX_KEYS: usize = 100;
const MAX_KEY_LEN: usize = 64;

/// The argument a contact's category keys come in (`addContact`, `updateContact`).
pub(crate) const PREFERENCES: &str = "notificationPreferences";

/// A category of email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub key: String,
    pub label: String,
    pub default_roles: Vec<Role>,
    pub built_in: bool,
}

impl From<notification_category::Model> for Category {
    fn from(row: notification_category::Model) -> Self {
        let default_roles = row
            .default_roles
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        Self {
            key: row.key,
            label: row.label,
            default_roles,
            built_in: row.built_in,
        }
    }
}

/// What `defineNotificationCategory` asks for.
#[derive(Clone, Debug)]
pub struct NewCategory {
    pub key: String,
    pub label: String,
    pub default_roles: Vec<Role>,
}

/// Every category, built-ins first, then staff's in the order defined.
pub(crate) async fn all(conn: &impl ConnectionTrait) -> Result<Vec<Category>> {
    Ok(notification_category::Entity::find()
        .order_by_asc(notification_category::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(Category::from)
        .collect())
}

/// The category keys a contact with `role` (holding `permissions`) receives before
/// anyone edits them: those their role gets by default and their permissions can see.
/// MARKETING is opt-in only: no role has it by default.
pub(crate) async fn defaults_for(
    conn: &impl ConnectionTrait,
    role: Role,
    permissions: &[Permission],
) -> Result<Vec<String>> {
    Ok(all(conn)
        .await?
        .into_iter()
        .filter(|c| c.default_roles.contains(&role) && may_receive(&c.key, permissions))
        .map(|c| c.key)
        .collect())
}

/// The permission a category's emails need, because of what they show (SPEC: emails
/// obey the portal's visibility): invoices and payments, services, domains, tickets.
/// The other built-ins and staff's own categories carry nothing guarded.
pub(crate) fn needs(category: &str) -> Option<Permission> {
    match category {
        "INVOICE" => Some(Permission::ViewInvoices),
        "PRODUCT" => Some(Permission::ViewServices),
        "DOMAIN" => Some(Permission::ViewDomains),
        "SUPPORT" => Some(Permission::ViewTickets),
        _ => None,
    }
}

/// Whether a contact holding `permissions` may receive `category`'s emails: the one
/// rule for routing, for the preferences anyone sets (with a sign-in or a token), and
/// for the preferences page.
pub(crate) fn may_receive(category: &str, permissions: &[Permission]) -> bool {
    needs(category).is_none_or(|needed| permissions.contains(&needed))
}

/// `keys` as a contact holding `permissions` may receive them: BAD_USER_INPUT on
/// `field` naming the first one their permissions cannot see.
pub(crate) fn receivable(
    field: &'static str,
    keys: Vec<String>,
    permissions: &[Permission],
) -> Result<Vec<String>> {
    if let Some(key) = keys.iter().find(|k| !may_receive(k, permissions)) {
        let needed = needs(key).map(|p| p.to_string()).unwrap_or_default();
        return Err(DomainError::bad_input(
            field,
            format!("{key} emails need the {needed} permission, which this contact does not hold"),
        ));
    }
    Ok(keys)
}

/// A preference list's shape, checked before anything is read: bounded, plain keys.
/// Returns the keys trimmed and deduplicated, in the order given.
pub(crate) fn shaped_keys(field: &'static str, keys: Vec<String>) -> Result<Vec<String>> {
    if keys.len() > MAX_KEYS {
        return Err(DomainError::bad_input(
            field,
            format!("at most {MAX_KEYS} notification categories"),
        ));
    }
    let mut shaped: Vec<String> = Vec::with_capacity(keys.len());
    for key in keys {
        validate::plain(field, &key, MAX_KEY_LEN)?;
        let key = key.trim().to_owned();
        if !shaped.contains(&key) {
            shaped.push(key);
        }
    }
    Ok(shaped)
}

/// Category keys chosen for a contact: shaped, and each one known; an unknown key is
/// BAD_USER_INPUT on `field`.
pub(crate) async fn known_keys(
    conn: &impl ConnectionTrait,
    field: &'static str,
    keys: Vec<String>,
) -> Result<Vec<String>> {
    let keys = shaped_keys(field, keys)?;
    let known = all(conn).await?;
    for key in &keys {
        if !known.iter().any(|c| &c.key == key) {
            return Err(DomainError::bad_input(
                field,
                format!("unknown notification category {key:?}"),
            ));
        }
    }
    Ok(keys)
}

/// One known category, or BAD_USER_INPUT on `field`.
pub(crate) async fn known(
    conn: &impl ConnectionTrait,
    field: &'static str,
    key: &str,
) -> Result<Category> {
    validate::plain(field, key, MAX_KEY_LEN)?;
    notification_category::Entity::find_by_id(key.trim())
        .one(conn)
        .await?
        .map(Category::from)
        .ok_or_else(|| {
            DomainError::bad_input(field, format!("unknown notification category {key:?}"))
        })
}

/// A contact's preferences after its role changes from `old` to `new` (holding
/// `new_permissions`): the new role's defaults if they were the old role's defaults,
/// else as they are (explicit choices survive a role change) less what the new
/// permissions cannot see. `None`: unchanged.
pub(crate) async fn after_role_change(
    conn: &impl ConnectionTrait,
    current: &serde_json::Value,
    (old, old_permissions): (Role, &[Permission]),
    (new, new_permissions): (Role, &[Permission]),
) -> Result<Option<Vec<String>>> {
    let current = keys_of(current);
    let as_set = |keys: &[String]| keys.iter().cloned().collect::<BTreeSet<String>>();
    let old_defaults = defaults_for(conn, old, old_permissions).await?;
    let kept: Vec<String> = if as_set(&current) == as_set(&old_defaults) && old != new {
        defaults_for(conn, new, new_permissions).await?
    } else {
        current
            .iter()
            .filter(|k| may_receive(k, new_permissions))
            .cloned()
            .collect()
    };
    Ok((as_set(&kept) != as_set(&current)).then_some(kept))
}

/// The category keys stored on a contact.
pub(crate) fn keys_of(stored: &serde_json::Value) -> Vec<String> {
    stored
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub struct NotificationService<'a> {
    domain: &'a Domain,
}

impl<'a> NotificationService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// Every category, built-ins first.
    pub async fn categories(&self) -> Result<Vec<Category>> {
        all(self.domain.db()).await
    }

    /// Staff: adds a category (or relabels one of the portal's own). Contacts whose
    /// role gets it by default receive it from now on: none of them could have
    /// declined what did not exist.
    pub async fn define(&self, actor: &Actor, input: NewCategory) -> Result<Category> {
        access::require_staff(actor)?;
        let key = category_key(&input.key)?;
        let label = validate::name("label", &input.label)?;
        let mut roles = input.default_roles;
        roles.sort_by_key(|r| r.as_str());
        roles.dedup();
        let change = Change::begin(self.domain).await?;
        let existing = notification_category::Entity::find_by_id(key.clone())
            .one(change.conn())
            .await?;
        let row = notification_category::ActiveModel {
            key: Set(key.clone()),
            label: Set(label),
            default_roles: Set(json!(roles.iter().map(|r| r.as_str()).collect::<Vec<_>>())),
            built_in: Set(false),
            position: Set(0),
            created_at: Set(self.domain.now()),
        };
        let saved = match existing {
            Some(found) if found.built_in => {
                return Err(DomainError::conflict(format!(
                    "{key} is a built-in category and cannot be redefined"
                )));
            }
            Some(found) => {
                let mut model: notification_category::ActiveModel = found.into();
                model.label = row.label;
                model.default_roles = row.default_roles;
                model.update(change.conn()).await?
            }
            None => {
                let last = notification_category::Entity::find()
                    .order_by_desc(notification_category::Column::Position)
                    .one(change.conn())
                    .await?
                    .map_or(0, |c| c.position);
                let mut row = row;
                row.position = Set(last + 1);
                row.insert(change.conn()).await?
            }
        };
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        let holders = contact::Entity::find()
            .filter(contact::Column::Role.is_in(names))
            .all(change.conn())
            .await?;
        for holder in holders {
            let mut keys = keys_of(&holder.notification_preferences);
            if keys.contains(&key) {
                continue;
            }
            keys.push(key.clone());
            let mut model: contact::ActiveModel = holder.into();
            model.notification_preferences = Set(json!(keys));
            model.update(change.conn()).await?;
        }
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::NotificationCategoryDefine)
                    .details(json!({ "key": key, "defaultRoles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>() })),
            )
            .await?;
        Ok(saved.into())
    }

    /// Staff: sends a message in `category` to the account's contacts who receive it,
    /// one email each. Returns how many were sent.
    pub async fn send(
        &self,
        actor: &Actor,
        account_id: i64,
        category: &str,
        subject: &str,
        body: &str,
    ) -> Result<usize> {
        access::require_staff(actor)?;
        let subject = validate::line("subject", subject, validate::MAX_LINE_LEN)?;
        let body = validate::text("body", body, validate::MAX_TEXT_LEN)?;
        let mut change = Change::staff_on_account(self.domain, actor, account_id).await?;
        let category = known(change.conn(), "category", category).await?;
        let sent = change
            .notify_contacts(Notification {
                account_id,
                category: &category.key,
                email: Email::Notification(emails::Message { subject, body }),
                amounts: None,
                author: None,
                concerns: Concerns::Account,
            })
            .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::NotificationSend)
                    .account(account_id)
                    .details(json!({ "category": category.key, "recipients": sent })),
            )
            .await?;
        Ok(sent)
    }
}

/// A category key: 1–64 of A–Z, 0–9 and `_`, starting with a letter (as the built-ins).
fn category_key(raw: &str) -> Result<String> {
    let key = raw.trim();
    let valid = (1..=MAX_KEY_LEN).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(key.to_owned())
    } else {
        Err(DomainError::bad_input(
            "key",
            "a category key is 1 to 64 capital letters, digits or underscores, starting with a letter (e.g. VEHICLE_UPDATES)",
        ))
    }
}

/// Whether a recipient may see amounts (invoice totals, prices).
pub(crate) fn sees_amounts(permissions: &[Permission]) -> bool {
    permissions.contains(&Permission::ViewInvoices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_keys_are_shouted_identifiers() {
        assert_eq!(
            category_key(" VEHICLE_UPDATES ").unwrap(),
            "VEHICLE_UPDATES"
        );
        for bad in ["", "vehicle", "1ST", "A-B", "A B", &"A".repeat(65)] {
            assert!(category_key(bad).is_err(), "{bad:?}");
        }
    }
}
