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
    assert_eq!(c.domain.password_reset_ttl, Duration::from_secs(3600));
    assert_eq!(c.events.poll_interval, Duration::from_secs(2));
    assert_eq!(c.events.ping_interval, Duration::from_secs(20));
    assert_eq!(c.schedules.reminders_every, Some(Duration::from_secs(3600)));
    assert_eq!(c.schedules.first_reminders_after, Duration::from_secs(10));
}

#[test]
fn the_reminder_schedule_is_seconds_and_zero_is_off() {
    let interval = |secs: &str| {
        config(&[("REMINDER_INTERVAL_SECS", secs)])
            .unwrap()
            .schedules
            .reminders_every
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
            .domain
            .session_idle_timeout,
        Duration::from_secs(12 * 3600)
    );
    assert_eq!(
        config(&[]).unwrap().domain.session_idle_timeout,
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
    let password_only = config(&[("ADMIN_PASSWORD", "secret")]).unwrap();
    assert!(password_only.admin.is_none());
    assert_eq!(password_only.admin_password.unwrap().expose(), "secret");
    let pinned = config(&[(
        "WEBHOOKS_RESOLVE",
        "CRM.internal=10.0.0.7, crm.internal=fd00::7,a=1.2.3.4",
    )])
    .unwrap()
    .webhooks
    .hosts;
    assert_eq!(pinned["crm.internal"].len(), 2);
    assert_eq!(
        pinned["a"],
        vec!["1.2.3.4".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(
        config(&[("WEBHOOKS_RESOLVE", "crm.internal:10.0.0.7")])
            .unwrap_err()
            .var,
        "WEBHOOKS_RESOLVE"
    );
    assert_eq!(
        config(&[("RETENTION_DAYS", "7")]).unwrap().domain.retention,
        Duration::from_secs(7 * 24 * 3600)
    );
    assert_eq!(
        config(&[]).unwrap().domain.retention,
        Duration::from_secs(30 * 24 * 3600)
    );
    assert_eq!(
        config(&[("RETENTION_DAYS", "0")]).unwrap_err().var,
        "RETENTION_DAYS"
    );
}
