//! Whether `SMTP_URL` answers: checked at start (a warning in the log when it does not,
//! rather than a surprise at the first email) and every five minutes after, and shown by
//! `/readyz` without failing it: the outbox keeps emails until the relay is back, so
//! the server stays ready to serve.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail::DeliveryWorker;
use tokio::sync::watch;

/// How often the relay is asked again.
const EVERY: Duration = Duration::from_secs(300);

/// The last answer: none yet, reachable, or why not.
#[derive(Default)]
pub(crate) struct SmtpReachability(Mutex<Option<Result<(), String>>>);

impl SmtpReachability {
    /// `/readyz`'s line about it.
    pub(crate) fn line(&self) -> String {
        match &*self.0.lock().unwrap_or_else(|e| e.into_inner()) {
            None => "smtp: not checked yet".into(),
            Some(Ok(())) => "smtp: reachable".into(),
            Some(Err(why)) => format!("smtp: unreachable ({why}); emails wait in the outbox"),
        }
    }

    fn set(&self, outcome: Result<(), String>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
    }
}

/// Checks now and every [`EVERY`] until shutdown; logs each change.
pub(crate) fn watch_relay(
    worker: Arc<DeliveryWorker>,
    reachability: Arc<SmtpReachability>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut was_ok = None;
        loop {
            let outcome = worker.check_transport().await;
            let ok = outcome.is_ok();
            if was_ok != Some(ok) {
                match &outcome {
                    Ok(()) => tracing::info!("SMTP_URL: the relay answers"),
                    Err(why) => tracing::warn!(error = %why,
                        "SMTP_URL: the relay does not answer; emails wait in the outbox until it does"),
                }
            }
            was_ok = Some(ok);
            reachability.set(outcome);
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = shutdown.changed() => return,
            }
        }
    })
}
