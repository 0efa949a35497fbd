//! Configuration, parsed once at start-up and nested by concern: the variables of the
//! SPEC's table (from the environment and a `.env` file), and beside them the knobs
//! that are not environment variables (limits, pacing, link lifetimes), which keep
//! their production defaults unless a test adjusts them.
//!
//! A bad value stops start-up with one line naming the variable. Values arrive parsed
//! (addresses, mailboxes, the public URL's origin), so nothing re-checks a string later.
//! `Debug` prints no secret: URLs and passwords are [`SecretUrl`] and [`Secret`], whose
//! own `Debug` masks them, so a logged or panicking config never leaks them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use api::Limits;
use domain::DomainConfig;
use mail::{Mailbox, RetryPolicy};

mod read;
#[cfg(test)]
mod tests;
mod values;
pub mod variables;
pub use gateway::client_address::{ProxyHeader, TrustedProxies};
use read::{
    admin_credentials, count_var, database_url_var, days_var, duration_var, reminders_every,
    resolve_var, secs_var, url_var,
};
pub use values::{PublicUrl, Secret, SecretUrl};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/clientele.db";

#[derive(Clone, Debug)]
pub struct Config {
    pub database: DatabaseConfig,
    pub http: HttpConfig,
    pub mail: MailConfig,
    pub events: EventsConfig,
    /// The reminders and the temporary-access sweep.
    pub schedules: Schedules,
    /// What one request, socket or subscriber may cost (not environment variables).
    pub limits: Limits,
    /// Staff user created at start-up if its email has no login yet.
    pub admin: Option<AdminCredentials>,
    /// `ADMIN_PASSWORD` alone: the password `create-staff` takes when not given on
    /// standard input.
    pub admin_password: Option<Secret>,
    /// What the domain applies: session and link lifetimes, the throttles' limits
    /// (`SESSION_IDLE_TIMEOUT` the one variable among them; tests shorten the rest).
    /// Its `public_url` is set from `http.public_url` when the domain is built.
    pub domain: DomainConfig,
    /// The webhook worker's pacing and `WEBHOOKS_RESOLVE`'s pinned names. Whether it may
    /// reach private addresses is `domain.webhooks_allow_private`, which also decides
    /// what URLs are accepted: the worker reads it from the domain.
    pub webhooks: webhooks::Policy,
}

#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    /// `sqlite:…` (the embedded default) or `postgres://…`.
    pub url: SecretUrl,
}

#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Listen address (port 0 picks a free port).
    pub bind: SocketAddr,
    /// `PUBLIC_URL`; unset, the bound address once the listener is bound
    /// ([`HttpConfig::public_url_given`] says which).
    pub public_url: PublicUrl,
    /// Whether `PUBLIC_URL` was set (else `public_url` follows the listener).
    pub public_url_given: bool,
    /// A directory of `.graphql` documents: set, only those operations run (the
    /// allow-list of a production deployment whose clients are known).
    pub operations_dir: Option<PathBuf>,
    /// Whether `__schema`/`__type` answer (`INTROSPECTION=off` hides the schema).
    pub introspection: bool,
    /// Proxies whose forwarding header names the client (`TRUSTED_PROXIES`), and which
    /// header they write: `X-Forwarded-For`, or `Forwarded` (`TRUSTED_PROXY_HEADER`).
    pub trusted_proxies: TrustedProxies,
    /// A built single-page app served at `/dashboard/` (`DASHBOARD_DIR`, or the
    /// binary's `--dashboard DIR`), e.g. `examples/dashboard/dist`.
    pub dashboard_dir: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct MailConfig {
    /// SMTP relay; unset → `.eml` files in `dir`.
    pub smtp_url: Option<SecretUrl>,
    pub dir: PathBuf,
    /// Sender of every email.
    pub from: Mailbox,
    /// Retry pacing (not an environment variable; tests shorten it).
    pub retry: RetryPolicy,
}

#[derive(Clone, Debug)]
pub struct EventsConfig {
    /// Redis for events across instances; unset → in-process.
    pub redis_url: Option<SecretUrl>,
    /// How often each instance reads the event log when no notice woke it (the safety
    /// net for notices lost while Redis was away). Not an environment variable.
    pub poll_interval: Duration,
    /// How often the server pings each WebSocket. Not an environment variable.
    pub ping_interval: Duration,
    /// How long a WebSocket may take to send `connection_init` before it is closed
    /// with 4408 (`WS_INIT_TIMEOUT_SECS`).
    pub ws_init_timeout: Duration,
    /// Prefix of the keys this deployment keeps in Redis (throttles): deployments, or
    /// test servers, sharing one Redis keep apart. Not an environment variable.
    pub redis_namespace: String,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            redis_url: None,
            poll_interval: Duration::from_secs(2),
            ping_interval: Duration::from_secs(20),
            ws_init_timeout: Duration::from_secs(3),
            redis_namespace: "clientele".into(),
        }
    }
}

/// What each instance does on its own schedule. Running the reminders on every
/// instance is safe: each goes out once whoever runs it; so is the sweep.
#[derive(Clone, Debug)]
pub struct Schedules {
    /// How often each instance runs the reminders (`REMINDER_INTERVAL_SECS`); `None`
    /// (0) turns the schedule off, e.g. when cron runs `clientele run-reminders`.
    pub reminders_every: Option<Duration>,
    /// How long after start the first run waits, so start-up is not slowed and a day
    /// begun while the server was down is not missed until the next interval. Not an
    /// environment variable.
    pub first_reminders_after: Duration,
    /// How often each instance ends the temporary access whose time has come.
    pub access_sweep_every: Duration,
    /// How often each instance deletes what has expired past the retention period
    /// (`RETENTION_DAYS`); the first sweep comes one interval after start.
    pub retention_sweep_every: Duration,
}

impl Default for Schedules {
    fn default() -> Self {
        Self {
            reminders_every: Some(Duration::from_secs(3600)),
            first_reminders_after: Duration::from_secs(10),
            access_sweep_every: Duration::from_secs(2),
            retention_sweep_every: Duration::from_secs(3600),
        }
    }
}

#[derive(Clone, Debug)]
pub struct AdminCredentials {
    pub email: String,
    pub password: Secret,
}

/// A configuration problem, always naming the variable at fault.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

impl ConfigError {
    pub fn new(var: &'static str, message: impl Into<String>) -> Self {
        Self {
            var,
            message: message.into(),
        }
    }
}

impl Config {
    /// Reads the environment after loading `.env` from the working directory, if any.
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Builds the configuration from any source of variables (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        Ok(Self {
            database: DatabaseConfig {
                url: database_url_var(database_url)?,
            },
            http: http(&get)?,
            mail: mail(&get)?,
            events: EventsConfig {
                redis_url: url_var(&get, "REDIS_URL", &["redis", "rediss"])?,
                ws_init_timeout: secs_var(&get, "WS_INIT_TIMEOUT_SECS")?
                    .unwrap_or(EventsConfig::default().ws_init_timeout),
                ..EventsConfig::default()
            },
            schedules: Schedules {
                reminders_every: reminders_every(&get)?,
                ..Schedules::default()
            },
            limits: Limits {
                subscriptions_per_user: count_var(&get, "SUBSCRIPTIONS_PER_USER")?
                    .unwrap_or(Limits::default().subscriptions_per_user),
                ..Limits::default()
            },
            admin: admin_credentials(&get)?,
            admin_password: get("ADMIN_PASSWORD").map(Secret::from),
            domain: DomainConfig {
                session_idle_timeout: duration_var(&get, "SESSION_IDLE_TIMEOUT")?
                    .unwrap_or(DomainConfig::default().session_idle_timeout),
                webhooks_allow_private: switch_var(&get, "WEBHOOKS_ALLOW_PRIVATE")?
                    .unwrap_or(false),
                retention: days_var(&get, "RETENTION_DAYS")?
                    .unwrap_or(DomainConfig::default().retention),
                ..DomainConfig::default()
            },
            webhooks: webhooks::Policy {
                hosts: resolve_var(&get)?,
                ..webhooks::Policy::default()
            },
        })
    }
}

/// An on/off variable (`on`, `true`, `1` / `off`, `false`, `0`); `None` when unset.
fn switch_var(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<bool>, ConfigError> {
    match get(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(v) if v == "on" || v == "true" || v == "1" => Ok(Some(true)),
        Some(v) if v == "off" || v == "false" || v == "0" => Ok(Some(false)),
        Some(_) => Err(ConfigError::new(name, "must be on or off")),
    }
}

/// BIND, PUBLIC_URL, OPERATIONS_DIR, INTROSPECTION, TRUSTED_PROXIES (and the header
/// they write), DASHBOARD_DIR.
fn http(get: &impl Fn(&str) -> Option<String>) -> Result<HttpConfig, ConfigError> {
    let public_url_given = get("PUBLIC_URL").is_some();
    let bind: SocketAddr = get("BIND")
        .unwrap_or_else(|| "127.0.0.1:8080".into())
        .parse()
        .map_err(|e| {
            ConfigError::new("BIND", format!("not an address like 127.0.0.1:8080: {e}"))
        })?;
    let public_url = match get("PUBLIC_URL") {
        Some(raw) => {
            PublicUrl::parse(&raw).map_err(|message| ConfigError::new("PUBLIC_URL", message))?
        }
        None => PublicUrl::of_listener(bind),
    };
    let introspection = switch_var(get, "INTROSPECTION")?.unwrap_or(true);
    let proxy_header = get("TRUSTED_PROXY_HEADER")
        .map(|value| ProxyHeader::parse(&value))
        .transpose()
        .map_err(|message| ConfigError::new("TRUSTED_PROXY_HEADER", message))?
        .unwrap_or_default();
    let trusted_proxies = TrustedProxies::parse(&get("TRUSTED_PROXIES").unwrap_or_default())
        .map_err(|message| ConfigError::new("TRUSTED_PROXIES", message))?
        .reading(proxy_header);
    Ok(HttpConfig {
        bind,
        public_url,
        public_url_given,
        operations_dir: get("OPERATIONS_DIR").map(PathBuf::from),
        introspection,
        trusted_proxies,
        dashboard_dir: get("DASHBOARD_DIR").map(dashboard_dir).transpose()?,
    })
}

/// SMTP_URL, MAIL_DIR, MAIL_FROM.
fn mail(get: &impl Fn(&str) -> Option<String>) -> Result<MailConfig, ConfigError> {
    let from = get("MAIL_FROM")
        .unwrap_or_else(|| "Clientele <no-reply@localhost>".into())
        .parse::<Mailbox>()
        .map_err(|e| {
            ConfigError::new(
                "MAIL_FROM",
                format!("not an address like `Name <a@b.c>`: {e}"),
            )
        })?;
    Ok(MailConfig {
        smtp_url: url_var(get, "SMTP_URL", &["smtp", "smtps"])?,
        dir: get("MAIL_DIR").unwrap_or_else(|| "data/mail".into()).into(),
        from,
        retry: RetryPolicy::default(),
    })
}

/// A built app's directory: one with an `index.html`, checked now so that a wrong path
/// stops start-up instead of answering 404 later.
pub fn dashboard_dir(value: impl Into<PathBuf>) -> Result<PathBuf, ConfigError> {
    let dir: PathBuf = value.into();
    if dir.join("index.html").is_file() {
        Ok(dir)
    } else {
        Err(ConfigError::new(
            "DASHBOARD_DIR",
            format!(
                "{} has no index.html (build the app first: cd examples/dashboard && npm ci && npm run build)",
                dir.display()
            ),
        ))
    }
}

impl DatabaseConfig {
    pub fn is_sqlite(&self) -> bool {
        self.url.expose().starts_with("sqlite:")
    }

    /// The file of a `sqlite:` URL, if it names one (not `:memory:`).
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        let url = self.url.expose();
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }
}
