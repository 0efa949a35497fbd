//! The account's history: its audit log and the emails sent to its people.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use domain::entities::{audit_entry, email};

use super::enums::EmailStatus;

pub struct AuditEntry(pub audit_entry::Model);

/// One thing done in the account: what, by whom, to what, when and from where. Listed
/// for members with VIEW_AUDIT_LOG (`Account.auditLog`).
#[Object]
impl AuditEntry {
    /// The entry's id.
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

    /// What it was done through when not a person's session: `token:<name>` for an
    /// API token.
    async fn via(&self) -> Option<&str> {
        self.0.via.as_deref()
    }

    /// Whether one of the portal's staff did it.
    async fn by_staff(&self) -> bool {
        self.0.actor_is_staff
    }

    /// The id of what it was done to (a contact, an invitation, …: `action` says
    /// which), if anything.
    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.clone().map(ID)
    }

    /// When it was done.
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

/// An email sent to the account's people: who, what about, and how it went; never its
/// body (links in it carry tokens). Listed for members with VIEW_EMAILS
/// (`Account.emails`).
#[Object]
impl EmailMessage {
    /// The email's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The recipients' addresses (a notification goes to one person per email).
    async fn to(&self) -> Vec<String> {
        serde_json::from_value(self.0.to_addresses.clone()).unwrap_or_default()
    }

    /// The subject line.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The notification category's key (`INVOICE`, …); null for a transactional email
    /// (an invitation, a password reset, a security notice).
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }

    /// Queued, sent or failed.
    async fn status(&self) -> EmailStatus {
        self.0.status.into()
    }

    /// When it was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the mail server took it; null until then.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
}
