use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::entities::{ticket, ticket_reply};

use super::enums::{ReplyBadge, TicketStatus};
use crate::error::ApiResult;
use crate::loaders::{RepliesOf, RequestLoader};

pub struct Ticket(pub ticket::Model);

/// A support request and its conversation. Members with VIEW_TICKETS see the
/// account's tickets (a scoped member: those they opened and those about a service or
/// domain in their scope).
#[Object]
impl Ticket {
    /// The ticket's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The subject line.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// Where it stands: who is to answer next.
    async fn status(&self) -> TicketStatus {
        self.0.status.into()
    }

    /// The service the ticket is about, if it names one.
    async fn service_id(&self) -> Option<ID> {
        self.0.service_id.map(|id| ID(id.to_string()))
    }

    /// The domain the ticket is about, if it names one.
    async fn domain_id(&self) -> Option<ID> {
        self.0.domain_id.map(|id| ID(id.to_string()))
    }

    /// The conversation, oldest first; the first is the message it was opened with.
    async fn replies(&self, ctx: &Context<'_>) -> ApiResult<Vec<TicketReply>> {
        let replies = ctx
            .data_unchecked::<RequestLoader>()
            .load_one(RepliesOf(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(replies.into_iter().map(TicketReply).collect())
    }
}

pub struct TicketReply(pub ticket_reply::Model);

/// One message in a ticket's conversation.
#[Object]
impl TicketReply {
    /// The reply's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The message: plain text, line breaks kept.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The author's name as shown on the reply.
    async fn author_name(&self) -> &str {
        &self.0.author_name
    }

    /// Who the author is to the account.
    async fn badge(&self) -> ReplyBadge {
        self.0.badge.into()
    }

    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
