use async_graphql::{Context, ID, Object};
use domain::tickets::NewTicket;

use crate::context::{actor, domain};
use crate::error::{ApiResult, parse_id};
use crate::types::{Ticket, TicketReply};

#[derive(Default)]
pub struct TicketMutation;

#[Object]
impl TicketMutation {
    /// Opens a support ticket (OPEN_TICKETS), about one of the account's services or
    /// domains if it names one. An id the author cannot see is NOT_FOUND.
    async fn open_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account the ticket is for.")] account_id: ID,
        #[graphql(desc = "The subject line (at most 200 characters).")] subject: String,
        #[graphql(desc = "The first message (at most 20,000 characters).")] body: String,
        #[graphql(desc = "The account's service it is about, if any.")] service_id: Option<ID>,
        #[graphql(desc = "The account's domain it is about, if any.")] domain_id: Option<ID>,
    ) -> ApiResult<Ticket> {
        let account_id = parse_id(&account_id, "account")?;
        let new = NewTicket {
            subject: &subject,
            body: &body,
            service_id: service_id.map(|id| parse_id(&id, "service")).transpose()?,
            domain_id: domain_id.map(|id| parse_id(&id, "domain")).transpose()?,
        };
        Ok(Ticket(
            domain(ctx)
                .tickets()
                .open(actor(ctx)?, account_id, new)
                .await?,
        ))
    }

    /// Replies on a ticket (OPEN_TICKETS and VIEW_TICKETS; staff answer any ticket).
    async fn reply_to_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket's id.")] ticket_id: ID,
        #[graphql(desc = "The reply (at most 20,000 characters).")] body: String,
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
        #[graphql(desc = "The ticket's id.")] ticket_id: ID,
        #[graphql(desc = "The sender's address, as the email gave it.")] from_email: String,
        #[graphql(desc = "The reply (at most 20,000 characters).")] body: String,
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
