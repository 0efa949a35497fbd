//! Configuration from the environment (and a `.env` file), as in the SPEC's table.
//! A bad value stops start-up with one line naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use mail::{Mailbox, RetryPolicy};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/clientele.db?mode=rwc";

/// `Debug` prints no secret: URL passwords and the admin password are masked (see the
/// impl below), so a logged or panicking config never leaks them.
#[derive(Clone)]
pub struct Config {
    /// `sqlite:…` (the embedded default) or `postgres://…`.
    pub database_url: String,
    /// Redis for events across instances; unset → in-process.
    pub redis_url: Option<String>,
    /// SMTP relay; unset → `.eml` files in `mail_dir`.
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    pub mail_from: Mailbox,
    /// Base of links in emails, without a trailing slash.
    pub public_url: String,
    pub bind: SocketAddr,
    /// Staff user created at start-up if its email has no login yet.
    pub admin: Option<AdminCredentials>,
    /// Email retry pacing (not an environment variable; tests shorten it).
    pub mail_retry: RetryPolicy,
    /// How long a password-reset link stays valid.
    pub password_reset_ttl: Duration,
    /// Overrides the portal setting `invitationTtlHours` (not an environment variable;
    /// tests use it to see links expire).
    pub invitation_ttl: Option<Duration>,
    /// How often each instance reads the event log when no notice woke it (the safety
    /// net for notices lost while Redis was away).
    pub event_poll: Duration,
    /// How many events a live subscriber may fall behind before it is dropped.
    pub live_buffer: usize,
    /// How often the server pings each WebSocket.
    pub ws_ping: Duration,
}

#[derive(Clone)]
pub struct AdminCredentials {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for AdminCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminCredentials")
            .field("email", &self.email)
            .field("password", &"***")
            .finish()
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &masked(&self.database_url))
            .field("redis_url", &self.redis_url.as_deref().map(masked))
            .field("smtp_url", &self.smtp_url.as_deref().map(masked))
            .field("mail_dir", &self.mail_dir)
            .field("mail_from", &self.mail_from)
            .field("public_url", &self.public_url)
            .field("bind", &self.bind)
            .field("admin", &self.admin)
            .field("mail_retry", &self.mail_retry)
            .field("password_reset_ttl", &self.password_reset_ttl)
            .field("invitation_ttl", &self.invitation_ttl)
            .field("event_poll", &self.event_poll)
            .field("live_buffer", &self.live_buffer)
            .field("ws_ping", &self.ws_ping)
            .finish()
    }
}

/// A URL with its password (if any) replaced by `***`.
fn masked(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
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
        check_database_url(&database_url)?;

        let redis_url = get("REDIS_URL");
        if let Some(url) = &redis_url {
            let parsed = url::Url::parse(url)
                .map_err(|e| ConfigError::new("REDIS_URL", format!("not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "redis" | "rediss") {
                return Err(ConfigError::new(
                    "REDIS_URL",
                    "must start with redis:// or rediss://",
                ));
            }
        }

        let smtp_url = get("SMTP_URL");
        if let Some(url) = &smtp_url {
            let parsed = url::Url::parse(url)
                .map_err(|e| ConfigError::new("SMTP_URL", format!("not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(ConfigError::new(
                    "SMTP_URL",
                    "must start with smtp:// or smtps://",
                ));
            }
        }

        let mail_from_raw =
            get("MAIL_FROM").unwrap_or_else(|| "Clientele <no-reply@localhost>".into());
        let mail_from = mail_from_raw.parse::<Mailbox>().map_err(|e| {
            ConfigError::new(
                "MAIL_FROM",
                format!("not an address like `Name <a@b.c>`: {e}"),
            )
        })?;

        let public_url = get("PUBLIC_URL").unwrap_or_else(|| "http://localhost:8080".into());
        let parsed = url::Url::parse(&public_url)
            .map_err(|e| ConfigError::new("PUBLIC_URL", format!("not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ConfigError::new(
                "PUBLIC_URL",
                "must start with http:// or https://",
            ));
        }

        let bind_raw = get("BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind = bind_raw.parse().map_err(|e| {
            ConfigError::new("BIND", format!("not an address like 127.0.0.1:8080: {e}"))
        })?;

        let admin = match (get("ADMIN_EMAIL"), get("ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => Some(AdminCredentials { email, password }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "ADMIN_PASSWORD",
                    "is required when ADMIN_EMAIL is set",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "ADMIN_EMAIL",
                    "is required when ADMIN_PASSWORD is set",
                ));
            }
        };

        Ok(Self {
            database_url,
            redis_url,
            smtp_url,
            mail_dir: get("MAIL_DIR").unwrap_or_else(|| "data/mail".into()).into(),
            mail_from,
            public_url: public_url.trim_end_matches('/').to_owned(),
            bind,
            admin,
            mail_retry: RetryPolicy::default(),
            password_reset_ttl: Duration::from_secs(3600),
            invitation_ttl: None,
            event_poll: Duration::from_secs(2),
            live_buffer: 4096,
            ws_ping: Duration::from_secs(20),
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn check_database_url(url: &str) -> Result<(), ConfigError> {
    let ok = url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://");
    if !ok {
        return Err(ConfigError::new(
            "DATABASE_URL",
            "must be a sqlite:… or postgres://… URL",
        ));
    }
    if !url.starts_with("sqlite:") {
        url::Url::parse(url)
            .map_err(|e| ConfigError::new("DATABASE_URL", format!("not a URL: {e}")))?;
    }
    Ok(())
}

/// The file of a `sqlite:` URL, if it names one (not `:memory:`).
pub(crate) fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
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
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert!(c.is_sqlite() && c.smtp_url.is_none() && c.redis_url.is_none());
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_url, "http://localhost:8080");
        assert_eq!(
            sqlite_path(&c.database_url).unwrap(),
            PathBuf::from("data/clientele.db")
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("REDIS_URL", "not a url"),
            ("SMTP_URL", "http://mail"),
            ("MAIL_FROM", "nobody"),
            ("PUBLIC_URL", "localhost"),
            ("BIND", "8080"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var, "{err}");
            assert!(err.to_string().starts_with(var));
        }
        assert_eq!(
            config(&[("ADMIN_EMAIL", "a@b.c")]).unwrap_err().var,
            "ADMIN_PASSWORD"
        );
    }
}
