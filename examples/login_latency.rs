//! Login latency and throughput: starts a clientele server in this process (on a
//! temporary SQLite database, or on DATABASE_URL's PostgreSQL database when set), then
//! signs in N times one after another and N times with C concurrent clients, and prints
//! p50/p99 latency and logins per second. Also measures how a cheap query fares while
//! logins saturate the password hasher (it must not stall).
//!
//!     cargo run --release -p clientele-examples --example login_latency -- [N] [C]

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);

    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = clientele_examples::in_process_config(dir.path());
    config.mail.dir = dir.path().join("mail");
    let server = clientele::spawn(config).await.expect("server starts");
    let url = format!("http://{}/graphql", server.addr);
    let client = reqwest::Client::new();

    let email = format!("bench-{}@example.com", std::process::id());
    let register = json!({
        "query": "mutation($i: RegisterInput!) { register(input: $i) { token } }",
        "variables": { "i": { "accountName": "Bench", "firstName": "B", "lastName": "M", "email": email, "password": "benchmark password" } }
    });
    client
        .post(&url)
        .json(&register)
        .send()
        .await
        .expect("register");
    let client = client.clone();
    let login = json!({
        "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
        "variables": { "e": email, "p": "benchmark password" }
    });
    let unknown = json!({
        "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
        "variables": { "e": "nobody@example.com", "p": "benchmark password" }
    });
    let timed = move |body: serde_json::Value| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let start = Instant::now();
            let response = client.post(&url).json(&body).send().await.expect("request");
            response.bytes().await.expect("body");
            start.elapsed()
        }
    };

    let mut sequential = Vec::with_capacity(n);
    for _ in 0..n {
        sequential.push(timed(login.clone()).await);
    }
    report("login, sequential", &mut sequential, None);

    let mut unknown_times = Vec::with_capacity(n);
    for _ in 0..n {
        unknown_times.push(timed(unknown.clone()).await);
    }
    report("login, unknown email, sequential", &mut unknown_times, None);

    let start = Instant::now();
    let mut concurrent: Vec<Duration> = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(concurrency) {
        concurrent.extend(join_all(chunk.iter().map(|_| timed(login.clone()))).await);
    }
    let elapsed = start.elapsed();
    report(
        &format!("login, {concurrency} concurrent"),
        &mut concurrent,
        Some(elapsed),
    );

    // A cheap query while logins keep every core's hasher busy.
    let health = json!({ "query": "{ portalSettings { invitationTtlHours } }" });
    let logins = tokio::spawn({
        let timed_login = timed.clone();
        let login = login.clone();
        async move {
            for _ in 0..(n / concurrency).max(1) {
                join_all((0..concurrency).map(|_| timed_login(login.clone()))).await;
            }
        }
    });
    let mut cheap = Vec::new();
    while !logins.is_finished() {
        cheap.push(timed(health.clone()).await);
    }
    report("cheap query during login load", &mut cheap, None);
    server.shutdown().await;
}

fn report(label: &str, times: &mut [Duration], wall: Option<Duration>) {
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    let per_second = wall
        .map(|w| format!(", {:.0}/s", times.len() as f64 / w.as_secs_f64()))
        .unwrap_or_default();
    println!(
        "{label:<36} n={:<5} p50={:>7.2} ms  p99={:>7.2} ms{per_second}",
        times.len(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
    );
}
