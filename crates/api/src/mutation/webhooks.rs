use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use domain::DomainError;
use domain::webhooks::{EndpointChanges, EventType, KeyedEndpoint, NewEndpoint};

use crate::context::{actor, domain};
use crate::directives::{PersonOnly, person_only};
use crate::error::{ApiError, ApiResult, parse_id};
use crate::types::{KeyedWebhookEndpoint, WebhookDelivery, WebhookEndpoint};

#[derive(Default)]
pub struct WebhookMutation;

/// A new webhook endpoint.
#[derive(InputObject)]
pub struct WebhookEndpointInput {
    /// HTTPS, reaching a public address.
    pub url: String,
    /// `contact.created|updated|removed`, `invitation.sent|accepted|revoked`,
    /// `invoice.created|paid`, `service.status_changed`, `ticket.opened|replied`.
    pub event_types: Vec<String>,
    /// What it is for, for the people who manage it.
    pub description: Option<String>,
}

/// Fields left out stay as they are.
#[derive(InputObject)]
pub struct WebhookEndpointChanges {
    /// A new URL: HTTPS, reaching a public address.
    pub url: Option<String>,
    /// The event types it takes from now on (the whole list; see
    /// `Query.webhookEventTypes`).
    pub event_types: Option<Vec<String>>,
    /// A new description; null clears it.
    pub description: MaybeUndefined<String>,
    /// True turns a disabled endpoint on; false stops its deliveries.
    pub enabled: Option<bool>,
}

fn event_types(names: Vec<String>) -> ApiResult<Vec<EventType>> {
    names
        .iter()
        .map(|name| {
            EventType::named(name).ok_or_else(|| {
                ApiError(DomainError::bad_input(
                    "eventTypes",
                    format!("{name} is not an event type"),
                ))
            })
        })
        .collect()
}

/// An endpoint with its secret, which this answer alone carries; read as the actor
/// sees the account now.
async fn shown_once(ctx: &Context<'_>, keyed: KeyedEndpoint) -> ApiResult<KeyedWebhookEndpoint> {
    let access = domain(ctx)
        .access(actor(ctx)?, keyed.endpoint.account_id, "account")
        .await?;
    Ok(KeyedWebhookEndpoint {
        secret: keyed.secret,
        endpoint: WebhookEndpoint {
            access,
            row: keyed.endpoint,
        },
    })
}

#[Object]
impl WebhookMutation {
    /// Registers an endpoint of the account (MANAGE_ACCOUNT): the account's events of
    /// the types it takes are POSTed to it, signed with its secret (in this answer
    /// only).
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account whose events it receives.")] account_id: ID,
        #[graphql(desc = "Its URL, event types and description.")] input: WebhookEndpointInput,
    ) -> ApiResult<KeyedWebhookEndpoint> {
        let account_id = parse_id(&account_id, "account")?;
        let new = NewEndpoint {
            url: input.url,
            event_types: event_types(input.event_types)?,
            description: input.description,
        };
        let keyed = domain(ctx)
            .webhooks()
            .create(actor(ctx)?, account_id, new)
            .await?;
        shown_once(ctx, keyed).await
    }

    /// Changes an endpoint (MANAGE_ACCOUNT); `enabled: true` turns a disabled one on.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint's id.")] id: ID,
        #[graphql(desc = "What changes.")] input: WebhookEndpointChanges,
    ) -> ApiResult<WebhookEndpoint> {
        let id = parse_id(&id, "webhook endpoint")?;
        let changes = EndpointChanges {
            url: input.url,
            event_types: input.event_types.map(event_types).transpose()?,
            description: match input.description {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v)),
            },
            enabled: input.enabled,
        };
        let domain = domain(ctx);
        let actor = actor(ctx)?;
        let row = domain.webhooks().update(actor, id, changes).await?;
        let access = domain.access(actor, row.account_id, "account").await?;
        Ok(WebhookEndpoint { access, row })
    }

    /// Deletes an endpoint and its deliveries (MANAGE_ACCOUNT).
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint's id.")] id: ID,
    ) -> ApiResult<ID> {
        let endpoint_id = parse_id(&id, "webhook endpoint")?;
        domain(ctx)
            .webhooks()
            .delete(actor(ctx)?, endpoint_id)
            .await?;
        Ok(id)
    }

    /// A new signing secret (in this answer only); the old one keeps signing beside it
    /// for 24 hours. Needs MANAGE_ACCOUNT.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint's id.")] id: ID,
    ) -> ApiResult<KeyedWebhookEndpoint> {
        let id = parse_id(&id, "webhook endpoint")?;
        let keyed = domain(ctx)
            .webhooks()
            .rotate_secret(actor(ctx)?, id)
            .await?;
        shown_once(ctx, keyed).await
    }

    /// Sends a delivery again, now, with the same `webhook-id`. Needs MANAGE_ACCOUNT.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery's id (`WebhookEndpoint.deliveries`).")] delivery_id: ID,
    ) -> ApiResult<WebhookDelivery> {
        let id = parse_id(&delivery_id, "webhook delivery")?;
        Ok(WebhookDelivery(
            domain(ctx).webhooks().redeliver(actor(ctx)?, id).await?,
        ))
    }

    /// Queues a `webhook.test` delivery to the endpoint. Needs MANAGE_ACCOUNT.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn send_test_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint's id.")] endpoint_id: ID,
    ) -> ApiResult<WebhookDelivery> {
        let id = parse_id(&endpoint_id, "webhook endpoint")?;
        Ok(WebhookDelivery(
            domain(ctx).webhooks().send_test(actor(ctx)?, id).await?,
        ))
    }
}
