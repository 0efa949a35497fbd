//! What each instance does on its own while it serves: deliver mail, end temporary
//! access whose time has come, delete what expired past the retention period, and
//! (when scheduled) run the reminders.

use std::sync::Arc;
use std::time::Duration;

use domain::Domain;
use mail::DeliveryWorker;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;

/// What each instance does on its own until shutdown: deliver mail, sweep temporary
/// access, and (when scheduled) run the reminders.
pub(crate) fn background_work(
    domain: &Domain,
    worker: &Arc<DeliveryWorker>,
    config: &Config,
    stopped: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let mut tasks = vec![
        tokio::spawn(worker.clone().run(domain.outbox_signal(), stopped.clone())),
        tokio::spawn(access_sweep(
            domain.clone(),
            config.schedules.access_sweep_every,
            stopped.clone(),
        )),
        tokio::spawn(retention_sweep(
            domain.clone(),
            config.schedules.retention_sweep_every,
            stopped.clone(),
        )),
    ];
    if let Some(interval) = config.schedules.reminders_every {
        tasks.push(tokio::spawn(reminder_schedule(
            domain.clone(),
            config.schedules.first_reminders_after,
            interval,
            stopped.clone(),
        )));
    }
    tasks
}

/// Warns of temporary access ending tomorrow and ends the access whose time has come,
/// every `interval`, until shutdown (every instance does; each is processed once).
async fn access_sweep(domain: Domain, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = shutdown.wait_for(|stopping| *stopping) => break,
        }
        let contacts = domain.contacts();
        match contacts.warn_expiring_access().await {
            Ok(0) => {}
            Ok(warned) => tracing::info!(warned, "warned of temporary access ending tomorrow"),
            Err(err) => {
                tracing::warn!(error = %err, "the temporary-access warning failed; the next sweep retries")
            }
        }
        match contacts.end_expired_access().await {
            Ok(0) => {}
            Ok(ended) => tracing::info!(ended, "temporary access ended"),
            Err(err) => {
                tracing::warn!(error = %err, "the temporary-access sweep failed; the next one retries")
            }
        }
    }
}

/// Deletes what has expired past the retention period, every `interval`, until
/// shutdown (every instance does; each row goes once).
async fn retention_sweep(domain: Domain, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = shutdown.wait_for(|stopping| *stopping) => break,
        }
        match domain.retention().purge().await {
            Ok(purged) if purged.total() == 0 => {}
            Ok(purged) => tracing::info!(
                sessions = purged.sessions,
                invitations = purged.invitations,
                password_resets = purged.password_resets,
                export_links = purged.export_links,
                passkey_ceremonies = purged.passkey_ceremonies,
                "purged what expired past the retention period"
            ),
            Err(err) => {
                tracing::warn!(error = %err, "the retention sweep failed; the next one retries")
            }
        }
    }
}

/// Runs the reminders `first_run_after` start, then every `interval`, until shutdown.
/// Stopping mid-run is safe: each reminder is its own transaction, and one cut short
/// rolls back and goes out on the next run (here or on another instance).
async fn reminder_schedule(
    domain: Domain,
    first_run_after: Duration,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut wait = first_run_after;
    loop {
        let run = async {
            tokio::time::sleep(wait).await;
            domain.notifications().run_reminders().await
        };
        tokio::select! {
            outcome = run => match outcome {
                Ok(run) if run.sent.is_empty() && run.marked_overdue.is_empty() => {}
                Ok(run) => tracing::info!(
                    reminders = run.sent.len(),
                    emails = run.emails(),
                    marked_overdue = run.marked_overdue.len(),
                    failed = run.failed,
                    "reminders sent"
                ),
                Err(err) => tracing::warn!(error = %err, "the reminder run failed; the next one retries"),
            },
            _ = shutdown.wait_for(|stopping| *stopping) => break,
        }
        wait = interval;
    }
}
