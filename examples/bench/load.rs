//! Closed-loop load: each connection is a client with one keep-alive connection that
//! sends its next request as soon as the last answered. Every latency in the measured
//! window is kept; what the server spent over that window is read around it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clientele_examples::{ServerProcess, cpu_ticks, percentile};
use tokio::task::JoinHandle;

/// A request a connection sends: its `n`-th, from connection `connection`.
pub type MakeRequest =
    Arc<dyn Fn(&reqwest::Client, usize, u64) -> reqwest::RequestBuilder + Send + Sync>;

/// When loads run: from now, warming up until `measure_from`, measured until `until`.
#[derive(Clone, Copy)]
pub struct Window {
    pub measure_from: Instant,
    pub until: Instant,
}

impl Window {
    pub fn after_warmup(warmup: Duration, measure: Duration) -> Self {
        let measure_from = Instant::now() + warmup;
        Self {
            measure_from,
            until: measure_from + measure,
        }
    }

    fn length(&self) -> Duration {
        self.until - self.measure_from
    }
}

/// The answers to requests sent within the measured window.
pub struct Outcome {
    /// Successful answers' latencies, sorted.
    pub latencies: Vec<Duration>,
    /// HTTP failures and answers carrying GraphQL errors.
    pub errors: usize,
    pub first_error: Option<String>,
    window: Duration,
}

impl Outcome {
    pub fn rps(&self) -> f64 {
        self.latencies.len() as f64 / self.window.as_secs_f64()
    }

    pub fn p50(&self) -> Duration {
        percentile(&self.latencies, 0.50)
    }

    pub fn p99(&self) -> Duration {
        percentile(&self.latencies, 0.99)
    }

    /// Requests answered in the window, failed or not.
    pub fn requests(&self) -> usize {
        self.latencies.len() + self.errors
    }
}

/// Starts `connections` connections sending `make`'s requests until the window ends.
pub fn spawn(connections: usize, window: Window, make: MakeRequest) -> JoinHandle<Outcome> {
    let workers: Vec<_> = (0..connections)
        .map(|connection| tokio::spawn(connection_loop(connection, window, make.clone())))
        .collect();
    tokio::spawn(async move {
        let mut outcome = Outcome {
            latencies: Vec::new(),
            errors: 0,
            first_error: None,
            window: window.length(),
        };
        for worker in workers {
            let (latencies, errors, first_error) = worker.await.expect("load connection");
            outcome.latencies.extend(latencies);
            outcome.errors += errors;
            outcome.first_error = outcome.first_error.or(first_error);
        }
        outcome.latencies.sort();
        outcome
    })
}

async fn connection_loop(
    connection: usize,
    window: Window,
    make: MakeRequest,
) -> (Vec<Duration>, usize, Option<String>) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client");
    let (mut latencies, mut errors, mut first_error) = (Vec::new(), 0, None);
    for n in 0.. {
        let sent = Instant::now();
        if sent >= window.until {
            break;
        }
        let answer = answer(make(&client, connection, n)).await;
        if sent < window.measure_from {
            continue;
        }
        match answer {
            Ok(()) => latencies.push(sent.elapsed()),
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    (latencies, errors, first_error)
}

/// Sends the request and reads the whole answer: `Err` unless it is a 2xx without
/// GraphQL errors.
async fn answer(request: reqwest::RequestBuilder) -> Result<(), String> {
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    let has_errors = body.windows(9).any(|w| w == b"\"errors\":");
    if status.is_success() && !has_errors {
        return Ok(());
    }
    let shown = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    Err(format!("{status}: {shown}"))
}

/// What the server (and this load generator) spent over a window.
pub struct Usage {
    pub window: Duration,
    pub server_cpu: Duration,
    pub statements: u64,
    pub generator_cpu: Duration,
}

/// Reads the server's CPU time and statement count at the window's start and end.
pub async fn usage_over(server: &ServerProcess, window: Window) -> Usage {
    let client = reqwest::Client::new();
    tokio::time::sleep_until(window.measure_from.into()).await;
    let (cpu, generator, statements) = (
        server.cpu_ticks(),
        cpu_ticks("self"),
        server.sql_statements(&client).await,
    );
    tokio::time::sleep_until(window.until.into()).await;
    let ticks = |t: u64| Duration::from_millis(t * 10);
    Usage {
        window: window.length(),
        server_cpu: ticks(server.cpu_ticks() - cpu),
        generator_cpu: ticks(cpu_ticks("self") - generator),
        statements: server.sql_statements(&client).await - statements,
    }
}
