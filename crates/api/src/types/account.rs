use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::entities::account;
use domain::permissions::Permission;

use super::enums::InvitationStatus;
use super::{AuditEntry, Contact, DomainName, EmailMessage, Invitation, Invoice, Service, Ticket};
use crate::connection::{Conn, connection, page_args};
use crate::context::domain;
use crate::error::ApiResult;
use crate::guards::Require;
use crate::loaders::{KeyContactsOf, RequestLoader};
use domain::accounts::KeyContacts;

/// A billable party. Only ever built for a viewer allowed to see it; its lists are
/// guarded by permission and nullable, so a FORBIDDEN list leaves the rest intact.
pub struct Account(pub account::Model);

impl Account {
    /// The owner and billing contact, read together for both fields.
    async fn key_contacts(&self, ctx: &Context<'_>) -> ApiResult<KeyContacts> {
        let key = KeyContactsOf {
            account_id: self.0.id,
            billing_contact_id: self.0.billing_contact_id,
        };
        Ok(ctx
            .data_unchecked::<RequestLoader>()
            .load_one(key)
            .await?
            .unwrap_or_default())
    }
}

#[Object]
impl Account {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Members must sign in with two factors to use this account.
    async fn require_two_factor(&self) -> bool {
        self.0.require_two_factor
    }

    /// The primary contact.
    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<Contact> {
        let owner =
            self.key_contacts(ctx).await?.owner.ok_or_else(|| {
                DomainError::Internal(format!("account {} has no owner", self.0.id))
            })?;
        Ok(Contact(owner))
    }

    /// The contact printed on invoices.
    async fn billing_contact(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        if self.0.billing_contact_id.is_none() {
            return Ok(None);
        }
        Ok(self.key_contacts(ctx).await?.billing.map(Contact))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The event log's position as this is read. Give it as `after` to `contactEvents`
    /// or `invitationEvents` and they replay every change made since, then go live. Read
    /// it in a request before the lists it goes with (the fields of one request resolve
    /// in no set order): a change made between the two then comes twice, never not at
    /// all.
    async fn events_cursor(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(domain(ctx).events().latest().await?.to_string())
    }

    /// The people on file under the account, oldest first. Needs MANAGE_CONTACTS.
    #[graphql(
        guard = "Require::new(Permission::ManageContacts, self.0.id)",
        complexity = "crate::connection::complexity(first, child_complexity)"
    )]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Option<Conn<Contact>>> {
        let page = domain(ctx)
            .contacts()
            .list(self.0.id, page_args(ctx, first, after)?)
            .await?;
        Ok(Some(connection(page, |c| c.id, Contact)))
    }

    /// The account's invitations, newest first; optionally of one status. Needs
    /// MANAGE_CONTACTS.
    #[graphql(guard = "Require::new(Permission::ManageContacts, self.0.id)")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        status: Option<InvitationStatus>,
    ) -> ApiResult<Option<Vec<Invitation>>> {
        let list = domain(ctx)
            .invitations()
            .list(self.0.id, status.map(Into::into))
            .await?;
        Ok(Some(list.into_iter().map(Invitation).collect()))
    }

    /// The account's invoices, newest first. Needs VIEW_INVOICES.
    #[graphql(
        guard = "Require::new(Permission::ViewInvoices, self.0.id)",
        complexity = "crate::connection::complexity(first, child_complexity)"
    )]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Option<Conn<Invoice>>> {
        let page = domain(ctx)
            .billing()
            .invoices(self.0.id, page_args(ctx, first, after)?)
            .await?;
        Ok(Some(connection(page, |i| i.id, Invoice)))
    }

    /// The account's services. Needs VIEW_SERVICES.
    #[graphql(
        guard = "Require::new(Permission::ViewServices, self.0.id)",
        complexity = "crate::connection::complexity(first, child_complexity)"
    )]
    async fn services(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Option<Conn<Service>>> {
        let page = domain(ctx)
            .billing()
            .services(self.0.id, page_args(ctx, first, after)?)
            .await?;
        Ok(Some(connection(page, |s| s.id, Service)))
    }

    /// The account's domain names. Needs VIEW_DOMAINS.
    #[graphql(
        guard = "Require::new(Permission::ViewDomains, self.0.id)",
        complexity = "crate::connection::complexity(first, child_complexity)"
    )]
    async fn domains(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Option<Conn<DomainName>>> {
        let page = domain(ctx)
            .billing()
            .domains(self.0.id, page_args(ctx, first, after)?)
            .await?;
        Ok(Some(connection(page, |d| d.id, DomainName)))
    }

    /// The account's support tickets, newest first. Needs VIEW_TICKETS.
    #[graphql(
        guard = "Require::new(Permission::ViewTickets, self.0.id)",
        complexity = "crate::connection::complexity(first, child_complexity)"
    )]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Option<Conn<Ticket>>> {
        let page = domain(ctx)
            .tickets()
            .list(self.0.id, page_args(ctx, first, after)?)
            .await?;
        Ok(Some(connection(page, |t| t.id, Ticket)))
    }

    /// The account's email history, newest first (no bodies). Needs VIEW_EMAILS.
    #[graphql(
        guard = "Require::new(Permission::ViewEmails, self.0.id)",
        complexity = "crate::connection::complexity(first, child_complexity)"
    )]
    async fn emails(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Option<Conn<EmailMessage>>> {
        let page = domain(ctx)
            .accounts()
            .emails(self.0.id, page_args(ctx, first, after)?)
            .await?;
        Ok(Some(connection(page, |e| e.id, EmailMessage)))
    }

    /// Who did what in the account, newest first. Needs VIEW_AUDIT_LOG.
    #[graphql(
        guard = "Require::new(Permission::ViewAuditLog, self.0.id)",
        complexity = "crate::connection::complexity(first, child_complexity)"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Option<Conn<AuditEntry>>> {
        let page = domain(ctx)
            .accounts()
            .audit_log(self.0.id, page_args(ctx, first, after)?)
            .await?;
        Ok(Some(connection(page, |e| e.id, AuditEntry)))
    }
}
