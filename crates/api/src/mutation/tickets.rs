use async_graphql::{Context, ID, Object};

use crate::context::{actor, domain};
use crate::error::{ApiResult, parse_id};
use crate::types::{Ticket, TicketReply};

#[derive(Default)]
pub struct TicketMutation;

#[Object]
impl TicketMutation {
    /// Opens a support ticket (OPEN_TICKETS).
    async fn open_ticket(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        subject: String,
        body: String,
    ) -> ApiResult<Ticket> {
        let account_id = parse_id(&account_id, "account")?;
        Ok(Ticket(
            domain(ctx)
                .tickets()
                .open(actor(ctx)?, account_id, &subject, &body)
                .await?,
        ))
    }

    /// Replies on a ticket (OPEN_TICKETS and VIEW_TICKETS; staff answer any ticket).
    async fn reply_to_ticket(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        body: String,
    ) -> ApiResult<TicketReply> {
        let ticket_id = parse_id(&ticket_id, "ticket")?;
        Ok(TicketReply(
            domain(ctx)
                .tickets()
                .reply(actor(ctx)?, ticket_id, &body)
                .await?,
        ))
    }

    /// Staff: records a reply that arrived by email; its badge says who the sender is
    /// to the account (AUTHORIZED_USER, SUB_ACCOUNT for a contact without login, GUEST).
    async fn add_ticket_reply_from_email(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        from_email: String,
        body: String,
    ) -> ApiResult<TicketReply> {
        let ticket_id = parse_id(&ticket_id, "ticket")?;
        Ok(TicketReply(
            domain(ctx)
                .tickets()
                .reply_from_email(actor(ctx)?, ticket_id, &from_email, &body)
                .await?,
        ))
    }
}
