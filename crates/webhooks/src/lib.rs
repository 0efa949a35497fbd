//! The webhook delivery worker: takes the deliveries that are due, POSTs each to its
//! endpoint signed (Standard Webhooks 1.0: `webhook-id`, `webhook-timestamp`,
//! `webhook-signature`), and records what came back; the domain decides what is sent,
//! to whom, and when it is tried again.
//!
//! One endpoint has one sender at a time: the instance holding its lease (a conditional
//! write, so of several instances sharing a database one sends) sends its due deliveries
//! one after another, the one due first first, so a receiver gets them in the order of
//! their attempts. Endpoints are sent to in parallel, at most [`Policy::overall`] at
//! once, each by its own task: a receiver that hangs holds back only itself. No request
//! reaches the server's own network: every name is resolved here and its addresses
//! checked before connecting, and the connection is made to the checked address (a name
//! that resolves elsewhere a second time changes nothing); redirects are not followed.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use domain::entities::webhook_delivery::DeliveryStatus;
use domain::webhooks::{
    Attempt, EndpointSender, Outgoing, checked_url, forbidden_address, signature,
};
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
    /// Endpoints sent to at once (each gets one delivery at a time).
    pub overall: usize,
    /// Names answered from this table instead of DNS (`WEBHOOKS_RESOLVE`: split-horizon
    /// names, tests); their addresses are checked like any other.
    pub hosts: HashMap<String, Vec<IpAddr>>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            poll_interval: Duration::from_secs(2),
            overall: 32,
            hosts: HashMap::new(),
        }
    }
}

/// How much of a response is kept.
const KEEP_BYTES: usize = 1024;
/// Endpoints looked at per pass.
const BATCH: u64 = 200;

pub struct WebhookWorker {
    domain: Domain,
    client: reqwest::Client,
    policy: Policy,
    overall: Arc<Semaphore>,
    /// The endpoints this instance is sending to, each by one task in `senders`, and
    /// whether a pass found it due meanwhile (then its sender looks once more before
    /// it ends: what a commit queued while it was finishing is not left to the poll).
    busy: Mutex<HashMap<i64, bool>>,
    senders: Mutex<JoinSet<()>>,
    /// Notified when a sender finishes.
    finished: Notify,
    sent: AtomicUsize,
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
                allow_private: domain.config().webhooks_allow_private,
                hosts: policy.hosts.clone(),
            }))
            .user_agent("clientele-webhooks/1")
            .build()
            .map_err(|err| err.to_string())?;
        Ok(Self {
            domain,
            client,
            overall: Arc::new(Semaphore::new(policy.overall.max(1))),
            policy,
            busy: Mutex::new(HashMap::new()),
            senders: Mutex::new(JoinSet::new()),
            finished: Notify::new(),
            sent: AtomicUsize::new(0),
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

    /// Starts senders for what is due until `shutdown` turns true, without waiting for
    /// them; `wake` is notified after commits that queued deliveries. At shutdown the
    /// senders still running are stopped: their leases lapse and another instance (or
    /// the next start) tries their deliveries again, with the same `webhook-id`.
    pub async fn run(self: Arc<Self>, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(err) = self.start_senders().await {
                tracing::warn!(error = %err, "looking for due webhook deliveries failed; will retry");
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
        self.lock_senders().abort_all();
    }

    /// Sends everything due now and waits until it has been tried: the senders under
    /// way, then new ones until no endpoint has a delivery due that this instance could
    /// send (another instance may hold an endpoint's lease). An endpoint that fails
    /// gets one attempt per round. Tests and tools drive
    /// delivery with it. Returns how many attempts were made meanwhile.
    pub async fn deliver_due(self: &Arc<Self>) -> Result<usize, DomainError> {
        let before = self.sent.load(Ordering::Relaxed);
        self.until_idle().await;
        loop {
            let round = self.sent.load(Ordering::Relaxed);
            let started = self.start_senders().await?;
            self.until_idle().await;
            // Nothing due, or nothing this instance could send (leases held elsewhere).
            if started == 0 || self.sent.load(Ordering::Relaxed) == round {
                break;
            }
        }
        let backlog = self.domain.webhooks().backlog().await?;
        self.pending.set(backlog.pending);
        self.oldest_pending_seconds.set(backlog.oldest_seconds);
        Ok(self.sent.load(Ordering::Relaxed) - before)
    }

    /// One sender task for each endpoint with deliveries due that has none here yet;
    /// returns how many were started.
    async fn start_senders(self: &Arc<Self>) -> Result<usize, DomainError> {
        let due = self.domain.webhooks().due_endpoints(BATCH).await?;
        let mut senders = self.lock_senders();
        while senders.try_join_next().is_some() {}
        let mut started = 0;
        for endpoint_id in due {
            if let Some(again) = self.lock_busy().get_mut(&endpoint_id) {
                *again = true;
                continue;
            }
            self.lock_busy().insert(endpoint_id, false);
            started += 1;
            let worker = Arc::clone(self);
            senders.spawn(async move {
                loop {
                    if let Err(err) = worker.send_to(endpoint_id).await {
                        tracing::warn!(error = %err, endpoint_id, "sending to a webhook endpoint failed; its lease will lapse and it is tried again");
                    }
                    let mut busy = worker.lock_busy();
                    match busy.get_mut(&endpoint_id) {
                        Some(again) if *again => *again = false,
                        _ => {
                            busy.remove(&endpoint_id);
                            break;
                        }
                    }
                }
                worker.finished.notify_waiters();
            });
        }
        Ok(started)
    }

    /// Waits until no sender of this instance is running.
    async fn until_idle(&self) {
        loop {
            let finished = self.finished.notified();
            tokio::pin!(finished);
            finished.as_mut().enable();
            if self.lock_busy().is_empty() {
                return;
            }
            finished.await;
        }
    }

    /// One endpoint's sender: with its lease, sends its due deliveries one at a time,
    /// the one due first first. Stops at the first that fails (the endpoint is in
    /// trouble: the rest wait for a later pass rather than queue behind it) and when
    /// nothing more is due.
    async fn send_to(&self, endpoint_id: i64) -> Result<(), DomainError> {
        let _slot = self.overall.acquire().await;
        let Some(mut sender) = self.domain.webhooks().sender(endpoint_id).await? else {
            return Ok(());
        };
        let sent = self.send_due(&mut sender).await;
        sender.release().await?;
        sent
    }

    async fn send_due(&self, sender: &mut EndpointSender<'_>) -> Result<(), DomainError> {
        while let Some(outgoing) = sender.next().await? {
            let attempt = self.post(&outgoing).await;
            let status = sender.record(&outgoing.delivery, attempt).await?;
            self.sent.fetch_add(1, Ordering::Relaxed);
            self.attempts
                .get_or_create(&OutcomeLabel {
                    outcome: match status {
                        DeliveryStatus::Succeeded => "succeeded",
                        DeliveryStatus::Pending => "retry",
                        DeliveryStatus::Failed => "failed",
                    },
                })
                .inc();
            if status != DeliveryStatus::Succeeded {
                break;
            }
        }
        Ok(())
    }

    fn lock_busy(&self) -> std::sync::MutexGuard<'_, HashMap<i64, bool>> {
        self.busy.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_senders(&self) -> std::sync::MutexGuard<'_, JoinSet<()>> {
        self.senders.lock().unwrap_or_else(PoisonError::into_inner)
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
        checked_url(url, self.domain.config().webhooks_allow_private)
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
    hosts: HashMap<String, Vec<IpAddr>>,
}

impl CheckedResolver {
    /// The addresses `host` may be reached at: all it resolves to, less the forbidden.
    async fn reachable(
        allow_private: bool,
        host: &str,
        pinned: Option<Vec<IpAddr>>,
    ) -> Result<Vec<SocketAddr>, String> {
        let found: Vec<SocketAddr> = match pinned {
            Some(addresses) => addresses.into_iter().map(|ip| (ip, 0).into()).collect(),
            None => tokio::net::lookup_host((host, 0))
                .await
                .map_err(|err| format!("{host} does not resolve: {err}"))?
                .collect(),
        };
        let allowed: Vec<SocketAddr> = found
            .into_iter()
            .filter(|a| allow_private || !forbidden_address(a.ip()))
            .collect();
        if allowed.is_empty() {
            return Err(format!(
                "{host} resolves to no address a webhook may reach (loopback, private, link-local or none)"
            ));
        }
        Ok(allowed)
    }
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        let pinned = self.hosts.get(&host.to_ascii_lowercase()).cloned();
        Box::pin(async move {
            let allowed = Self::reachable(allow_private, &host, pinned).await?;
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn reach(allow_private: bool, pinned: &[&str]) -> Result<Vec<SocketAddr>, String> {
        let pinned = pinned.iter().map(|a| a.parse().unwrap()).collect();
        CheckedResolver::reachable(allow_private, "crm.example.com", Some(pinned)).await
    }

    #[tokio::test]
    async fn a_name_resolving_only_to_forbidden_addresses_is_refused() {
        for address in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.9",
            "172.16.4.4",
            "169.254.169.254",
            "::1",
            "fd00::7",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
            "0.0.0.0",
        ] {
            let refused = reach(false, &[address]).await.unwrap_err();
            assert!(
                refused.contains("no address a webhook may reach"),
                "{address}: {refused}"
            );
            assert_eq!(reach(true, &[address]).await.unwrap().len(), 1, "{address}");
        }
    }

    /// A name with public and private addresses is reached at the public ones only.
    #[tokio::test]
    async fn only_the_allowed_addresses_are_connected_to() {
        let reached = reach(false, &["10.0.0.5", "93.184.215.14", "::1"])
            .await
            .unwrap();
        assert_eq!(
            reached,
            vec!["93.184.215.14:0".parse::<SocketAddr>().unwrap()]
        );
    }
}
