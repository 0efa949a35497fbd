//! Notification emails through the outbox to a real SMTP server: starts clientele in
//! this process (temporary SQLite, or DATABASE_URL's PostgreSQL) with SMTP pointed at a
//! local sink, gives an account R recipients of GENERAL, then has staff send K
//! notifications (`sendNotification`: one email per recipient, routed and rendered in
//! the change's transaction) and times until the sink has received all K × R.
//!
//!     cargo run --release -p clientele-examples --example mail_throughput -- [K] [R]

use std::time::{Duration, Instant};

use clientele_examples::gql;
use clientele_tests::SmtpSink;
use serde_json::json;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let sends: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let recipients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);

    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = clientele_examples::in_process_config(dir.path());
    config.mail.smtp_url = Some(sink.url().into());
    let staff_email = format!("staff-{}@example.com", std::process::id());
    config.admin = Some(clientele::AdminCredentials {
        email: staff_email.clone(),
        password: "staff benchmark password".to_owned().into(),
    });
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
    // The owner receives GENERAL by default; the rest are contacts who chose it.
    for i in 1..recipients {
        gql(
            &client,
            &base,
            Some(&token),
            "mutation($a: ID!, $i: AddContactInput!) { addContact(accountId: $a, input: $i) { id } }",
            json!({ "a": account, "i": { "firstName": "R", "lastName": format!("{i}"),
                "email": format!("r{i}@example.com"), "role": "TECHNICAL",
                "notificationPreferences": ["GENERAL"] } }),
        )
        .await;
    }
    let staff = gql(
        &client,
        &base,
        None,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
        json!({ "e": staff_email, "p": "staff benchmark password" }),
    )
    .await["login"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = sink.messages().len();
    let total = sends * recipients;

    let start = Instant::now();
    let mut queue_times = Vec::with_capacity(sends);
    for n in 0..sends {
        let sent = Instant::now();
        let data = gql(
            &client,
            &base,
            Some(&staff),
            "mutation($a: ID!, $s: String!) { sendNotification(accountId: $a, category: \"GENERAL\", subject: $s, body: \"Planned maintenance tonight.\") }",
            json!({ "a": account, "s": format!("Notice {n}") }),
        )
        .await;
        assert_eq!(data["sendNotification"], json!(recipients));
        queue_times.push(sent.elapsed());
    }
    let queued = start.elapsed();
    while sink.messages().len() - before < total {
        if start.elapsed() > Duration::from_secs(600) {
            panic!("only {} of {total} arrived", sink.messages().len() - before);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let delivered = start.elapsed();
    queue_times.sort();
    let p50 = queue_times[queue_times.len() / 2];
    println!(
        "{sends} notifications x {recipients} recipients = {total} emails on {}",
        if std::env::var("DATABASE_URL").is_ok() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!(
        "queued in {:.2?} (sendNotification p50 {:.2?}); all delivered over SMTP in {:.2?}: {:.0} emails/s",
        queued,
        p50,
        delivered,
        total as f64 / delivered.as_secs_f64()
    );
    server.shutdown().await;
    sink.stop();
}
