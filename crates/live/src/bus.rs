//! The event bus: in-process (a tokio broadcast channel), or Redis pub/sub with one
//! subscription per process that fans out locally.

use std::time::Duration;

use domain::events::{Notice, NoticeSink};
use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use tokio::sync::{broadcast, watch};

const CHANNEL: &str = "clientele:events";
/// How many wake-ups a slow reader may fall behind before it resyncs from the log.
const LOCAL_CAPACITY: usize = 1024;

/// What wakes this instance's live feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    Notice(Notice),
    /// Notices may have been missed (Redis reconnected): read the log.
    Resync,
}

#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<Wake>,
    redis: Option<ConnectionManager>,
}

impl EventBus {
    /// The embedded default: notices reach this process only.
    pub fn in_process() -> Self {
        Self {
            local: broadcast::channel(LOCAL_CAPACITY).0,
            redis: None,
        }
    }

    /// Redis pub/sub across instances. Fails if Redis cannot be reached now; later
    /// outages are survived: publishing logs and goes on, the subscription reconnects
    /// by itself and then asks for a resync from the log.
    pub async fn redis(
        url: &str,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        let publisher = ConnectionManager::new_with_config(client.clone(), config).await?;
        let bus = Self {
            local: broadcast::channel(LOCAL_CAPACITY).0,
            redis: Some(publisher),
        };
        tokio::spawn(subscribe_forever(client, bus.local.clone(), shutdown));
        Ok(bus)
    }

    pub fn wake_ups(&self) -> broadcast::Receiver<Wake> {
        self.local.subscribe()
    }

    /// Throttle state shared by every instance on this Redis (keys under `namespace`);
    /// none for the in-process bus.
    pub fn shared_rates(&self, namespace: &str) -> Option<crate::RedisRates> {
        let redis = self.redis.clone()?;
        Some(crate::RedisRates::new(redis, namespace))
    }
}

impl NoticeSink for EventBus {
    fn publish(&self, notice: Notice) {
        // Local subscribers learn at once, whatever Redis does.
        let _ = self.local.send(Wake::Notice(notice));
        if let Some(redis) = &self.redis {
            let mut redis = redis.clone();
            tokio::spawn(async move {
                let sent: Result<(), _> = redis.publish(CHANNEL, encode(notice)).await;
                if let Err(err) = sent {
                    tracing::warn!(error = %err, "could not publish an event notice to Redis; other instances catch up from the log");
                }
            });
        }
    }
}

/// Holds this process's one Redis subscription, reconnecting with backoff.
async fn subscribe_forever(
    client: redis::Client,
    local: broadcast::Sender<Wake>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(CHANNEL).await {
                Ok(()) => {
                    backoff = Duration::from_millis(100);
                    // Anything published while we were away is in the log.
                    let _ = local.send(Wake::Resync);
                    let mut messages = pubsub.on_message();
                    loop {
                        tokio::select! {
                            message = messages.next() => match message {
                                Some(message) => {
                                    let payload: String = message.get_payload().unwrap_or_default();
                                    if let Some(notice) = decode(&payload) {
                                        let _ = local.send(Wake::Notice(notice));
                                    }
                                }
                                None => break,
                            },
                            _ = shutdown.changed() => return,
                        }
                    }
                    tracing::warn!("Redis subscription lost; reconnecting");
                }
                Err(err) => tracing::warn!(error = %err, "Redis SUBSCRIBE failed; retrying"),
            },
            Err(err) => tracing::warn!(error = %err, "Redis unreachable; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = shutdown.changed() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

fn encode(notice: Notice) -> String {
    match notice {
        Notice::Logged { account_id } => format!("logged:{account_id}"),
        Notice::AccessChanged { user_id } => format!("access:{user_id}"),
    }
}

fn decode(payload: &str) -> Option<Notice> {
    let (kind, id) = payload.split_once(':')?;
    let id = id.parse().ok()?;
    match kind {
        "logged" => Some(Notice::Logged { account_id: id }),
        "access" => Some(Notice::AccessChanged { user_id: id }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip_through_the_wire_format() {
        for notice in [
            Notice::Logged { account_id: 7 },
            Notice::AccessChanged { user_id: 42 },
        ] {
            assert_eq!(decode(&encode(notice)), Some(notice));
        }
        assert_eq!(decode("garbage"), None);
        assert_eq!(decode("logged:x"), None);
    }
}
