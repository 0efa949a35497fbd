//! Live-event delivery under load: opens N WebSocket subscribers on one account, spread
//! over I server instances, makes M contact changes, and reports how long each change
//! took to reach each subscriber (p50/p99) and what an idle subscriber costs a server
//! in memory (`clientele_examples::live`, which `bench` runs too).
//!
//! The servers are real `clientele` processes (the release binary, next to this
//! example), on a temporary SQLite file — or, with DATABASE_URL set to PostgreSQL, on a
//! fresh database there, with REDIS_URL as their bus (needed for I = 2).
//!
//!     cargo build --release -p clientele
//!     cargo run --release -p clientele-examples --example live_events -- N M I

use clientele_examples::{ServerOptions, ServerProcess, live, ms};
use clientele_tests::TestDatabase;

#[tokio::main]
async fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("numbers: N M I"));
    let subscribers = args.next().unwrap_or(1000);
    let changes = args.next().unwrap_or(50);
    let instances = args.next().unwrap_or(1).max(1);

    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::create(dir.path()).await;
    let redis_url = std::env::var("REDIS_URL")
        .ok()
        .filter(|_| database.is_postgres());
    assert!(
        instances == 1 || redis_url.is_some(),
        "two instances need DATABASE_URL=postgres://… and REDIS_URL"
    );
    let servers: Vec<ServerProcess> = (0..instances)
        .map(|i| {
            ServerProcess::start(&ServerOptions {
                database_url: database.url(),
                redis_url: redis_url.as_deref(),
                mail_dir: &dir.path().join(format!("mail{i}")),
                admin: None,
                log: None,
            })
        })
        .collect();

    let report = live::measure(&servers, subscribers, changes).await;
    println!(
        "subscribers={subscribers} instances={instances} mutations={changes} database={}",
        if database.is_postgres() {
            "postgres+redis"
        } else {
            "sqlite"
        }
    );
    println!(
        "  opened {subscribers} subscriptions in {:.1} s; the servers settled {:.1} s later",
        report.opened_in.as_secs_f64(),
        report.settled_in.as_secs_f64()
    );
    println!(
        "  delivered {}/{}  latency p50={:.1} ms  p99={:.1} ms  max={:.1} ms",
        report.delivered,
        report.expected,
        ms(report.p50),
        ms(report.p99),
        ms(report.max)
    );
    let per_subscriber = report.kib_per_idle_subscriber();
    for (i, ((before, after), each)) in report.rss_kib.iter().zip(per_subscriber).enumerate() {
        println!(
            "  instance {i}: RSS {:.1} MiB -> {:.1} MiB with {} idle subscribers = {each:.1} KiB each",
            *before as f64 / 1024.0,
            *after as f64 / 1024.0,
            subscribers / instances
        );
    }
}
