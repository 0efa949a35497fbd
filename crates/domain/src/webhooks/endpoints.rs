//! An account's endpoints, kept by its managers (MANAGE_ACCOUNT, a person): made with
//! their secret shown once, changed, re-keyed, removed; their deliveries listed,
//! redelivered, tested; and the delivery each event becomes, queued in its change.

use rand_core::{OsRng, RngCore};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

use super::{
    EndpointChanges, EventType, KeyedEndpoint, NewEndpoint, ROTATION_OVERLAP, TEST_EVENT,
    WebhookService, checked_url, new_secret,
};
use crate::access::Access;
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::entities::webhook_delivery::{self, DeliveryStatus};
use crate::entities::webhook_endpoint;
use crate::pagination::{self, Order, Page, PageArgs};
use crate::permissions::Permission;
use crate::{Actor, DomainError, Result, validate};

impl<'a> WebhookService<'a> {
    /// Registers an endpoint of the account (MANAGE_ACCOUNT); its secret is in the
    /// answer only.
    pub async fn create(
        &self,
        actor: &Actor,
        account_id: i64,
        input: NewEndpoint,
    ) -> Result<KeyedEndpoint> {
        actor.person()?;
        let url = checked_url(&input.url, self.domain.config().webhooks_allow_private)?;
        let event_types = checked_types(input.event_types)?;
        let description = input
            .description
            .map(|d| validate::line("description", &d, validate::MAX_LINE_LEN))
            .transpose()?;
        let (change, _) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::ManageAccount,
            "account",
        )
        .await?;
        let secret = new_secret();
        let now = change.now();
        let endpoint = webhook_endpoint::ActiveModel {
            account_id: Set(account_id),
            url: Set(url),
            description: Set(description),
            event_types: Set(event_types),
            secret: Set(secret.clone()),
            enabled: Set(true),
            created_by_user_id: Set(Some(actor.user_id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(change.conn())
        .await?;
        change
            .commit(actor.into(), audited(AuditAction::WebhookCreate, &endpoint))
            .await?;
        Ok(KeyedEndpoint { endpoint, secret })
    }

    /// Changes an endpoint's URL, event types, description, or whether it is enabled
    /// (enabling it again clears why it was disabled).
    pub async fn update(
        &self,
        actor: &Actor,
        endpoint_id: i64,
        changes: EndpointChanges,
    ) -> Result<webhook_endpoint::Model> {
        actor.person()?;
        let allow_private = self.domain.config().webhooks_allow_private;
        let url = changes
            .url
            .map(|u| checked_url(&u, allow_private))
            .transpose()?;
        let event_types = changes.event_types.map(checked_types).transpose()?;
        let description = changes
            .description
            .map(|d| {
                d.map(|d| validate::line("description", &d, validate::MAX_LINE_LEN))
                    .transpose()
            })
            .transpose()?;
        let (change, endpoint) = self.begin_on(actor, endpoint_id).await?;
        let mut model: webhook_endpoint::ActiveModel = endpoint.into();
        if let Some(url) = url {
            model.url = Set(url);
        }
        if let Some(types) = event_types {
            model.event_types = Set(types);
        }
        if let Some(description) = description {
            model.description = Set(description);
        }
        if let Some(enabled) = changes.enabled {
            model.enabled = Set(enabled);
            model.disabled_reason = Set((!enabled).then(|| "disabled by a member".to_owned()));
            model.failing_since = Set(None);
        }
        model.updated_at = Set(change.now());
        let updated = model.update(change.conn()).await?;
        change
            .commit(actor.into(), audited(AuditAction::WebhookUpdate, &updated))
            .await?;
        Ok(updated)
    }

    /// Deletes an endpoint and its deliveries (pending ones are not sent).
    pub async fn delete(&self, actor: &Actor, endpoint_id: i64) -> Result<()> {
        actor.person()?;
        let (change, endpoint) = self.begin_on(actor, endpoint_id).await?;
        webhook_endpoint::Entity::delete_by_id(endpoint.id)
            .exec(change.conn())
            .await?;
        change
            .commit(actor.into(), audited(AuditAction::WebhookDelete, &endpoint))
            .await
    }

    /// A new secret; the old one keeps signing beside it for [`ROTATION_OVERLAP`], so
    /// the receiver can switch without missing a delivery.
    pub async fn rotate_secret(&self, actor: &Actor, endpoint_id: i64) -> Result<KeyedEndpoint> {
        actor.person()?;
        let (change, endpoint) = self.begin_on(actor, endpoint_id).await?;
        let secret = new_secret();
        let now = change.now();
        let previous = endpoint.secret.clone();
        let mut model: webhook_endpoint::ActiveModel = endpoint.into();
        model.secret = Set(secret.clone());
        model.previous_secret = Set(Some(previous));
        model.previous_secret_until = Set(Some(now + ROTATION_OVERLAP));
        model.updated_at = Set(now);
        let endpoint = model.update(change.conn()).await?;
        change
            .commit(
                actor.into(),
                audited(AuditAction::WebhookRotateSecret, &endpoint),
            )
            .await?;
        Ok(KeyedEndpoint { endpoint, secret })
    }

    /// The account's endpoints, oldest first (MANAGE_ACCOUNT).
    pub async fn endpoints(&self, access: &Access) -> Result<Vec<webhook_endpoint::Model>> {
        access.require(Permission::ManageAccount)?;
        Ok(webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::AccountId.eq(access.account_id()))
            .order_by_asc(webhook_endpoint::Column::Id)
            .all(self.domain.db())
            .await?)
    }

    /// A page of an endpoint's deliveries, newest first; the endpoint is one of
    /// `access`'s account (read through [`WebhookService::endpoints`]).
    pub async fn deliveries(
        &self,
        access: &Access,
        endpoint_id: i64,
        args: PageArgs,
    ) -> Result<Page<webhook_delivery::Model>> {
        access.require(Permission::ManageAccount)?;
        let select = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
            .filter(webhook_delivery::Column::AccountId.eq(access.account_id()));
        pagination::page(
            self.domain.db(),
            select,
            webhook_delivery::Column::Id,
            args,
            Order::NewestFirst,
        )
        .await
    }

    /// Sends a delivery again, now (the same `webhook-id`: receivers deduplicate).
    pub async fn redeliver(
        &self,
        actor: &Actor,
        delivery_id: i64,
    ) -> Result<webhook_delivery::Model> {
        actor.person()?;
        let delivery = webhook_delivery::Entity::find_by_id(delivery_id)
            .one(self.domain.db())
            .await?
            .ok_or(DomainError::NotFound("webhook delivery"))?;
        let (mut change, _) = self
            .begin_on(actor, delivery.endpoint_id)
            .await
            .map_err(|err| match err {
                // Its endpoint out of reach: to this actor, the delivery is not there.
                DomainError::NotFound(_) => DomainError::NotFound("webhook delivery"),
                other => other,
            })?;
        change.queued_webhook = true;
        let mut model: webhook_delivery::ActiveModel = delivery.into();
        model.status = Set(DeliveryStatus::Pending);
        model.next_attempt_at = Set(change.now());
        let again = model.update(change.conn()).await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::WebhookRedeliver)
                    .account(again.account_id)
                    .target("webhook_delivery", again.id),
            )
            .await?;
        Ok(again)
    }

    /// Queues a `webhook.test` delivery to the endpoint, whatever types it takes.
    pub async fn send_test(
        &self,
        actor: &Actor,
        endpoint_id: i64,
    ) -> Result<webhook_delivery::Model> {
        actor.person()?;
        let (mut change, endpoint) = self.begin_on(actor, endpoint_id).await?;
        change.queued_webhook = true;
        let delivery = insert_delivery(
            &change,
            &endpoint,
            TEST_EVENT,
            json!({ "message": "a test from the client portal" }),
        )
        .await?;
        change
            .commit(actor.into(), audited(AuditAction::WebhookTest, &endpoint))
            .await?;
        Ok(delivery)
    }

    /// A change to one of the account's endpoints (MANAGE_ACCOUNT): the transaction,
    /// the account locked, and the endpoint as it is now. Another account's endpoint is
    /// NOT_FOUND.
    async fn begin_on(
        &self,
        actor: &Actor,
        endpoint_id: i64,
    ) -> Result<(Change<'a>, webhook_endpoint::Model)> {
        let found = webhook_endpoint::Entity::find_by_id(endpoint_id)
            .one(self.domain.db())
            .await?
            .ok_or(DomainError::NotFound("webhook endpoint"))?;
        let (change, _) = Change::on_account(
            self.domain,
            actor,
            found.account_id,
            Permission::ManageAccount,
            "webhook endpoint",
        )
        .await?;
        let endpoint = webhook_endpoint::Entity::find_by_id(endpoint_id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("webhook endpoint"))?;
        Ok((change, endpoint))
    }
}

/// The event types as kept: at least one, each once, in the schema's order.
fn checked_types(mut types: Vec<EventType>) -> Result<Value> {
    types.sort_by_key(|t| EventType::ALL.iter().position(|a| a == t));
    types.dedup();
    if types.is_empty() {
        return Err(DomainError::bad_input(
            "eventTypes",
            "an endpoint takes at least one event type",
        ));
    }
    Ok(json!(types.iter().map(|t| t.as_str()).collect::<Vec<_>>()))
}

/// The audit entry of a change to an endpoint: its URL, never its secret.
pub(super) fn audited(
    action: AuditAction,
    endpoint: &webhook_endpoint::Model,
) -> AuditRecord<'static> {
    AuditRecord::new(action)
        .account(endpoint.account_id)
        .target("webhook_endpoint", endpoint.id)
        .details(json!({ "url": endpoint.url }))
}

/// A delivery of `event_type` with `data` to `endpoint`, due now.
async fn insert_delivery(
    change: &Change<'_>,
    endpoint: &webhook_endpoint::Model,
    event_type: &str,
    data: Value,
) -> Result<webhook_delivery::Model> {
    let now = change.now();
    let mut id = [0u8; 16];
    OsRng.fill_bytes(&mut id);
    Ok(webhook_delivery::ActiveModel {
        endpoint_id: Set(endpoint.id),
        account_id: Set(endpoint.account_id),
        event_type: Set(event_type.to_owned()),
        message_id: Set(format!("msg_{}", hex(&id))),
        payload: Set(json!({ "type": event_type, "timestamp": now.to_rfc3339(), "data": data })),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(change.conn())
    .await?)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Change<'_> {
    /// Announces `event_type` with `data` to the account's enabled endpoints that take
    /// it: one delivery each, in this change's transaction (so a delivery exists if and
    /// only if the change committed).
    pub(crate) async fn webhook(
        &mut self,
        account_id: i64,
        event_type: EventType,
        data: Value,
    ) -> Result<()> {
        let endpoints = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::AccountId.eq(account_id))
            .filter(webhook_endpoint::Column::Enabled.eq(true))
            .all(self.conn())
            .await?;
        for endpoint in endpoints {
            let takes = endpoint
                .event_types
                .as_array()
                .is_some_and(|types| types.iter().any(|t| t == event_type.as_str()));
            if takes {
                insert_delivery(self, &endpoint, event_type.as_str(), data.clone()).await?;
                self.queued_webhook = true;
            }
        }
        Ok(())
    }
}
