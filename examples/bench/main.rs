//! The benchmark harness (`just bench`): the release server as a child process, on
//! SQLite and on PostgreSQL, each seeded with one measured account (50 contacts, 20
//! invoices, 20 services) among 1,000 filler accounts of 10 contacts, under 64
//! concurrent keep-alive connections: the dashboard (`examples/dashboard.graphql`) as
//! the account's owner, `addContact`, the dashboard while logins saturate the password
//! hasher, and live-event fan-out. On PostgreSQL, pgbench running the dashboard's SQL
//! (`bench/dashboard.sql`) gives a reference measured in the same run, so figures
//! compare across machines. Prints one table and writes it as JSON.
//!
//!     cargo build --release -p clientele -p clientele-examples --bins --examples
//!     cargo run --release -p clientele-examples --example bench -- \
//!         [--seconds S] [--json PATH] [--only sqlite|postgres]
//!
//! PG_URL (default postgres://postgres@127.0.0.1:5432) is the PostgreSQL server, where
//! a fresh database is created and dropped after; REDIS_URL (default
//! redis://127.0.0.1:6379) is the PostgreSQL servers' event bus.

mod load;
mod pgbench;
mod report;
mod seed;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clientele_examples::{ServerOptions, ServerProcess, live, migrate, ms};
use clientele_tests::TestDatabase;
use load::{MakeRequest, Window};
use report::Row;
use seed::Seeded;
use serde_json::{Value, json};

const CONNECTIONS: usize = 64;
/// Of the 64 connections in the mixed scenario, those that sign in.
const LOGIN_CONNECTIONS: usize = 16;
const WARMUP: Duration = Duration::from_secs(2);

const DASHBOARD: &str = include_str!("../dashboard.graphql");
const LOGIN: &str =
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
const ADD_CONTACT: &str =
    "mutation($a: ID!, $i: AddContactInput!) { addContact(accountId: $a, input: $i) { id } }";

#[derive(Clone, Copy, PartialEq)]
enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    fn name(self) -> &'static str {
        match self {
            Db::Sqlite => "sqlite",
            Db::Postgres => "postgres",
        }
    }
}

struct Settings {
    measure: Duration,
    json: PathBuf,
    only: Option<Db>,
    pg_url: String,
    redis_url: String,
}

impl Settings {
    fn from_args() -> Self {
        let target = ServerProcess::binary()
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .expect("the server binary is in target/release");
        let mut settings = Settings {
            measure: Duration::from_secs(10),
            json: target.join("bench/bench.json"),
            only: None,
            pg_url: std::env::var("PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into()),
            redis_url: std::env::var("REDIS_URL")
                .unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        };
        let usage = "usage: bench [--seconds S] [--json PATH] [--only sqlite|postgres]";
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let value = args.next().unwrap_or_else(|| panic!("{usage}"));
            match flag.as_str() {
                "--seconds" => {
                    settings.measure =
                        Duration::from_secs(value.parse().unwrap_or_else(|_| panic!("{usage}")))
                }
                "--json" => settings.json = value.into(),
                "--only" => {
                    settings.only = Some(match value.as_str() {
                        "sqlite" => Db::Sqlite,
                        "postgres" => Db::Postgres,
                        _ => panic!("{usage}"),
                    })
                }
                _ => panic!("{usage}"),
            }
        }
        settings
    }

    /// Where the JSON and the servers' logs go.
    fn out_dir(&self) -> &Path {
        self.json.parent().unwrap_or(Path::new("."))
    }

    fn window(&self) -> Window {
        Window::after_warmup(WARMUP, self.measure)
    }
}

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let settings = Settings::from_args();
    std::fs::create_dir_all(settings.out_dir()).expect("output directory");
    for old_log in server_logs(settings.out_dir()) {
        let _ = std::fs::remove_file(old_log);
    }
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let machine = machine();
    println!(
        "machine: {} cores, {}, load average {}\ncommand: {command}\n",
        machine["cores"],
        machine["cpu"].as_str().unwrap_or("?"),
        machine["load_average_at_start"]
    );

    let mut rows = Vec::new();
    for db in [Db::Sqlite, Db::Postgres] {
        if settings.only.is_none_or(|only| only == db) {
            rows.extend(run_database(db, &settings).await);
        }
    }

    let table = report::markdown(&rows);
    println!("\n{table}");
    let json = report::json(&rows, &machine, &command);
    std::fs::write(
        &settings.json,
        serde_json::to_string_pretty(&json).expect("JSON"),
    )
    .expect("JSON written");
    // The servers log warnings and errors only: any line is worth a look.
    for log in server_logs(settings.out_dir()) {
        let lines = std::fs::read_to_string(&log).map_or(0, |text| text.lines().count());
        if lines > 0 {
            println!("{}: {lines} line(s)", log.display());
        }
    }
    println!(
        "written to {}; {:.0} s in all; load average {} at the end",
        settings.json.display(),
        started.elapsed().as_secs_f64(),
        load_average()
    );
}

/// The servers' logs (`server-*.log`) in `dir`.
fn server_logs(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("server-") && n.ends_with(".log"))
        })
        .collect()
}

/// Every scenario on one database of the benchmark's own, dropped after.
async fn run_database(db: Db, settings: &Settings) -> Vec<Row> {
    let name = db.name();
    let dir = tempfile::tempdir().expect("temp dir");
    let admin_url = (db == Db::Postgres).then_some(settings.pg_url.as_str());
    let database = TestDatabase::create_on(admin_url, dir.path()).await;
    let redis_url = (db == Db::Postgres).then_some(settings.redis_url.as_str());
    let mail_dir = dir.path().join("mail");
    let start = |label: &str| {
        ServerProcess::start(&ServerOptions {
            database_url: database.url(),
            redis_url,
            mail_dir: &mail_dir,
            admin: Some(seed::STAFF),
            log: Some(&settings.out_dir().join(format!("server-{name}{label}.log"))),
        })
    };

    let seeding = Instant::now();
    migrate(database.url());
    seed::filler(database.url(), LOGIN_CONNECTIONS).await;
    let server = start("");
    let seeded = seed::accounts(&server.url).await;
    let one_dashboard = seed::check_dashboard(&server, &seeded, DASHBOARD).await;
    let connection = sea_orm::Database::connect(database.url())
        .await
        .expect("the benchmark database");
    if db == Db::Postgres {
        seed::analyze(&connection).await;
    }
    println!(
        "{name}: seeded {} accounts in {:.1} s; measuring {} s per scenario after {} s of warm-up",
        seed::FILLER_ACCOUNTS + 2,
        seeding.elapsed().as_secs_f64(),
        settings.measure.as_secs(),
        WARMUP.as_secs()
    );

    let mut rows = Vec::new();
    // The reference first, while the server idles: 64 more connections than its pool's.
    let reference = match db {
        Db::Sqlite => None,
        Db::Postgres => {
            let (user_id, token_hash) = seed::owner_session(&connection).await;
            let variables = [
                ("token_hash", token_hash),
                ("user_id", user_id.to_string()),
                ("account_id", seeded.account_id.clone()),
            ];
            let pgbench_dir = tempfile::tempdir().expect("temp dir");
            let measured = pgbench::run(
                database.url(),
                CONNECTIONS,
                settings.measure.as_secs(),
                &variables,
                pgbench_dir.path(),
            )
            .await;
            let mut row = Row::new(name, "pgbench reference (same SQL)");
            match &measured {
                Ok(reference) => {
                    row.rps = Some(reference.tps);
                    row.p50_ms = Some(ms(reference.p50));
                    row.p99_ms = Some(ms(reference.p99));
                    row = row.note("-M prepared -c 64 -j 2; one transaction = one dashboard");
                }
                Err(why) => row = row.note(why.clone()),
            }
            record(&mut rows, row);
            measured.ok()
        }
    };
    connection.close().await.ok();

    let (alone, usage) =
        measure_alone(&server, settings, CONNECTIONS, dashboard(&server, &seeded)).await;
    let mut row =
        Row::load(name, "dashboard (64 conns)", &alone, Some(&usage)).note(match one_dashboard {
            (fewest, most) if fewest == most => format!("a lone dashboard: {fewest} SQL"),
            (fewest, most) => format!("a lone dashboard: {fewest}–{most} SQL"),
        });
    if let Some(reference) = &reference {
        row = row.note(format!(
            "{:.0} % of pgbench",
            alone.rps() * 100.0 / reference.tps
        ));
    }
    record(&mut rows, row);

    let (added, usage) = measure_alone(
        &server,
        settings,
        CONNECTIONS,
        add_contact(&server, &seeded),
    )
    .await;
    record(
        &mut rows,
        Row::load(
            name,
            "addContact (64 conns, events published)",
            &added,
            Some(&usage),
        ),
    );

    // Logins take 16 of the 64 connections; the dashboard's p99 during them compares
    // with its p99 on the same 48 connections alone (a closed loop's latency grows with
    // its connections).
    let dashboard_connections = CONNECTIONS - LOGIN_CONNECTIONS;
    let (baseline, usage) = measure_alone(
        &server,
        settings,
        dashboard_connections,
        dashboard(&server, &seeded),
    )
    .await;
    record(
        &mut rows,
        Row::load(name, "dashboard (48 conns)", &baseline, Some(&usage)),
    );
    let window = settings.window();
    let dashboards = load::spawn(dashboard_connections, window, dashboard(&server, &seeded));
    let logins = load::spawn(LOGIN_CONNECTIONS, window, login(&server, &seeded));
    let during = dashboards.await.expect("dashboard load");
    let logged_in = logins.await.expect("login load");
    record(
        &mut rows,
        Row::load(name, "dashboard (48 conns) during logins", &during, None).note(format!(
            "p99 {:.1}× without logins",
            during.p99().as_secs_f64() / baseline.p99().as_secs_f64().max(1e-9)
        )),
    );
    record(
        &mut rows,
        Row::load(name, "login (16 conns) during dashboards", &logged_in, None),
    );
    drop(server);

    // Live events on fresh instances: their memory growth is the subscribers' alone.
    let (subscribers, instances) = match db {
        Db::Sqlite => (10_000, 1),
        Db::Postgres => (1_000, 2),
    };
    let servers: Vec<ServerProcess> = (0..instances)
        .map(|i| start(&format!("-live{i}")))
        .collect();
    let live = live::measure(&servers, subscribers, 20).await;
    drop(servers);
    let kib = live.kib_per_idle_subscriber();
    let mut row = Row::new(
        name,
        format!(
            "live events: {subscribers} subscribers, {instances} instance{}, {} changes",
            if instances > 1 { "s" } else { "" },
            live.changes
        ),
    );
    row.p50_ms = Some(ms(live.p50));
    row.p99_ms = Some(ms(live.p99));
    record(
        &mut rows,
        row.note(format!("delivered {}/{}", live.delivered, live.expected))
            .note(format!(
                "{} KiB per idle subscriber",
                kib.iter()
                    .map(|k| format!("{k:.1}"))
                    .collect::<Vec<_>>()
                    .join(" / ")
            ))
            .note(format!(
                "opened in {:.1} s, settled {:.1} s later",
                live.opened_in.as_secs_f64(),
                live.settled_in.as_secs_f64()
            )),
    );
    rows
}

/// One load alone on the server, and what the server spent on it.
async fn measure_alone(
    server: &ServerProcess,
    settings: &Settings,
    connections: usize,
    make: MakeRequest,
) -> (load::Outcome, load::Usage) {
    let window = settings.window();
    let requests = load::spawn(connections, window, make);
    let usage = load::usage_over(server, window).await;
    (requests.await.expect("load"), usage)
}

/// The dashboard, as the measured account's owner.
fn dashboard(server: &ServerProcess, seeded: &Seeded) -> MakeRequest {
    let url = format!("{}/graphql", server.url);
    let token = seeded.owner_token.clone();
    let body =
        json!({ "query": DASHBOARD, "variables": { "account": seeded.account_id } }).to_string();
    Arc::new(move |client, _, _| {
        client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.clone())
    })
}

/// A new contact in the second account on every request (its owner adds it).
fn add_contact(server: &ServerProcess, seeded: &Seeded) -> MakeRequest {
    let url = format!("{}/graphql", server.url);
    let token = seeded.writer_token.clone();
    let account = seeded.writer_account_id.clone();
    Arc::new(move |client, connection, n| {
        let body = json!({ "query": ADD_CONTACT, "variables": { "a": account, "i": {
            "firstName": format!("Load{connection}"), "lastName": format!("Contact{n}"),
            "email": format!("c{connection}-{n}@load.example"), "role": "TECHNICAL",
        }}});
        client.post(&url).bearer_auth(&token).json(&body)
    })
}

/// Sign-ins, one filler owner per connection (one argon2 verification each).
fn login(server: &ServerProcess, seeded: &Seeded) -> MakeRequest {
    let url = format!("{}/graphql", server.url);
    let bodies: Vec<String> = (0..LOGIN_CONNECTIONS)
        .map(|i| {
            json!({ "query": LOGIN, "variables": { "e": seed::login_email(i), "p": seeded.password } })
                .to_string()
        })
        .collect();
    Arc::new(move |client, connection, _| {
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(bodies[connection % bodies.len()].clone())
    })
}

/// Cores and CPU model, printed and recorded with the figures.
fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
        .map_or("unknown CPU", |(_, model)| model.trim());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    json!({ "cores": cores, "cpu": cpu, "load_average_at_start": load_average() })
}

/// The 1-minute load average: above the core count, something else competed for the
/// CPU while this ran (the pgbench row shows how much that cost PostgreSQL).
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Adds a row to the table, and says so: a run takes minutes.
fn record(rows: &mut Vec<Row>, row: Row) {
    println!("  {}", report::summary(&row));
    rows.push(row);
}
