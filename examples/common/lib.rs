//! What the load generators share: the release `clientele` binary as a child process
//! (so its CPU and memory are its own to measure), GraphQL calls as a client makes
//! them, latency percentiles, and the live-events measurement (`live_events` runs it
//! alone, `bench` as one of its rows). Also the engine of the `subscriber` example, a
//! command-line dashboard of contact events ([`subscriber::follow`]).

pub mod live;
mod server;
pub mod subscriber;

use std::time::Duration;

use serde_json::{Value, json};

pub use server::{ServerOptions, ServerProcess, cpu_ticks, migrate};

/// The configuration of a server run in-process by a benchmark: the environment's,
/// on a SQLite file in `dir` unless DATABASE_URL names a database, listening on a free
/// port, without the reminder schedule.
pub fn in_process_config(dir: &std::path::Path) -> clientele::Config {
    let mut config =
        clientele::Config::from_lookup(|name| std::env::var(name).ok()).expect("config");
    if std::env::var("DATABASE_URL").is_err() {
        config.database.url =
            format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()).into();
    }
    config.http.bind = "127.0.0.1:0".parse().expect("an address");
    config.schedules.reminders_every = None;
    config
}

/// Sends one GraphQL operation to the server at `base_url` (as `token`'s session, if
/// any) and returns its `data`. Panics with the response when it carries errors: these
/// calls set a benchmark up, and a benchmark whose setup failed measures nothing.
pub async fn gql(
    client: &reqwest::Client,
    base_url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(format!("{base_url}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Value = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{base_url} answers: {e}"))
        .json()
        .await
        .expect("a JSON answer");
    assert!(body.get("errors").is_none(), "{query}\n→ {body}");
    body["data"].clone()
}

/// An account and its owner's session, registered through the API.
pub struct Registered {
    pub token: String,
    pub account: String,
}

/// Registers `account_name` with its owner `email` (password `password`), as a
/// newcomer would; panics if the server refuses (a benchmark's setup failed).
pub async fn register(
    client: &reqwest::Client,
    base_url: &str,
    account_name: &str,
    email: &str,
    password: &str,
) -> Registered {
    let data = gql(
        client,
        base_url,
        None,
        "mutation($i: RegisterInput!) { register(input: $i) { token viewer { currentAccount { id } } } }",
        json!({ "i": { "accountName": account_name, "firstName": "Bench", "lastName": account_name,
            "email": email, "password": password } }),
    )
    .await;
    let registered = &data["register"];
    Registered {
        token: registered["token"].as_str().expect("a token").to_owned(),
        account: registered["viewer"]["currentAccount"]["id"]
            .as_str()
            .expect("an account")
            .to_owned(),
    }
}

/// The `p` quantile (0 ≤ p ≤ 1) of durations sorted in ascending order; zero when there
/// are none.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let last = sorted.len().saturating_sub(1);
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(last))
        .copied()
        .unwrap_or_default()
}

/// Milliseconds, for printing.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
