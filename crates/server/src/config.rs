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
use domain::throttle::Throttles;
use mail::{Mailbox, RetryPolicy};

mod values;
pub use crate::client_address::{ProxyHeader, TrustedProxies};
pub use values::{PublicUrl, Secret, SecretUrl};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/clientele.db?mode=rwc";

#[derive(Clone, Debug)]
pub struct Config {
    pub database: DatabaseConfig,
    pub http: HttpConfig,
    pub mail: MailConfig,
    pub events: EventsConfig,
    pub reminders: RemindersConfig,
    /// What one request, socket or subscriber may cost (not environment variables).
    pub limits: Limits,
    /// Staff user created at start-up if its email has no login yet.
    pub admin: Option<AdminCredentials>,
    /// Link lifetimes (not environment variables; tests shorten them).
    pub tuning: Tuning,
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
    pub public_url: PublicUrl,
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

/// The in-process reminder schedule. Running it on every instance is safe: each
/// reminder goes out once whoever runs it (`domain::notifications` reminders).
#[derive(Clone, Debug)]
pub struct RemindersConfig {
    /// How often each instance runs the reminders (`REMINDER_INTERVAL_SECS`); `None`
    /// (0) turns the schedule off, e.g. when cron runs `clientele run-reminders`.
    pub interval: Option<Duration>,
    /// How long after start the first run waits, so start-up is not slowed and a day
    /// begun while the server was down is not missed until the next interval. Not an
    /// environment variable.
    pub first_run_after: Duration,
}

impl Default for RemindersConfig {
    fn default() -> Self {
        Self {
            interval: Some(Duration::from_secs(3600)),
            first_run_after: Duration::from_secs(10),
        }
    }
}

/// Lifetimes the domain applies to links and sessions that are not portal settings,
/// and the throttles' limits. The defaults are the SPEC's (the domain's own); only
/// `SESSION_IDLE_TIMEOUT` is an environment variable.
#[derive(Clone, Debug)]
pub struct Tuning {
    /// How long a password-reset link stays valid.
    pub password_reset_ttl: Duration,
    /// A session unused this long ends (`SESSION_IDLE_TIMEOUT`, e.g. `14d`, `12h`).
    pub session_idle_timeout: Duration,
    pub throttles: Throttles,
    /// How often each instance ends the temporary access whose time has come.
    pub access_sweep_interval: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        let domain = DomainConfig::default();
        Self {
            password_reset_ttl: domain.password_reset_ttl,
            session_idle_timeout: domain.session_idle_timeout,
            throttles: domain.throttles,
            access_sweep_interval: Duration::from_secs(2),
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
        let database = DatabaseConfig {
            url: database_url_var(database_url)?,
        };
        let redis_url = url_var(&get, "REDIS_URL", &["redis", "rediss"])?;
        let smtp_url = url_var(&get, "SMTP_URL", &["smtp", "smtps"])?;
        let from = get("MAIL_FROM")
            .unwrap_or_else(|| "Clientele <no-reply@localhost>".into())
            .parse::<Mailbox>()
            .map_err(|e| {
                ConfigError::new(
                    "MAIL_FROM",
                    format!("not an address like `Name <a@b.c>`: {e}"),
                )
            })?;
        let public_url =
            PublicUrl::parse(&get("PUBLIC_URL").unwrap_or_else(|| "http://localhost:8080".into()))
                .map_err(|message| ConfigError::new("PUBLIC_URL", message))?;
        let bind = get("BIND")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .map_err(|e| {
                ConfigError::new("BIND", format!("not an address like 127.0.0.1:8080: {e}"))
            })?;
        let admin = admin_credentials(&get)?;
        let reminders = reminders(&get)?;
        let introspection = match get("INTROSPECTION").map(|v| v.trim().to_ascii_lowercase()) {
            None => true,
            Some(v) if v == "on" || v == "true" || v == "1" => true,
            Some(v) if v == "off" || v == "false" || v == "0" => false,
            Some(_) => return Err(ConfigError::new("INTROSPECTION", "must be on or off")),
        };

        let proxy_header = get("TRUSTED_PROXY_HEADER")
            .map(|value| ProxyHeader::parse(&value))
            .transpose()
            .map_err(|message| ConfigError::new("TRUSTED_PROXY_HEADER", message))?
            .unwrap_or_default();
        let trusted_proxies = TrustedProxies::parse(&get("TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|message| ConfigError::new("TRUSTED_PROXIES", message))?
            .reading(proxy_header);

        Ok(Self {
            database,
            http: HttpConfig {
                bind,
                public_url,
                operations_dir: get("OPERATIONS_DIR").map(PathBuf::from),
                introspection,
                trusted_proxies,
                dashboard_dir: get("DASHBOARD_DIR").map(dashboard_dir).transpose()?,
            },
            mail: MailConfig {
                smtp_url,
                dir: get("MAIL_DIR").unwrap_or_else(|| "data/mail".into()).into(),
                from,
                retry: RetryPolicy::default(),
            },
            events: EventsConfig {
                redis_url,
                ws_init_timeout: secs_var(&get, "WS_INIT_TIMEOUT_SECS")?
                    .unwrap_or(EventsConfig::default().ws_init_timeout),
                ..EventsConfig::default()
            },
            reminders,
            limits: Limits {
                subscriptions_per_user: count_var(&get, "SUBSCRIPTIONS_PER_USER")?
                    .unwrap_or(Limits::default().subscriptions_per_user),
                ..Limits::default()
            },
            admin,
            tuning: Tuning {
                session_idle_timeout: duration_var(&get, "SESSION_IDLE_TIMEOUT")?
                    .unwrap_or(Tuning::default().session_idle_timeout),
                ..Tuning::default()
            },
        })
    }
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

fn database_url_var(url: String) -> Result<SecretUrl, ConfigError> {
    if url.starts_with("sqlite:") {
        return Ok(SecretUrl::from(url));
    }
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(ConfigError::new(
            "DATABASE_URL",
            "must be a sqlite:… or postgres://… URL",
        ));
    }
    url::Url::parse(&url)
        .map_err(|e| ConfigError::new("DATABASE_URL", format!("not a URL: {e}")))?;
    Ok(SecretUrl::from(url))
}

/// An optional URL variable whose scheme must be one of `schemes`.
fn url_var(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
    schemes: &[&str],
) -> Result<Option<SecretUrl>, ConfigError> {
    let Some(raw) = get(var) else {
        return Ok(None);
    };
    let parsed =
        url::Url::parse(&raw).map_err(|e| ConfigError::new(var, format!("not a URL: {e}")))?;
    if !schemes.contains(&parsed.scheme()) {
        let allowed: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
        return Err(ConfigError::new(
            var,
            format!("must start with {}", allowed.join(" or ")),
        ));
    }
    Ok(Some(SecretUrl::from(raw)))
}

/// An optional whole number, at least 1; `of` says what it counts, for the error.
fn whole_var(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
    of: &str,
) -> Result<Option<u64>, ConfigError> {
    let Some(raw) = get(var) else {
        return Ok(None);
    };
    match raw.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(ConfigError::new(
            var,
            format!("a whole number{of}, at least 1"),
        )),
    }
}

/// An optional count, at least 1.
fn count_var(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<usize>, ConfigError> {
    Ok(whole_var(get, var, "")?.map(|n| usize::try_from(n).unwrap_or(usize::MAX)))
}

/// An optional variable of whole seconds, at least 1.
fn secs_var(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<Duration>, ConfigError> {
    Ok(whole_var(get, var, " of seconds")?.map(Duration::from_secs))
}

/// An optional duration with its unit (`14d`, `12h`, `90min`), at least a minute.
fn duration_var(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<Duration>, ConfigError> {
    let Some(raw) = get(var) else {
        return Ok(None);
    };
    match humantime::parse_duration(raw.trim()) {
        Ok(duration) if duration >= Duration::from_secs(60) => Ok(Some(duration)),
        _ => Err(ConfigError::new(
            var,
            "a duration with its unit, at least a minute: 14d, 12h, 90min",
        )),
    }
}

/// `REMINDER_INTERVAL_SECS`: whole seconds, 0 for off.
fn reminders(get: impl Fn(&str) -> Option<String>) -> Result<RemindersConfig, ConfigError> {
    let mut reminders = RemindersConfig::default();
    if let Some(raw) = get("REMINDER_INTERVAL_SECS") {
        let secs: u64 = raw.trim().parse().map_err(|_| {
            ConfigError::new(
                "REMINDER_INTERVAL_SECS",
                "a whole number of seconds (0 turns the reminder schedule off)",
            )
        })?;
        reminders.interval = (secs > 0).then(|| Duration::from_secs(secs));
    }
    Ok(reminders)
}

/// `ADMIN_EMAIL` and `ADMIN_PASSWORD`: both or neither.
fn admin_credentials(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Option<AdminCredentials>, ConfigError> {
    match (get("ADMIN_EMAIL"), get("ADMIN_PASSWORD")) {
        (Some(email), Some(password)) => Ok(Some(AdminCredentials {
            email,
            password: Secret::from(password),
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError::new(
            "ADMIN_PASSWORD",
            "is required when ADMIN_EMAIL is set",
        )),
        (None, Some(_)) => Err(ConfigError::new(
            "ADMIN_EMAIL",
            "is required when ADMIN_PASSWORD is set",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn debug_prints_no_secret() {
        let config = Config::from_lookup(|name| {
            Some(
                match name {
                    "DATABASE_URL" => "postgres://app:db-secret@127.0.0.1/x",
                    "REDIS_URL" => "redis://:redis-secret@127.0.0.1:6379",
                    "SMTP_URL" => "smtps://mailer:smtp-secret@mail.example.com",
                    "ADMIN_EMAIL" => "admin@example.com",
                    "ADMIN_PASSWORD" => "admin-secret",
                    _ => return None,
                }
                .to_owned(),
            )
        })
        .unwrap();
        let printed = format!("{config:?}");
        for secret in ["db-secret", "redis-secret", "smtp-secret", "admin-secret"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        assert!(printed.contains("admin@example.com"));
        // The rest of each URL still prints, to tell which server was meant.
        assert!(
            printed.contains("postgres://app:***@127.0.0.1/x"),
            "{printed}"
        );
        assert!(printed.contains("mail.example.com"), "{printed}");
        // The secrets are still there for the connections that need them.
        assert_eq!(
            config.admin.unwrap().password.expose(),
            "admin-secret".to_owned()
        );
        assert_eq!(
            config.database.url.expose(),
            "postgres://app:db-secret@127.0.0.1/x"
        );
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database.url.expose(), DEFAULT_DATABASE_URL);
        assert!(c.database.is_sqlite());
        assert!(c.mail.smtp_url.is_none() && c.events.redis_url.is_none());
        assert_eq!(c.mail.dir, PathBuf::from("data/mail"));
        assert_eq!(c.http.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.http.public_url.to_string(), "http://localhost:8080");
        assert!(!c.http.public_url.is_https());
        assert_eq!(
            c.database.sqlite_file().unwrap(),
            PathBuf::from("data/clientele.db")
        );
        assert!(c.admin.is_none());
        assert_eq!(c.limits, Limits::default());
        assert_eq!(c.tuning.password_reset_ttl, Duration::from_secs(3600));
        assert_eq!(c.events.poll_interval, Duration::from_secs(2));
        assert_eq!(c.events.ping_interval, Duration::from_secs(20));
        assert_eq!(c.reminders.interval, Some(Duration::from_secs(3600)));
        assert_eq!(c.reminders.first_run_after, Duration::from_secs(10));
    }

    #[test]
    fn the_reminder_schedule_is_seconds_and_zero_is_off() {
        let interval = |secs: &str| {
            config(&[("REMINDER_INTERVAL_SECS", secs)])
                .unwrap()
                .reminders
                .interval
        };
        assert_eq!(interval("900"), Some(Duration::from_secs(900)));
        assert_eq!(interval("0"), None);
    }

    #[test]
    fn the_public_url_is_parsed_once() {
        let c = config(&[("PUBLIC_URL", "https://portal.example.com:8443/clients/")]).unwrap();
        let url = &c.http.public_url;
        assert_eq!(url.as_str(), "https://portal.example.com:8443/clients");
        assert_eq!(url.origin(), "https://portal.example.com:8443");
        assert!(url.is_https());
        let c = config(&[("PUBLIC_URL", "http://localhost:8080/")]).unwrap();
        assert_eq!(c.http.public_url.origin(), "http://localhost:8080");
        assert_eq!(c.http.public_url.to_string(), "http://localhost:8080");
    }

    #[test]
    fn the_address_printed_at_start_is_the_public_url_when_it_names_the_listener() {
        let at = |public: &str, listener: &str| {
            config(&[("PUBLIC_URL", public)])
                .unwrap()
                .http
                .public_url
                .for_listener(listener.parse().unwrap())
        };
        assert_eq!(
            at("http://localhost:8080", "127.0.0.1:8080"),
            "http://localhost:8080"
        );
        assert_eq!(
            at("http://127.0.0.1:8080/", "127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
        // Another port (a test's port 0), a public host, HTTPS (a proxy in front):
        // the listener itself.
        assert_eq!(
            at("http://localhost:8080", "127.0.0.1:41234"),
            "http://127.0.0.1:41234"
        );
        assert_eq!(
            at("http://portal.example.com", "127.0.0.1:80"),
            "http://127.0.0.1:80"
        );
        assert_eq!(
            at("https://localhost:8080", "127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        let file = |url: &str| {
            config(&[("DATABASE_URL", url)])
                .unwrap()
                .database
                .sqlite_file()
        };
        assert_eq!(file("sqlite:app.db"), Some(PathBuf::from("app.db")));
        assert_eq!(
            file("sqlite:///srv/app.db?mode=rwc"),
            Some(PathBuf::from("/srv/app.db"))
        );
        assert_eq!(file("sqlite::memory:"), None);
        assert_eq!(file("postgres://db.example.com/app"), None);
        assert!(
            !config(&[("DATABASE_URL", "postgresql://db/app")])
                .unwrap()
                .database
                .is_sqlite()
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_URL", "postgres://[::1"),
            ("REDIS_URL", "not a url"),
            ("REDIS_URL", "http://cache"),
            ("SMTP_URL", "http://mail"),
            ("SMTP_URL", "::"),
            ("MAIL_FROM", "nobody"),
            ("PUBLIC_URL", "localhost"),
            ("DASHBOARD_DIR", "/no/such/built/app"),
            ("PUBLIC_URL", "ftp://files.example.com"),
            ("BIND", "8080"),
            ("REMINDER_INTERVAL_SECS", "1h"),
            ("REMINDER_INTERVAL_SECS", "-5"),
            ("SUBSCRIPTIONS_PER_USER", "0"),
            ("SUBSCRIPTIONS_PER_USER", "many"),
            ("TRUSTED_PROXIES", "10.0.0.0/8, the balancer"),
            ("TRUSTED_PROXY_HEADER", "x-real-ip"),
            ("SESSION_IDLE_TIMEOUT", "soon"),
            ("SESSION_IDLE_TIMEOUT", "14"),
            ("SESSION_IDLE_TIMEOUT", "30s"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var, "{err}");
            assert!(err.to_string().starts_with(var));
        }
        assert_eq!(
            config(&[("REDIS_URL", "http://cache")])
                .unwrap_err()
                .message,
            "must start with redis:// or rediss://"
        );
        assert_eq!(
            config(&[("SESSION_IDLE_TIMEOUT", "12h")])
                .unwrap()
                .tuning
                .session_idle_timeout,
            Duration::from_secs(12 * 3600)
        );
        assert_eq!(
            config(&[]).unwrap().tuning.session_idle_timeout,
            Duration::from_secs(14 * 24 * 3600)
        );
        assert_eq!(
            config(&[
                ("TRUSTED_PROXIES", "10.0.0.1"),
                ("TRUSTED_PROXY_HEADER", "Forwarded")
            ])
            .unwrap()
            .http
            .trusted_proxies,
            TrustedProxies::parse("10.0.0.1")
                .unwrap()
                .reading(ProxyHeader::Forwarded)
        );
        assert_eq!(
            config(&[("TRUSTED_PROXIES", "10.0.0.1")])
                .unwrap()
                .http
                .trusted_proxies,
            TrustedProxies::parse("10.0.0.1").unwrap()
        );
        assert_eq!(
            config(&[("ADMIN_EMAIL", "a@b.c")]).unwrap_err().var,
            "ADMIN_PASSWORD"
        );
        assert_eq!(
            config(&[("ADMIN_PASSWORD", "secret")]).unwrap_err().var,
            "ADMIN_EMAIL"
        );
    }
}
