//! Notification categories, and the preferences page a recipient reaches from an email.

use async_graphql::SimpleObject;
use domain::notifications;

use super::enums::Role;

/// A category of email: one of the six built-ins or one staff defined.
#[derive(SimpleObject)]
pub struct NotificationCategory {
    /// A capitalised key such as `INVOICE` or `VEHICLE_UPDATES`.
    pub key: String,
    /// The name people see (e.g. "Invoices and payments").
    pub label: String,
    /// The roles whose contacts receive it unless they opt out.
    pub default_roles: Vec<Role>,
    /// One of the six that come with the portal (INVOICE, PRODUCT, DOMAIN, SUPPORT,
    /// GENERAL, MARKETING); false for those staff defined.
    pub built_in: bool,
}

impl From<notifications::Category> for NotificationCategory {
    fn from(c: notifications::Category) -> Self {
        Self {
            key: c.key,
            label: c.label,
            default_roles: c.default_roles.into_iter().map(Role::from).collect(),
            built_in: c.built_in,
        }
    }
}

/// One contact's email preferences, as the token in their email shows them.
#[derive(SimpleObject)]
pub struct EmailPreferences {
    /// The contact's name, to greet them.
    pub contact_name: String,
    /// The account the contact is under.
    pub account_name: String,
    /// The address the preferences are for.
    pub email: String,
    /// Every category, with whether this contact receives it.
    pub categories: Vec<EmailCategoryChoice>,
}

/// One category of email on the preferences page, and whether the contact receives it.
#[derive(SimpleObject)]
pub struct EmailCategoryChoice {
    /// The category's key (`INVOICE`, …): what `setEmailPreferences` takes.
    pub key: String,
    /// The category's name, to show.
    pub label: String,
    /// Whether the contact receives it.
    pub subscribed: bool,
}

impl From<notifications::EmailPreferences> for EmailPreferences {
    fn from(p: notifications::EmailPreferences) -> Self {
        Self {
            contact_name: p.contact_name,
            account_name: p.account_name,
            email: p.email,
            categories: p
                .categories
                .into_iter()
                .map(|(key, label, subscribed)| EmailCategoryChoice {
                    key,
                    label,
                    subscribed,
                })
                .collect(),
        }
    }
}
