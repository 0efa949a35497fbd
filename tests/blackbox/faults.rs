//! Faults: the database goes away under load and comes back. The server must answer
//! meanwhile — `/readyz` 503, requests a coded error within seconds, never a hang —
//! and recover by itself.
//!
//! PostgreSQL is "restarted" by a TCP proxy between the server and it (the machine's
//! PostgreSQL serves every other test running at the same time): going down, the proxy
//! cuts every connection and refuses new ones, as a restarting server does.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use clientele_tests::TestApp;
use clientele_tests::fixtures::{OWNER_PASSWORD, Portal};
use clientele_tests::proxy::Proxy;
use serde_json::json;

#[tokio::test]
#[cfg_attr(
    not(clientele_postgres),
    ignore = "needs PostgreSQL: set DATABASE_URL (the PostgreSQL + Redis suite of .ci/run)"
)]
async fn postgres_restarting_under_load_is_answered_fast_and_recovered_from() {
    let real = std::env::var("DATABASE_URL").expect("DATABASE_URL, as when this test was built");
    let upstream = url::Url::parse(&real).unwrap();
    let upstream = format!(
        "{}:{}",
        upstream.host_str().unwrap(),
        upstream.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(upstream).await;
    let port = proxy.port;
    let app = TestApp::start_with(move |c| {
        let mut url = url::Url::parse(c.database.url.expose()).unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(port)).unwrap();
        c.database.url = url.as_str().into();
    })
    .await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let dashboard = "query($a: ID!) { account(id: $a) { name contacts(first: 5) { totalCount } } }";
    app.gql_as(&owner, dashboard, json!({"a": account}))
        .await
        .ok();

    // Load: readers in the background the whole time.
    let answered = Arc::new(AtomicU32::new(0));
    let load = {
        let url = app.url.clone();
        let owner = owner.clone();
        let account = account.clone();
        let answered = answered.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for _ in 0..200 {
                let sent = client
                    .post(format!("{url}/graphql"))
                    .bearer_auth(&owner)
                    .json(&json!({"query": dashboard, "variables": {"a": account}}))
                    .timeout(Duration::from_secs(15))
                    .send()
                    .await;
                if let Ok(response) = sent {
                    assert!(response.status().as_u16() < 500, "{}", response.status());
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                // The load's own pace, a dashboard polling 40 times a second: 200
                // requests spread over the outage and the recovery, not a burst before.
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        })
    };
    // The database goes away once the load is flowing.
    clientele_tests::wait_until(
        async || (answered.load(Ordering::Relaxed) >= 5).then_some(()),
        "the load answered",
    )
    .await;

    proxy.set_up(false);
    let started = Instant::now();
    let (status, _) = app.get("/readyz").await;
    assert_eq!(status, 503, "not ready while the database is away");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the readiness probe answers promptly while the database is away: {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let r = app.gql_as(&owner, dashboard, json!({"a": account})).await;
    assert_eq!(r.error_code(), Some("INTERNAL_SERVER_ERROR"), "{}", r.body);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "a coded error, not a hang: {:?}",
        started.elapsed()
    );
    // Nothing half-written: a change refused while away is not there afterwards.
    let r = app
        .gql_as(
            &owner,
            "mutation($a: ID!) { addContact(accountId: $a, input: { firstName: \"Away\", lastName: \"Away\", role: BILLING }) { id } }",
            json!({"a": account}),
        )
        .await;
    assert_eq!(r.error_code(), Some("INTERNAL_SERVER_ERROR"), "{}", r.body);

    proxy.set_up(true);
    // The pool reconnects by itself (the readiness probe is what tells).
    clientele_tests::wait_until(
        async || (app.get("/readyz").await.0 == 200).then_some(()),
        "ready again",
    )
    .await;
    let r = app
        .gql_as(&owner, dashboard, json!({"a": account}))
        .await
        .ok();
    assert_eq!(r.at("account.contacts.totalCount"), &json!(1), "{}", r.body);
    app.login("owner@acme.test", OWNER_PASSWORD)
        .await
        .expect("signs in after the restart");
    load.await.unwrap();
    assert!(
        answered.load(Ordering::Relaxed) > 100,
        "the load was answered throughout"
    );
    app.stop().await;
}
