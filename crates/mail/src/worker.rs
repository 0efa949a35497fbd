//! The delivery worker: sends queued emails, retries transient failures with capped
//! exponential backoff, and never loses one while the transport is down.
//!
//! Several server instances may run a worker on one database. Each email is claimed
//! before sending by a conditional update (a lease), so only one instance sends it; a
//! worker that dies mid-send leaves the lease to expire and the email is retried.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Duration;

use domain::Clock;
use domain::entities::email::{self, EmailStatus};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use tokio::sync::{Mutex, Notify, watch};

use crate::Transport;

/// How the worker paces itself.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Delay before the first retry; doubled after each failure.
    pub base_delay: Duration,
    /// The longest delay between two tries.
    pub max_delay: Duration,
    /// After this long since it was queued, an email that still fails is marked FAILED.
    pub give_up_after: Duration,
    /// How often to look for due emails when nothing wakes the worker (e.g. emails
    /// queued by another instance, or retries coming due).
    pub poll_interval: Duration,
    /// How long a claimed email is reserved for the worker sending it.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(600),
            give_up_after: Duration::from_secs(48 * 3600),
            poll_interval: Duration::from_secs(5),
            lease: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    fn delay_after(&self, attempts: i32) -> Duration {
        let exponent = attempts.clamp(1, 20) as u32 - 1;
        self.base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay)
    }
}

pub struct DeliveryWorker {
    db: DatabaseConnection,
    /// The domain's clock, which queued the emails: what is due is due by it.
    clock: Clock,
    transport: Arc<Transport>,
    from: Mailbox,
    policy: RetryPolicy,
    /// Held for a whole pass: passes of one worker run one after another, so a pass
    /// asked for from outside ([`DeliveryWorker::deliver_due`]) starts only once the one
    /// under way has finished, and nothing queued before it is left in flight.
    pass: Mutex<()>,
    /// Delivery attempts by outcome: sent, retry (failed, tried again later), failed
    /// (given up), for `/metrics`.
    attempts: Family<OutcomeLabel, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

const BATCH: u64 = 50;

impl DeliveryWorker {
    pub fn new(
        db: DatabaseConnection,
        clock: Clock,
        transport: Transport,
        from: Mailbox,
        policy: RetryPolicy,
    ) -> Self {
        Self {
            db,
            clock,
            transport: Arc::new(transport),
            from,
            policy,
            pass: Mutex::new(()),
            attempts: Family::default(),
        }
    }

    /// Whether its transport is reachable now ([`Transport::check`]).
    pub async fn check_transport(&self) -> Result<(), String> {
        self.transport.check().await
    }

    /// Adds the delivery counters to `/metrics`.
    pub fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "clientele_email_delivery_attempts",
            "Email delivery attempts by outcome: sent, retry (will be tried again), failed (given up)",
            self.attempts.clone(),
        );
    }

    fn attempted(&self, outcome: &'static str) {
        self.attempts.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    /// Delivers until `shutdown` turns true. `wake` is notified after commits that
    /// queued email.
    pub async fn run(self: Arc<Self>, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(err) = self.deliver_due().await {
                tracing::warn!(error = %err, "email delivery pass failed; will retry");
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(self.policy.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }

    /// One pass over the emails that are due, after the pass under way (if any) has
    /// finished; returns how many were sent. When it returns, every email that was due
    /// when it was called has been tried (unless another instance holds its lease).
    pub async fn deliver_due(&self) -> Result<usize, DbErr> {
        let _pass = self.pass.lock().await;
        let mut sent = 0;
        loop {
            let due = email::Entity::find()
                .filter(email::Column::Status.eq(EmailStatus::Queued))
                .filter(email::Column::NextAttemptAt.lte(self.clock.now()))
                .order_by_asc(email::Column::Id)
                .limit(BATCH)
                .all(&self.db)
                .await?;
            let batch_len = due.len();
            for row in due {
                if self.claim(&row).await? && self.deliver(row).await? {
                    sent += 1;
                }
            }
            if batch_len < BATCH as usize {
                return Ok(sent);
            }
        }
    }

    /// Reserves `row` for this worker; false if another worker got there first.
    async fn claim(&self, row: &email::Model) -> Result<bool, DbErr> {
        let lease_end = self.clock.now() + self.policy.lease;
        let result = email::Entity::update_many()
            .col_expr(
                email::Column::Attempts,
                Expr::col(email::Column::Attempts).add(1),
            )
            .col_expr(email::Column::NextAttemptAt, Expr::value(lease_end))
            .filter(email::Column::Id.eq(row.id))
            .filter(email::Column::Status.eq(EmailStatus::Queued))
            .filter(email::Column::Attempts.eq(row.attempts))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// Sends a claimed email and records the outcome; true when it was sent.
    async fn deliver(&self, row: email::Model) -> Result<bool, DbErr> {
        let attempts = row.attempts + 1;
        let outcome = match self.message(&row) {
            Ok(message) => self.transport.send(message).await,
            Err(err) => Err(err),
        };
        let now = self.clock.now();
        let update = email::Entity::update_many().filter(email::Column::Id.eq(row.id));
        // Once an email is done with (sent, or failed for good), its body goes: bodies
        // carry reset and invitation links and generated passwords, and a backup of the
        // outbox must not hold live secrets. So does the unsubscribe link (its token).
        // Subject, recipients and status stay.
        let finished = |update: sea_orm::UpdateMany<email::Entity>| {
            update
                .col_expr(email::Column::BodyText, Expr::value(""))
                .col_expr(email::Column::BodyHtml, Expr::value(""))
                .col_expr(
                    email::Column::UnsubscribeUrl,
                    Expr::value(Option::<String>::None),
                )
        };
        match outcome {
            Ok(()) => {
                finished(update)
                    .col_expr(email::Column::Status, Expr::value(EmailStatus::Sent))
                    .col_expr(email::Column::SentAt, Expr::value(now))
                    .col_expr(
                        email::Column::LastError,
                        Expr::value(Option::<String>::None),
                    )
                    .exec(&self.db)
                    .await?;
                tracing::info!(email_id = row.id, attempts, "email sent");
                self.attempted("sent");
                Ok(true)
            }
            Err(err) => {
                let expired = now - row.created_at
                    > chrono::Duration::from_std(self.policy.give_up_after).unwrap_or_default();
                let update =
                    update.col_expr(email::Column::LastError, Expr::value(err.message.clone()));
                if err.permanent || expired {
                    finished(update)
                        .col_expr(email::Column::Status, Expr::value(EmailStatus::Failed))
                        .exec(&self.db)
                        .await?;
                    tracing::error!(email_id = row.id, attempts, error = %err, "email failed for good");
                    self.attempted("failed");
                } else {
                    let retry_at = now + self.policy.delay_after(attempts);
                    update
                        .col_expr(email::Column::NextAttemptAt, Expr::value(retry_at))
                        .exec(&self.db)
                        .await?;
                    tracing::warn!(email_id = row.id, attempts, error = %err, %retry_at, "email not sent; will retry");
                    self.attempted("retry");
                }
                Ok(false)
            }
        }
    }

    fn message(&self, row: &email::Model) -> Result<Message, crate::SendError> {
        let permanent = |message: String| crate::SendError {
            permanent: true,
            message,
        };
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(row.subject.clone());
        let recipients: Vec<String> = serde_json::from_value(row.to_addresses.clone())
            .map_err(|e| permanent(format!("bad recipient list: {e}")))?;
        for to in recipients {
            let mailbox: Mailbox = to
                .parse()
                .map_err(|e| permanent(format!("bad recipient {to}: {e}")))?;
            builder = builder.to(mailbox);
        }
        if let Some(url) = &row.unsubscribe_url {
            builder = crate::list_unsubscribe::one_click(builder, url);
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                row.body_text.clone(),
                row.body_html.clone(),
            ))
            .map_err(|e| permanent(format!("cannot build the message: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(60),
            ..RetryPolicy::default()
        };
        assert_eq!(policy.delay_after(1), Duration::from_secs(5));
        assert_eq!(policy.delay_after(2), Duration::from_secs(10));
        assert_eq!(policy.delay_after(4), Duration::from_secs(40));
        assert_eq!(policy.delay_after(5), Duration::from_secs(60));
        assert_eq!(policy.delay_after(500), Duration::from_secs(60));
    }
}
