//! The payloads of live subscriptions. Their fields resolve through the same types and
//! guards as queries.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use domain::entities::event;
use std::sync::Arc;

use super::{Contact, Invitation};
use crate::error::{ApiError, ApiResult};
use crate::loaders::{ContactById, InvitationById, Loaders};

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactEventKind {
    Created,
    Updated,
    Removed,
    PortalAccessChanged,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationEventKind {
    Sent,
    Resent,
    Accepted,
    Revoked,
}

/// A change to a contact of an account.
pub struct ContactEvent(pub Arc<event::Model>);

#[Object]
impl ContactEvent {
    /// Resume after this event with `contactEvents(after: cursor)`.
    async fn cursor(&self) -> String {
        self.0.id.to_string()
    }

    async fn kind(&self) -> ContactEventKind {
        match self.0.kind.as_str() {
            domain::events::CREATED => ContactEventKind::Created,
            domain::events::REMOVED => ContactEventKind::Removed,
            domain::events::PORTAL_ACCESS_CHANGED => ContactEventKind::PortalAccessChanged,
            _ => ContactEventKind::Updated,
        }
    }

    async fn account_id(&self) -> ID {
        ID(self.0.account_id.to_string())
    }

    async fn contact_id(&self) -> ID {
        ID(self.0.subject_id.to_string())
    }

    /// The contact as it is now; null once removed.
    async fn contact(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        let contact = ctx
            .data_unchecked::<DataLoader<Loaders>>()
            .load_one(ContactById(self.0.subject_id))
            .await?;
        Ok(contact
            .filter(|c| c.account_id == self.0.account_id)
            .map(Contact))
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
}

/// A change to an invitation of an account.
pub struct InvitationEvent(pub Arc<event::Model>);

#[Object]
impl InvitationEvent {
    async fn cursor(&self) -> String {
        self.0.id.to_string()
    }

    async fn kind(&self) -> InvitationEventKind {
        match self.0.kind.as_str() {
            domain::events::RESENT => InvitationEventKind::Resent,
            domain::events::ACCEPTED => InvitationEventKind::Accepted,
            domain::events::REVOKED => InvitationEventKind::Revoked,
            _ => InvitationEventKind::Sent,
        }
    }

    async fn account_id(&self) -> ID {
        ID(self.0.account_id.to_string())
    }

    /// The invitation as it is now.
    async fn invitation(&self, ctx: &Context<'_>) -> ApiResult<Invitation> {
        let invitation = ctx
            .data_unchecked::<DataLoader<Loaders>>()
            .load_one(InvitationById(self.0.subject_id))
            .await?
            .ok_or_else(|| ApiError::not_found("invitation"))?;
        Ok(Invitation(invitation))
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
}
