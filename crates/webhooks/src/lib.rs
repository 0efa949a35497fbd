//! The webhook delivery worker: takes the deliveries that are due, POSTs each to its
//! endpoint signed (Standard Webhooks 1.0: `webhook-id`, `webhook-timestamp`,
//! `webhook-signature`), and records what came back; the domain decides what is sent,
//! to whom, and when it is tried again.
//!
//! Several instances may run a worker on one database: each delivery is claimed with a
//! lease (a conditional write), so one instance sends it. Deliveries go out in
//! parallel, at most [`Policy::overall`] at once and [`Policy::per_endpoint`] to one
//! endpoint, so a slow receiver holds back only itself. No request reaches the
//! server's own network: every name is resolved here and its addresses checked before
//! connecting, and the connection is made to the checked address (a name that
//! resolves elsewhere a second time changes nothing); redirects are not followed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use domain::webhooks::{Attempt, Outgoing, checked_url, forbidden_address, signature};
use domain::{Domain, DomainError};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

/// How the worker paces itself.
#[derive(Clone, Debug)]
pub struct Policy {
    /// How long an endpoint has to answer.
    pub timeout: Duration,
    /// How often to look for due deliveries when nothing wakes the worker.
    pub poll_interval: Duration,
    /// Deliveries in flight at once, in all.
    pub overall: usize,
    /// Deliveries in flight at once to one endpoint.
    pub per_endpoint: usize,
    /// Loopback and private addresses allowed (development and tests).
    pub allow_private: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            poll_interval: Duration::from_secs(2),
            overall: 32,
            per_endpoint: 2,
            allow_private: false,
        }
    }
}

/// How much of a response is kept.
const KEEP_BYTES: usize = 1024;
const BATCH: u64 = 100;

pub struct WebhookWorker {
    domain: Domain,
    client: reqwest::Client,
    policy: Policy,
    overall: Arc<Semaphore>,
    endpoints: Mutex<HashMap<i64, Arc<Semaphore>>>,
    /// One pass at a time.
    pass: tokio::sync::Mutex<()>,
    attempts: Family<OutcomeLabel, Counter>,
    /// The queue after the last pass: deliveries pending, and the oldest one's wait.
    pending: Gauge,
    oldest_pending_seconds: Gauge,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

impl WebhookWorker {
    pub fn new(domain: Domain, policy: Policy) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(CheckedResolver {
                allow_private: policy.allow_private,
            }))
            .user_agent("clientele-webhooks/1")
            .build()
            .map_err(|err| err.to_string())?;
        Ok(Self {
            domain,
            client,
            overall: Arc::new(Semaphore::new(policy.overall.max(1))),
            endpoints: Mutex::new(HashMap::new()),
            policy,
            pass: tokio::sync::Mutex::new(()),
            attempts: Family::default(),
            pending: Gauge::default(),
            oldest_pending_seconds: Gauge::default(),
        })
    }

    /// Adds the delivery counters to `/metrics`.
    pub fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "clientele_webhook_delivery_attempts",
            "Webhook delivery attempts by outcome: succeeded, retry (will be tried again), failed (given up)",
            self.attempts.clone(),
        );
        registry.register(
            "clientele_webhook_deliveries_pending",
            "Webhook deliveries waiting to be sent (due now or later), after this instance's last pass",
            self.pending.clone(),
        );
        registry.register(
            "clientele_webhook_oldest_pending_seconds",
            "How long the oldest pending webhook delivery has waited since it was queued, in seconds",
            self.oldest_pending_seconds.clone(),
        );
    }

    /// Delivers until `shutdown` turns true; `wake` is notified after commits that
    /// queued deliveries.
    pub async fn run(self: Arc<Self>, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(err) = self.deliver_due().await {
                tracing::warn!(error = %err, "webhook delivery pass failed; will retry");
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

    /// One pass over the deliveries that are due, sent in parallel; returns how many
    /// were attempted. When it returns, every delivery that was due when it was called
    /// has been tried (unless another instance holds its lease).
    pub async fn deliver_due(self: &Arc<Self>) -> Result<usize, DomainError> {
        let _pass = self.pass.lock().await;
        let mut attempted = 0;
        loop {
            let due = self.domain.webhooks().due(BATCH).await?;
            let batch = due.len();
            let mut sending = JoinSet::new();
            for delivery in due {
                let Some(outgoing) = self.domain.webhooks().claim(&delivery).await? else {
                    continue;
                };
                attempted += 1;
                let worker = Arc::clone(self);
                sending.spawn(async move { worker.send(outgoing).await });
            }
            while let Some(sent) = sending.join_next().await {
                if let Ok(Err(err)) = sent {
                    tracing::warn!(error = %err, "recording a webhook attempt failed; its lease will expire and it is tried again");
                }
            }
            if batch < BATCH as usize {
                let backlog = self.domain.webhooks().backlog().await?;
                self.pending.set(backlog.pending);
                self.oldest_pending_seconds.set(backlog.oldest_seconds);
                return Ok(attempted);
            }
        }
    }

    /// Sends one claimed delivery, within the limits, and records the outcome.
    async fn send(&self, outgoing: Outgoing) -> Result<(), DomainError> {
        let endpoint = self.endpoint_slots(outgoing.delivery.endpoint_id);
        let _one = endpoint.acquire().await;
        let _all = self.overall.acquire().await;
        let attempt = self.post(&outgoing).await;
        let status = self
            .domain
            .webhooks()
            .record(&outgoing.delivery, attempt)
            .await?;
        self.attempts
            .get_or_create(&OutcomeLabel {
                outcome: match status {
                    domain::entities::webhook_delivery::DeliveryStatus::Succeeded => "succeeded",
                    domain::entities::webhook_delivery::DeliveryStatus::Pending => "retry",
                    domain::entities::webhook_delivery::DeliveryStatus::Failed => "failed",
                },
            })
            .inc();
        Ok(())
    }

    fn endpoint_slots(&self, endpoint_id: i64) -> Arc<Semaphore> {
        let mut slots = self
            .endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            slots
                .entry(endpoint_id)
                .or_insert_with(|| Arc::new(Semaphore::new(self.policy.per_endpoint.max(1)))),
        )
    }

    /// The POST itself: signed with every secret it carries, to the checked address.
    async fn post(&self, outgoing: &Outgoing) -> Attempt {
        if let Err(why) = self.address_allowed(&outgoing.url) {
            return Attempt::NoAnswer(why);
        }
        let timestamp = self.domain.clock().now().timestamp();
        let id = &outgoing.delivery.message_id;
        let signatures: Result<Vec<String>, DomainError> = outgoing
            .secrets
            .iter()
            .map(|secret| signature(secret, id, timestamp, &outgoing.body))
            .collect();
        let signatures = match signatures {
            Ok(signatures) => signatures.join(" "),
            Err(err) => return Attempt::NoAnswer(err.to_string()),
        };
        let sent = self
            .client
            .post(&outgoing.url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signatures)
            .body(outgoing.body.clone())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let mut body = response
                    .bytes()
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                body.truncate(KEEP_BYTES);
                Attempt::Answered {
                    status,
                    body: String::from_utf8_lossy(&body).into_owned(),
                }
            }
            Err(err) => Attempt::NoAnswer(describe(&err)),
        }
    }

    /// The URL checked again as it was when stored (`checked_url`): the resolver sees
    /// only names, so an address written outright is refused here.
    fn address_allowed(&self, url: &str) -> Result<(), String> {
        checked_url(url, self.policy.allow_private)
            .map(|_| ())
            .map_err(|err| err.to_string())
    }
}

/// What went wrong, in a line (with its cause: "address refused", "timed out"…).
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Resolves a webhook's host and keeps only the addresses a webhook may reach: the
/// connection is made to one of those, so what was checked is what is reached.
struct CheckedResolver {
    allow_private: bool,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allow_private || !forbidden_address(a.ip()))
                .collect();
            if allowed.is_empty() {
                let error: Box<dyn std::error::Error + Send + Sync> = format!(
                    "{host} resolves to no address a webhook may reach (loopback, private, link-local or none)"
                )
                .into();
                return Err(error);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}
