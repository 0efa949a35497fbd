//! Every environment variable the binary reads, with its default and a line on what it
//! is: what `clientele --help` lists. The README's configuration table and
//! `.env.example` are checked against this list by the CLI tests.

/// One variable.
pub struct Variable {
    pub name: &'static str,
    /// What it is when unset.
    pub default: &'static str,
    pub meaning: &'static str,
}

const fn var(name: &'static str, default: &'static str, meaning: &'static str) -> Variable {
    Variable {
        name,
        default,
        meaning,
    }
}

pub const VARIABLES: &[Variable] = &[
    var(
        "DATABASE_URL",
        "sqlite://data/clientele.db",
        "SQLite file (created with its folder) or postgres://user@host:5432/db",
    ),
    var(
        "REDIS_URL",
        "unset: in-process event bus",
        "Redis pub/sub, so live events reach every instance",
    ),
    var(
        "SMTP_URL",
        "unset: .eml files in MAIL_DIR",
        "SMTP relay, e.g. smtp://127.0.0.1:2525 or smtps://user:pass@host",
    ),
    var(
        "MAIL_DIR",
        "data/mail",
        "where .eml files go without SMTP_URL",
    ),
    var(
        "MAIL_FROM",
        "Clientele <no-reply@localhost>",
        "sender of every email",
    ),
    var(
        "PUBLIC_URL",
        "the bound address (http://localhost:<port>)",
        "the address people open the portal at: links in emails, cookies, passkeys",
    ),
    var(
        "BIND",
        "127.0.0.1:8080",
        "listen address (port 0: any free port)",
    ),
    var(
        "ADMIN_EMAIL",
        "unset",
        "with ADMIN_PASSWORD: create this staff user at start if the email has no login",
    ),
    var(
        "ADMIN_PASSWORD",
        "unset",
        "the password of ADMIN_EMAIL (also read by create-staff)",
    ),
    var(
        "REMINDER_INTERVAL_SECS",
        "3600",
        "how often each instance runs the reminders; 0 turns the schedule off",
    ),
    var(
        "OPERATIONS_DIR",
        "unset: any operation runs",
        "a directory of .graphql documents: only those run",
    ),
    var(
        "INTROSPECTION",
        "on",
        "off hides the schema and the GraphiQL playground",
    ),
    var(
        "TRUSTED_PROXIES",
        "unset: nobody",
        "addresses or networks of the load balancers whose header names the client",
    ),
    var(
        "TRUSTED_PROXY_HEADER",
        "x-forwarded-for",
        "the header those proxies write: x-forwarded-for or forwarded",
    ),
    var(
        "SUBSCRIPTIONS_PER_USER",
        "100",
        "live subscriptions one user may hold at once on an instance",
    ),
    var(
        "SESSION_IDLE_TIMEOUT",
        "14d",
        "a session unused this long ends (12h, 90min, ...)",
    ),
    var(
        "WEBHOOKS_ALLOW_PRIVATE",
        "off",
        "on lets webhooks use plain HTTP and private addresses (development only)",
    ),
    var(
        "WEBHOOKS_RESOLVE",
        "unset: DNS",
        "name=address pairs answering webhook hosts instead of DNS",
    ),
    var(
        "RETENTION_DAYS",
        "30",
        "days what has expired is kept before the hourly sweep deletes it",
    ),
    var(
        "WS_INIT_TIMEOUT_SECS",
        "3",
        "how long a WebSocket may take to send connection_init",
    ),
    var(
        "DASHBOARD_DIR",
        "unset",
        "a built single-page app served at /dashboard/",
    ),
    var(
        "RUST_LOG",
        "info,sqlx=warn,sea_orm=warn",
        "log filter (logs go to stderr, coloured only on a terminal)",
    ),
    var("LOG_FORMAT", "text", "json: one JSON object per line"),
    var(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "unset: no traces exported",
        "an OTLP/HTTP collector (http://localhost:4318): a trace per request, SQL included",
    ),
];

/// The list as `--help` prints it.
pub fn help() -> String {
    let width = VARIABLES.iter().map(|v| v.name.len()).max().unwrap_or(0);
    let mut text =
        String::from("Environment (or a .env file in the working directory; all optional):\n");
    for v in VARIABLES {
        text.push_str(&format!(
            "  {:width$}  {}\n  {:width$}  [default: {}]\n",
            v.name, v.meaning, "", v.default
        ));
    }
    text.push_str("\nThe README's Configuration table says more about each.");
    text
}
