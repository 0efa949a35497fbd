//! Every limit comes from one place, `Config::limits` (`api::Limits`): each is shrunk
//! here and seen to bite. The production values are tested where the SPEC states them
//! (`http.rs`, `live.rs`).

use std::time::Duration;

use clientele_tests::TestApp;
use clientele_tests::fixtures::{OWNER_PASSWORD, Portal};
use serde_json::json;

#[tokio::test]
async fn query_limits_come_from_the_config() {
    let app = TestApp::start_with(|c| {
        c.limits.depth = 3;
        c.limits.complexity = 4;
        c.limits.body_bytes = 4 * 1024;
    })
    .await;
    let token = app
        .register("Acme", "owner@acme.test", OWNER_PASSWORD)
        .await;
    // Three deep and three fields: inside both limits.
    app.gql_as(&token, "{ viewer { user { id } } }", json!({}))
        .await
        .ok();
    let r = app
        .gql_as(
            &token,
            "{ viewer { currentAccount { owner { id } } } }",
            json!({}),
        )
        .await;
    assert!(
        r.error_message()
            .unwrap_or_default()
            .contains("nested too deep"),
        "{}",
        r.body
    );
    let r = app
        .gql_as(
            &token,
            "{ viewer { user { id email firstName lastName } } }",
            json!({}),
        )
        .await;
    assert!(
        r.error_message()
            .unwrap_or_default()
            .contains("too complex"),
        "{}",
        r.body
    );
    let padded = format!(
        "{{ viewer {{ user {{ id }} }} }} # {}",
        "x".repeat(5 * 1024)
    );
    let r = reqwest::Client::new()
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body(json!({ "query": padded }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    app.stop().await;
}

#[tokio::test]
async fn page_and_socket_limits_come_from_the_config() {
    let app = TestApp::start_with(|c| {
        c.limits.page_default = 2;
        c.limits.page_max = 3;
        c.limits.subscriptions_per_connection = 1;
        c.limits.ws_message_bytes = 2 * 1024;
    })
    .await;
    let Portal {
        owner: token,
        account,
        ..
    } = Portal::acme(&app).await;
    for name in ["Ann", "Bob", "Cy"] {
        app.gql_as(
            &token,
            "mutation($a: ID!, $f: String!) { addContact(accountId: $a, input: {firstName: $f, lastName: \"L\", role: BILLING}) { id } }",
            json!({ "a": account, "f": name }),
        )
        .await
        .ok();
    }
    let contacts = |first: Option<i64>| {
        app.gql_as(
            &token,
            "query($a: ID!, $n: Int) { account(id: $a) { contacts(first: $n) { totalCount edges { cursor } } } }",
            json!({ "a": account, "n": first }),
        )
    };
    let r = contacts(None).await.ok();
    assert_eq!(r.at("account.contacts.totalCount"), 4);
    assert_eq!(r.at("account.contacts.edges").as_array().unwrap().len(), 2);
    let r = contacts(Some(3)).await.ok();
    assert_eq!(r.at("account.contacts.edges").as_array().unwrap().len(), 3);
    let r = contacts(Some(4)).await;
    r.expect_code("BAD_USER_INPUT");
    assert!(
        r.error_message().unwrap_or_default().contains("0 and 3"),
        "{}",
        r.body
    );

    let events = "subscription($a: ID) { contactEvents(accountId: $a) { cursor } }";
    let mut socket = app.socket(Some(&token)).await;
    socket.subscribe("1", events, json!({ "a": account })).await;
    socket.subscribe("2", events, json!({ "a": account })).await;
    assert_eq!(socket.expect_error("2").await, "RATE_LIMITED");
    // A message over the size limit ends the connection with WebSocket's 1009.
    socket
        .send(json!({ "type": "ping", "payload": { "pad": "x".repeat(4 * 1024) } }))
        .await;
    let (_, code) = socket.until_closed(Duration::from_secs(5)).await;
    assert_eq!(code, Some(1009));
    app.stop().await;
}
