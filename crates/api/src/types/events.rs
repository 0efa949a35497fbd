//! The payloads of live subscriptions. Their fields resolve through the same types and
//! guards as queries. Each event carries the state its change left (a snapshot written
//! with it), so ten thousand subscribers cost no query per event, and a replay shows
//! history as it was.

use async_graphql::{Enum, ID, Object};
use chrono::{DateTime, Utc};
use domain::entities::event;
use domain::events::EventKind;
use std::sync::Arc;

use super::{Contact, Invitation};
use crate::error::{ApiError, ApiResult};

/// What happened to a contact.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactEventKind {
    /// The contact was added (also: an account's owner at its creation, a member who
    /// joined by invitation).
    Created,
    /// The card changed: name, email, role, permissions, scope, ownership, …
    Updated,
    /// The contact was removed or erased.
    Removed,
    /// Portal access was granted or revoked, or ended by itself.
    PortalAccessChanged,
}

/// What happened to an invitation.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationEventKind {
    /// It was sent.
    Sent,
    /// It was sent again, with a new link and expiry (`resendInvitation`).
    Resent,
    /// It was accepted.
    Accepted,
    /// It was withdrawn, or found dead with its sender's access.
    Revoked,
}

/// A change to a contact of an account.
pub struct ContactEvent(pub Arc<event::Model>);

/// A change to a contact of an account, as `contactEvents` delivers it (MANAGE_CONTACTS
/// on the account, or staff).
#[Object]
impl ContactEvent {
    /// Resume after this event with `contactEvents(after: cursor)`.
    async fn cursor(&self) -> String {
        self.0.id.to_string()
    }

    /// What happened.
    async fn kind(&self) -> ApiResult<ContactEventKind> {
        Ok(match self.0.kind {
            EventKind::Created => ContactEventKind::Created,
            EventKind::Updated => ContactEventKind::Updated,
            EventKind::Removed => ContactEventKind::Removed,
            EventKind::PortalAccessChanged => ContactEventKind::PortalAccessChanged,
            other => return Err(wrong_stream(other)),
        })
    }

    /// The account the contact is under.
    async fn account_id(&self) -> ID {
        ID(self.0.account_id.to_string())
    }

    /// The contact's id (given even once the contact is removed).
    async fn contact_id(&self) -> ID {
        ID(self.0.subject_id.to_string())
    }

    /// The contact as this change left it; null once removed. Removing a contact also
    /// scrubs its earlier events (only its name stays in the log), so they show null too.
    async fn contact(&self) -> Option<Contact> {
        snapshot(&self.0).map(Contact)
    }

    /// When the change was made.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
}

/// A change to an invitation of an account.
pub struct InvitationEvent(pub Arc<event::Model>);

/// A change to an invitation of an account, as `invitationEvents` delivers it
/// (MANAGE_CONTACTS on the account, or staff).
#[Object]
impl InvitationEvent {
    /// Resume after this event with `invitationEvents(after: cursor)`.
    async fn cursor(&self) -> String {
        self.0.id.to_string()
    }

    /// What happened.
    async fn kind(&self) -> ApiResult<InvitationEventKind> {
        Ok(match self.0.kind {
            EventKind::Sent => InvitationEventKind::Sent,
            EventKind::Resent => InvitationEventKind::Resent,
            EventKind::Accepted => InvitationEventKind::Accepted,
            EventKind::Revoked => InvitationEventKind::Revoked,
            other => return Err(wrong_stream(other)),
        })
    }

    /// The account the invitation is to.
    async fn account_id(&self) -> ID {
        ID(self.0.account_id.to_string())
    }

    /// The invitation as this change left it.
    async fn invitation(&self) -> ApiResult<Invitation> {
        snapshot(&self.0)
            .map(Invitation)
            .ok_or_else(|| ApiError::not_found("invitation"))
    }

    /// When the change was made.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
}

/// The row an event's snapshot holds, if it holds one. A removed contact's scrubbed
/// snapshot (name only) is not a whole row, and so reads as none.
fn snapshot<T: serde::de::DeserializeOwned>(event: &event::Model) -> Option<T> {
    serde_json::from_value(event.snapshot.clone()?).ok()
}

/// The domain writes each kind only to its own stream (`events::record` refuses the
/// rest), so this is a broken log, never a guess.
fn wrong_stream(kind: EventKind) -> ApiError {
    ApiError(domain::DomainError::Internal(format!(
        "event kind {kind:?} in the wrong stream"
    )))
}
