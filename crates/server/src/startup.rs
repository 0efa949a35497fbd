//! Serving and stopping: an [`App`] with its listener, the staff bootstrap, its
//! background work and the HTTP server; all stopped gracefully. And `run-reminders`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use domain::Domain;
use domain::auth::StaffBootstrap;
use mail::DeliveryWorker;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::{App, Core};
use crate::config::{AdminCredentials, Config, ConfigError};
use crate::http;
use gateway::PersistedOperations;

/// A server running in this process.
pub struct RunningServer {
    pub addr: SocketAddr,
    /// The base of the links it sends (`PUBLIC_URL`, or the bound address).
    pub public_url: crate::config::PublicUrl,
    pub domain: Domain,
    /// The database connection, for tools and tests that inspect rows directly; the
    /// server itself reads and writes only through `domain`'s services.
    pub db: DatabaseConnection,
    mail: Arc<DeliveryWorker>,
    webhooks: Arc<webhooks::WebhookWorker>,
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

    /// Sends the webhook deliveries that are due now (after the pass under way), as
    /// [`RunningServer::deliver_mail`] does for email. Returns how many were attempted.
    pub async fn deliver_webhooks(&self) -> Result<usize, domain::DomainError> {
        self.webhooks.deliver_due().await
    }
}

/// Starts everything and serves on `config.http.bind` (port 0 picks a free port).
pub async fn spawn(mut config: Config) -> anyhow::Result<RunningServer> {
    let bind = config.http.bind;
    let listener = TcpListener::bind(bind)
        .await
        .map_err(|e| ConfigError::new("BIND", format!("cannot listen on {bind}: {e}")))?;
    let addr = listener.local_addr()?;
    if !config.http.public_url_given {
        // Links in emails and the cookie's origin follow the address actually bound.
        config.http.public_url = crate::config::PublicUrl::of_listener(addr);
    }
    let app = App::start(&config).await?;
    bootstrap_staff(&app.core.domain, config.admin.as_ref()).await?;

    let stopped = app.shutdown.subscribe();
    let worker = Arc::new(app.core.mail_worker(&config)?);
    let hooks = Arc::new(
        webhooks::WebhookWorker::new(app.core.domain.clone(), config.webhooks.clone())
            .map_err(|e| anyhow::anyhow!("the webhook client: {e}"))?,
    );
    let mut tasks =
        crate::background::background_work(&app.core.domain, &worker, &config, &stopped);
    tasks.push(tokio::spawn(
        hooks
            .clone()
            .run(app.core.domain.webhook_signal(), stopped.clone()),
    ));
    let mut registry = prometheus_client::registry::Registry::default();
    app.core.domain.stats().register(&mut registry);
    worker.register_metrics(&mut registry);
    hooks.register_metrics(&mut registry);
    app.api.register_metrics(&mut registry);
    let smtp = config.mail.smtp_url.is_some().then(|| {
        let reachability = Arc::new(crate::smtp_check::SmtpReachability::default());
        tasks.push(crate::smtp_check::watch_relay(
            worker.clone(),
            reachability.clone(),
            stopped.clone(),
        ));
        reachability
    });
    let router = http::router(
        &app,
        &config,
        persisted_operations(&config)?,
        registry,
        stopped.clone(),
        smtp,
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

    tracing::info!(%addr, public_url = %config.http.public_url,
        public_url_from = if config.http.public_url_given { "PUBLIC_URL" } else { "the bound address" },
        database = if config.database.is_sqlite() { "sqlite" } else { "postgres" },
        mail = if config.mail.smtp_url.is_some() { "smtp" } else { "files" },
        events = if config.events.redis_url.is_some() { "redis" } else { "in-process" }, "clientele is serving");
    Ok(RunningServer {
        addr,
        public_url: config.http.public_url.clone(),
        domain: app.core.domain,
        db: app.core.db,
        mail: worker,
        webhooks: hooks,
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
