use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::access::Access;

use super::enums::InvitationStatus;
use super::{AuditEntry, Contact, DomainName, EmailMessage, Invitation, Invoice, Service, Ticket};
use crate::connection::{Conn, connection, page_args};
use crate::context::domain;
use crate::error::ApiResult;
use crate::loaders::RequestLoader;
use domain::accounts::KeyContacts;

/// A billable party, as the viewer's [`Access`] to it shows it: built only from the
/// domain's door, so every field reads through it. Its id and name are always shown;
/// anything else answers FORBIDDEN (with the reason) while the viewer is restricted
/// there, and each list needs its permission. Lists are nullable, so a FORBIDDEN one
/// leaves the rest intact.
pub struct Account(pub Access);

impl Account {
    /// The owner and billing contact, read together for both fields.
    async fn key_contacts(&self, ctx: &Context<'_>) -> ApiResult<KeyContacts> {
        let key = self.0.key_contacts_of()?;
        Ok(ctx
            .data_unchecked::<RequestLoader>()
            .load_one(key)
            .await?
            .unwrap_or_default())
    }

    fn row(&self) -> &domain::entities::account::Model {
        self.0.account()
    }
}

/// A billable party (a business, a household): it owns invoices, services, domains,
/// tickets and contacts. Members see the accounts they belong to, staff every account.
/// `id` and `name` are always shown; while the viewer is restricted here (a password to
/// change, a second factor the account requires) the other fields are FORBIDDEN with
/// the reason. Each list needs its permission: without it the list is null, with
/// FORBIDDEN at its path, and the rest of the account still arrives.
#[Object]
impl Account {
    /// The account's id: `accountId` in mutations and subscriptions.
    async fn id(&self) -> ID {
        ID(self.row().id.to_string())
    }

    /// The account's name (a business, a household).
    async fn name(&self) -> &str {
        &self.row().name
    }

    /// Members must sign in with two factors to use this account (the owner's
    /// `setAccountSecurity`).
    async fn require_two_factor(&self) -> ApiResult<bool> {
        Ok(self.0.usable()?.account().require_two_factor)
    }

    /// The primary contact: the owner's own card. Any member sees it.
    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<Contact> {
        let owner = self.key_contacts(ctx).await?.owner.ok_or_else(|| {
            DomainError::Internal(format!("account {} has no owner", self.row().id))
        })?;
        Ok(Contact(owner))
    }

    /// The contact whose name and address are printed on invoices (null: none named).
    /// Any member sees it.
    async fn billing_contact(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        let key = self.0.key_contacts_of()?;
        if self.row().billing_contact_id.is_none() {
            return Ok(None);
        }
        let found = ctx.data_unchecked::<RequestLoader>().load_one(key).await?;
        Ok(found.and_then(|k| k.billing).map(Contact))
    }

    /// When the account was created.
    async fn created_at(&self) -> ApiResult<DateTime<Utc>> {
        Ok(self.0.usable()?.account().created_at)
    }

    /// The event log's position as this is read. Give it as `after` to `contactEvents`
    /// or `invitationEvents` and they replay every change made since, then go live. Read
    /// it in a request before the lists it goes with (the fields of one request resolve
    /// in no set order): a change made between the two then comes twice, never not at
    /// all.
    async fn events_cursor(&self, ctx: &Context<'_>) -> ApiResult<String> {
        self.0.usable()?;
        Ok(domain(ctx).events().latest().await?.to_string())
    }

    /// The people on file under the account, oldest first. Needs MANAGE_CONTACTS.
    #[graphql(complexity = "crate::connection::complexity(first, last, child_complexity)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many items: 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (`pageInfo.endCursor`); left out: from the start."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Backwards: how many items before `before` (0 to 100); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Backwards: end before this cursor (`pageInfo.startCursor`); left out: at the end."
        )]
        before: Option<String>,
    ) -> ApiResult<Option<Conn<Contact>>> {
        let page = domain(ctx)
            .contacts()
            .list(&self.0, page_args(ctx, first, after, last, before)?)
            .await?;
        Ok(Some(connection(page, |c| c.id, Contact)))
    }

    /// The account's invitations, newest first; optionally of one status. Needs
    /// MANAGE_CONTACTS.
    #[graphql(complexity = "crate::connection::complexity(first, last, child_complexity)")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only invitations of this status (EXPIRED includes pending ones past their expiry); left out: all."
        )]
        status: Option<InvitationStatus>,
        #[graphql(desc = "How many items: 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (`pageInfo.endCursor`); left out: from the start."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Backwards: how many items before `before` (0 to 100); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Backwards: end before this cursor (`pageInfo.startCursor`); left out: at the end."
        )]
        before: Option<String>,
    ) -> ApiResult<Option<Conn<Invitation>>> {
        let page = domain(ctx)
            .invitations()
            .list(
                &self.0,
                status.map(Into::into),
                page_args(ctx, first, after, last, before)?,
            )
            .await?;
        Ok(Some(connection(page, |i| i.id, Invitation)))
    }

    /// The API tokens of the account's members, newest first. Needs MANAGE_CONTACTS.
    async fn api_tokens(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<super::ApiToken>>> {
        let tokens = domain(ctx).api_tokens().of_account(&self.0).await?;
        Ok(Some(tokens.into_iter().map(super::ApiToken).collect()))
    }

    /// The account's webhook endpoints, oldest first. Needs MANAGE_ACCOUNT.
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<super::WebhookEndpoint>>> {
        let rows = domain(ctx).webhooks().endpoints(&self.0).await?;
        Ok(Some(
            rows.into_iter()
                .map(|row| super::WebhookEndpoint {
                    access: self.0.clone(),
                    row,
                })
                .collect(),
        ))
    }

    /// The account's invoices, newest first. Needs VIEW_INVOICES.
    #[graphql(complexity = "crate::connection::complexity(first, last, child_complexity)")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many items: 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (`pageInfo.endCursor`); left out: from the start."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Backwards: how many items before `before` (0 to 100); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Backwards: end before this cursor (`pageInfo.startCursor`); left out: at the end."
        )]
        before: Option<String>,
    ) -> ApiResult<Option<Conn<Invoice>>> {
        let page = domain(ctx)
            .billing()
            .invoices(&self.0, page_args(ctx, first, after, last, before)?)
            .await?;
        Ok(Some(connection(page, |i| i.id, Invoice)))
    }

    /// The account's services, oldest first (a scoped member: those in their scope).
    /// Needs VIEW_SERVICES.
    #[graphql(complexity = "crate::connection::complexity(first, last, child_complexity)")]
    async fn services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many items: 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (`pageInfo.endCursor`); left out: from the start."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Backwards: how many items before `before` (0 to 100); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Backwards: end before this cursor (`pageInfo.startCursor`); left out: at the end."
        )]
        before: Option<String>,
    ) -> ApiResult<Option<Conn<Service>>> {
        let page = domain(ctx)
            .billing()
            .services(&self.0, page_args(ctx, first, after, last, before)?)
            .await?;
        Ok(Some(connection(page, |s| s.id, Service)))
    }

    /// The account's domain names, oldest first (a scoped member: those in their
    /// scope). Needs VIEW_DOMAINS.
    #[graphql(complexity = "crate::connection::complexity(first, last, child_complexity)")]
    async fn domains(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many items: 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (`pageInfo.endCursor`); left out: from the start."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Backwards: how many items before `before` (0 to 100); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Backwards: end before this cursor (`pageInfo.startCursor`); left out: at the end."
        )]
        before: Option<String>,
    ) -> ApiResult<Option<Conn<DomainName>>> {
        let page = domain(ctx)
            .billing()
            .domains(&self.0, page_args(ctx, first, after, last, before)?)
            .await?;
        Ok(Some(connection(page, |d| d.id, DomainName)))
    }

    /// The account's support tickets, newest first (a scoped member: those they opened
    /// and those about a service or domain in their scope). Needs VIEW_TICKETS.
    #[graphql(complexity = "crate::connection::complexity(first, last, child_complexity)")]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many items: 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (`pageInfo.endCursor`); left out: from the start."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Backwards: how many items before `before` (0 to 100); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Backwards: end before this cursor (`pageInfo.startCursor`); left out: at the end."
        )]
        before: Option<String>,
    ) -> ApiResult<Option<Conn<Ticket>>> {
        let page = domain(ctx)
            .tickets()
            .list(&self.0, page_args(ctx, first, after, last, before)?)
            .await?;
        Ok(Some(connection(page, |t| t.id, Ticket)))
    }

    /// The account's email history, newest first (no bodies). Needs VIEW_EMAILS.
    #[graphql(complexity = "crate::connection::complexity(first, last, child_complexity)")]
    async fn emails(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many items: 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (`pageInfo.endCursor`); left out: from the start."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Backwards: how many items before `before` (0 to 100); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Backwards: end before this cursor (`pageInfo.startCursor`); left out: at the end."
        )]
        before: Option<String>,
    ) -> ApiResult<Option<Conn<EmailMessage>>> {
        let page = domain(ctx)
            .accounts()
            .emails(&self.0, page_args(ctx, first, after, last, before)?)
            .await?;
        Ok(Some(connection(page, |e| e.id, EmailMessage)))
    }

    /// Who did what in the account, newest first. Needs VIEW_AUDIT_LOG.
    #[graphql(complexity = "crate::connection::complexity(first, last, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many items: 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (`pageInfo.endCursor`); left out: from the start."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Backwards: how many items before `before` (0 to 100); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Backwards: end before this cursor (`pageInfo.startCursor`); left out: at the end."
        )]
        before: Option<String>,
    ) -> ApiResult<Option<Conn<AuditEntry>>> {
        let page = domain(ctx)
            .accounts()
            .audit_log(&self.0, page_args(ctx, first, after, last, before)?)
            .await?;
        Ok(Some(connection(page, |e| e.id, AuditEntry)))
    }
}
