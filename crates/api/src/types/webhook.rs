//! Webhook endpoints and their deliveries, as the account's managers (MANAGE_ACCOUNT)
//! see them: never the secret, which creating or rotating answers once.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::access::Access;
use domain::entities::{webhook_delivery, webhook_endpoint};

use crate::connection::{Conn, connection, page_args};
use crate::context::domain;
use crate::error::ApiResult;

/// Where the account's events are POSTed, signed (Standard Webhooks 1.0).
pub struct WebhookEndpoint {
    pub access: Access,
    pub row: webhook_endpoint::Model,
}

/// Where the account's events are POSTed, signed (Standard Webhooks 1.0). Members with
/// MANAGE_ACCOUNT see the account's endpoints (`Account.webhookEndpoints`); never the
/// secret, which creating or rotating answers once.
#[Object]
impl WebhookEndpoint {
    /// The endpoint's id.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }

    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.row.url
    }

    /// What it is for, in the words of whoever registered it.
    async fn description(&self) -> Option<&str> {
        self.row.description.as_deref()
    }

    /// The event types it receives (`contact.created`, `invoice.paid`, …).
    async fn event_types(&self) -> Vec<String> {
        serde_json::from_value(self.row.event_types.clone()).unwrap_or_default()
    }

    /// Whether deliveries are sent to it (see `disabledReason` when not).
    async fn enabled(&self) -> bool {
        self.row.enabled
    }

    /// Why it is disabled: by a member, or after failing for five days.
    async fn disabled_reason(&self) -> Option<&str> {
        self.row.disabled_reason.as_deref()
    }

    /// After a rotation: until when the secret before it still signs beside the new
    /// one (24 hours); null when only one secret signs.
    async fn previous_secret_expires_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        let now = domain(ctx).clock().now();
        self.row
            .previous_secret_until
            .filter(|until| *until > now && self.row.previous_secret.is_some())
    }

    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }

    /// Its deliveries, newest first: what was sent, how it went, when it is tried next.
    /// Needs MANAGE_ACCOUNT, as the endpoint does.
    #[graphql(complexity = "crate::connection::complexity(first, last, child_complexity)")]
    async fn deliveries(
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
    ) -> ApiResult<Conn<WebhookDelivery>> {
        let page = domain(ctx)
            .webhooks()
            .deliveries(
                &self.access,
                self.row.id,
                page_args(ctx, first, after, last, before)?,
            )
            .await?;
        Ok(connection(page, |d| d.id, WebhookDelivery))
    }
}

/// Where a delivery stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// The endpoint answered 2xx.
    Succeeded,
    /// Out of attempts, or its endpoint was disabled.
    Failed,
}

/// One event for one endpoint.
pub struct WebhookDelivery(pub webhook_delivery::Model);

/// One event for one endpoint: what was sent, each attempt's outcome, and what comes
/// next.
#[Object]
impl WebhookDelivery {
    /// The delivery's id (`redeliverWebhook`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The event's type (one of `Query.webhookEventTypes`, or `webhook.test`).
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }

    /// Its `webhook-id`: the same on every attempt, so receivers deduplicate.
    async fn message_id(&self) -> &str {
        &self.0.message_id
    }

    /// Pending, succeeded or failed.
    async fn status(&self) -> WebhookDeliveryStatus {
        match self.0.status {
            webhook_delivery::DeliveryStatus::Pending => WebhookDeliveryStatus::Pending,
            webhook_delivery::DeliveryStatus::Succeeded => WebhookDeliveryStatus::Succeeded,
            webhook_delivery::DeliveryStatus::Failed => WebhookDeliveryStatus::Failed,
        }
    }

    /// How many attempts were made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// The HTTP status of the last attempt's answer, if one came.
    async fn last_response_status(&self) -> Option<i32> {
        self.0.last_response_status
    }

    /// The first KiB of the last answer's body.
    async fn last_response_body(&self) -> Option<&str> {
        self.0.last_response_body.as_deref()
    }

    /// Why the last attempt got no answer, when it got none: the address was refused,
    /// the connection failed, or it timed out.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When it is tried (next), while PENDING.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == webhook_delivery::DeliveryStatus::Pending)
            .then_some(self.0.next_attempt_at)
    }

    /// When the delivery was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the endpoint accepted it (answered 2xx); null until then.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
}

/// An endpoint just made or re-keyed: its signing secret (`whsec_…`), shown this once.
#[derive(SimpleObject)]
pub struct KeyedWebhookEndpoint {
    /// The signing secret: `whsec_` and base64. Verify each delivery's
    /// `webhook-signature` with it.
    pub secret: String,
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
}
