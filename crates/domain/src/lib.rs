//! clientele's domain: entities, permissions and the services that change state.
//!
//! Every state change goes through a service method that runs in one database
//! transaction, writes its audit entry and queues its emails in that same transaction.
//! No GraphQL here: the API crate calls these services and maps their results.

pub mod access;
pub mod accounts;
pub mod address;
pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod billing;
mod change;
mod clock;
pub mod commits;
pub mod contacts;
pub mod emails;
pub mod entities;
pub mod erasure;
mod error;
pub mod events;
pub mod exports;
pub mod invitations;
pub mod notifications;
pub mod outbox;
pub mod pagination;
pub mod password_hashing;
pub mod permissions;
pub mod retention;
pub mod scope;
pub mod settings;
pub mod stats;
mod store;
pub mod throttle;
pub mod tickets;
mod tokens;
pub mod validate;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

pub use address::Address;
pub use clock::Clock;
pub use error::{DomainError, ErrorCode, FieldError, Reason, Result};
pub use outbox::{EmailRenderer, RenderedEmail};
pub use password_hashing::PasswordHasher;

/// What the domain needs to know about its surroundings.
#[derive(Clone, Debug)]
pub struct DomainConfig {
    /// Base of the links in emails, without a trailing slash.
    pub public_url: String,
    /// How long a session token stays valid after login, however much it is used.
    pub session_ttl: Duration,
    /// A session unused this long ends.
    pub session_idle_timeout: Duration,
    /// How long a password-reset link stays valid.
    pub password_reset_ttl: Duration,
    pub throttles: throttle::Throttles,
    /// At most this many invitations (sent or resent) per account per 24 hours,
    /// counted from the audit log: exact across instances.
    pub invitations_per_account_per_day: u64,
    /// Webhooks may reach loopback and private addresses, over HTTP too
    /// (`WEBHOOKS_ALLOW_PRIVATE`: development and tests only).
    pub webhooks_allow_private: bool,
    /// How long what has expired (sessions, invitations, reset links) is kept before
    /// it is deleted (`RETENTION_DAYS`).
    pub retention: Duration,
}

impl Default for DomainConfig {
    fn default() -> Self {
        Self {
            public_url: "http://localhost:8080".into(),
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            session_idle_timeout: Duration::from_secs(14 * 24 * 3600),
            password_reset_ttl: Duration::from_secs(3600),
            throttles: throttle::Throttles::default(),
            invitations_per_account_per_day: 50,
            webhooks_allow_private: false,
            retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// The shared state every service works with. Cheap to clone.
#[derive(Clone)]
pub struct Domain {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    /// Counters for `/metrics` (SQL statements run through `db` among them).
    stats: Arc<stats::Stats>,
    /// Where throttles count: shared by instances (Redis) or this process's.
    rates: Arc<dyn throttle::RateStore>,
    /// This process's count, for when the shared store is away or slow.
    fallback_rates: throttle::Fallback,
    passwords: PasswordHasher,
    renderer: Arc<dyn EmailRenderer>,
    config: DomainConfig,
    outbox_signal: Arc<Notify>,
    /// Woken after every commit that queued a webhook delivery.
    webhook_signal: Arc<Notify>,
    notices: Arc<dyn events::NoticeSink>,
    clock: Clock,
    /// SQLite: changes of this process take turns here, in order, before they ask the
    /// database for its one write lock (whose busy handler waits by sleeping and
    /// polling). `None` on PostgreSQL, whose writers wait on row locks.
    writers: Option<Arc<tokio::sync::Semaphore>>,
}

impl Domain {
    pub fn new(
        mut db: DatabaseConnection,
        renderer: Arc<dyn EmailRenderer>,
        notices: Arc<dyn events::NoticeSink>,
        rates: Arc<dyn throttle::RateStore>,
        config: DomainConfig,
    ) -> Self {
        let stats = Arc::new(stats::Stats::default());
        db.set_metric_callback({
            let stats = stats.clone();
            move |info| {
                stats.statement();
                // `RUST_LOG=sql=trace` prints every statement with its values.
                tracing::trace!(target: "sql", elapsed = ?info.elapsed, "{}", info.statement);
            }
        });
        let writers = (db.get_database_backend() == sea_orm::DbBackend::Sqlite)
            .then(|| Arc::new(tokio::sync::Semaphore::new(1)));
        Self {
            inner: Arc::new(Inner {
                writers,
                db,
                stats,
                rates,
                fallback_rates: throttle::Fallback::default(),
                passwords: PasswordHasher::new(),
                renderer,
                config,
                outbox_signal: Arc::new(Notify::new()),
                webhook_signal: Arc::new(Notify::new()),
                notices,
                clock: Clock::default(),
            }),
        }
    }

    /// Reads and writes go through the services; nothing outside the domain builds SQL.
    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// This process's turn to write, where writers take turns (SQLite); held until the
    /// change commits or rolls back.
    pub(crate) async fn writer_turn(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let writers = self.inner.writers.clone()?;
        writers.acquire_owned().await.ok()
    }

    /// How many SQL statements the domain has run since it started, inside
    /// transactions too (their BEGIN and COMMIT are not counted).
    pub fn sql_statements(&self) -> u64 {
        self.inner.stats.sql_statements()
    }

    /// The domain's counters, for `/metrics`.
    pub fn stats(&self) -> &stats::Stats {
        &self.inner.stats
    }

    pub fn throttle(&self) -> throttle::Throttle<'_> {
        throttle::Throttle::new(self)
    }

    pub(crate) fn rates(&self) -> &dyn throttle::RateStore {
        self.inner.rates.as_ref()
    }

    pub(crate) fn fallback_rates(&self) -> &throttle::Fallback {
        &self.inner.fallback_rates
    }

    /// Whether the database answers (readiness).
    pub async fn ping(&self) -> Result<()> {
        Ok(self.inner.db.ping().await?)
    }

    /// The database pool's connections: open, and of those in use.
    pub fn pool(&self) -> (u32, u32) {
        let db = &self.inner.db;
        let (size, idle) = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        (size, size.saturating_sub(idle as u32))
    }

    pub fn config(&self) -> &DomainConfig {
        &self.inner.config
    }

    /// The clock every expiry is measured by (tests move it forward).
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    pub fn passwords(&self) -> &PasswordHasher {
        &self.inner.passwords
    }

    /// Woken after every commit that queued an email, so the delivery worker need not poll.
    pub fn outbox_signal(&self) -> Arc<Notify> {
        self.inner.outbox_signal.clone()
    }

    /// Woken after every commit that queued a webhook delivery (the worker also polls,
    /// for retries coming due and deliveries queued by other instances).
    pub fn webhook_signal(&self) -> Arc<Notify> {
        self.inner.webhook_signal.clone()
    }

    pub(crate) fn notices(&self) -> &dyn events::NoticeSink {
        self.inner.notices.as_ref()
    }

    pub(crate) fn renderer(&self) -> &dyn EmailRenderer {
        self.inner.renderer.as_ref()
    }

    pub fn auth(&self) -> auth::AuthService<'_> {
        auth::AuthService::new(self)
    }

    pub fn accounts(&self) -> accounts::AccountService<'_> {
        accounts::AccountService::new(self)
    }

    pub fn contacts(&self) -> contacts::ContactService<'_> {
        contacts::ContactService::new(self)
    }

    pub fn billing(&self) -> billing::BillingService<'_> {
        billing::BillingService::new(self)
    }

    pub fn tickets(&self) -> tickets::TicketService<'_> {
        tickets::TicketService::new(self)
    }

    pub fn invitations(&self) -> invitations::InvitationService<'_> {
        invitations::InvitationService::new(self)
    }

    pub fn events(&self) -> events::EventLog<'_> {
        events::EventLog::new(self)
    }

    pub fn notifications(&self) -> notifications::NotificationService<'_> {
        notifications::NotificationService::new(self)
    }

    pub fn settings(&self) -> settings::SettingsService<'_> {
        settings::SettingsService::new(self)
    }
}

/// Who is acting: a signed-in user and the request they act through.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_staff: bool,
    /// Their password was generated: until they choose their own, they may only read
    /// `viewer`, `changePassword` and `logout` (the API enforces it).
    pub password_change_required: bool,
    /// Two-factor sign-in (TOTP) is on for them: every password sign-in asks a code.
    pub two_factor: bool,
    /// This session was opened with a passkey (user verification required): a
    /// two-factor sign-in, whether or not TOTP is on.
    pub passkey_session: bool,
    pub session_id: i64,
    /// The account the session is placed in (`switchAccount`), if any; an API token's
    /// own account.
    pub current_account_id: Option<i64>,
    pub meta: RequestMeta,
    /// Set when the request came with an API token rather than a person's session:
    /// what the token limits its member to.
    pub api_token: Option<api_tokens::ApiTokenGrant>,
}

impl Actor {
    /// Whether this session's sign-in took two factors (TOTP, or a passkey): what an
    /// account requiring two-factor sign-in asks.
    pub fn signed_in_with_two_factors(&self) -> bool {
        self.two_factor || self.passkey_session
    }

    /// What needs a person (signing in, passwords, sessions, second factors, tokens,
    /// ownership, removal) refuses an API token: FORBIDDEN, reason API_TOKEN_NOT_ALLOWED.
    pub fn person(&self) -> Result<&Self> {
        match self.api_token {
            None => Ok(self),
            Some(_) => Err(DomainError::forbidden_until(
                Reason::ApiTokenNotAllowed,
                "an API token cannot do this: it needs a person's session",
            )),
        }
    }
}

/// Where a request comes from, for sessions and the audit log.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl RequestMeta {
    /// The client address as throttles key it (requests without one share a key).
    pub(crate) fn address(&self) -> &str {
        self.ip.as_deref().unwrap_or("unknown")
    }
}
