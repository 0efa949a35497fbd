//! Signed webhooks (SPEC "Signed webhooks"), their first half: an account's endpoints
//! (MANAGE_ACCOUNT, a person's), the secret shown once and rotated, URLs that would
//! reach the server's own network refused, and one delivery queued per event and
//! endpoint in the change's own transaction, for every event type.

use clientele_tests::fixtures::{
    ADD, MEMBER_PASSWORD, OWNER_PASSWORD, Portal, REMOVE, Role, UPDATE,
};
use clientele_tests::{Gql, TestApp};
use serde_json::{Value, json};

const CREATE: &str = "mutation($a: ID!, $i: WebhookEndpointInput!) {
  createWebhookEndpoint(accountId: $a, input: $i) { secret endpoint { id url eventTypes enabled } } }";

const DELIVERIES: &str = "query($a: ID!) { account(id: $a) { webhookEndpoints {
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
        json!({ "a": account, "i": { "url": "https://hooks.example.com/in", "eventTypes": types, "description": "CRM" } }),
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
        &json!("https://hooks.example.com/in")
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
            .gql_as(&acme.owner, CREATE, json!({ "a": acme.account, "i": { "url": "https://hooks.example.com/in", "eventTypes": types } }))
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
        "http://hooks.example.com/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://192.168.0.10/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost:8443/hook",
        "https://user:secret@hooks.example.com/hook",
        "ftp://hooks.example.com/hook",
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
        .gql_as(&staff, "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"10.00\", currency: \"EUR\", dueDate: \"2031-01-01\" }) { id } }", json!({ "a": account }))
        .await
        .ok();
    app.gql_as(
        owner,
        "mutation($id: ID!) { payInvoice(id: $id) { status } }",
        json!({ "id": invoice.str("createInvoice.id") }),
    )
    .await
    .ok();
    let service = app.service(&staff, account, "VPS").await;
    app.gql_as(
        &staff,
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
        &staff,
        "mutation($t: ID!) { replyToTicket(ticketId: $t, body: \"On it\") { id } }",
        json!({ "t": ticket.str("openTicket.id") }),
    )
    .await
    .ok();

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
    assert!(
        nodes.iter().all(|d| d["status"] == "PENDING"
            && d["attempts"] == 0
            && d["nextAttemptAt"].is_string())
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
