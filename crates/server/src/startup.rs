//! Start-up and shutdown: connect and migrate the database, bootstrap staff, start the
//! mail worker, the reminder schedule and the HTTP server; stop them all gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use domain::auth::StaffBootstrap;
use domain::throttle::{InProcessRates, RateStore};
use domain::{Domain, DomainConfig};
use live::{EventBus, LiveFeed};
use mail::{DeliveryWorker, Templates, Transport};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use api::{Api, ApiConfig, SessionCookie};

use crate::config::{AdminCredentials, Config, ConfigError, DatabaseConfig, MailConfig};
use crate::http;
use crate::persisted::PersistedOperations;

/// A server running in this process.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub domain: Domain,
    /// The database connection, for tools and tests that inspect rows directly; the
    /// server itself reads and writes only through `domain`'s services.
    pub db: DatabaseConnection,
    mail: Arc<DeliveryWorker>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningServer {
    /// Stops accepting requests, lets in-flight ones finish, stops the mail worker.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        self.db.close().await.ok();
    }

    /// Delivers the emails that are due now, after the pass the mail worker has under
    /// way (if any), instead of waiting for its next wake-up: tests drive delivery with
    /// it. Returns how many were sent.
    pub async fn deliver_mail(&self) -> Result<usize, sea_orm::DbErr> {
        self.mail.deliver_due().await
    }
}

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
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        options.max_connections(20);
        probe_server(config.url.expose())
            .await
            .map_err(|e| cannot(&e))?;
    }
    Database::connect(options).await.map_err(|e| cannot(&e))
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
/// as the server builds them. [`spawn`] serves it; `seed-demo` drives its API in
/// process.
pub(crate) struct App {
    pub(crate) core: Core,
    pub(crate) live: LiveFeed,
    pub(crate) api: Api,
    /// The session cookie the API sets, which the routes read.
    pub(crate) session_cookie: SessionCookie,
    live_reader: JoinHandle<()>,
    shutdown: watch::Sender<bool>,
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

/// Starts everything and serves on `config.http.bind` (port 0 picks a free port).
pub async fn spawn(config: Config) -> anyhow::Result<RunningServer> {
    let app = App::start(&config).await?;
    bootstrap_staff(&app.core.domain, config.admin.as_ref()).await?;
    let bind = config.http.bind;
    let listener = TcpListener::bind(bind)
        .await
        .map_err(|e| ConfigError::new("BIND", format!("cannot listen on {bind}: {e}")))?;
    let addr = listener.local_addr()?;

    let stopped = app.shutdown.subscribe();
    let worker = Arc::new(app.core.mail_worker(&config)?);
    let mut tasks =
        crate::background::background_work(&app.core.domain, &worker, &config, &stopped);
    let mut registry = prometheus_client::registry::Registry::default();
    app.core.domain.stats().register(&mut registry);
    worker.register_metrics(&mut registry);
    app.api.register_metrics(&mut registry);
    let router = http::router(
        &app,
        &config,
        persisted_operations(&config)?,
        registry,
        stopped.clone(),
    );
    tasks.insert(
        0,
        tokio::spawn(crate::serve::serve(
            listener,
            router,
            config.limits.header_time,
            stopped,
        )),
    );
    // The live feed reads the database until shutdown: awaited before it is closed.
    tasks.push(app.live_reader);

    tracing::info!(%addr, database = if config.database.is_sqlite() { "sqlite" } else { "postgres" },
        mail = if config.mail.smtp_url.is_some() { "smtp" } else { "files" },
        events = if config.events.redis_url.is_some() { "redis" } else { "in-process" }, "clientele is serving");
    Ok(RunningServer {
        addr,
        domain: app.core.domain,
        db: app.core.db,
        mail: worker,
        shutdown: app.shutdown,
        tasks,
    })
}

/// `ADMIN_EMAIL`/`ADMIN_PASSWORD`: the staff user created if the email has no login.
async fn bootstrap_staff(domain: &Domain, admin: Option<&AdminCredentials>) -> anyhow::Result<()> {
    let Some(admin) = admin else {
        return Ok(());
    };
    let outcome = domain
        .auth()
        .ensure_staff(&admin.email, admin.password.expose())
        .await
        .map_err(|e| anyhow::anyhow!("ADMIN_EMAIL/ADMIN_PASSWORD: {e}"))?;
    match outcome {
        StaffBootstrap::Created => {
            tracing::info!(email = %admin.email, "created the staff user from ADMIN_EMAIL")
        }
        StaffBootstrap::AlreadyStaff => {}
        StaffBootstrap::TakenByClient => tracing::warn!(
            email = %admin.email,
            "ADMIN_EMAIL belongs to a client's login, not staff: no staff user was created and that login was not promoted; choose another ADMIN_EMAIL or run `clientele create-staff`"
        ),
    }
    Ok(())
}

/// `OPERATIONS_DIR`'s allow-list, or any operation.
fn persisted_operations(config: &Config) -> Result<PersistedOperations, ConfigError> {
    match &config.http.operations_dir {
        Some(dir) => PersistedOperations::allow_list(dir).map_err(|e| {
            ConfigError::new(
                "OPERATIONS_DIR",
                format!("cannot read {}: {e}", dir.display()),
            )
        }),
        None => Ok(PersistedOperations::open()),
    }
}

/// What `clientele run-reminders` did: the run, and how many of its emails (and any
/// others due) were delivered before exiting.
pub struct RemindersOutcome {
    pub run: domain::notifications::ReminderRun,
    pub delivered: usize,
}

/// `clientele run-reminders`: one run over a migrated database, then one delivery pass,
/// so cron alone (no server running) gets the emails out. What fails to deliver stays
/// queued for a server's mail worker to retry.
pub async fn run_reminders(config: &Config) -> anyhow::Result<RemindersOutcome> {
    let core = Core::open(config).await?;
    let run = core
        .domain
        .notifications()
        .run_reminders()
        .await
        .map_err(|e| anyhow::anyhow!("running the reminders: {e}"))?;
    let delivered = core
        .mail_worker(config)?
        .deliver_due()
        .await
        .context("delivering the queued emails")?;
    core.close().await;
    Ok(RemindersOutcome { run, delivered })
}
