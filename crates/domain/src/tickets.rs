//! Support tickets and their replies. Each reply carries a badge saying who wrote it.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::access::{Access, require_staff};
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::emails::{self, Email};
use crate::entities::ticket::{self, TicketStatus};
use crate::entities::ticket_reply::{self, ReplyBadge};
use crate::entities::{contact, domain_name, service, user};
use crate::notifications::{Concerns, Notification, Writer};
use crate::pagination::{self, Order, Page, PageArgs};
use crate::permissions::Permission;
use crate::webhooks::{EventType, data};
use crate::{Actor, Domain, DomainError, Result, validate};

pub struct TicketService<'a> {
    domain: &'a Domain,
}

/// Who wrote a reply, as recorded on it.
struct Author {
    name: String,
    email: Option<String>,
    user_id: Option<i64>,
    badge: ReplyBadge,
}

impl<'a> TicketService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// Opens a ticket with its first message, about one of the account's services or
    /// domains if it names one (which the author must see: else NOT_FOUND); the SUPPORT
    /// recipients but its author are emailed.
    pub async fn open(
        &self,
        actor: &Actor,
        account_id: i64,
        new: NewTicket<'_>,
    ) -> Result<ticket::Model> {
        let subject = validate::line("subject", new.subject, validate::MAX_LINE_LEN)?;
        let body = message_body(new.body)?;
        let (mut change, access) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::OpenTickets,
            "account",
        )
        .await?;
        let about = About::read(change.conn(), &access, new.service_id, new.domain_id).await?;
        let author = signed_in_author(change.conn(), actor, &access).await?;
        let now = self.domain.now();
        let ticket = ticket::ActiveModel {
            account_id: Set(account_id),
            subject: Set(subject),
            status: Set(TicketStatus::Open),
            service_id: Set(about.service_id),
            domain_id: Set(about.domain_id),
            opened_by_user_id: Set(Some(actor.user_id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(change.conn())
        .await?;
        let first = insert_reply(&change, ticket.id, &body, author).await?;
        change
            .notify_contacts(ticket_notification(Email::TicketOpened, &ticket, &first))
            .await?;
        change
            .webhook(
                account_id,
                EventType::TicketOpened,
                data::ticket(&ticket, &first),
            )
            .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::TicketOpen)
                    .account(account_id)
                    .target("ticket", ticket.id),
            )
            .await?;
        Ok(ticket)
    }

    /// Replies on a ticket as the signed-in member (or staff).
    pub async fn reply(
        &self,
        actor: &Actor,
        ticket_id: i64,
        body: &str,
    ) -> Result<ticket_reply::Model> {
        let body = message_body(body)?;
        let account_id = find(self.domain.db(), ticket_id).await?.account_id;
        let (change, access) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::OpenTickets,
            "ticket",
        )
        .await?;
        // A reply joins a conversation: it needs reading it as well as writing.
        access.require(Permission::ViewTickets)?;
        let ticket = find(change.conn(), ticket_id).await?;
        // Out of a scoped member's view is as absent as a ticket that is not there.
        if !access.sees_ticket(&ticket) {
            return Err(DomainError::NotFound("ticket"));
        }
        let author = signed_in_author(change.conn(), actor, &access).await?;
        append(change, actor, &ticket, &body, author).await
    }

    /// Staff: records a reply that arrived by email (mail piping). The badge says who
    /// the sender is to the account: a member, a contact without login, or a guest.
    pub async fn reply_from_email(
        &self,
        actor: &Actor,
        ticket_id: i64,
        from_email: &str,
        body: &str,
    ) -> Result<ticket_reply::Model> {
        require_staff(actor)?;
        let from_email = validate::email("fromEmail", from_email)?;
        let body = message_body(body)?;
        let account_id = find(self.domain.db(), ticket_id).await?.account_id;
        let change = Change::staff_on_account(self.domain, actor, account_id).await?;
        let ticket = find(change.conn(), ticket_id).await?;
        let sender = contact::Entity::find()
            .filter(contact::Column::AccountId.eq(ticket.account_id))
            .filter(crate::entities::email_is(
                contact::Column::Email,
                &from_email,
            ))
            .one(change.conn())
            .await?;
        let author = match sender {
            Some(c) => Author {
                name: format!("{} {}", c.first_name, c.last_name),
                email: Some(from_email),
                user_id: c.user_id,
                badge: badge_of_contact(&c),
            },
            None => Author {
                name: from_email.clone(),
                email: Some(from_email),
                user_id: None,
                badge: ReplyBadge::Guest,
            },
        };
        append(change, actor, &ticket, &body, author).await
    }

    /// A page of the account's tickets the actor sees, newest first (VIEW_TICKETS; a
    /// scoped member, those they opened and those about what they look after).
    pub async fn list(&self, access: &Access, args: PageArgs) -> Result<Page<ticket::Model>> {
        access.require(Permission::ViewTickets)?;
        let select = ticket::Entity::find().filter(access.tickets());
        pagination::page(
            self.domain.db(),
            select,
            ticket::Column::Id,
            args,
            Order::NewestFirst,
        )
        .await
    }

    /// The replies of several tickets, oldest first, for batched loading.
    pub async fn replies(
        &self,
        ticket_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<ticket_reply::Model>>> {
        let rows = ticket_reply::Entity::find()
            .filter(ticket_reply::Column::TicketId.is_in(ticket_ids.iter().copied()))
            .order_by_asc(ticket_reply::Column::Id)
            .all(self.domain.db())
            .await?;
        let mut by_ticket: HashMap<i64, Vec<ticket_reply::Model>> = HashMap::new();
        for reply in rows {
            by_ticket.entry(reply.ticket_id).or_default().push(reply);
        }
        Ok(by_ticket)
    }
}

/// `openTicket`'s input.
pub struct NewTicket<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub service_id: Option<i64>,
    pub domain_id: Option<i64>,
}

/// What a new ticket is about, each checked to be the account's and in the author's
/// view.
struct About {
    service_id: Option<i64>,
    domain_id: Option<i64>,
}

impl About {
    async fn read(
        conn: &impl ConnectionTrait,
        access: &Access,
        service_id: Option<i64>,
        domain_id: Option<i64>,
    ) -> Result<Self> {
        if let Some(id) = service_id {
            service::Entity::find_by_id(id)
                .filter(access.services())
                .one(conn)
                .await?
                .ok_or(DomainError::NotFound("service"))?;
        }
        if let Some(id) = domain_id {
            domain_name::Entity::find_by_id(id)
                .filter(access.domains())
                .one(conn)
                .await?
                .ok_or(DomainError::NotFound("domain"))?;
        }
        Ok(Self {
            service_id,
            domain_id,
        })
    }
}

/// A ticket by id, read on `conn` (a change's transaction or the pool).
async fn find(conn: &impl ConnectionTrait, ticket_id: i64) -> Result<ticket::Model> {
    ticket::Entity::find_by_id(ticket_id)
        .one(conn)
        .await?
        .ok_or(DomainError::NotFound("ticket"))
}

/// Adds `author`'s reply to `ticket`, emails the SUPPORT recipients but the author, and
/// commits `change`. Staff answering marks it answered; anyone else (re)opens it for staff.
async fn append(
    mut change: Change<'_>,
    actor: &Actor,
    ticket: &ticket::Model,
    body: &str,
    author: Author,
) -> Result<ticket_reply::Model> {
    let status = if author.badge == ReplyBadge::Staff {
        TicketStatus::Answered
    } else {
        TicketStatus::CustomerReply
    };
    let reply = insert_reply(&change, ticket.id, body, author).await?;
    ticket::Entity::update_many()
        .col_expr(ticket::Column::Status, Expr::value(status))
        .col_expr(ticket::Column::UpdatedAt, Expr::value(change.now()))
        .filter(ticket::Column::Id.eq(ticket.id))
        .exec(change.conn())
        .await?;
    change
        .notify_contacts(ticket_notification(Email::TicketReplied, ticket, &reply))
        .await?;
    change
        .webhook(
            ticket.account_id,
            EventType::TicketReplied,
            data::ticket(ticket, &reply),
        )
        .await?;
    change
        .commit(
            actor.into(),
            AuditRecord::new(AuditAction::TicketReply)
                .account(ticket.account_id)
                .target("ticket", ticket.id),
        )
        .await?;
    Ok(reply)
}

/// A ticket's email (`ticket_opened`, `ticket_replied`) to the account's SUPPORT
/// recipients, with the message itself; the person who wrote it gets no copy.
fn ticket_notification<'a>(
    email: fn(emails::TicketMessage) -> Email,
    ticket: &ticket::Model,
    message: &ticket_reply::Model,
) -> Notification<'a> {
    Notification {
        account_id: ticket.account_id,
        category: "SUPPORT",
        email: email(emails::TicketMessage {
            ticket: emails::TicketRef {
                id: ticket.id,
                subject: ticket.subject.clone(),
            },
            message: emails::MessageRef {
                author_name: message.author_name.clone(),
                body: message.body.clone(),
            },
        }),
        amounts: None,
        author: Some(Writer {
            user_id: message.author_user_id,
            email: message.author_email.clone(),
        }),
        concerns: Concerns::Ticket {
            service_id: ticket.service_id,
            domain_id: ticket.domain_id,
            opened_by_user_id: ticket.opened_by_user_id,
        },
    }
}

/// The signed-in actor as the author of a reply, badged by their place in the account.
async fn signed_in_author(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    access: &Access,
) -> Result<Author> {
    let user = user::Entity::find_by_id(actor.user_id)
        .one(conn)
        .await?
        .ok_or_else(|| {
            DomainError::Unauthenticated("the signed-in user no longer exists".into())
        })?;
    let badge = match access.contact() {
        Some(contact) if !actor.is_staff => badge_of_contact(contact),
        _ => ReplyBadge::Staff,
    };
    Ok(Author {
        name: format!("{} {}", user.first_name, user.last_name),
        email: Some(user.email),
        user_id: Some(user.id),
        badge,
    })
}

fn badge_of_contact(contact: &contact::Model) -> ReplyBadge {
    match (contact.is_primary, contact.user_id) {
        (true, _) => ReplyBadge::Owner,
        (false, Some(_)) => ReplyBadge::AuthorizedUser,
        (false, None) => ReplyBadge::SubAccount,
    }
}

fn message_body(body: &str) -> Result<String> {
    validate::text("body", body, validate::MAX_TEXT_LEN)
}

async fn insert_reply(
    change: &Change<'_>,
    ticket_id: i64,
    body: &str,
    author: Author,
) -> Result<ticket_reply::Model> {
    Ok(ticket_reply::ActiveModel {
        ticket_id: Set(ticket_id),
        body: Set(body.to_owned()),
        author_name: Set(author.name),
        author_email: Set(author.email),
        author_user_id: Set(author.user_id),
        badge: Set(author.badge),
        created_at: Set(change.now()),
        ..Default::default()
    }
    .insert(change.conn())
    .await?)
}
