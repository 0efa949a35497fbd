//! How webhook deliveries go out (SPEC "Signed webhooks"): one endpoint's in the order
//! of their attempts, a receiver that hangs holding back only itself, and a name that
//! resolves into the server's own network refused at delivery.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clientele_tests::fixtures::Portal;
use clientele_tests::{TestApp, wait_for};
use serde_json::{Value, json};

use crate::webhooks::{DELIVERIES, Receiver, header, local_endpoint, local_server};

/// The first names of the contacts the receiver was told of, in the order it was.
fn names(receiver: &Receiver) -> Vec<String> {
    receiver
        .requests()
        .iter()
        .map(|(_, body)| {
            let payload: Value = serde_json::from_str(body).unwrap();
            payload["data"]["firstName"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// A receiver down for six requests, then back: each event is tried in turn while it
/// fails, each retry comes in the order the events were first tried, and after the
/// recovery every event arrives once more, in that order, then new ones after them.
#[tokio::test]
async fn a_receiver_that_fails_then_recovers_gets_every_event_in_order_of_retry() {
    let app = local_server().await;
    let receiver = Receiver::start(&[500, 500, 500, 503, 503, 503]).await;
    let acme = Portal::acme(&app).await;
    local_endpoint(
        &app,
        &acme.owner,
        &acme.account,
        &receiver.url,
        &["contact.created"],
    )
    .await;
    let clock = app.server.domain.clock();
    for name in ["A", "B", "C"] {
        app.add_card(&acme.owner, &acme.account, name).await;
        clock.advance(std::time::Duration::from_secs(1));
    }
    app.server.deliver_webhooks().await.unwrap();
    assert_eq!(names(&receiver), ["A", "B", "C"]);
    // Each retry comes 5 s after its own failure: walk past all three.
    clock.advance(std::time::Duration::from_secs(5));
    app.server.deliver_webhooks().await.unwrap();
    assert_eq!(names(&receiver), ["A", "B", "C", "A", "B", "C"]);
    // Recovered: the third attempts, 5 min on, all succeed; then a new event.
    clock.advance(std::time::Duration::from_secs(300));
    app.server.deliver_webhooks().await.unwrap();
    app.add_card(&acme.owner, &acme.account, "D").await;
    app.server.deliver_webhooks().await.unwrap();
    assert_eq!(
        names(&receiver),
        ["A", "B", "C", "A", "B", "C", "A", "B", "C", "D"]
    );
    // One webhook-id per event, kept on every attempt.
    let ids: Vec<String> = receiver
        .requests()
        .iter()
        .map(|(h, _)| header(h, "webhook-id").to_owned())
        .collect();
    assert_eq!(ids[0], ids[3]);
    assert_eq!(ids[0], ids[6]);
    assert_ne!(ids[0], ids[1]);
    let r = app
        .gql_as(&acme.owner, DELIVERIES, json!({ "a": acme.account }))
        .await
        .ok();
    let statuses: Vec<&Value> = r
        .at("account.webhookEndpoints.0.deliveries.nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["status"])
        .collect();
    assert_eq!(statuses, [&json!("SUCCEEDED"); 4]);
    app.stop().await;
}

/// A receiver that accepts connections and never answers.
struct Hanging {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl Hanging {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                held.push(socket);
            }
        });
        Self { url, connections }
    }
}

/// The server's own worker (woken by each commit, not driven by the test) sends to a
/// healthy receiver while another endpoint's request hangs: the hanging one holds only
/// its own endpoint, whose next delivery waits behind it.
#[tokio::test]
async fn a_receiver_that_hangs_does_not_delay_a_healthy_one() {
    let app = local_server().await;
    let hanging = Hanging::start().await;
    let healthy = Receiver::start(&[]).await;
    let acme = Portal::acme(&app).await;
    for url in [&hanging.url, &healthy.url] {
        local_endpoint(&app, &acme.owner, &acme.account, url, &["contact.created"]).await;
    }
    app.add_card(&acme.owner, &acme.account, "First").await;
    wait_for(
        || (hanging.connections.load(Ordering::SeqCst) == 1).then_some(()),
        "the hanging receiver's connection",
    )
    .await;
    for i in 0..5 {
        app.add_card(&acme.owner, &acme.account, &format!("Next{i}"))
            .await;
    }
    wait_for(
        || (healthy.requests().len() == 6).then_some(()),
        "all six events at the healthy receiver",
    )
    .await;
    // Still hanging (the timeout is 10 s): one request in flight, the rest queued.
    assert_eq!(hanging.connections.load(Ordering::SeqCst), 1);
    let r = app
        .gql_as(
            &acme.owner,
            "query($a: ID!) { account(id: $a) { webhookEndpoints { url deliveries { nodes { status attempts lastResponseStatus } } } } }",
            json!({ "a": acme.account }),
        )
        .await
        .ok();
    let endpoints = r.at("account.webhookEndpoints").as_array().unwrap();
    let stuck = endpoints.iter().find(|e| e["url"] == hanging.url).unwrap();
    let attempts: Vec<i64> = stuck["deliveries"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["attempts"].as_i64().unwrap())
        .collect();
    assert_eq!(attempts.iter().sum::<i64>(), 1, "{stuck}");
    assert!(
        stuck["deliveries"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "PENDING" && d["lastResponseStatus"].is_null())
    );
    app.stop().await;
}

/// A name is checked where it is used: `crm.example.com` is accepted when the endpoint
/// is made (it names no address), but at delivery it resolves (here: pinned by
/// `WEBHOOKS_RESOLVE`, as split-horizon DNS would answer) only to loopback or private
/// addresses, and no connection is made; the delivery records why.
#[tokio::test]
async fn a_name_that_resolves_to_a_private_address_is_refused_at_delivery() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok(_socket) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });
    let app = TestApp::start_with(|c| {
        for (name, address) in [
            ("crm.example.com", "127.0.0.1"),
            ("intranet.example.com", "10.0.0.7"),
            ("metadata.example.com", "169.254.169.254"),
            ("mapped.example.com", "::ffff:127.0.0.1"),
        ] {
            c.webhooks
                .hosts
                .insert(name.into(), vec![address.parse().unwrap()]);
        }
    })
    .await;
    let acme = Portal::acme(&app).await;
    for name in [
        "crm.example.com",
        "intranet.example.com",
        "metadata.example.com",
        "mapped.example.com",
    ] {
        local_endpoint(
            &app,
            &acme.owner,
            &acme.account,
            &format!("https://{name}:{port}/hook"),
            &["contact.created"],
        )
        .await;
    }
    app.add_card(&acme.owner, &acme.account, "Probe").await;
    app.server.deliver_webhooks().await.unwrap();
    let r = app
        .gql_as(
            &acme.owner,
            "query($a: ID!) { account(id: $a) { webhookEndpoints { url deliveries { nodes { status attempts lastResponseStatus lastError } } } } }",
            json!({ "a": acme.account }),
        )
        .await
        .ok();
    for endpoint in r.at("account.webhookEndpoints").as_array().unwrap() {
        let delivery = &endpoint["deliveries"]["nodes"][0];
        assert_eq!(delivery["status"], "PENDING", "{endpoint}");
        assert_eq!(delivery["attempts"], 1);
        assert!(delivery["lastResponseStatus"].is_null());
        let why = delivery["lastError"].as_str().unwrap();
        assert!(
            why.contains("resolves to no address a webhook may reach"),
            "{why}"
        );
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0);
    app.stop().await;
}
