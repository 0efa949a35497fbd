use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::entities::{ticket, ticket_reply};

use super::enums::{ReplyBadge, TicketStatus};
use crate::error::ApiResult;
use crate::loaders::{RepliesOf, RequestLoader};

pub struct Ticket(pub ticket::Model);

#[Object]
impl Ticket {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn subject(&self) -> &str {
        &self.0.subject
    }

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

    /// The conversation, oldest first.
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

#[Object]
impl TicketReply {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn author_name(&self) -> &str {
        &self.0.author_name
    }

    async fn badge(&self) -> ReplyBadge {
        self.0.badge.into()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
