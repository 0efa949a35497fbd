//! Start-up and shutdown: connect and migrate the database, bootstrap staff, start the
//! mail worker and the HTTP server; stop them all gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use domain::auth::StaffBootstrap;
use domain::{Domain, DomainConfig};
use events::{EventBus, LiveFeed};
use mail::{DeliveryWorker, Templates, Transport};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{self, Config, ConfigError};
use crate::http;

/// A server running in this process.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub domain: Domain,
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
        self.domain.db().clone().close().await.ok();
    }

    /// Delivers the emails that are due now, after the pass the mail worker has under
    /// way (if any), instead of waiting for its next wake-up: tests drive delivery with
    /// it. Returns how many were sent.
    pub async fn deliver_mail(&self) -> Result<usize, sea_orm::DbErr> {
        self.mail.deliver_due().await
    }
}

/// Connects to DATABASE_URL. SQLite files (and their folder) are created on first use,
/// in WAL mode with a busy timeout; sea-orm keeps SQLite to one pooled connection, so
/// writers queue instead of failing with "database is locked".
pub async fn connect_database(config: &Config) -> Result<DatabaseConnection, ConfigError> {
    let cannot = |e: &dyn std::fmt::Display| {
        ConfigError::new(
            "DATABASE_URL",
            format!("cannot connect to the database: {e}"),
        )
    };
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    if config.is_sqlite() {
        let folder = config::sqlite_path(&config.database_url)
            .and_then(|p| p.parent().map(ToOwned::to_owned))
            .filter(|folder| !folder.as_os_str().is_empty());
        if let Some(folder) = folder {
            std::fs::create_dir_all(&folder).map_err(|e| cannot(&e))?;
        }
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        options.max_connections(20);
        probe_server(&config.database_url)
            .await
            .map_err(|e| cannot(&e))?;
    }
    Database::connect(options).await.map_err(|e| cannot(&e))
}

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
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("DATABASE_URL: migrating the database failed")
}

/// Builds the domain over a migrated database; `notices` is where committed changes
/// are announced (the event bus; `NoListeners` for the CLI).
pub fn domain(
    config: &Config,
    db: DatabaseConnection,
    notices: Arc<dyn domain::events::NoticeSink>,
) -> anyhow::Result<Domain> {
    let templates = Templates::new().context("loading the email templates")?;
    let domain_config = DomainConfig {
        public_url: config.public_url.clone(),
        password_reset_ttl: config.password_reset_ttl,
        invitation_ttl: config.invitation_ttl,
        ..DomainConfig::default()
    };
    Ok(Domain::new(db, Arc::new(templates), notices, domain_config))
}

fn transport(config: &Config) -> Result<Transport, ConfigError> {
    match &config.smtp_url {
        Some(url) => Transport::smtp(url).map_err(|e| ConfigError::new("SMTP_URL", e.to_string())),
        None => Transport::files(&config.mail_dir).map_err(|e| {
            ConfigError::new(
                "MAIL_DIR",
                format!("cannot create {}: {e}", config.mail_dir.display()),
            )
        }),
    }
}

/// Starts everything and serves on `config.bind` (port 0 picks a free port).
pub async fn spawn(config: Config) -> anyhow::Result<RunningServer> {
    let db = connect_database(&config).await?;
    migrate(&db).await?;
    let (shutdown, shutdown_rx) = watch::channel(false);
    let bus = match &config.redis_url {
        Some(url) => EventBus::redis(url, shutdown_rx.clone())
            .await
            .map_err(|e| ConfigError::new("REDIS_URL", format!("cannot connect to Redis: {e}")))?,
        None => EventBus::in_process(),
    };
    let domain = domain(&config, db.clone(), Arc::new(bus.clone()))?;
    let live = LiveFeed::start(
        db.clone(),
        &bus,
        config.event_poll,
        config.live_buffer,
        shutdown_rx.clone(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("starting the live event feed: {e}"))?;

    if let Some(admin) = &config.admin {
        let outcome = domain
            .auth()
            .ensure_staff(&admin.email, &admin.password)
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
    }

    let transport = transport(&config)?;
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|e| ConfigError::new("BIND", format!("cannot listen on {}: {e}", config.bind)))?;
    let addr = listener.local_addr()?;

    let worker = Arc::new(DeliveryWorker::new(
        db,
        transport,
        config.mail_from.clone(),
        config.mail_retry.clone(),
    ));
    let worker_task = tokio::spawn(
        worker
            .clone()
            .run(domain.outbox_signal(), shutdown_rx.clone()),
    );

    let router = http::router(domain.clone(), live, &config, shutdown_rx.clone());
    let mut stop = shutdown_rx;
    let server_task = tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopping| *stopping).await;
        });
        if let Err(err) = serve.await {
            tracing::error!(error = %err, "HTTP server failed");
        }
    });

    tracing::info!(%addr, database = if config.is_sqlite() { "sqlite" } else { "postgres" },
        mail = if config.smtp_url.is_some() { "smtp" } else { "files" },
        events = if config.redis_url.is_some() { "redis" } else { "in-process" }, "clientele is serving");
    Ok(RunningServer {
        addr,
        domain,
        mail: worker,
        shutdown,
        tasks: vec![server_task, worker_task],
    })
}
