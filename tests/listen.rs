//! Subscribing without guessing when the server is ready.
//!
//! A `subscribe` message gets no answer until the stream's first event, and the server
//! opens the stream (checks access, starts listening, reads the log) whenever it gets
//! to it. A test must not sleep and hope: it subscribes from a cursor, so whatever it
//! changes afterwards reaches the stream, live or replayed from the log however late
//! the server opened it; and when it must know the stream is open (before it takes the
//! subscriber's access away), it waits for an event the stream replays.

use std::time::Duration;

use serde_json::Value;

use crate::TestApp;
use crate::ws::{Incoming, WsClient};

impl TestApp {
    /// The newest cursor in the event log ("0" when it is empty).
    pub async fn newest_cursor(&self) -> String {
        self.server
            .domain
            .events()
            .latest()
            .await
            .expect("the event log reads")
            .to_string()
    }

    /// Subscribes `id` on `socket` to `query` with `variables` and `after` = the newest
    /// cursor in the log: every change made once this returns reaches the stream, in
    /// order. The query must declare `$after` and pass it on.
    pub async fn listen(&self, socket: &mut WsClient, id: &str, query: &str, variables: Value) {
        let now = self.newest_cursor().await;
        subscribe_through(socket, id, query, variables, &now, &now).await;
    }

    /// Subscribes `id` on `socket` to `query` with `variables` and `after`, then reads
    /// the replay through the event that is newest in the log now, which must be one
    /// this stream shows (the query selects `cursor`), and returns the events read
    /// (their `data`). Once an event has been read, the server has opened the stream:
    /// the subscriber's access checked, live events flowing to it.
    pub async fn listen_from(
        &self,
        socket: &mut WsClient,
        id: &str,
        query: &str,
        variables: Value,
        after: &str,
    ) -> Vec<Value> {
        let newest = self.newest_cursor().await;
        subscribe_through(socket, id, query, variables, after, &newest).await
    }

    /// For a stream subscribed without `after`, which starts wherever the log is when
    /// the server opens it (a moment a client cannot see): makes `touch`, a change the
    /// stream reports, until the event of one touch arrives, then reads the events of
    /// the touches after it. From then on the stream is live; the touches are all it
    /// has delivered. `touch` must be the only change made meanwhile.
    pub async fn until_live(&self, socket: &mut WsClient, id: &str, touch: impl AsyncFn()) {
        for _ in 0..20 {
            touch().await;
            let last: i64 = self.newest_cursor().await.parse().expect("a cursor");
            // Not a guess at readiness: a touch the stream missed is simply made again.
            match socket.next(Duration::from_millis(500)).await {
                Incoming::Silent => continue,
                Incoming::Message(message) => {
                    let mut cursor = cursor_of(&event_data(&message, id));
                    while cursor < last {
                        cursor = cursor_of(&socket.next_event(id).await);
                    }
                    assert_eq!(cursor, last, "a touch's event, not something else");
                    return;
                }
                closed => panic!("{id} ended before going live: {closed:?}"),
            }
        }
        panic!("{id} never went live");
    }
}

/// Subscribes from `after` and reads the events through cursor `through`.
async fn subscribe_through(
    socket: &mut WsClient,
    id: &str,
    query: &str,
    mut variables: Value,
    after: &str,
    through: &str,
) -> Vec<Value> {
    let through: i64 = through.parse().expect("a cursor");
    let mut cursor: i64 = after.parse().expect("`after` is a cursor");
    variables["after"] = Value::from(after);
    socket.subscribe(id, query, variables).await;
    let mut replayed = Vec::new();
    while cursor < through {
        let event = socket.next_event(id).await;
        cursor = cursor_of(&event);
        assert!(
            cursor <= through,
            "{id} skipped event {through}: it must be one the stream shows; got {event}"
        );
        replayed.push(event);
    }
    replayed
}

/// The `data` of a `next` (or legacy `data`) message for subscription `id`.
fn event_data(message: &Value, id: &str) -> Value {
    assert!(
        matches!(message["type"].as_str(), Some("next" | "data")),
        "expected an event for {id}, got {message}"
    );
    assert_eq!(message["id"], id, "{message}");
    assert!(message["payload"]["errors"].is_null(), "{message}");
    message["payload"]["data"].clone()
}

/// The cursor of an event's `data` (`{ "contactEvents": { "cursor": … } }`).
pub fn cursor_of(data: &Value) -> i64 {
    data.as_object()
        .and_then(|fields| fields.values().next())
        .and_then(|event| event["cursor"].as_str())
        .and_then(|cursor| cursor.parse().ok())
        .unwrap_or_else(|| panic!("no cursor in {data}: select `cursor`"))
}
