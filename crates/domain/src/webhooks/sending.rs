//! The sending side, for the webhook worker: which endpoints have deliveries due, one
//! sender per endpoint (a lease), what each delivery carries (as the endpoint's creator
//! may see it then), and what became of each attempt: retried on a schedule, given up,
//! the endpoint disabled after days of failure.

use std::time::Instant;

use chrono::Duration;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use serde_json::Value;

use super::WebhookService;
use super::endpoints::audited;
use crate::access::Access;
use crate::audit::AuditAction;
use crate::change::Change;
use crate::entities::webhook_delivery::{self, DeliveryStatus};
use crate::entities::webhook_endpoint;
use crate::permissions::Permission;
use crate::{Domain, Result};

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

/// How long a sender holds its endpoint, and a delivery it claimed, before another may
/// take them (a sender renews its endpoint's while it works: see [`REREAD`]).
pub const LEASE: Duration = Duration::seconds(60);

/// How often a sender reads its endpoint and its creator's access again (and renews
/// its lease): what a delivery carries is at most this old.
pub const REREAD: std::time::Duration = std::time::Duration::from_secs(1);

/// The queue as `/metrics` shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Deliveries PENDING (due now or later).
    pub pending: i64,
    /// How long the oldest of them has waited since it was queued, in seconds.
    pub oldest_seconds: i64,
}

impl<'a> WebhookService<'a> {
    /// How many deliveries wait, and for how long the oldest has (one statement).
    pub async fn backlog(&self) -> Result<Backlog> {
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
            oldest_seconds: oldest
                .map_or(0, |at| Ord::max((self.domain.now() - at).num_seconds(), 0)),
        })
    }

    /// The endpoints with deliveries due now (a first attempt or a retry), the one
    /// waiting longest first.
    pub async fn due_endpoints(&self, limit: u64) -> Result<Vec<i64>> {
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

    /// Becomes the endpoint's one sender: takes its lease (a conditional write: of
    /// several instances one wins; a lease its holder let lapse may be taken). `None`
    /// when another sender holds it, or the endpoint is gone.
    pub async fn sender(&self, endpoint_id: i64) -> Result<Option<EndpointSender<'a>>> {
        let now = self.domain.now();
        let taken = webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::SendingUntil,
                Expr::value(now + LEASE),
            )
            .filter(webhook_endpoint::Column::Id.eq(endpoint_id))
            .filter(
                Expr::col(webhook_endpoint::Column::SendingUntil)
                    .is_null()
                    .or(Expr::col(webhook_endpoint::Column::SendingUntil).lte(now)),
            )
            .exec(self.domain.db())
            .await?;
        if taken.rows_affected != 1 {
            return Ok(None);
        }
        let mut sender = EndpointSender {
            hooks: WebhookService::new(self.domain),
            endpoint_id,
            endpoint: None,
            access: None,
            read_at: Instant::now(),
        };
        sender.reread().await?;
        Ok(Some(sender))
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

/// The one sender of an endpoint (its lease held): claims its due deliveries one at a
/// time, the one due first first, so a receiver gets them in the order of their
/// attempts, and records each outcome. It reads the endpoint and its creator's access
/// when made and again every [`REREAD`], not per delivery.
pub struct EndpointSender<'a> {
    hooks: WebhookService<'a>,
    endpoint_id: i64,
    endpoint: Option<webhook_endpoint::Model>,
    /// The creator's access, when they still manage the account.
    access: Option<Access>,
    read_at: Instant,
}

impl EndpointSender<'_> {
    fn domain(&self) -> &Domain {
        self.hooks.domain
    }

    /// Reads the endpoint and its creator's access again, and renews the lease.
    async fn reread(&mut self) -> Result<()> {
        let db = self.domain().db();
        webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::SendingUntil,
                Expr::value(self.domain().now() + LEASE),
            )
            .filter(webhook_endpoint::Column::Id.eq(self.endpoint_id))
            .exec(db)
            .await?;
        self.endpoint = webhook_endpoint::Entity::find_by_id(self.endpoint_id)
            .one(db)
            .await?;
        self.access = match &self.endpoint {
            Some(endpoint) => creator_access(self.domain(), endpoint)
                .await?
                .filter(|access| access.has(Permission::ManageAccount)),
            None => None,
        };
        self.read_at = Instant::now();
        Ok(())
    }

    /// The next delivery to send, claimed; `None` when nothing is due, or when nothing
    /// is to be sent (the endpoint gone or disabled, or its creator no longer managing
    /// the account: then it is disabled, and what it had pending FAILED).
    pub async fn next(&mut self) -> Result<Option<Outgoing>> {
        if self.read_at.elapsed() >= REREAD {
            self.reread().await?;
        }
        let Some(endpoint) = self.endpoint.clone() else {
            return Ok(None);
        };
        if !endpoint.enabled {
            self.fail_pending("the endpoint is disabled").await?;
            return Ok(None);
        }
        let Some(access) = &self.access else {
            self.hooks
                .disable(&endpoint, "its creator no longer manages the account")
                .await?;
            return Ok(None);
        };
        let Some(delivery) = self.claim_next().await? else {
            return Ok(None);
        };
        let body = visible(access, &delivery.payload).to_string();
        let mut secrets = vec![endpoint.secret.clone()];
        if let (Some(previous), Some(until)) =
            (&endpoint.previous_secret, endpoint.previous_secret_until)
            && until > self.domain().now()
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

    /// Claims the endpoint's delivery due first (then the oldest) for [`LEASE`], in
    /// one conditional statement: its attempt counted, its next attempt moved past the
    /// lease, so no other sender takes it meanwhile.
    async fn claim_next(&self) -> Result<Option<webhook_delivery::Model>> {
        let now = self.domain().now();
        let due = || {
            Expr::col(webhook_delivery::Column::Status)
                .eq(DeliveryStatus::Pending)
                .and(Expr::col(webhook_delivery::Column::NextAttemptAt).lte(now))
        };
        let first = Query::select()
            .column(webhook_delivery::Column::Id)
            .from(webhook_delivery::Entity)
            .and_where(Expr::col(webhook_delivery::Column::EndpointId).eq(self.endpoint_id))
            .and_where(due())
            .order_by(webhook_delivery::Column::NextAttemptAt, sea_orm::Order::Asc)
            .order_by(webhook_delivery::Column::Id, sea_orm::Order::Asc)
            .limit(1)
            .to_owned();
        let claimed = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Attempts,
                Expr::col(webhook_delivery::Column::Attempts).add(1),
            )
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(now + LEASE),
            )
            .filter(webhook_delivery::Column::Id.in_subquery(first))
            .filter(due())
            .exec_with_returning(self.domain().db())
            .await?;
        Ok(claimed.into_iter().next())
    }

    /// Records an attempt of a claimed delivery: SUCCEEDED on a 2xx; otherwise PENDING
    /// again after the next wait of [`RETRY_SCHEDULE`], or FAILED past its end. An
    /// endpoint failing for [`DISABLE_AFTER`] is disabled and the account's GENERAL
    /// recipients are told.
    pub async fn record(
        &mut self,
        delivery: &webhook_delivery::Model,
        attempt: Attempt,
    ) -> Result<DeliveryStatus> {
        let now = self.domain().now();
        let (status, body, error) = match attempt {
            Attempt::Answered { status, body } => (Some(i32::from(status)), Some(body), None),
            Attempt::NoAnswer(why) => (None, None, Some(why)),
        };
        let wait = usize::try_from(delivery.attempts - 1)
            .ok()
            .and_then(|i| RETRY_SCHEDULE.get(i));
        let (outcome, next_attempt_at) = match wait {
            _ if status.is_some_and(|s| (200..300).contains(&s)) => {
                (DeliveryStatus::Succeeded, now)
            }
            Some(wait) => (DeliveryStatus::Pending, now + *wait),
            None => (DeliveryStatus::Failed, now),
        };
        // Conditional: a delivery its endpoint's disabling failed meanwhile stays so.
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::Status, Expr::value(outcome))
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(next_attempt_at),
            )
            .col_expr(
                webhook_delivery::Column::LastResponseStatus,
                Expr::value(status),
            )
            .col_expr(
                webhook_delivery::Column::LastResponseBody,
                Expr::value(body),
            )
            .col_expr(webhook_delivery::Column::LastError, Expr::value(error))
            .col_expr(
                webhook_delivery::Column::DeliveredAt,
                Expr::value((outcome == DeliveryStatus::Succeeded).then_some(now)),
            )
            .filter(webhook_delivery::Column::Id.eq(delivery.id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
            .exec(self.domain().db())
            .await?;
        self.failing(outcome != DeliveryStatus::Succeeded).await?;
        Ok(outcome)
    }

    /// Keeps the endpoint's failing streak: started by a failure, ended by a success;
    /// five days long, the endpoint is disabled.
    async fn failing(&mut self, failed: bool) -> Result<()> {
        let Some(endpoint) = self.endpoint.clone() else {
            return Ok(());
        };
        let now = self.domain().now();
        let since = match (failed, endpoint.failing_since) {
            (false, None) => return Ok(()),
            (false, Some(_)) => None,
            (true, Some(since)) if now - since >= DISABLE_AFTER => {
                self.hooks
                    .disable(&endpoint, "its deliveries failed for five days")
                    .await?;
                return self.reread().await;
            }
            (true, Some(_)) => return Ok(()),
            (true, None) => Some(now),
        };
        let mut model: webhook_endpoint::ActiveModel = endpoint.into();
        model.failing_since = Set(since);
        self.endpoint = Some(model.update(self.domain().db()).await?);
        Ok(())
    }

    /// Fails what the endpoint has pending (`why`): a disabled endpoint sends nothing,
    /// and enabling it again does not send what waited meanwhile.
    async fn fail_pending(&self, why: &str) -> Result<()> {
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(DeliveryStatus::Failed),
            )
            .col_expr(webhook_delivery::Column::LastError, Expr::value(why))
            .filter(webhook_delivery::Column::EndpointId.eq(self.endpoint_id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
            .exec(self.domain().db())
            .await?;
        Ok(())
    }

    /// Gives the endpoint's lease back, so any sender may take its next deliveries.
    pub async fn release(self) -> Result<()> {
        webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::SendingUntil,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(webhook_endpoint::Column::Id.eq(self.endpoint_id))
            .exec(self.domain().db())
            .await?;
        Ok(())
    }
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
