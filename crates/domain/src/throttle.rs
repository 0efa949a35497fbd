//! Throttles: how often one email, one client address or one account may do what an
//! attacker repeats — guess passwords, send reset emails, try invitation links, open
//! accounts, hand out logins. Past its limit an action answers RATE_LIMITED with the
//! seconds to wait (`extensions.retryAfter`).
//!
//! Each limit is a GCRA (generic cell rate algorithm): `count` actions at once, then one
//! more every `per / count`. A key's whole state is one instant, its theoretical arrival
//! time, kept in a [`RateStore`]: this process's memory ([`InProcessRates`]), or Redis
//! so every instance counts against the same limit (the live crate's `RedisRates`,
//! which runs [`gcra`]'s arithmetic in one Lua script).
//!
//! A spend is taken *before* the work it pays for and checked atomically in the store,
//! so concurrent requests cannot all slip past one check; work that turns out not to
//! count (a sign-in that succeeds, for the failed-sign-in limits) gives its cell back.
//! Why not the `governor` crate: it cannot give a cell back nor look without spending
//! (governor issues #15 and #152), which a failed-attempts limit needs.
//!
//! A client address is counted as the client it stands for ([`address_subject`]): an
//! IPv6 client by its /64, which one subscriber holds whole and can pick addresses from
//! at will.
//!
//! The shared store may go away (Redis down, a network cut): a spend waits for it at
//! most [`SHARED_STORE_WAIT`], then counts in this process ([`Fallback`]), and for
//! [`SHARED_STORE_PAUSE`] after that every spend counts here at once instead of waiting
//! for a store that is likely still away. So a sign-in never waits on Redis for long,
//! and the limits still hold, per instance, while it is away.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::{Domain, DomainError, Result, tokens};

/// What is limited, and by which subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    SignInFailuresPerEmail,
    SignInFailuresPerAddress,
    ResetRequestsPerEmail,
    ResetRequestsPerAddress,
    InvitationAcceptancesPerAddress,
    /// `register` and `createAccount` together.
    AccountsOpenedPerAddress,
    PortalGrantsPerAccount,
    /// Requests made with one API token (a script gone wrong stops at its own limit).
    ApiTokenRequests,
    /// Passkey sign-ins begun (each stores a ceremony) without signing in.
    PasskeyCeremoniesPerAddress,
    /// Data and account exports requested by one login (each is a document built and
    /// an email sent).
    ExportsPerUser,
}

impl Rule {
    /// The rule's part of a store key and its metric label.
    pub const fn name(self) -> &'static str {
        match self {
            Self::SignInFailuresPerEmail => "sign_in_failures_per_email",
            Self::SignInFailuresPerAddress => "sign_in_failures_per_address",
            Self::ResetRequestsPerEmail => "reset_requests_per_email",
            Self::ResetRequestsPerAddress => "reset_requests_per_address",
            Self::InvitationAcceptancesPerAddress => "invitation_acceptances_per_address",
            Self::AccountsOpenedPerAddress => "accounts_opened_per_address",
            Self::PortalGrantsPerAccount => "portal_grants_per_account",
            Self::ApiTokenRequests => "api_token_requests",
            Self::PasskeyCeremoniesPerAddress => "passkey_ceremonies_per_address",
            Self::ExportsPerUser => "exports_per_user",
        }
    }

    /// Whether the rule's subject is a client address (see [`address_subject`]).
    const fn by_address(self) -> bool {
        matches!(
            self,
            Self::SignInFailuresPerAddress
                | Self::ResetRequestsPerAddress
                | Self::InvitationAcceptancesPerAddress
                | Self::AccountsOpenedPerAddress
                | Self::PasskeyCeremoniesPerAddress
        )
    }

    fn what(self) -> &'static str {
        match self {
            Self::SignInFailuresPerEmail | Self::SignInFailuresPerAddress => {
                "too many failed sign-ins"
            }
            Self::ResetRequestsPerEmail | Self::ResetRequestsPerAddress => {
                "too many password reset requests"
            }
            Self::InvitationAcceptancesPerAddress => "too many invitation acceptances",
            Self::AccountsOpenedPerAddress => "too many new accounts",
            Self::PortalGrantsPerAccount => "too many portal logins granted",
            Self::ApiTokenRequests => "too many requests with this API token",
            Self::PasskeyCeremoniesPerAddress => "too many passkey sign-ins begun",
            Self::ExportsPerUser => "too many exports requested",
        }
    }
}

/// `count` actions at once, then one more every `per / count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub count: u32,
    pub per: Duration,
}

impl Limit {
    pub const fn new(count: u32, per: Duration) -> Self {
        Self { count, per }
    }

    /// The spacing of actions once the burst is spent, in milliseconds (at least 1).
    pub fn interval_ms(self) -> i64 {
        (self.per.as_millis() as i64 / i64::from(self.count.max(1))).max(1)
    }

    pub fn per_ms(self) -> i64 {
        self.per.as_millis() as i64
    }
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// The limit of every [`Rule`]. Not environment variables; tests adjust them.
#[derive(Clone, Debug)]
pub struct Throttles {
    pub sign_in_failures_per_email: Limit,
    /// Generous: an office behind one address signs many people in.
    pub sign_in_failures_per_address: Limit,
    pub reset_requests_per_email: Limit,
    pub reset_requests_per_address: Limit,
    pub invitation_acceptances_per_address: Limit,
    pub accounts_opened_per_address: Limit,
    pub portal_grants_per_account: Limit,
    pub api_token_requests: Limit,
    pub passkey_ceremonies_per_address: Limit,
    pub exports_per_user: Limit,
}

impl Default for Throttles {
    fn default() -> Self {
        Self {
            sign_in_failures_per_email: Limit::new(10, MINUTE * 15),
            sign_in_failures_per_address: Limit::new(50, MINUTE * 15),
            reset_requests_per_email: Limit::new(3, HOUR),
            reset_requests_per_address: Limit::new(20, HOUR),
            invitation_acceptances_per_address: Limit::new(20, HOUR),
            accounts_opened_per_address: Limit::new(20, HOUR),
            portal_grants_per_account: Limit::new(30, HOUR),
            // 20 a second, in bursts of up to a minute's worth.
            api_token_requests: Limit::new(1200, MINUTE),
            // A sign-in page reloaded often, an office behind one address.
            passkey_ceremonies_per_address: Limit::new(60, MINUTE),
            exports_per_user: Limit::new(5, HOUR),
        }
    }
}

impl Throttles {
    pub fn limit(&self, rule: Rule) -> Limit {
        match rule {
            Rule::SignInFailuresPerEmail => self.sign_in_failures_per_email,
            Rule::SignInFailuresPerAddress => self.sign_in_failures_per_address,
            Rule::ResetRequestsPerEmail => self.reset_requests_per_email,
            Rule::ResetRequestsPerAddress => self.reset_requests_per_address,
            Rule::InvitationAcceptancesPerAddress => self.invitation_acceptances_per_address,
            Rule::AccountsOpenedPerAddress => self.accounts_opened_per_address,
            Rule::PortalGrantsPerAccount => self.portal_grants_per_account,
            Rule::ApiTokenRequests => self.api_token_requests,
            Rule::PasskeyCeremoniesPerAddress => self.passkey_ceremonies_per_address,
            Rule::ExportsPerUser => self.exports_per_user,
        }
    }
}

/// What one spend decided, and the state to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Milliseconds to wait before the spend would be allowed; 0 when it was.
    pub retry_after_ms: i64,
    /// The key's theoretical arrival time after the spend (unchanged when refused).
    pub tat_ms: i64,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        self.retry_after_ms == 0
    }
}

/// GCRA: spends `cost` cells (negative gives cells back and is never refused) of
/// `limit` at `now_ms` on a key whose theoretical arrival time is `tat_ms`.
/// `RedisRates`' Lua script is this function, line for line.
pub fn gcra(tat_ms: Option<i64>, now_ms: i64, limit: Limit, cost: i64) -> Decision {
    let tat = tat_ms.unwrap_or(now_ms).max(now_ms);
    let new_tat = (tat + cost * limit.interval_ms()).max(now_ms);
    let allow_at = new_tat - limit.per_ms();
    if cost > 0 && now_ms < allow_at {
        Decision {
            retry_after_ms: allow_at - now_ms,
            tat_ms: tat,
        }
    } else {
        Decision {
            retry_after_ms: 0,
            tat_ms: new_tat,
        }
    }
}

/// Where the keys' arrival times live.
#[async_trait]
pub trait RateStore: Send + Sync {
    /// [`gcra`] on `key`, atomically: concurrent spends on one key are counted one after
    /// another. The key expires once its state is back to "never used".
    async fn spend(&self, key: &str, limit: Limit, cost: i64, now_ms: i64) -> Result<Decision>;
}

/// The embedded default: this process's memory.
#[derive(Default)]
pub struct InProcessRates {
    keys: Mutex<HashMap<String, i64>>,
}

/// Past this many keys, a spend first forgets the keys that are back to "never used".
const PRUNE_AT: usize = 10_000;

impl InProcessRates {
    pub fn spend_now(&self, key: &str, limit: Limit, cost: i64, now_ms: i64) -> Decision {
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if keys.len() >= PRUNE_AT {
            keys.retain(|_, tat| *tat > now_ms);
        }
        let decision = gcra(keys.get(key).copied(), now_ms, limit, cost);
        if decision.tat_ms > now_ms {
            keys.insert(key.to_owned(), decision.tat_ms);
        } else {
            keys.remove(key);
        }
        decision
    }
}

#[async_trait]
impl RateStore for InProcessRates {
    async fn spend(&self, key: &str, limit: Limit, cost: i64, now_ms: i64) -> Result<Decision> {
        Ok(self.spend_now(key, limit, cost, now_ms))
    }
}

/// The client a request's address stands for, as the per-address rules count it: an
/// IPv4 address is itself; an IPv6 address is its /64 (`2001:db8:1:2::/64`), since one
/// subscriber is given a whole /64 and may use any address in it; an IPv4 address
/// mapped into IPv6 is the IPv4 address. Anything that does not parse (no address was
/// known) is kept as it is.
pub fn address_subject(address: &str) -> String {
    match address.trim().parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(ip)) => {
            let network = u128::from(ip) & !(u128::from(u64::MAX));
            format!("{}/64", Ipv6Addr::from(network))
        }
        Ok(ip) => ip.to_string(),
        Err(_) => address.trim().to_owned(),
    }
}

/// How long a spend waits for the shared store before it counts in this process.
pub const SHARED_STORE_WAIT: Duration = Duration::from_millis(200);
/// After the shared store failed or did not answer in time, how long spends skip it
/// and count in this process at once. Short: once it is back, instances share their
/// counts again within seconds.
pub const SHARED_STORE_PAUSE: Duration = Duration::from_secs(5);

/// This process's own count, for when the shared store is away, and until when the
/// shared store is skipped after it last failed (a short circuit breaker).
#[derive(Default)]
pub struct Fallback {
    rates: InProcessRates,
    skip_shared_until: Mutex<Option<Instant>>,
}

impl Fallback {
    /// [`RateStore::spend`] on the `shared` store; this process's count instead when the
    /// shared store fails, does not answer within [`SHARED_STORE_WAIT`], or did either
    /// less than [`SHARED_STORE_PAUSE`] ago.
    pub async fn spend(
        &self,
        shared: &dyn RateStore,
        key: &str,
        limit: Limit,
        cost: i64,
        now_ms: i64,
    ) -> Decision {
        if !self.skipping_shared() {
            let spent = shared.spend(key, limit, cost, now_ms);
            match tokio::time::timeout(SHARED_STORE_WAIT, spent).await {
                Ok(Ok(decision)) => return decision,
                Ok(Err(err)) => self.pause_shared(&err.to_string()),
                Err(_) => self.pause_shared("no answer in time"),
            }
        }
        self.rates.spend_now(key, limit, cost, now_ms)
    }

    /// Whether the shared store failed less than [`SHARED_STORE_PAUSE`] ago.
    fn skipping_shared(&self) -> bool {
        let until = self
            .skip_shared_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        until.is_some_and(|until| Instant::now() < until)
    }

    /// The shared store failed (`why`): skip it for [`SHARED_STORE_PAUSE`]. Logged once
    /// per pause, not once per spend.
    fn pause_shared(&self, why: &str) {
        let mut until = self
            .skip_shared_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        if until.is_none_or(|until| until <= now) {
            tracing::warn!(
                error = why,
                pause = ?SHARED_STORE_PAUSE,
                "throttle store unavailable; counting in this process"
            );
        }
        *until = Some(now + SHARED_STORE_PAUSE);
    }
}

/// The domain's view: spends on a rule for a subject (an email, an address, an account).
pub struct Throttle<'a> {
    domain: &'a Domain,
}

impl<'a> Throttle<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// Spends one action of `rule` for `subject`, or answers RATE_LIMITED.
    async fn spend(&self, rule: Rule, subject: &str) -> Result<()> {
        let decision = self.apply(rule, subject, 1).await;
        if decision.allowed() {
            return Ok(());
        }
        self.domain.stats().throttled(rule);
        // Whole seconds, rounded up: a client that waits that long is let through.
        let seconds = (decision.retry_after_ms as u64).div_ceil(1000).max(1);
        Err(DomainError::RateLimited {
            message: format!("{}; try again in {seconds} s", rule.what()),
            retry_after: Some(seconds),
        })
    }

    /// Spends one action of each rule for its subject; if one refuses, the ones spent
    /// before it are given back and its RATE_LIMITED is the answer.
    pub async fn spend_each(&self, spends: &[(Rule, &str)]) -> Result<()> {
        for (done, (rule, subject)) in spends.iter().enumerate() {
            if let Err(refused) = self.spend(*rule, subject).await {
                self.refund_each(&spends[..done]).await;
                return Err(refused);
            }
        }
        Ok(())
    }

    /// Gives back actions spent that turned out not to count.
    pub async fn refund_each(&self, spends: &[(Rule, &str)]) {
        for (rule, subject) in spends {
            self.apply(*rule, subject, -1).await;
        }
    }

    async fn apply(&self, rule: Rule, subject: &str, cost: i64) -> Decision {
        let limit = self.domain.config().throttles.limit(rule);
        let subject = if rule.by_address() {
            address_subject(subject)
        } else {
            subject.trim().to_lowercase()
        };
        // Subjects are emails and addresses: the store keeps only their hash.
        let key = format!("{}:{}", rule.name(), tokens::hash(&subject));
        let now_ms = self.domain.now().timestamp_millis();
        self.domain
            .fallback_rates()
            .spend(self.domain.rates(), &key, limit, cost, now_ms)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Limit = Limit::new(3, Duration::from_secs(60));

    fn spend(rates: &InProcessRates, now_ms: i64, cost: i64) -> Decision {
        rates.spend_now("k", LIMIT, cost, now_ms)
    }

    #[test]
    fn a_burst_of_count_then_one_per_interval() {
        let rates = InProcessRates::default();
        for _ in 0..3 {
            assert!(spend(&rates, 0, 1).allowed());
        }
        let refused = spend(&rates, 0, 1);
        assert_eq!(refused.retry_after_ms, 20_000);
        assert!(!spend(&rates, 19_999, 1).allowed());
        assert!(spend(&rates, 20_000, 1).allowed());
        assert!(!spend(&rates, 20_000, 1).allowed());
        // A whole period later the burst is back and the key forgotten.
        assert!(spend(&rates, 80_000, 0).allowed());
        assert!(rates.keys.lock().unwrap().is_empty());
    }

    #[test]
    fn an_ipv6_client_is_its_64_and_a_mapped_ipv4_address_is_itself() {
        for (address, subject) in [
            ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("2001:DB8:1:2:aaaa::3", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
            ("::1", "::/64"),
            ("::ffff:198.51.100.9", "198.51.100.9"),
            ("198.51.100.9", "198.51.100.9"),
            (" 10.0.0.1 ", "10.0.0.1"),
            ("unknown", "unknown"),
        ] {
            assert_eq!(address_subject(address), subject, "{address}");
        }
    }

    /// A shared store that refuses connections at once, or never answers (Redis behind
    /// a cut network).
    struct Away {
        refuses: bool,
    }

    #[async_trait]
    impl RateStore for Away {
        async fn spend(&self, _: &str, _: Limit, _: i64, _: i64) -> Result<Decision> {
            if self.refuses {
                return Err(DomainError::Internal("connection refused".into()));
            }
            std::future::pending().await
        }
    }

    #[tokio::test]
    async fn a_shared_store_that_is_away_is_waited_for_briefly_then_skipped_for_a_while() {
        for store in [Away { refuses: true }, Away { refuses: false }] {
            let fallback = Fallback::default();
            let started = Instant::now();
            assert!(fallback.spend(&store, "k", LIMIT, 1, 0).await.allowed());
            let waited = started.elapsed();
            assert!(waited < SHARED_STORE_WAIT * 5, "{waited:?}");
            // Then the store is skipped: no waiting, and the limit holds in process.
            let started = Instant::now();
            for _ in 0..2 {
                assert!(fallback.spend(&store, "k", LIMIT, 1, 0).await.allowed());
            }
            assert!(!fallback.spend(&store, "k", LIMIT, 1, 0).await.allowed());
            assert!(
                started.elapsed() < SHARED_STORE_WAIT,
                "{:?}",
                started.elapsed()
            );
        }
        // Once the pause is over, the shared store is asked again.
        let fallback = Fallback::default();
        fallback.pause_shared("test");
        assert!(fallback.skipping_shared());
        *fallback.skip_shared_until.lock().unwrap() = Some(Instant::now());
        assert!(!fallback.skipping_shared());
        let shared = InProcessRates::default();
        fallback.spend(&shared, "k", LIMIT, 1, 0).await;
        assert!(
            !shared.keys.lock().unwrap().is_empty(),
            "the shared store counted"
        );
    }

    #[test]
    fn a_refused_spend_costs_nothing_and_a_refund_gives_a_cell_back() {
        let rates = InProcessRates::default();
        for _ in 0..3 {
            spend(&rates, 0, 1);
        }
        for _ in 0..10 {
            assert!(!spend(&rates, 0, 1).allowed());
        }
        assert!(spend(&rates, 0, -1).allowed());
        assert!(spend(&rates, 0, 1).allowed());
        assert!(!spend(&rates, 0, 1).allowed());
        // Refunds never go below "never used".
        for _ in 0..10 {
            spend(&rates, 0, -1);
        }
        for _ in 0..3 {
            assert!(spend(&rates, 0, 1).allowed());
        }
        assert!(!spend(&rates, 0, 1).allowed());
    }
}
