//! Signed webhooks (SPEC "Signed webhooks"): an account's endpoints (MANAGE_ACCOUNT, a
//! person's), the secret shown once and rotated, URLs that would reach the server's
//! own network refused, one delivery queued per event and endpoint in the change's own
//! transaction, for every event type; then sent, signed, to a receiver in the test,
//! retried on schedule, and filtered by what the endpoint's creator may see. Endpoints
//! that no test receives at are named under `.invalid` (RFC 2606): nothing leaves the
//! machine.

use clientele_tests::fixtures::{
    ADD, MEMBER_PASSWORD, OWNER_PASSWORD, Portal, REMOVE, Role, UPDATE,
};
use clientele_tests::{Gql, TestApp};
use serde_json::{Value, json};

pub(crate) const CREATE: &str = "mutation($a: ID!, $i: WebhookEndpointInput!) {
  createWebhookEndpoint(accountId: $a, input: $i) { secret endpoint { id url eventTypes enabled } } }";

pub(crate) const DELIVERIES: &str = "query($a: ID!) { account(id: $a) { webhookEndpoints {
  id url enabled deliveries(first: 100) { totalCount nodes { id eventType messageId status attempts nextAttemptAt } } } } }";

/// Every event type there is.
const ALL_TYPES: [&str; 11] = [
    "contact.created",
    "contact.updated",
    "contact.removed",
    "invitation.sent",
    "invitation.accepted",
    "invitation.revoked",
    "invoice.created",
    "invoice.paid",
    "service.status_changed",
    "ticket.opened",
    "ticket.replied",
];

async fn endpoint(app: &TestApp, token: &str, account: &str, types: &[&str]) -> Gql {
    app.gql_as(
        token,
        CREATE,
        json!({ "a": account, "i": { "url": "https://hooks.example.invalid/in", "eventTypes": types, "description": "CRM" } }),
    )
    .await
}

/// The event types of the deliveries queued to the account's first endpoint, oldest
/// first.
async fn queued(app: &TestApp, token: &str, account: &str) -> Vec<String> {
    let r = app
        .gql_as(token, DELIVERIES, json!({ "a": account }))
        .await
        .ok();
    let mut types: Vec<String> = r
        .at("account.webhookEndpoints.0.deliveries.nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["eventType"].as_str().unwrap().to_owned())
        .collect();
    types.reverse();
    types
}

#[tokio::test]
async fn an_endpoint_is_made_by_a_manager_with_its_secret_shown_once() {
    let app = TestApp::start().await;
    // The types there are, for a client to offer.
    let types = app.gql("{ webhookEventTypes }", json!({})).await.ok();
    assert_eq!(types.at("webhookEventTypes"), &json!(ALL_TYPES));
    let acme = Portal::acme(&app).await;
    let r = endpoint(
        &app,
        &acme.owner,
        &acme.account,
        &["contact.created", "invoice.paid", "contact.created"],
    )
    .await
    .ok();
    let secret = r.str("createWebhookEndpoint.secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    let key = &secret["whsec_".len()..];
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key)
        .unwrap();
    assert!(bytes.len() >= 24, "{} bytes", bytes.len());
    assert_eq!(
        r.at("createWebhookEndpoint.endpoint.eventTypes"),
        &json!(["contact.created", "invoice.paid"])
    );
    // Read back: everything but the secret (the type has no field for it).
    let r = app
        .gql_as(&acme.owner, DELIVERIES, json!({ "a": acme.account }))
        .await
        .ok();
    assert_eq!(
        r.at("account.webhookEndpoints.0.url"),
        &json!("https://hooks.example.invalid/in")
    );

    // A manager's business: a TECHNICAL member is refused, another account's owner
    // finds nothing.
    let technical = acme.member(Role::Technical).await;
    endpoint(&app, &technical.token, &acme.account, &["contact.created"])
        .await
        .expect_code("FORBIDDEN");
    let r = app
        .gql_as(&technical.token, DELIVERIES, json!({ "a": acme.account }))
        .await;
    r.expect_code("FORBIDDEN");
    assert!(r.null_at("account.webhookEndpoints"));
    let other = Portal::new(&app)
        .named("Other")
        .owner("owner@other.test")
        .await;
    endpoint(&app, &other.owner, &acme.account, &["contact.created"])
        .await
        .expect_code("NOT_FOUND");
    // Unknown or no event types: BAD_USER_INPUT.
    for types in [json!(["contact.exploded"]), json!([])] {
        let r = app
            .gql_as(&acme.owner, CREATE, json!({ "a": acme.account, "i": { "url": "https://hooks.example.invalid/in", "eventTypes": types } }))
            .await;
        r.expect_code("BAD_USER_INPUT");
        assert_eq!(
            r.body["errors"][0]["extensions"]["field"],
            json!("eventTypes"),
            "{}",
            r.body
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn urls_that_reach_the_servers_own_network_are_refused() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    for url in [
        "http://127.0.0.1/hook",
        "http://hooks.example.invalid/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://192.168.0.10/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost:8443/hook",
        "https://user:secret@hooks.example.invalid/hook",
        "ftp://hooks.example.invalid/hook",
    ] {
        let r = app
            .gql_as(&acme.owner, CREATE, json!({ "a": acme.account, "i": { "url": url, "eventTypes": ["contact.created"] } }))
            .await;
        r.expect_code("BAD_USER_INPUT");
        assert_eq!(
            r.body["errors"][0]["extensions"]["field"],
            json!("url"),
            "{url}: {}",
            r.body
        );
    }
    let r = app
        .gql_as(&acme.owner, DELIVERIES, json!({ "a": acme.account }))
        .await
        .ok();
    assert_eq!(
        r.at("account.webhookEndpoints"),
        &json!([]),
        "nothing was kept"
    );
    app.stop().await;
}

#[tokio::test]
async fn every_event_type_queues_one_delivery_per_endpoint_that_takes_it() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    endpoint(&app, &acme.owner, &acme.account, &ALL_TYPES)
        .await
        .ok();
    // A second endpoint takes invoices only.
    endpoint(&app, &acme.owner, &acme.account, &["invoice.created"])
        .await
        .ok();
    let owner = &acme.owner;
    let account = &acme.account;
    let staff = app.staff().await;

    one_of_each_event(&app, owner, account, &staff).await;

    let types = queued(&app, owner, account).await;
    for expected in ALL_TYPES {
        assert!(
            types.iter().any(|t| t == expected),
            "no {expected} in {types:?}"
        );
    }
    // Each with its own message id, waiting for its first attempt.
    let r = app
        .gql_as(owner, DELIVERIES, json!({ "a": account }))
        .await
        .ok();
    let nodes = r
        .at("account.webhookEndpoints.0.deliveries.nodes")
        .as_array()
        .unwrap()
        .clone();
    let mut ids: Vec<&str> = nodes
        .iter()
        .map(|d| d["messageId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), nodes.len());
    // Waiting (the worker may have tried: `.invalid` names resolve nowhere).
    assert!(
        nodes
            .iter()
            .all(|d| d["status"] == "PENDING" && d["nextAttemptAt"].is_string()),
        "{nodes:?}"
    );
    // The invoices-only endpoint got the invoice it takes, and nothing else.
    let second = &r.at("account.webhookEndpoints.1.deliveries.nodes");
    let second: Vec<&Value> = second.as_array().unwrap().iter().collect();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0]["eventType"], "invoice.created");
    app.stop().await;
}

#[tokio::test]
async fn a_refused_change_queues_nothing_and_a_disabled_endpoint_takes_nothing() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let made = endpoint(
        &app,
        &acme.owner,
        &acme.account,
        &["contact.created", "contact.updated"],
    )
    .await
    .ok();
    let id = made.str("createWebhookEndpoint.endpoint.id").to_owned();
    // A change refused (no name) commits nothing, so announces nothing.
    app.gql_as(
        &acme.owner,
        ADD,
        json!({ "a": acme.account, "i": { "firstName": "", "lastName": "X", "role": "BILLING" } }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    assert!(queued(&app, &acme.owner, &acme.account).await.is_empty());
    // Disabled: nothing queued; enabled again: queued.
    let update = "mutation($id: ID!, $i: WebhookEndpointChanges!) { updateWebhookEndpoint(id: $id, input: $i) { enabled disabledReason } }";
    let r = app
        .gql_as(
            &acme.owner,
            update,
            json!({ "id": id, "i": { "enabled": false } }),
        )
        .await
        .ok();
    assert_eq!(
        r.at("updateWebhookEndpoint.disabledReason"),
        &json!("disabled by a member")
    );
    app.add_card(&acme.owner, &acme.account, "Quiet").await;
    assert!(queued(&app, &acme.owner, &acme.account).await.is_empty());
    app.gql_as(
        &acme.owner,
        update,
        json!({ "id": id, "i": { "enabled": true } }),
    )
    .await
    .ok();
    app.add_card(&acme.owner, &acme.account, "Heard").await;
    assert_eq!(
        queued(&app, &acme.owner, &acme.account).await,
        vec!["contact.created"]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_secret_is_rotated_a_test_is_sent_a_delivery_redelivered_and_an_endpoint_deleted() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let made = endpoint(&app, &acme.owner, &acme.account, &["contact.created"])
        .await
        .ok();
    let id = made.str("createWebhookEndpoint.endpoint.id").to_owned();
    let old = made.str("createWebhookEndpoint.secret").to_owned();
    let rotated = app
        .gql_as(
            &acme.owner,
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    let new = rotated.str("rotateWebhookSecret.secret");
    assert!(new.starts_with("whsec_") && new != old);
    // The old secret signs beside the new one for a day, and the endpoint says until when.
    let overlap = app
        .gql_as(
            &acme.owner,
            "query($a: ID!) { account(id: $a) { webhookEndpoints { previousSecretExpiresAt } } }",
            json!({ "a": acme.account }),
        )
        .await
        .ok();
    let until: chrono::DateTime<chrono::Utc> = overlap
        .str("account.webhookEndpoints.0.previousSecretExpiresAt")
        .parse()
        .unwrap();
    let left = until - app.server.domain.clock().now();
    assert!(
        left > chrono::Duration::hours(23) && left <= chrono::Duration::hours(24),
        "{left}"
    );
    app.server
        .domain
        .clock()
        .advance(std::time::Duration::from_secs(24 * 3600 + 1));
    let after = app
        .gql_as(
            &acme.owner,
            "query($a: ID!) { account(id: $a) { webhookEndpoints { previousSecretExpiresAt } } }",
            json!({ "a": acme.account }),
        )
        .await
        .ok();
    assert!(after.null_at("account.webhookEndpoints.0.previousSecretExpiresAt"));
    let test = app
        .gql_as(
            &acme.owner,
            "mutation($id: ID!) { sendTestWebhook(endpointId: $id) { id eventType status } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(test.at("sendTestWebhook.eventType"), &json!("webhook.test"));
    let again = app
        .gql_as(
            &acme.owner,
            "mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id status } }",
            json!({ "id": test.str("sendTestWebhook.id") }),
        )
        .await
        .ok();
    assert_eq!(again.at("redeliverWebhook.status"), &json!("PENDING"));
    // A member of the account without MANAGE_ACCOUNT is refused, as for the endpoint.
    let billing = acme.member(Role::Billing).await;
    app.gql_as(
        &billing.token,
        "mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }",
        json!({ "id": test.str("sendTestWebhook.id") }),
    )
    .await
    .expect_code("FORBIDDEN");
    // Another account's owner cannot touch it: NOT_FOUND, as if absent.
    let other = Portal::new(&app)
        .named("Other")
        .owner("owner@other.test")
        .await;
    app.gql_as(
        &other.owner,
        "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
        json!({ "id": id }),
    )
    .await
    .expect_code("NOT_FOUND");
    app.gql_as(
        &acme.owner,
        "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
        json!({ "id": id }),
    )
    .await
    .ok();
    let r = app
        .gql_as(&acme.owner, DELIVERIES, json!({ "a": acme.account }))
        .await
        .ok();
    assert_eq!(r.at("account.webhookEndpoints"), &json!([]));
    assert_eq!(
        app.audited_in(&acme.owner, &acme.account, "webhook.rotate_secret")
            .await,
        1
    );
    app.stop().await;
}

/// A webhook receiver in the test: records every request (headers, body) and answers
/// each with the next status of its script (200 once the script is spent).
pub(crate) struct Receiver {
    pub(crate) url: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>,
    script: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<u16>>>,
}

impl Receiver {
    pub(crate) async fn start(script: &[u16]) -> Self {
        use axum::routing::post;
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let script: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<u16>>> =
            std::sync::Arc::new(std::sync::Mutex::new(script.iter().copied().collect()));
        let (r, s) = (received.clone(), script.clone());
        let app = axum::Router::new().route(
            "/hook",
            post(move |headers: axum::http::HeaderMap, body: String| {
                let (r, s) = (r.clone(), s.clone());
                async move {
                    r.lock().unwrap().push((headers, body));
                    let status = s.lock().unwrap().pop_front().unwrap_or(200);
                    (axum::http::StatusCode::from_u16(status).unwrap(), "thanks")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            received,
            script: script.clone(),
        }
    }

    pub(crate) fn requests(&self) -> Vec<(axum::http::HeaderMap, String)> {
        self.received.lock().unwrap().clone()
    }
}

/// A server whose webhooks may reach the receiver on 127.0.0.1 over HTTP.
pub(crate) async fn local_server() -> TestApp {
    TestApp::start_with(|c| c.domain.webhooks_allow_private = true).await
}

pub(crate) async fn local_endpoint(
    app: &TestApp,
    token: &str,
    account: &str,
    url: &str,
    types: &[&str],
) -> (String, String) {
    let r = app
        .gql_as(
            token,
            CREATE,
            json!({ "a": account, "i": { "url": url, "eventTypes": types } }),
        )
        .await
        .ok();
    (
        r.str("createWebhookEndpoint.endpoint.id").to_owned(),
        r.str("createWebhookEndpoint.secret").to_owned(),
    )
}

pub(crate) fn header<'h>(headers: &'h axum::http::HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Whether `headers` carry a signature of `body` by `secret` (Standard Webhooks).
fn signed_by(headers: &axum::http::HeaderMap, body: &str, secret: &str) -> bool {
    let id = header(headers, "webhook-id");
    let timestamp: i64 = header(headers, "webhook-timestamp").parse().unwrap();
    let expected = domain::webhooks::signature(secret, id, timestamp, body).unwrap();
    header(headers, "webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

#[tokio::test]
async fn a_delivery_is_posted_signed_and_recorded() {
    let app = local_server().await;
    let receiver = Receiver::start(&[]).await;
    let acme = Portal::acme(&app).await;
    let (_, secret) = local_endpoint(
        &app,
        &acme.owner,
        &acme.account,
        &receiver.url,
        &["contact.created"],
    )
    .await;
    app.add_card(&acme.owner, &acme.account, "Hooked").await;
    app.server.deliver_webhooks().await.unwrap();
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let (headers, body) = &requests[0];
    assert!(signed_by(headers, body, &secret), "{headers:?}");
    assert!(header(headers, "webhook-id").starts_with("msg_"));
    assert_eq!(header(headers, "content-type"), "application/json");
    let payload: Value = serde_json::from_str(body).unwrap();
    assert_eq!(payload["type"], "contact.created");
    assert_eq!(payload["data"]["firstName"], "Hooked");
    let r = app
        .gql_as(&acme.owner, DELIVERIES, json!({ "a": acme.account }))
        .await
        .ok();
    let delivery = &r.at("account.webhookEndpoints.0.deliveries.nodes.0");
    assert_eq!(delivery["status"], "SUCCEEDED");
    assert_eq!(delivery["messageId"], header(headers, "webhook-id"));
    app.stop().await;
}

#[tokio::test]
async fn a_failed_delivery_is_retried_on_schedule_with_the_same_id() {
    let app = local_server().await;
    let receiver = Receiver::start(&[500, 503]).await;
    let acme = Portal::acme(&app).await;
    local_endpoint(
        &app,
        &acme.owner,
        &acme.account,
        &receiver.url,
        &["contact.created"],
    )
    .await;
    app.add_card(&acme.owner, &acme.account, "Retry").await;
    app.server.deliver_webhooks().await.unwrap();
    let status = async || {
        let r = app.gql_as(&acme.owner, "query($a: ID!) { account(id: $a) { webhookEndpoints { deliveries { nodes { status attempts lastResponseStatus nextAttemptAt } } } } }", json!({ "a": acme.account })).await.ok();
        r.at("account.webhookEndpoints.0.deliveries.nodes.0")
            .clone()
    };
    let first = status().await;
    assert_eq!(first["status"], "PENDING");
    // The queue as /metrics shows it after the pass: one waiting, queued moments ago.
    assert_eq!(
        app.metric("clientele_webhook_deliveries_pending").await,
        1.0
    );
    assert!(app.metric("clientele_webhook_oldest_pending_seconds").await < 60.0);
    assert_eq!(first["attempts"], 1);
    assert_eq!(first["lastResponseStatus"], 500);
    // Not yet due: a pass sends nothing.
    app.server.deliver_webhooks().await.unwrap();
    assert_eq!(receiver.requests().len(), 1);
    // 5 s later, the second attempt (503); 5 min after that, the third (200).
    app.server
        .domain
        .clock()
        .advance(std::time::Duration::from_secs(5));
    app.server.deliver_webhooks().await.unwrap();
    assert_eq!(status().await["lastResponseStatus"], 503);
    app.server
        .domain
        .clock()
        .advance(std::time::Duration::from_secs(300));
    app.server.deliver_webhooks().await.unwrap();
    let last = status().await;
    assert_eq!(last["status"], "SUCCEEDED");
    assert_eq!(
        app.metric("clientele_webhook_deliveries_pending").await,
        0.0
    );
    assert_eq!(
        app.metric("clientele_webhook_oldest_pending_seconds").await,
        0.0
    );
    assert_eq!(last["attempts"], 3);
    let ids: Vec<String> = receiver
        .requests()
        .iter()
        .map(|(h, _)| header(h, "webhook-id").to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    drop(receiver.script);
    app.stop().await;
}

#[tokio::test]
async fn after_a_rotation_both_secrets_sign_for_a_day() {
    let app = local_server().await;
    let receiver = Receiver::start(&[]).await;
    let acme = Portal::acme(&app).await;
    let (id, old) = local_endpoint(
        &app,
        &acme.owner,
        &acme.account,
        &receiver.url,
        &["contact.created"],
    )
    .await;
    let new = app
        .gql_as(
            &acme.owner,
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
            json!({ "id": id }),
        )
        .await
        .ok()
        .str("rotateWebhookSecret.secret")
        .to_owned();
    app.add_card(&acme.owner, &acme.account, "During").await;
    app.server.deliver_webhooks().await.unwrap();
    let (headers, body) = receiver.requests()[0].clone();
    assert!(
        signed_by(&headers, &body, &old) && signed_by(&headers, &body, &new),
        "{headers:?}"
    );
    app.server
        .domain
        .clock()
        .advance(std::time::Duration::from_secs(25 * 3600));
    app.add_card(&acme.owner, &acme.account, "After").await;
    app.server.deliver_webhooks().await.unwrap();
    let (headers, body) = receiver.requests()[1].clone();
    assert!(
        signed_by(&headers, &body, &new) && !signed_by(&headers, &body, &old),
        "{headers:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn what_a_delivery_carries_is_what_its_creator_may_see_then() {
    let app = local_server().await;
    let receiver = Receiver::start(&[]).await;
    let acme = Portal::acme(&app).await;
    let admin = acme.member(Role::Admin).await;
    local_endpoint(
        &app,
        &admin.token,
        &acme.account,
        &receiver.url,
        &["contact.created", "invoice.created"],
    )
    .await;
    let staff = app.staff().await;
    app.gql_as(&staff, "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"99.00\", currency: \"EUR\", dueDate: \"2031-01-01\" }) { id } }", json!({ "a": acme.account }))
        .await
        .ok();
    app.server.deliver_webhooks().await.unwrap();
    let payload: Value = serde_json::from_str(&receiver.requests()[0].1).unwrap();
    assert_eq!(payload["data"]["total"], "99.00", "the admin sees amounts");
    // The admin lowered to TECHNICAL no longer manages the account: the endpoint is
    // disabled, what it had pending fails, and nothing more is sent.
    app.gql_as(
        &acme.owner,
        UPDATE,
        json!({ "id": admin.contact_id, "i": { "role": "TECHNICAL" } }),
    )
    .await
    .ok();
    app.add_card(&acme.owner, &acme.account, "Unheard").await;
    app.server.deliver_webhooks().await.unwrap();
    assert_eq!(receiver.requests().len(), 1);
    let r = app
        .gql_as(&acme.owner, DELIVERIES, json!({ "a": acme.account }))
        .await
        .ok();
    assert_eq!(r.at("account.webhookEndpoints.0.enabled"), &json!(false));
    assert_eq!(
        r.at("account.webhookEndpoints.0.deliveries.nodes.0.status"),
        &json!("FAILED")
    );
    app.stop().await;
}

/// The Standard Webhooks reference verifier (`tests/webhooks/receiver.mjs`, npm
/// `standardwebhooks`), run by the test: its URL, and each delivery it received as it
/// reported it (`{id, type, verified, error}`).
struct ReferenceReceiver {
    url: String,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    _child: tokio::process::Child,
}

impl ReferenceReceiver {
    async fn start(secrets: &[&str]) -> Self {
        use tokio::io::AsyncBufReadExt;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("webhooks");
        install_once(&dir).await;
        let mut child = tokio::process::Command::new("node")
            .arg(dir.join("receiver.mjs"))
            .env("WEBHOOK_SECRETS", secrets.join(","))
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the reference receiver");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines
            .next_line()
            .await
            .unwrap()
            .expect("the receiver says where it listens");
        let port = first.strip_prefix("listening ").expect("listening <port>");
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            lines,
            _child: child,
        }
    }

    /// The next delivery the receiver reports.
    async fn next(&mut self) -> Value {
        let line = tokio::time::timeout(std::time::Duration::from_secs(10), self.lines.next_line())
            .await
            .expect("a delivery within 10 s")
            .unwrap()
            .expect("the receiver is running");
        serde_json::from_str(&line).unwrap()
    }
}

/// `npm ci` in `dir` the first time a test needs it (once per test run).
async fn install_once(dir: &std::path::Path) {
    static INSTALLED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    INSTALLED
        .get_or_init(|| async {
            if dir.join("node_modules/standardwebhooks").exists() {
                return;
            }
            let status = tokio::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(dir)
                .status()
                .await
                .expect("npm runs");
            assert!(status.success(), "npm ci in {}", dir.display());
        })
        .await;
}

/// Every event type reaches a receiver that checks each signature with the reference
/// library; after a rotation, deliveries verify with the old secret and with the new.
#[tokio::test]
#[cfg_attr(
    not(clientele_node),
    ignore = "needs Node.js on the PATH to run the Standard Webhooks reference verifier (npm standardwebhooks)"
)]
async fn the_reference_verifier_accepts_every_event_type_and_both_secrets_after_rotation() {
    let app = local_server().await;
    let acme = Portal::acme(&app).await;
    // The secret is known only once the endpoint exists: a first endpoint at a
    // placeholder, pointed at the receiver once it runs with that secret.
    let (id, secret) = local_endpoint(
        &app,
        &acme.owner,
        &acme.account,
        "http://127.0.0.1:9/hook",
        &ALL_TYPES,
    )
    .await;
    app.gql_as(
        &acme.owner,
        "mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false }) { id } }",
        json!({ "id": id }),
    )
    .await
    .ok();
    let mut receiver = ReferenceReceiver::start(&[&secret]).await;
    app.gql_as(
        &acme.owner,
        "mutation($id: ID!, $u: String!) { updateWebhookEndpoint(id: $id, input: { url: $u, enabled: true }) { id } }",
        json!({ "id": id, "u": receiver.url }),
    )
    .await
    .ok();
    let owner = &acme.owner;
    let account = &acme.account;
    let staff = app.staff().await;
    one_of_each_event(&app, owner, account, &staff).await;
    app.server.deliver_webhooks().await.unwrap();
    let mut seen = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    // Every event queued after the URL changed; the invitation of `acceptInvitation`
    // also updates the card (contact.created for the new member).
    while !ALL_TYPES
        .iter()
        .all(|t| seen.iter().any(|s: &String| s == t))
    {
        let delivery = receiver.next().await;
        assert_eq!(delivery["verified"], json!([0]), "{delivery}");
        assert!(
            ids.insert(delivery["id"].as_str().unwrap().to_owned()),
            "one delivery per webhook-id: {delivery}"
        );
        seen.push(delivery["type"].as_str().unwrap().to_owned());
    }

    // Rotated: the old secret and the new both verify for a day.
    let new = app
        .gql_as(
            owner,
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
            json!({ "id": id }),
        )
        .await
        .ok()
        .str("rotateWebhookSecret.secret")
        .to_owned();
    let mut both = ReferenceReceiver::start(&[&secret, &new]).await;
    app.gql_as(
        owner,
        "mutation($id: ID!, $u: String!) { updateWebhookEndpoint(id: $id, input: { url: $u }) { id } }",
        json!({ "id": id, "u": both.url }),
    )
    .await
    .ok();
    app.add_card(owner, account, "After rotation").await;
    app.server.deliver_webhooks().await.unwrap();
    let delivery = both.next().await;
    assert_eq!(delivery["verified"], json!([0, 1]), "{delivery}");

    // The verifier is not a formality: one holding another secret refuses the delivery
    // (and its 400 is recorded, the delivery left to retry).
    let mut stranger = ReferenceReceiver::start(&[&domain::webhooks::new_secret()]).await;
    app.gql_as(
        owner,
        "mutation($id: ID!, $u: String!) { updateWebhookEndpoint(id: $id, input: { url: $u }) { id } }",
        json!({ "id": id, "u": stranger.url }),
    )
    .await
    .ok();
    app.add_card(owner, account, "Unverified").await;
    app.server.deliver_webhooks().await.unwrap();
    let refused = stranger.next().await;
    assert_eq!(refused["verified"], json!([]), "{refused}");
    assert!(
        refused["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{refused}"
    );
    let r = app
        .gql_as(owner, "query($a: ID!) { account(id: $a) { webhookEndpoints { deliveries(first: 1) { nodes { status lastResponseStatus } } } } }", json!({ "a": account }))
        .await
        .ok();
    let last = r.at("account.webhookEndpoints.0.deliveries.nodes.0");
    assert_eq!(last["status"], "PENDING");
    assert_eq!(last["lastResponseStatus"], 400);
    app.stop().await;
}

/// Instances sharing one database are one service: two workers racing over the same
/// due deliveries send each exactly once (one `webhook-id`, one request).
#[tokio::test]
async fn two_instances_racing_send_each_delivery_once() {
    let app = local_server().await;
    let receiver = Receiver::start(&[]).await;
    let acme = Portal::acme(&app).await;
    local_endpoint(
        &app,
        &acme.owner,
        &acme.account,
        &receiver.url,
        &["contact.created"],
    )
    .await;
    let second = app.second_instance(|_| {}).await;
    for round in 0..3 {
        for i in 0..10 {
            app.add_card(&acme.owner, &acme.account, &format!("R{round}C{i}"))
                .await;
        }
        let (here, there) = tokio::join!(app.server.deliver_webhooks(), second.deliver_webhooks());
        here.unwrap();
        there.unwrap();
    }
    // Whatever the background workers sent meanwhile: every event once, no more.
    clientele_tests::wait_for(
        || (receiver.requests().len() >= 30).then_some(()),
        "30 deliveries",
    )
    .await;
    let ids: Vec<String> = receiver
        .requests()
        .iter()
        .map(|(h, _)| header(h, "webhook-id").to_owned())
        .collect();
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 30, "{ids:?}");
    assert_eq!(unique.len(), 30);
    second.shutdown().await;
    app.stop().await;
}

/// An endpoint whose deliveries have failed for five days is disabled, what it had
/// pending fails, and the account's GENERAL recipients are told.
#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled_and_the_account_told() {
    let app = local_server().await;
    let receiver = Receiver::start(&[500; 20]).await;
    let acme = Portal::acme(&app).await;
    local_endpoint(
        &app,
        &acme.owner,
        &acme.account,
        &receiver.url,
        &["contact.created"],
    )
    .await;
    app.add_card(&acme.owner, &acme.account, "First").await;
    app.server.deliver_webhooks().await.unwrap();
    let days = |n: u64| std::time::Duration::from_secs(n * 24 * 3600);
    app.server.domain.clock().advance(days(5));
    app.add_card(&acme.owner, &acme.account, "Later").await;
    app.server.deliver_webhooks().await.unwrap();
    let r = app
        .gql_as(&acme.owner, DELIVERIES, json!({ "a": acme.account }))
        .await
        .ok();
    assert_eq!(
        r.at("account.webhookEndpoints.0.enabled"),
        &json!(false),
        "{}",
        r.body
    );
    let statuses: Vec<&Value> = r
        .at("account.webhookEndpoints.0.deliveries.nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["status"])
        .collect();
    assert!(statuses.iter().all(|s| *s == "FAILED"), "{statuses:?}");
    app.deliver_mail().await;
    let mails = app.mails_to(&acme.owner_email).await;
    assert!(
        mails
            .iter()
            .any(|m| m.contains("A webhook endpoint was disabled")),
        "{mails:#?}"
    );
    app.stop().await;
}

/// Makes one event of every type happen on `account`, as its owner and staff would:
/// a contact added, updated and removed; an invitation sent and revoked, another sent
/// and accepted; an invoice issued and paid; a service's status changed; a ticket
/// opened and answered.
async fn one_of_each_event(app: &TestApp, owner: &str, account: &str, staff: &str) {
    // Contacts: added, updated, removed.
    let card = app.add_card(owner, account, "Card").await;
    app.gql_as(
        owner,
        UPDATE,
        json!({ "id": card, "i": { "phone": "+1 555 0100" } }),
    )
    .await
    .ok();
    app.gql_as(owner, REMOVE, json!({ "id": card, "p": OWNER_PASSWORD }))
        .await
        .ok();
    // Invitations: sent, revoked; sent again and accepted.
    let invite = "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: { email: $e, role: TECHNICAL }) { id } }";
    let first = app
        .gql_as(
            owner,
            invite,
            json!({ "a": account, "e": "gone@acme.test" }),
        )
        .await
        .ok();
    app.gql_as(
        owner,
        "mutation($id: ID!) { revokeInvitation(id: $id) { id } }",
        json!({ "id": first.str("inviteUser.id") }),
    )
    .await
    .ok();
    app.gql_as(
        owner,
        invite,
        json!({ "a": account, "e": "joins@acme.test" }),
    )
    .await
    .ok();
    let token = app.invitation_token("joins@acme.test").await;
    app.gql(
        clientele_tests::fixtures::ACCEPT,
        json!({ "t": token, "i": { "firstName": "Jo", "lastName": "Ins", "password": MEMBER_PASSWORD } }),
    )
    .await
    .ok();
    // Billing: an invoice issued and paid; a service's status changed.
    let invoice = app
        .gql_as(staff, "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"10.00\", currency: \"EUR\", dueDate: \"2031-01-01\" }) { id } }", json!({ "a": account }))
        .await
        .ok();
    app.gql_as(
        owner,
        "mutation($id: ID!) { payInvoice(id: $id) { status } }",
        json!({ "id": invoice.str("createInvoice.id") }),
    )
    .await
    .ok();
    let service = app.service(staff, account, "VPS").await;
    app.gql_as(
        staff,
        "mutation($id: ID!) { setServiceStatus(id: $id, status: SUSPENDED) { status } }",
        json!({ "id": service }),
    )
    .await
    .ok();
    // Tickets: opened and replied to.
    let ticket = app
        .gql_as(owner, "mutation($a: ID!) { openTicket(accountId: $a, subject: \"Down\", body: \"Help\") { id } }", json!({ "a": account }))
        .await
        .ok();
    app.gql_as(
        staff,
        "mutation($t: ID!) { replyToTicket(ticketId: $t, body: \"On it\") { id } }",
        json!({ "t": ticket.str("openTicket.id") }),
    )
    .await
    .ok();
}
