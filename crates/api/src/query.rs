use async_graphql::{Context, ID, Object};

use crate::connection::{Conn, connection, page_args};
use crate::context::{RequestAuth, actor, auth, domain, signed_in};
use crate::error::{ApiError, ApiResult, parse_id};
use crate::loaders::access_to;
use crate::types::{Account, EmailPreferences, NotificationCategory, PortalSettings, Viewer};

#[derive(Default)]
pub struct Query;

/// What can be read. Without a session, `viewer` (null), `portalSettings`,
/// `notificationCategories`, `webhookEventTypes` and `emailPreferences` still answer;
/// the rest needs a session or an API token.
#[Object]
impl Query {
    /// The signed-in user; null when not signed in. A dead token is UNAUTHENTICATED.
    async fn viewer(&self, ctx: &Context<'_>) -> ApiResult<Option<Viewer>> {
        match auth(ctx) {
            RequestAuth::Anonymous(_) => Ok(None),
            _ => Ok(Some(Viewer(signed_in(ctx)?.clone()))),
        }
    }

    /// One of the viewer's accounts (staff: any). Other ids are NOT_FOUND (and null).
    async fn account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id (see `viewer.memberships`).")] id: ID,
    ) -> ApiResult<Option<Account>> {
        actor(ctx)?;
        let id = parse_id(&id, "account")?;
        match access_to(ctx, id).await? {
            Some(access) => {
                access.usable()?;
                Ok(Some(Account(access)))
            }
            None => Err(ApiError::not_found("account")),
        }
    }

    /// Staff: every account, oldest first, optionally filtered by name. Anyone else is
    /// FORBIDDEN.
    #[graphql(complexity = "crate::connection::complexity(first, last, child_complexity)")]
    async fn accounts(
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
        #[graphql(desc = "Only accounts whose name contains this text, ignoring case.")]
        search: Option<String>,
    ) -> ApiResult<Conn<Account>> {
        let args = page_args(ctx, first, after, last, before)?;
        let page = domain(ctx)
            .accounts()
            .list(actor(ctx)?, search.as_deref(), args)
            .await?;
        Ok(connection(page, |a| a.account_id(), Account))
    }

    /// The event types a webhook endpoint may take (`WebhookEndpointInput.eventTypes`),
    /// as its deliveries' `type` names them.
    async fn webhook_event_types(&self) -> Vec<&'static str> {
        domain::webhooks::EventType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect()
    }

    /// The portal's settings (staff change them with `updatePortalSettings`). Anyone may
    /// read them, signed in or not.
    async fn portal_settings(&self, ctx: &Context<'_>) -> ApiResult<PortalSettings> {
        Ok(domain(ctx).settings().get().await?.into())
    }

    /// Every category of email: the six built-ins first, then those staff defined.
    /// Anyone may read them, signed in or not.
    async fn notification_categories(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<NotificationCategory>> {
        let categories = domain(ctx).notifications().categories().await?;
        Ok(categories.into_iter().map(Into::into).collect())
    }

    /// No sign-in: the email preferences of the contact named by the token in one of
    /// their emails (the link `{PUBLIC_URL}/email-preferences/{token}`). A bad or dead
    /// token is BAD_USER_INPUT.
    async fn email_preferences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from the email's link.")] token: String,
    ) -> ApiResult<Option<EmailPreferences>> {
        let preferences = domain(ctx)
            .notifications()
            .email_preferences(&token)
            .await?;
        Ok(Some(preferences.into()))
    }
}
