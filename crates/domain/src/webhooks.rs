//! Signed webhooks (Standard Webhooks 1.0): an account's own systems hear of its
//! contact, invitation, billing and ticket events. An endpoint belongs to its account
//! (MANAGE_ACCOUNT; a person, never an API token); each event it takes becomes a
//! delivery row written in the transaction of the change that caused it, as emails
//! are, and the webhook worker POSTs it, signed, retrying on a schedule. What a
//! delivery carries is decided when it is sent, by what the endpoint's creator may see
//! then.

use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::access::Access;
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::entities::webhook_delivery::{self, DeliveryStatus};
use crate::entities::webhook_endpoint;
use crate::pagination::{self, Order, Page, PageArgs};
use crate::permissions::Permission;
use crate::{Actor, Domain, DomainError, Result, validate};

/// What an endpoint can take: one name per kind of event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    ContactCreated,
    ContactUpdated,
    ContactRemoved,
    InvitationSent,
    InvitationAccepted,
    InvitationRevoked,
    InvoiceCreated,
    InvoicePaid,
    ServiceStatusChanged,
    TicketOpened,
    TicketReplied,
}

impl EventType {
    pub const ALL: [EventType; 11] = [
        Self::ContactCreated,
        Self::ContactUpdated,
        Self::ContactRemoved,
        Self::InvitationSent,
        Self::InvitationAccepted,
        Self::InvitationRevoked,
        Self::InvoiceCreated,
        Self::InvoicePaid,
        Self::ServiceStatusChanged,
        Self::TicketOpened,
        Self::TicketReplied,
    ];

    /// The name a delivery's `type` carries.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ContactCreated => "contact.created",
            Self::ContactUpdated => "contact.updated",
            Self::ContactRemoved => "contact.removed",
            Self::InvitationSent => "invitation.sent",
            Self::InvitationAccepted => "invitation.accepted",
            Self::InvitationRevoked => "invitation.revoked",
            Self::InvoiceCreated => "invoice.created",
            Self::InvoicePaid => "invoice.paid",
            Self::ServiceStatusChanged => "service.status_changed",
            Self::TicketOpened => "ticket.opened",
            Self::TicketReplied => "ticket.replied",
        }
    }

    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// The type of the delivery `sendTestWebhook` makes.
pub const TEST_EVENT: &str = "webhook.test";

/// A new signing secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

/// The `webhook-signature` value of one secret: `v1,` + base64 of the HMAC-SHA256, keyed
/// with the secret's bytes, of `{id}.{timestamp}.{body}` (Standard Webhooks 1.0).
pub fn signature(secret: &str, message_id: &str, timestamp: i64, body: &str) -> Result<String> {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|encoded| STANDARD.decode(encoded).ok())
        .ok_or_else(|| DomainError::Internal("a webhook secret that is not whsec_…".into()))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|err| DomainError::Internal(err.to_string()))?;
    mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Whether an address is one a webhook may not reach: loopback, private (RFC 1918,
/// unique-local IPv6), link-local (the cloud metadata address 169.254.169.254 among
/// them), carrier-grade NAT, multicast, unspecified or broadcast, in IPv4 or IPv6 form
/// (IPv4-mapped and -compatible IPv6 included).
pub fn forbidden_address(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || a == 0
                // 100.64.0.0/10, shared address space.
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => match v6.to_ipv4() {
            // ::ffff:a.b.c.d and ::a.b.c.d reach the IPv4 address.
            Some(v4) if !v6.is_loopback() && !v6.is_unspecified() => {
                forbidden_address(IpAddr::V4(v4))
            }
            _ => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local()
            }
        },
    }
}

/// An endpoint's URL as it may be kept: HTTPS (HTTP too when private addresses are
/// allowed, for development), no credentials in it, and not an address a webhook may
/// not reach. A name is resolved when each delivery is made, and checked again then.
pub fn checked_url(url: &str, allow_private: bool) -> Result<String> {
    let refuse = |why: &str| DomainError::bad_input("url", why.to_owned());
    let parsed = url::Url::parse(url.trim()).map_err(|err| refuse(&format!("not a URL: {err}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(refuse("webhooks are sent over HTTPS only")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refuse("a webhook URL carries no credentials"));
    }
    let address = match parsed.host() {
        None => return Err(refuse("a webhook URL needs a host")),
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(url::Host::Domain(name)) => {
            if name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost") {
                Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
            } else {
                None
            }
        }
    };
    if !allow_private && address.is_some_and(forbidden_address) {
        return Err(refuse(
            "a webhook may not reach a loopback, private, link-local or multicast address",
        ));
    }
    if parsed.as_str().len() > 2048 {
        return Err(refuse("at most 2048 characters"));
    }
    Ok(parsed.to_string())
}

/// `createWebhookEndpoint`'s input.
pub struct NewEndpoint {
    pub url: String,
    pub event_types: Vec<EventType>,
    pub description: Option<String>,
}

/// `updateWebhookEndpoint`'s changes: `None` leaves a field as it is.
#[derive(Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// An endpoint just made or re-keyed, and its secret, shown this once.
pub struct KeyedEndpoint {
    pub endpoint: webhook_endpoint::Model,
    pub secret: String,
}

/// How long the secret before a rotation keeps signing beside the new one.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

pub struct WebhookService<'a> {
    domain: &'a Domain,
}

impl<'a> WebhookService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

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
fn audited(action: AuditAction, endpoint: &webhook_endpoint::Model) -> AuditRecord<'static> {
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

/// What a delivery says of each kind of row: the public shape (camelCase, as the
/// schema names it), never a secret (a service's login is not in it).
pub(crate) mod data {
    use sea_orm::ActiveEnum;
    use serde_json::{Value, json};

    use crate::entities::{contact, invitation, invoice, service, ticket, ticket_reply};
    use crate::permissions;

    pub(crate) fn contact(c: &contact::Model) -> Value {
        json!({
            "id": c.id.to_string(), "accountId": c.account_id.to_string(),
            "firstName": c.first_name, "lastName": c.last_name, "email": c.email,
            "phone": c.phone, "companyName": c.company_name, "role": c.role.as_str(),
            "permissions": c.granted().iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            "portalAccess": c.user_id.is_some(), "isPrimary": c.is_primary,
            "accessExpiresAt": c.access_expires_at, "scope": c.scope,
        })
    }

    /// A removed contact: who it was, nothing to reach them by.
    pub(crate) fn removed_contact(c: &contact::Model) -> Value {
        json!({
            "id": c.id.to_string(), "accountId": c.account_id.to_string(),
            "firstName": c.first_name, "lastName": c.last_name,
        })
    }

    pub(crate) fn invitation(i: &invitation::Model) -> Value {
        json!({
            "id": i.id.to_string(), "accountId": i.account_id.to_string(), "email": i.email,
            "role": i.role.as_str(),
            "permissions": permissions::of_stored(i.role, &i.permissions).iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            "status": i.status.to_value(), "expiresAt": i.expires_at,
            "accessExpiresAt": i.access_expires_at, "scope": i.scope,
        })
    }

    pub(crate) fn invoice(i: &invoice::Model) -> Value {
        json!({
            "id": i.id.to_string(), "accountId": i.account_id.to_string(), "number": i.number,
            "status": i.status.to_value(), "total": i.total,
            "currency": i.currency, "dueDate": i.due_date, "paidAt": i.paid_at,
        })
    }

    pub(crate) fn service(s: &service::Model) -> Value {
        json!({
            "id": s.id.to_string(), "accountId": s.account_id.to_string(),
            "productName": s.product_name, "status": s.status.to_value(),
            "recurringAmount": s.recurring_amount,
        })
    }

    pub(crate) fn ticket(t: &ticket::Model, message: &ticket_reply::Model) -> Value {
        json!({
            "id": t.id.to_string(), "accountId": t.account_id.to_string(), "subject": t.subject,
            "serviceId": t.service_id.map(|id| id.to_string()),
            "domainId": t.domain_id.map(|id| id.to_string()),
            "message": { "authorName": message.author_name, "body": message.body,
                         "badge": message.badge.to_value() },
        })
    }
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

impl Domain {
    pub fn webhooks(&self) -> WebhookService<'_> {
        WebhookService::new(self)
    }
}

/// What the worker needs of a delivery it claimed, read and decided by the domain.
pub struct Outgoing {
    pub delivery: webhook_delivery::Model,
    pub url: String,
    /// The request body: `{type, timestamp, data}`, `data` as the endpoint's creator
    /// may see it now.
    pub body: String,
    /// The secrets to sign with: the current one, and the one before it while its
    /// overlap lasts.
    pub secrets: Vec<String>,
}

/// What became of an attempt.
pub enum Attempt {
    /// The endpoint answered with this status (2xx: delivered) and body (its first KiB).
    Answered { status: u16, body: String },
    /// No answer: the connection failed, timed out, or the address was refused.
    NoAnswer(String),
}

/// The retry schedule: after the first attempt fails, the next ones come this long
/// after the one before; then the delivery has FAILED.
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(10),
];

/// An endpoint failing this long (no delivery succeeding) is disabled.
pub const DISABLE_AFTER: Duration = Duration::days(5);

/// How long a worker holds a delivery it claimed before another may try it.
pub const LEASE: Duration = Duration::seconds(60);

/// The queue as `/metrics` shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Deliveries PENDING (due now or later).
    pub pending: i64,
    /// How long the oldest of them has waited since it was queued, in seconds.
    pub oldest_seconds: i64,
}

impl WebhookService<'_> {
    /// How many deliveries wait, and for how long the oldest has (one statement).
    pub async fn backlog(&self) -> Result<Backlog> {
        use sea_orm::QuerySelect;
        let row: Option<(i64, Option<chrono::DateTime<chrono::Utc>>)> =
            webhook_delivery::Entity::find()
                .select_only()
                .column_as(webhook_delivery::Column::Id.count(), "pending")
                .column_as(webhook_delivery::Column::CreatedAt.min(), "oldest")
                .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
                .into_tuple()
                .one(self.domain.db())
                .await?;
        let (pending, oldest) = row.unwrap_or((0, None));
        Ok(Backlog {
            pending,
            oldest_seconds: oldest.map_or(0, |at| (self.domain.now() - at).num_seconds().max(0)),
        })
    }

    /// The endpoints with deliveries due now (a first attempt or a retry), the one
    /// waiting longest first.
    pub async fn due_endpoints(&self, limit: u64) -> Result<Vec<i64>> {
        use sea_orm::QuerySelect;
        Ok(webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::EndpointId)
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(self.domain.now()))
            .group_by(webhook_delivery::Column::EndpointId)
            .order_by_asc(webhook_delivery::Column::NextAttemptAt.min())
            .limit(limit)
            .into_tuple()
            .all(self.domain.db())
            .await?)
    }

    /// Makes this worker the endpoint's one sender for [`LEASE`] (a conditional write:
    /// of several instances, one wins; a lease its holder let lapse may be taken).
    /// `false` when another worker holds it. Holding it, call again to extend it.
    pub async fn take_endpoint(&self, endpoint_id: i64, renewing: bool) -> Result<bool> {
        use sea_orm::sea_query::{Expr, ExprTrait};
        let now = self.domain.now();
        let mut update = webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::SendingUntil,
                Expr::value(now + LEASE),
            )
            .filter(webhook_endpoint::Column::Id.eq(endpoint_id));
        if !renewing {
            update = update.filter(
                Expr::col(webhook_endpoint::Column::SendingUntil)
                    .is_null()
                    .or(Expr::col(webhook_endpoint::Column::SendingUntil).lte(now)),
            );
        }
        Ok(update.exec(self.domain.db()).await?.rows_affected == 1)
    }

    /// Gives the endpoint's lease back, so any worker may send its next deliveries.
    pub async fn release_endpoint(&self, endpoint_id: i64) -> Result<()> {
        use sea_orm::sea_query::Expr;
        webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::SendingUntil,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(webhook_endpoint::Column::Id.eq(endpoint_id))
            .exec(self.domain.db())
            .await?;
        Ok(())
    }

    /// The endpoint's next delivery due now: the one due first (its retry or first
    /// attempt), then the oldest. Deliveries reach a receiver in this order.
    pub async fn next_due(&self, endpoint_id: i64) -> Result<Option<webhook_delivery::Model>> {
        Ok(webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(self.domain.now()))
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .order_by_asc(webhook_delivery::Column::Id)
            .one(self.domain.db())
            .await?)
    }

    /// Reserves `delivery` for one worker for [`LEASE`] (a conditional write: of several
    /// instances, one wins) and reads what to send; `None` when another worker got it,
    /// or when it is not to be sent (its endpoint gone or disabled, or its creator no
    /// longer manages the account: then the endpoint is disabled and the delivery
    /// FAILED).
    pub async fn claim(&self, delivery: &webhook_delivery::Model) -> Result<Option<Outgoing>> {
        use sea_orm::sea_query::{Expr, ExprTrait};
        let now = self.domain.now();
        let claimed = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Attempts,
                Expr::col(webhook_delivery::Column::Attempts).add(1),
            )
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(now + LEASE),
            )
            .filter(webhook_delivery::Column::Id.eq(delivery.id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
            .filter(webhook_delivery::Column::Attempts.eq(delivery.attempts))
            .exec(self.domain.db())
            .await?;
        if claimed.rows_affected != 1 {
            return Ok(None);
        }
        let delivery = webhook_delivery::Model {
            attempts: delivery.attempts + 1,
            ..delivery.clone()
        };
        let endpoint = webhook_endpoint::Entity::find_by_id(delivery.endpoint_id)
            .one(self.domain.db())
            .await?;
        let Some(endpoint) = endpoint.filter(|e| e.enabled) else {
            self.finish(
                &delivery,
                DeliveryStatus::Failed,
                None,
                Some("the endpoint is disabled"),
            )
            .await?;
            return Ok(None);
        };
        let access = match creator_access(self.domain, &endpoint).await? {
            Some(access) if access.has(Permission::ManageAccount) => access,
            _ => {
                self.disable(&endpoint, "its creator no longer manages the account")
                    .await?;
                self.finish(
                    &delivery,
                    DeliveryStatus::Failed,
                    None,
                    Some("the endpoint is disabled"),
                )
                .await?;
                return Ok(None);
            }
        };
        let body = visible(&access, &delivery.payload).to_string();
        let mut secrets = vec![endpoint.secret.clone()];
        if let (Some(previous), Some(until)) =
            (&endpoint.previous_secret, endpoint.previous_secret_until)
            && until > now
        {
            secrets.push(previous.clone());
        }
        Ok(Some(Outgoing {
            delivery,
            url: endpoint.url,
            body,
            secrets,
        }))
    }

    /// Records an attempt of a claimed delivery: SUCCEEDED on a 2xx; otherwise PENDING
    /// again after the next wait of [`RETRY_SCHEDULE`], or FAILED past its end. An
    /// endpoint failing for [`DISABLE_AFTER`] is disabled and the account's GENERAL
    /// recipients are told.
    pub async fn record(
        &self,
        delivery: &webhook_delivery::Model,
        attempt: Attempt,
    ) -> Result<DeliveryStatus> {
        let now = self.domain.now();
        let (status, body, error) = match attempt {
            Attempt::Answered { status, body } => (Some(i32::from(status)), Some(body), None),
            Attempt::NoAnswer(why) => (None, None, Some(why)),
        };
        let succeeded = status.is_some_and(|s| (200..300).contains(&s));
        let endpoint = webhook_endpoint::Entity::find_by_id(delivery.endpoint_id)
            .one(self.domain.db())
            .await?;
        if succeeded {
            self.finish_answered(delivery, DeliveryStatus::Succeeded, status, body, None)
                .await?;
            if let Some(endpoint) = endpoint.filter(|e| e.failing_since.is_some()) {
                let mut model: webhook_endpoint::ActiveModel = endpoint.into();
                model.failing_since = Set(None);
                model.update(self.domain.db()).await?;
            }
            return Ok(DeliveryStatus::Succeeded);
        }
        let wait = usize::try_from(delivery.attempts - 1)
            .ok()
            .and_then(|i| RETRY_SCHEDULE.get(i));
        let outcome = match wait {
            Some(wait) => {
                use sea_orm::sea_query::Expr;
                // Conditional: an endpoint disabled meanwhile failed what it had pending,
                // and that stands.
                webhook_delivery::Entity::update_many()
                    .col_expr(
                        webhook_delivery::Column::NextAttemptAt,
                        Expr::value(now + *wait),
                    )
                    .col_expr(
                        webhook_delivery::Column::LastResponseStatus,
                        Expr::value(status),
                    )
                    .col_expr(
                        webhook_delivery::Column::LastResponseBody,
                        Expr::value(body),
                    )
                    .col_expr(
                        webhook_delivery::Column::LastError,
                        Expr::value(error.clone()),
                    )
                    .filter(webhook_delivery::Column::Id.eq(delivery.id))
                    .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
                    .exec(self.domain.db())
                    .await?;
                DeliveryStatus::Pending
            }
            None => {
                self.finish_answered(
                    delivery,
                    DeliveryStatus::Failed,
                    status,
                    body,
                    error.as_deref(),
                )
                .await?;
                DeliveryStatus::Failed
            }
        };
        if let Some(endpoint) = endpoint {
            let since = endpoint.failing_since.unwrap_or(now);
            if now - since >= DISABLE_AFTER {
                self.disable(&endpoint, "its deliveries failed for five days")
                    .await?;
            } else if endpoint.failing_since.is_none() {
                let mut model: webhook_endpoint::ActiveModel = endpoint.into();
                model.failing_since = Set(Some(now));
                model.update(self.domain.db()).await?;
            }
        }
        Ok(outcome)
    }

    async fn finish(
        &self,
        delivery: &webhook_delivery::Model,
        status: DeliveryStatus,
        response: Option<i32>,
        error: Option<&str>,
    ) -> Result<()> {
        self.finish_answered(delivery, status, response, None, error)
            .await
    }

    async fn finish_answered(
        &self,
        delivery: &webhook_delivery::Model,
        status: DeliveryStatus,
        response: Option<i32>,
        body: Option<String>,
        error: Option<&str>,
    ) -> Result<()> {
        let mut model: webhook_delivery::ActiveModel = delivery.clone().into();
        model.status = Set(status);
        model.last_response_status = Set(response);
        model.last_response_body = Set(body);
        model.last_error = Set(error.map(str::to_owned));
        if status == DeliveryStatus::Succeeded {
            model.delivered_at = Set(Some(self.domain.now()));
        }
        model.update(self.domain.db()).await?;
        Ok(())
    }

    /// Disables `endpoint` (`why`), fails what it still had pending, and tells the
    /// account's GENERAL recipients, in one change.
    async fn disable(&self, endpoint: &webhook_endpoint::Model, why: &str) -> Result<()> {
        use crate::emails::{self, Email};
        use crate::notifications::{Concerns, Notification};
        let mut change = Change::begin(self.domain).await?;
        let disabled = webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::Enabled,
                sea_orm::sea_query::Expr::value(false),
            )
            .col_expr(
                webhook_endpoint::Column::DisabledReason,
                sea_orm::sea_query::Expr::value(why.to_owned()),
            )
            .filter(webhook_endpoint::Column::Id.eq(endpoint.id))
            .filter(webhook_endpoint::Column::Enabled.eq(true))
            .exec(change.conn())
            .await?;
        if disabled.rows_affected == 0 {
            // Another attempt disabled it first: nothing more to do (dropped: rolled back).
            return Ok(());
        }
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Status,
                sea_orm::sea_query::Expr::value(DeliveryStatus::Failed),
            )
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint.id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
            .exec(change.conn())
            .await?;
        change
            .notify_contacts(Notification {
                account_id: endpoint.account_id,
                category: "GENERAL",
                email: Email::Notification(emails::Message {
                    subject: "A webhook endpoint was disabled".into(),
                    body: format!(
                        "The webhook endpoint {} was disabled: {why}. Enable it again in the portal once it answers.",
                        endpoint.url
                    ),
                }),
                amounts: None,
                author: None,
                concerns: Concerns::Account,
            })
            .await?;
        change
            .commit(
                crate::audit::AuditActor::system(),
                audited(AuditAction::WebhookDisable, endpoint),
            )
            .await
    }
}

/// A delivery's body as `access` may see its data now: no amounts without
/// VIEW_INVOICES, a contact's details only with MANAGE_CONTACTS, a ticket only with
/// VIEW_TICKETS, a service or ticket outside the scope reduced to its id (a service's
/// login is never in a payload at all).
pub fn visible(access: &Access, payload: &Value) -> Value {
    let mut payload = payload.clone();
    let event_type = payload["type"].as_str().unwrap_or_default().to_owned();
    let data = &mut payload["data"];
    let keep_only = |data: &mut Value, keep: &[&str]| {
        if let Value::Object(fields) = data {
            fields.retain(|name, _| keep.contains(&name.as_str()));
        }
    };
    let id_of =
        |data: &Value, field: &str| data[field].as_str().and_then(|id| id.parse::<i64>().ok());
    match event_type.split('.').next().unwrap_or_default() {
        "contact" | "invitation" if !access.has(Permission::ManageContacts) => {
            keep_only(data, &["id", "accountId"]);
        }
        "invoice" if !access.has(Permission::ViewInvoices) => {
            keep_only(data, &["id", "accountId", "number", "status", "dueDate"]);
        }
        "service" => {
            let in_view = id_of(data, "id").is_some_and(|id| access.sees_service(id));
            if !access.has(Permission::ViewServices) || !in_view {
                keep_only(data, &["id", "accountId"]);
            } else if !access.has(Permission::ViewInvoices) {
                keep_only(data, &["id", "accountId", "productName", "status"]);
            }
        }
        "ticket" => {
            let in_view = id_of(data, "serviceId").is_none_or(|id| access.sees_service(id))
                && id_of(data, "domainId").is_none_or(|id| access.sees_domain(id));
            if !access.has(Permission::ViewTickets) || !in_view {
                keep_only(data, &["id", "accountId"]);
            }
        }
        _ => {}
    }
    payload
}

/// Whose access decides what a delivery carries: the endpoint's creator's, read as it
/// is when the delivery is sent.
async fn creator_access(
    domain: &Domain,
    endpoint: &webhook_endpoint::Model,
) -> Result<Option<Access>> {
    let Some(user_id) = endpoint.created_by_user_id else {
        return Ok(None);
    };
    let Some(user) = crate::entities::user::Entity::find_by_id(user_id)
        .one(domain.db())
        .await?
    else {
        return Ok(None);
    };
    crate::access::standing_on(domain.db(), &user, endpoint.account_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification's reference libraries.
        let signature = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(new_secret().starts_with("whsec_"));
    }

    #[test]
    fn private_and_metadata_addresses_are_refused() {
        for url in [
            "http://example.com/hook",
            "https://127.0.0.1/hook",
            "https://10.0.0.1/hook",
            "https://192.168.1.2/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://[::ffff:a9fe:a9fe]/hook",
            "https://[fd00::1]/hook",
            "https://[fe80::1]/hook",
            "https://localhost/hook",
            "https://100.64.0.1/hook",
            "https://user:pass@example.com/hook",
            "not a url",
        ] {
            assert!(checked_url(url, false).is_err(), "{url}");
        }
        assert_eq!(
            checked_url("https://hooks.example.invalid/in", false).unwrap(),
            "https://hooks.example.invalid/in"
        );
        assert!(checked_url("https://8.8.8.8/hook", false).is_ok());
        assert!(checked_url("http://127.0.0.1:9000/hook", true).is_ok());
    }
}
