//! The live feed of one instance: on every wake-up (and every few seconds, in case a
//! notice was lost) it reads the event log past the last row it saw, once, and fans the
//! rows out to this instance's subscribers.

use std::sync::Arc;
use std::time::Duration;

use domain::Domain;
use domain::entities::event;
use domain::events::{self, Notice};
use tokio::sync::{broadcast, watch};

use crate::{EventBus, Wake};

/// What subscribers receive.
#[derive(Clone, Debug)]
pub enum Live {
    Event(Arc<event::Model>),
    /// This user's access may have changed: their streams re-check it.
    AccessChanged {
        user_id: i64,
    },
}

const BATCH: u64 = 500;
/// How many access notices a WebSocket may fall behind before it re-checks anyway.
const ACCESS_CAPACITY: usize = 1024;

#[derive(Clone)]
pub struct LiveFeed {
    tx: broadcast::Sender<Live>,
    access: broadcast::Sender<i64>,
}

impl LiveFeed {
    /// Starts reading the log after its newest row. A subscriber that falls `buffer`
    /// events behind is dropped rather than buffered without limit. The reader runs
    /// until `shutdown`; await the returned task before closing the database.
    pub async fn start(
        domain: Domain,
        bus: &EventBus,
        poll: Duration,
        buffer: usize,
        shutdown: watch::Receiver<bool>,
    ) -> domain::Result<(Self, tokio::task::JoinHandle<()>)> {
        let (tx, _) = broadcast::channel(buffer.max(1));
        let (access, _) = broadcast::channel(ACCESS_CAPACITY);
        let last = domain.events().latest().await?;
        let pump = Pump {
            domain,
            tx: tx.clone(),
            access: access.clone(),
        };
        let reader = tokio::spawn(pump.run(bus.wake_ups(), last, poll, shutdown));
        Ok((Self { tx, access }, reader))
    }

    /// Live rows from now on. Subscribe before reading the log for a replay, then skip
    /// what the replay already gave: no gap, no duplicate.
    pub fn subscribe(&self) -> broadcast::Receiver<Live> {
        self.tx.subscribe()
    }

    /// The ids of users whose access may have changed (a session ended, a membership
    /// changed), from any instance: WebSocket connections re-check their session on
    /// these without hearing every event.
    pub fn access_changes(&self) -> broadcast::Receiver<i64> {
        self.access.subscribe()
    }
}

/// What the feed's task reads from and sends to.
struct Pump {
    domain: Domain,
    tx: broadcast::Sender<Live>,
    access: broadcast::Sender<i64>,
}

impl Pump {
    async fn run(
        self,
        mut wakes: broadcast::Receiver<Wake>,
        mut last: i64,
        poll: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut tick = tokio::time::interval(poll);
        loop {
            let read = tokio::select! {
                wake = wakes.recv() => match wake {
                    Ok(Wake::Notice(Notice::AccessChanged { user_id })) => {
                        let _ = self.tx.send(Live::AccessChanged { user_id });
                        let _ = self.access.send(user_id);
                        false
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => true,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tick.tick() => true,
                _ = shutdown.changed() => return,
            };
            if read {
                last = forward_new(&self.domain, &self.tx, last).await;
            }
        }
    }
}

/// Sends every row after `last`; returns the new last id.
async fn forward_new(domain: &Domain, tx: &broadcast::Sender<Live>, mut last: i64) -> i64 {
    loop {
        match domain
            .events()
            .read(last, events::Filter::default(), BATCH)
            .await
        {
            Ok(rows) => {
                let full = rows.len() as u64 == BATCH;
                for row in rows {
                    last = row.id;
                    let _ = tx.send(Live::Event(Arc::new(row)));
                }
                if !full {
                    return last;
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "reading the event log failed; retrying on the next wake-up");
                return last;
            }
        }
    }
}
