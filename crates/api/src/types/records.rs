//! The account's history: its audit log and the emails sent to its people.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use domain::entities::{audit_entry, email};

use super::enums::EmailStatus;

pub struct AuditEntry(pub audit_entry::Model);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// A dotted verb such as `contact.remove`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The actor's email as it was at the time (kept after they are removed). Null
    /// for the portal itself, and, to anyone but staff, for what staff did.
    async fn actor_email(&self) -> Option<&str> {
        self.0.actor_email.as_deref()
    }

    /// Whether one of the portal's staff did it.
    /// What it was done through when not a person's session: `token:<name>` for an
    /// API token.
    async fn via(&self) -> Option<&str> {
        self.0.via.as_deref()
    }

    async fn by_staff(&self) -> bool {
        self.0.actor_is_staff
    }

    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.clone().map(ID)
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// The client address it came from (to anyone but staff, none for what staff did).
    async fn ip_address(&self) -> Option<&str> {
        self.0.ip_address.as_deref()
    }
}

/// An email sent to the account's people. No body: links in it carry tokens.
pub struct EmailMessage(pub email::Model);

#[Object]
impl EmailMessage {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn to(&self) -> Vec<String> {
        serde_json::from_value(self.0.to_addresses.clone()).unwrap_or_default()
    }

    async fn subject(&self) -> &str {
        &self.0.subject
    }

    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }

    async fn status(&self) -> EmailStatus {
        self.0.status.into()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
}
