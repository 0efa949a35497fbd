//! Webhook deliveries to a local receiver: starts clientele in this process (temporary
//! SQLite, or DATABASE_URL's PostgreSQL) with its webhook worker allowed to reach
//! 127.0.0.1, gives an account E endpoints taking `contact.created`, then adds K
//! contacts (K × E deliveries), in one of two ways:
//!
//! - RATE 0 (throughput): from 8 clients as fast as they go, while the receiver holds
//!   each endpoint's first request unanswered, so the deliveries pile up; then it
//!   answers, and the time to receive all of them gives deliveries per second.
//! - RATE > 0 (latency): RATE contacts a second, the receiver answering at once; the
//!   time from each change to its receipt. The change's time is the `timestamp` its
//!   payload carries, taken inside the change's transaction just before it commits, so
//!   the figure slightly over-counts commit → receipt.
//!
//!     cargo run --release -p clientele-examples --example webhook_throughput -- [K] [E] [RATE]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clientele_examples::{gql, ms, percentile};
use serde_json::{Value, json};

/// What the receiver saw: each delivery's `webhook-id` and its change-to-receipt time.
type Received = Arc<Mutex<Vec<(String, Duration)>>>;

/// The receiver answers once `open` is true (its first requests wait until then).
async fn receiver(open: tokio::sync::watch::Receiver<bool>) -> (String, Received) {
    use axum::routing::post;
    let received: Received = Arc::default();
    let seen = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let (seen, mut open) = (seen.clone(), open.clone());
            async move {
                let _ = open.wait_for(|open| *open).await;
                let now = chrono::Utc::now();
                let payload: Value = serde_json::from_str(&body).unwrap_or_default();
                let at = payload["timestamp"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map_or(now, |t| t.with_timezone(&chrono::Utc));
                let id = headers
                    .get("webhook-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let waited = (now - at).to_std().unwrap_or_default();
                seen.lock().unwrap().push((id, waited));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let endpoints: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(4);
    let rate: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0.0);

    let (gate, open) = tokio::sync::watch::channel(rate > 0.0);
    let (url, received) = receiver(open).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = clientele_examples::in_process_config(dir.path());
    config.domain.webhooks_allow_private = true;
    let server = clientele::spawn(config).await.expect("server starts");
    let base = format!("http://{}", server.addr);
    let client = reqwest::Client::new();
    let owner = clientele_examples::register(
        &client,
        &base,
        "Bench",
        &format!("owner-{}@example.com", std::process::id()),
        "benchmark password",
    )
    .await;
    let (token, account) = (owner.token, owner.account);
    for _ in 0..endpoints {
        gql(
            &client,
            &base,
            Some(&token),
            "mutation($a: ID!, $i: WebhookEndpointInput!) { createWebhookEndpoint(accountId: $a, input: $i) { secret } }",
            json!({ "a": account, "i": { "url": url, "eventTypes": ["contact.created"] } }),
        )
        .await;
    }

    let total = events * endpoints;
    let (client, base, token, account) = (client.clone(), base.clone(), token, account);
    let start = Instant::now();
    let add = move |n: usize| {
        let (client, base, token, account) =
            (client.clone(), base.clone(), token.clone(), account.clone());
        async move {
            gql(
                &client,
                &base,
                Some(&token),
                "mutation($a: ID!, $i: AddContactInput!) { addContact(accountId: $a, input: $i) { id } }",
                json!({ "a": account, "i": { "firstName": "W", "lastName": format!("{n}"), "role": "TECHNICAL" } }),
            )
            .await;
        }
    };
    if rate > 0.0 {
        let mut pace = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        let mut changes = tokio::task::JoinSet::new();
        for n in 0..events {
            pace.tick().await;
            changes.spawn(add(n));
        }
        changes.join_all().await;
    } else {
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut clients = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (next, add) = (next.clone(), add.clone());
            clients.spawn(async move {
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= events {
                        break;
                    }
                    add(n).await;
                }
            });
        }
        clients.join_all().await;
    }
    let changed = start.elapsed();
    let drain = Instant::now();
    gate.send_replace(true);
    while received.lock().unwrap().len() < total {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "only {} of {total} deliveries arrived",
            received.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let drained = drain.elapsed();
    let received = received.lock().unwrap().clone();
    let ids: HashSet<&String> = received.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), total, "every delivery once");
    let mut waits: Vec<Duration> = received.iter().map(|(_, w)| *w).collect();
    waits.sort();
    println!(
        "{events} contacts x {endpoints} endpoints = {total} deliveries on {}, {}",
        if std::env::var("DATABASE_URL").is_ok() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        if rate > 0.0 {
            format!("{rate} changes/s")
        } else {
            "queued, then sent".to_owned()
        }
    );
    if rate > 0.0 {
        println!(
            "change -> receipt: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(percentile(&waits, 0.5)),
            ms(percentile(&waits, 0.99)),
            ms(percentile(&waits, 1.0)),
        );
    } else {
        println!(
            "{total} deliveries queued in {changed:.2?}, then received in {drained:.2?}: {:.0} deliveries/s",
            total as f64 / drained.as_secs_f64()
        );
    }
    server.shutdown().await;
}
