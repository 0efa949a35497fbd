//! Live-event delivery under load: opens N WebSocket subscribers on one account, spread
//! over I server instances, makes M contact changes, and reports how long each change
//! took to reach each subscriber (p50/p99) and what an idle subscriber costs a server
//! in memory.
//!
//! The servers are real `clientele` processes (the release binary, next to this
//! example), on a temporary SQLite file — or, with DATABASE_URL set to PostgreSQL, on a
//! fresh database there, with REDIS_URL as their bus (needed for I = 2).
//!
//!     cargo build --release -p clientele
//!     cargo run --release -p clientele-examples --example live_events -- N M I

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("numbers: N M I"));
    let subscribers = args.next().unwrap_or(1000);
    let mutations = args.next().unwrap_or(50);
    let instances = args.next().unwrap_or(1).max(1);

    let binary = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("clientele");
    assert!(
        binary.exists(),
        "build the server first: cargo build --release -p clientele"
    );
    let dir = tempfile::tempdir().unwrap();
    let (database_url, cleanup) = database(&dir).await;
    let redis_url = std::env::var("REDIS_URL")
        .ok()
        .filter(|_| database_url.starts_with("postgres"));
    assert!(
        instances == 1 || redis_url.is_some(),
        "two instances need DATABASE_URL=postgres://… and REDIS_URL"
    );

    let mut servers = Vec::new();
    for i in 0..instances {
        servers.push(start(
            &binary,
            &database_url,
            redis_url.as_deref(),
            &dir.path().join(format!("mail{i}")),
        ));
    }
    let client = reqwest::Client::new();
    let register = json!({
        "query": "mutation($i: RegisterInput!) { register(input: $i) { token viewer { currentAccount { id } } } }",
        "variables": { "i": { "accountName": "Bench", "firstName": "B", "lastName": "M", "email": "bench@example.com", "password": "benchmark password" } }
    });
    let r: Value = client
        .post(format!("{}/graphql", servers[0].url))
        .json(&register)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["data"]["register"]["token"]
        .as_str()
        .expect("registered")
        .to_owned();
    let account = r["data"]["register"]["viewer"]["currentAccount"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before: Vec<u64> = servers.iter().map(Server::rss_kib).collect();

    // Open the subscribers, a few hundred at a time.
    let (deliveries, mut delivered) = mpsc::unbounded_channel::<(String, Instant)>();
    let opened = Instant::now();
    let mut sockets = 0;
    for chunk in (0..subscribers).collect::<Vec<_>>().chunks(250) {
        let opens = chunk.iter().map(|i| {
            let url = servers[i % instances].url.clone();
            let (token, account, deliveries) = (token.clone(), account.clone(), deliveries.clone());
            async move { subscribe(&url, &token, &account, deliveries).await }
        });
        for result in futures_util::future::join_all(opens).await {
            result.expect("subscriber connects");
            sockets += 1;
        }
    }
    let open_time = opened.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after: Vec<u64> = servers.iter().map(Server::rss_kib).collect();

    // Make the changes, paced, and remember when each was sent.
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let add = "mutation($a: ID!, $f: String!) { addContact(accountId: $a, input: {firstName: $f, lastName: \"L\", role: BILLING}) { id } }";
    for m in 0..mutations {
        let name = format!("C{m}");
        sent_at.lock().await.insert(name.clone(), Instant::now());
        let body = json!({ "query": add, "variables": { "a": account, "f": name } });
        let r = client
            .post(format!("{}/graphql", servers[m % instances].url))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let expected = sockets * mutations;
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
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let per_instance = subscribers / instances;
    println!(
        "subscribers={subscribers} instances={instances} mutations={mutations} database={}",
        if database_url.starts_with("postgres") {
            "postgres+redis"
        } else {
            "sqlite"
        }
    );
    println!(
        "  opened {sockets} subscriptions in {:.1} s",
        open_time.as_secs_f64()
    );
    println!(
        "  delivered {}/{expected}  latency p50={:.1} ms  p99={:.1} ms  max={:.1} ms",
        latencies.len(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    for (i, (before, after)) in rss_before.iter().zip(&rss_after).enumerate() {
        println!(
            "  instance {i}: RSS {:.1} MiB -> {:.1} MiB with {per_instance} idle subscribers = {:.1} KiB each",
            *before as f64 / 1024.0,
            *after as f64 / 1024.0,
            after.saturating_sub(*before) as f64 / per_instance as f64
        );
    }
    for mut server in servers {
        let _ = Command::new("kill")
            .args(["-TERM", &server.child.id().to_string()])
            .status();
        let _ = server.child.wait();
    }
    cleanup.await;
}

/// A database of the benchmark's own: a temporary SQLite file, or a fresh PostgreSQL
/// database that is dropped afterwards.
async fn database(dir: &tempfile::TempDir) -> (String, impl std::future::Future<Output = ()>) {
    let admin = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"));
    let name = format!("clientele_bench_{}", std::process::id());
    let url = match &admin {
        Some(admin_url) => {
            let db = Database::connect(admin_url)
                .await
                .expect("DATABASE_URL reachable");
            db.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let mut url = url::Url::parse(admin_url).unwrap();
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
        None => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        ),
    };
    let cleanup = async move {
        if let Some(admin_url) = admin
            && let Ok(db) = Database::connect(&admin_url).await
        {
            let _ = db
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    };
    (url, cleanup)
}

fn start(
    binary: &std::path::Path,
    database_url: &str,
    redis_url: Option<&str>,
    mail_dir: &std::path::Path,
) -> Server {
    let mut command = Command::new(binary);
    command
        .env("DATABASE_URL", database_url)
        .env("BIND", "127.0.0.1:0")
        .env("MAIL_DIR", mail_dir)
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .env_remove("SMTP_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(redis) = redis_url {
        command.env("REDIS_URL", redis);
    }
    let mut child = command.spawn().expect("server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches("/graphql")
        .to_owned();
    Server { child, url }
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
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
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
