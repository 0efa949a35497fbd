//! The application, built from one `Config` the same way for every entry point:
//! [`Core`] (the database, connected and migrated, and the domain over it) for the CLI's
//! commands, and [`App`] (with the event bus, the live feed and the GraphQL API) for
//! serving and for `seed-demo`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use api::{ApiConfig, SessionCookie};
use domain::throttle::{InProcessRates, RateStore};
use domain::{Domain, DomainConfig};
use gateway::Api;
use live::{EventBus, LiveFeed};
use mail::{DeliveryWorker, Templates, Transport};
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait as _;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, ConfigError, DatabaseConfig, MailConfig};

/// Connects to DATABASE_URL. SQLite files (and their folder) are created on first use,
/// in WAL mode with a busy timeout, with [`SQLITE_CONNECTIONS`] connections: in WAL
/// mode readers run beside the writer, and writers take turns (every change begins
/// IMMEDIATE, see `domain::change`). An in-memory database is one connection's own, so
/// it keeps one.
async fn connect_database(config: &DatabaseConfig) -> Result<DatabaseConnection, ConfigError> {
    let cannot = |e: &dyn std::fmt::Display| {
        ConfigError::new(
            "DATABASE_URL",
            format!("cannot connect to the database: {e}"),
        )
    };
    let mut options = ConnectOptions::new(config.url.expose());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        // While the database is away (restarting), a request waits this long for a
        // connection and then fails with a coded error instead of hanging.
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings a connection every time the pool hands it out: a round trip to
        // PostgreSQL (and a wake of SQLite's worker thread) before every statement
        // outside a transaction. Only one idle long enough to have been dropped is
        // tested; a connection that broke while busy fails its statement and is closed.
        .test_before_acquire_if_idle_for(Duration::from_secs(30));
    if config.is_sqlite() {
        if let Some(file) = config.sqlite_file() {
            let folder = file
                .parent()
                .filter(|folder| !folder.as_os_str().is_empty());
            if let Some(folder) = folder {
                std::fs::create_dir_all(folder).map_err(|e| cannot(&e))?;
            }
            options.max_connections(SQLITE_CONNECTIONS);
        }
        options.map_sqlx_sqlite_opts(|opts| {
            // The file is made on first use, with or without `?mode=rwc`.
            opts.create_if_missing(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        options.max_connections(20);
        probe_server(config.url.expose())
            .await
            .map_err(|e| cannot(&e))?;
    }
    match Database::connect(options.clone()).await {
        Err(err) if !config.is_sqlite() && names_a_missing_database(&err) => {
            create_database(config.url.expose()).await?;
            Database::connect(options).await.map_err(|e| cannot(&e))
        }
        connected => connected.map_err(|e| cannot(&e)),
    }
}

/// PostgreSQL's "database … does not exist" (SQLSTATE 3D000).
fn names_a_missing_database(err: &sea_orm::DbErr) -> bool {
    let text = err.to_string();
    text.contains("3D000") || (text.contains("database") && text.contains("does not exist"))
}

/// Creates DATABASE_URL's database from the server's maintenance database (`postgres`),
/// as `createdb` would; a role that may not gets one line saying what to run.
async fn create_database(url: &str) -> Result<(), ConfigError> {
    let parsed = url::Url::parse(url)
        .map_err(|e| ConfigError::new("DATABASE_URL", format!("not a URL: {e}")))?;
    let name = parsed.path().trim_start_matches('/').to_owned();
    let mut maintenance = parsed.clone();
    maintenance.set_path("/postgres");
    let createdb = {
        let mut line = String::from("createdb");
        if let Some(host) = parsed.host_str() {
            line.push_str(&format!(" -h {host}"));
        }
        if let Some(port) = parsed.port() {
            line.push_str(&format!(" -p {port}"));
        }
        if !parsed.username().is_empty() {
            line.push_str(&format!(" -U {}", parsed.username()));
        }
        format!("{line} {name}")
    };
    let refused = |why: String| {
        ConfigError::new(
            "DATABASE_URL",
            format!(
                "database \"{name}\" does not exist and could not be created ({why}); create it with: {createdb}"
            ),
        )
    };
    let mut options = ConnectOptions::new(maintenance.as_str());
    options
        .sqlx_logging(false)
        .max_connections(1)
        .connect_timeout(Duration::from_secs(10));
    let admin = Database::connect(options)
        .await
        .map_err(|e| refused(first_line(&e.to_string())))?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    let created = admin
        .execute_unprepared(&format!("CREATE DATABASE {quoted}"))
        .await;
    admin.close().await.ok();
    match created {
        Ok(_) => {
            tracing::info!(database = %name, "created the database DATABASE_URL names");
            Ok(())
        }
        // Another instance starting at the same moment made it.
        Err(e) if e.to_string().contains("already exists") => Ok(()),
        Err(e) => Err(refused(first_line(&e.to_string()))),
    }
}

/// What the database said, in one line: without the driver's prefix and the server's
/// source position ("… at line 938").
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let line = line
        .rsplit_once("error returned from database: ")
        .map_or(line, |(_, said)| said);
    line.split(" at line ").next().unwrap_or(line).to_owned()
}

/// SQLite connections in the pool: reads of one request no longer wait behind another's
/// on one connection's worker thread; more than the cores buys nothing.
const SQLITE_CONNECTIONS: u32 = 4;

/// One TCP connection attempt, so an unreachable server fails at once with the socket's
/// own reason instead of after the pool's retries with "pool timed out".
async fn probe_server(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
    if parsed.query_pairs().any(|(key, _)| key == "host") {
        return Ok(()); // a Unix socket: nothing to probe over TCP
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost")
        .to_owned();
    let port = parsed.port().unwrap_or(5432);
    let attempt = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(Duration::from_secs(10), attempt).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("{host}:{port}: {e}")),
        Err(_) => Err(format!("{host}:{port}: no answer within 10 s")),
    }
}

/// Runs the migrations that have not run yet.
async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("DATABASE_URL: migrating the database failed")
}

/// Builds the domain over a migrated database; `notices` is where committed changes
/// are announced (the event bus; `NoListeners` for the CLI), `rates` where throttles
/// count (Redis when instances share it, else this process).
fn build_domain(
    config: &Config,
    db: DatabaseConnection,
    notices: Arc<dyn domain::events::NoticeSink>,
    rates: Arc<dyn RateStore>,
) -> anyhow::Result<Domain> {
    let templates = Templates::new().context("loading the email templates")?;
    let domain_config = DomainConfig {
        public_url: config.http.public_url.to_string(),
        ..config.domain.clone()
    };
    Ok(Domain::new(
        db,
        Arc::new(templates),
        notices,
        rates,
        domain_config,
    ))
}

fn transport(config: &MailConfig) -> Result<Transport, ConfigError> {
    match &config.smtp_url {
        Some(url) => {
            Transport::smtp(url.expose()).map_err(|e| ConfigError::new("SMTP_URL", e.to_string()))
        }
        None => Transport::files(&config.dir).map_err(|e| {
            ConfigError::new(
                "MAIL_DIR",
                format!("cannot create {}: {e}", config.dir.display()),
            )
        }),
    }
}

/// The event bus: Redis when REDIS_URL is set (instances share notices), else this
/// process alone.
async fn event_bus(
    config: &Config,
    shutdown: watch::Receiver<bool>,
) -> Result<EventBus, ConfigError> {
    match &config.events.redis_url {
        Some(url) => EventBus::redis(url.expose(), shutdown)
            .await
            .map_err(|e| ConfigError::new("REDIS_URL", format!("cannot connect to Redis: {e}"))),
        None => Ok(EventBus::in_process()),
    }
}

/// The database, connected and migrated, and the domain over it: what every entry
/// point starts from (`serve`, each CLI command, `seed-demo`, the tests).
pub struct Core {
    pub db: DatabaseConnection,
    pub domain: Domain,
}

impl Core {
    /// For a command that serves nothing (`migrate`, `create-staff`, `run-reminders`):
    /// committed changes are announced to no one, throttles count in this process.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let none = Arc::new(domain::events::NoListeners);
        Self::open_with(config, none, Arc::new(InProcessRates::default())).await
    }

    async fn open_with(
        config: &Config,
        notices: Arc<dyn domain::events::NoticeSink>,
        rates: Arc<dyn RateStore>,
    ) -> anyhow::Result<Self> {
        let db = connect_database(&config.database).await?;
        migrate(&db).await?;
        let domain = build_domain(config, db.clone(), notices, rates)?;
        Ok(Self { db, domain })
    }

    /// A worker that delivers the outbox's emails by the configured transport.
    pub fn mail_worker(&self, config: &Config) -> Result<DeliveryWorker, ConfigError> {
        Ok(DeliveryWorker::new(
            self.db.clone(),
            self.domain.clock().clone(),
            transport(&config.mail)?,
            config.mail.from.clone(),
            config.mail.retry.clone(),
        ))
    }

    pub async fn close(self) {
        self.db.close().await.ok();
    }
}

/// The application but its listener and background work: [`Core`] with the event bus
/// (Redis when configured), the live feed and the GraphQL API, built from one `Config`
/// as the server builds them. `startup::spawn` serves it; `seed-demo` drives its API in
/// process.
pub(crate) struct App {
    pub(crate) core: Core,
    pub(crate) live: LiveFeed,
    pub(crate) api: Api,
    /// The session cookie the API sets, which the routes read.
    pub(crate) session_cookie: SessionCookie,
    /// The live feed's reader, which runs until `shutdown`.
    pub(crate) live_reader: JoinHandle<()>,
    pub(crate) shutdown: watch::Sender<bool>,
}

impl App {
    pub(crate) async fn start(config: &Config) -> anyhow::Result<Self> {
        let (shutdown, stopped) = watch::channel(false);
        let bus = event_bus(config, stopped.clone()).await?;
        let rates: Arc<dyn RateStore> = match bus.shared_rates(&config.events.redis_namespace) {
            Some(shared) => Arc::new(shared),
            None => Arc::new(InProcessRates::default()),
        };
        let core = Core::open_with(config, Arc::new(bus.clone()), rates).await?;
        let (live, live_reader) = LiveFeed::start(
            core.domain.clone(),
            &bus,
            config.events.poll_interval,
            config.limits.live_buffer,
            stopped,
        )
        .await
        .map_err(|e| anyhow::anyhow!("starting the live event feed: {e}"))?;
        let session_cookie = SessionCookie::new(config.http.public_url.is_https());
        let api_config = ApiConfig {
            session_cookie,
            limits: config.limits,
            disable_suggestions: !config.http.introspection,
        };
        let api = Api::new(core.domain.clone(), live.clone(), api_config);
        Ok(Self {
            core,
            live,
            api,
            session_cookie,
            live_reader,
            shutdown,
        })
    }

    /// Runs one GraphQL operation in process, as the holder of `token` (anonymous
    /// without one), from `meta`'s address: what a client's request does, without HTTP.
    pub(crate) async fn execute(
        &self,
        token: Option<&str>,
        request: async_graphql::Request,
        meta: domain::RequestMeta,
    ) -> async_graphql::Response {
        match api::authenticate(&self.core.domain, token, meta).await {
            Ok(auth) => {
                let request = api::prepare_request(request, &self.core.domain, auth);
                self.api.execute(request).await
            }
            Err(err) => api::error_response(err),
        }
    }

    /// Stops the live feed and closes the database.
    pub(crate) async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.live_reader.await;
        self.core.close().await;
    }
}
