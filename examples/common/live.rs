//! Live-event delivery under load: N WebSocket subscribers on one account, spread over
//! the running instances, then M contact changes; how long each change took to reach
//! each subscriber, and what an idle subscriber costs a server in memory.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::{ServerProcess, gql, percentile};

/// What [`measure`] saw.
pub struct LiveReport {
    pub subscribers: usize,
    pub instances: usize,
    pub changes: usize,
    pub opened_in: Duration,
    /// From the last socket opening to the servers running no more SQL than when idle:
    /// until then they are still starting streams (session, access, the log).
    pub settled_in: Duration,
    /// Events received, of `expected` (every change by every subscriber).
    pub delivered: usize,
    pub expected: usize,
    /// From sending a change to a subscriber receiving it.
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Per instance: resident memory before and after its subscribers opened, KiB.
    pub rss_kib: Vec<(u64, u64)>,
}

impl LiveReport {
    /// Per instance: its memory growth divided by its idle subscribers, KiB.
    pub fn kib_per_idle_subscriber(&self) -> Vec<f64> {
        let per_instance = (self.subscribers / self.instances.max(1)).max(1) as f64;
        self.rss_kib
            .iter()
            .map(|(before, after)| after.saturating_sub(*before) as f64 / per_instance)
            .collect()
    }
}

/// Registers an account, opens `subscribers` subscriptions to its contact events
/// (round-robin over `servers`), waits until the servers have started every stream and
/// reads their memory, then adds `changes` contacts 20 ms apart (round-robin too) and
/// times every delivery.
pub async fn measure(servers: &[ServerProcess], subscribers: usize, changes: usize) -> LiveReport {
    let client = reqwest::Client::new();
    let crate::Registered { token, account } = crate::register(
        &client,
        &servers[0].url,
        "Live",
        "live@bench.example",
        "benchmark password",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before: Vec<u64> = servers.iter().map(ServerProcess::rss_kib).collect();
    let idle = idle_statements(servers, &client).await;

    // Open the subscribers, a few hundred at a time.
    let (deliveries, mut delivered) = mpsc::unbounded_channel::<(String, Instant)>();
    let opened = Instant::now();
    let mut sockets = 0;
    for chunk in (0..subscribers).collect::<Vec<_>>().chunks(250) {
        let opens = chunk.iter().map(|i| {
            let url = &servers[i % servers.len()].url;
            subscribe(url, &token, &account, deliveries.clone())
        });
        for result in futures_util::future::join_all(opens).await {
            result.expect("subscriber connects");
            sockets += 1;
        }
    }
    let opened_in = opened.elapsed();
    let settled_in = settle(servers, &client, sockets, idle).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after: Vec<u64> = servers.iter().map(ServerProcess::rss_kib).collect();

    // Make the changes, paced, and remember when each was sent.
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let add = "mutation($a: ID!, $f: String!) { addContact(accountId: $a, input: {firstName: $f, lastName: \"L\", role: BILLING}) { id } }";
    for m in 0..changes {
        let name = format!("C{m}");
        sent_at.lock().await.insert(name.clone(), Instant::now());
        let url = &servers[m % servers.len()].url;
        gql(
            &client,
            url,
            Some(&token),
            add,
            json!({ "a": account, "f": name }),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let expected = sockets * changes;
    let mut latencies = Vec::with_capacity(expected);
    let deadline = Instant::now() + Duration::from_secs(120);
    while latencies.len() < expected && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(10), delivered.recv()).await {
            Ok(Some((name, at))) => {
                if let Some(sent) = sent_at.lock().await.get(&name) {
                    latencies.push(at.duration_since(*sent));
                }
            }
            _ => break,
        }
    }
    latencies.sort();
    LiveReport {
        subscribers,
        instances: servers.len(),
        changes,
        opened_in,
        settled_in,
        delivered: latencies.len(),
        expected,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
        rss_kib: rss_before.into_iter().zip(rss_after).collect(),
    }
}

/// How long [`settle`] compares the servers' statements over.
const SETTLE_WINDOW: Duration = Duration::from_secs(1);

/// The statements the servers run in a [`SETTLE_WINDOW`] when nobody calls them: their
/// own polling and sweeps, and the readings of `/metrics` themselves (the most of three
/// windows).
async fn idle_statements(servers: &[ServerProcess], client: &reqwest::Client) -> u64 {
    let mut most = 0;
    let (mut last, _) = readings(servers, client).await;
    for _ in 0..3 {
        tokio::time::sleep(SETTLE_WINDOW).await;
        let (now, _) = readings(servers, client).await;
        most = most.max(now - last);
        last = now;
    }
    most
}

/// Waits (a minute at most) until every stream is open on the servers
/// (`clientele_subscriptions_open`) and they run no more SQL than when idle, so that
/// changes are timed against streams that are open, not still starting; returns how
/// long that took.
async fn settle(
    servers: &[ServerProcess],
    client: &reqwest::Client,
    streams: usize,
    idle: u64,
) -> Duration {
    let started = Instant::now();
    let (mut last, _) = readings(servers, client).await;
    while started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(SETTLE_WINDOW).await;
        let (now, open) = readings(servers, client).await;
        if open >= streams && now - last <= idle + servers.len() as u64 {
            break;
        }
        last = now;
    }
    started.elapsed()
}

/// The servers' statements so far and their open streams, one `/metrics` read each.
async fn readings(servers: &[ServerProcess], client: &reqwest::Client) -> (u64, usize) {
    let (mut statements, mut open) = (0, 0);
    for server in servers {
        let read = server
            .metrics(
                client,
                &[
                    "clientele_sql_statements_total",
                    "clientele_subscriptions_open",
                ],
            )
            .await;
        statements += read[0] as u64;
        open += read[1] as usize;
    }
    (statements, open)
}

/// One dashboard: a socket subscribed to the account's contact events, reporting each
/// event's contact name and arrival time.
async fn subscribe(
    http_url: &str,
    token: &str,
    account: &str,
    deliveries: mpsc::UnboundedSender<(String, Instant)>,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let mut request =
        format!("{}/graphql/ws", http_url.replacen("http", "ws", 1)).into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    // A small read buffer: tungstenite zero-fills its whole buffer (128 KiB by default)
    // before each read, which would make this generator, on the server's cores, spend
    // a third of them on memset.
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let (mut socket, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), false).await?;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await?;
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($a: ID) { contactEvents(accountId: $a) { cursor contact { firstName } } }",
        "variables": { "a": account } } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await?;
    tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                let at = Instant::now();
                let Ok(value) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                if value["type"] == "ping" {
                    let _ = socket
                        .send(Message::Text(r#"{"type":"pong"}"#.into()))
                        .await;
                } else if let Some(name) =
                    value["payload"]["data"]["contactEvents"]["contact"]["firstName"].as_str()
                {
                    let _ = deliveries.send((name.to_owned(), at));
                }
            }
        }
    });
    Ok(())
}
