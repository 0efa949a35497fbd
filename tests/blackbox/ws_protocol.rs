//! graphql-transport-ws to the letter, through raw frames: every close code the
//! protocol names, `ping`/`pong`, `complete` from the client, `error` for an operation
//! that failed as a whole, and the legacy `graphql-ws` still served.

use std::time::Duration;

use clientele_tests::fixtures::{CONTACT_EVENTS, Portal};
use clientele_tests::ws::{Incoming, LEGACY_WS, TRANSPORT_WS, error_code};
use clientele_tests::{TestApp, WsClient};
use serde_json::{Value, json};

async fn raw_socket(app: &TestApp, protocol: &'static str) -> WsClient {
    WsClient::connect(&app.url, protocol, &[])
        .await
        .expect("socket opens")
}

/// The close code the server ends the socket with, within two seconds.
async fn closed_with(socket: &mut WsClient) -> Option<u16> {
    let (messages, code) = socket.until_closed(Duration::from_secs(2)).await;
    assert!(
        messages.is_empty(),
        "nothing before the close: {messages:?}"
    );
    code
}

fn subscribe(id: &str, query: &str, variables: Value) -> Value {
    json!({"type": "subscribe", "id": id, "payload": {"query": query, "variables": variables}})
}

#[tokio::test]
async fn a_message_that_is_not_the_protocols_closes_the_socket_with_4400() {
    let app = TestApp::start().await;
    let Portal { owner, .. } = Portal::acme(&app).await;
    for raw in [
        "not json",
        "[]",
        r#"{"type":"hello"}"#,
        r#"{"type":"subscribe","payload":{"query":"{ viewer { user { email } } }"}}"#,
        r#"{"type":"subscribe","id":"1","payload":{"query":7}}"#,
        // The legacy protocol's message, on the new one.
        r#"{"type":"start","id":"1","payload":{"query":"{ viewer { user { email } } }"}}"#,
        r#"{"type":"connection_init","payload":"Bearer x"}"#,
    ] {
        let mut socket = app.socket(Some(&owner)).await;
        socket.send_raw(raw).await;
        assert_eq!(closed_with(&mut socket).await, Some(4400), "{raw}");
    }
    // A binary frame that is not UTF-8 text (0xff never occurs in UTF-8).
    let mut socket = app.socket(Some(&owner)).await;
    socket.send_bytes(&[0xff, 0xfe]).await;
    assert_eq!(closed_with(&mut socket).await, Some(4400));
    // A JSON message in a binary frame is still a message.
    let mut socket = app.socket(Some(&owner)).await;
    socket
        .send_bytes(
            subscribe("b", "{ viewer { user { email } } }", json!({}))
                .to_string()
                .as_bytes(),
        )
        .await;
    match socket.next(Duration::from_secs(5)).await {
        Incoming::Message(m) => assert_eq!(
            m["payload"]["data"]["viewer"]["user"]["email"],
            "owner@acme.test"
        ),
        other => panic!("{other:?}"),
    }
    app.stop().await;
}

#[tokio::test]
async fn subscribe_before_the_ack_closes_with_4401_and_a_second_init_with_4429() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = raw_socket(&app, TRANSPORT_WS).await;
    socket
        .send(subscribe("1", CONTACT_EVENTS, json!({"a": account})))
        .await;
    assert_eq!(closed_with(&mut socket).await, Some(4401));

    let mut socket = app.socket(Some(&owner)).await;
    socket
        .send(json!({"type": "connection_init", "payload": {}}))
        .await;
    assert_eq!(closed_with(&mut socket).await, Some(4429));
    app.stop().await;
}

#[tokio::test]
async fn a_refused_connection_init_closes_with_4403() {
    let app = TestApp::start().await;
    let mut socket = raw_socket(&app, TRANSPORT_WS).await;
    socket
        .send(json!({"type": "connection_init", "payload": {"authorization": "Bearer dead"}}))
        .await;
    assert_eq!(closed_with(&mut socket).await, Some(4403));
    // The legacy protocol is told with `connection_error` first.
    let mut legacy = raw_socket(&app, LEGACY_WS).await;
    legacy
        .send(json!({"type": "connection_init", "payload": {"authorization": "Bearer dead"}}))
        .await;
    let (messages, code) = legacy.until_closed(Duration::from_secs(2)).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["type"], "connection_error");
    assert!(
        messages[0]["payload"]["message"].is_string(),
        "{messages:?}"
    );
    assert_eq!(code, Some(4403));
    app.stop().await;
}

#[tokio::test]
async fn a_socket_that_never_sends_connection_init_closes_with_4408() {
    let app = TestApp::start_with(|c| c.events.ws_init_timeout = Duration::from_millis(300)).await;
    let Portal { owner, .. } = Portal::acme(&app).await;
    let mut silent = raw_socket(&app, TRANSPORT_WS).await;
    // A ping is not an init.
    silent.send(json!({"type": "ping"})).await;
    match silent.next_raw(Duration::from_secs(1)).await {
        Incoming::Message(m) => assert_eq!(m, json!({"type": "pong"})),
        other => panic!("{other:?}"),
    }
    assert_eq!(closed_with(&mut silent).await, Some(4408));
    // One that did stays open past the timeout.
    let mut signed_in = app.socket(Some(&owner)).await;
    signed_in.expect_silence(Duration::from_millis(600)).await;
    app.stop().await;
}

#[tokio::test]
async fn a_running_operations_id_cannot_be_reused_4409_but_a_finished_ones_can() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    // A query finishes: its id is free again.
    for _ in 0..2 {
        socket
            .send(subscribe("q", "{ viewer { user { email } } }", json!({})))
            .await;
        let next = socket.next(Duration::from_secs(5)).await;
        assert!(
            matches!(&next, Incoming::Message(m) if m["type"] == "next"),
            "{next:?}"
        );
        socket.expect_complete("q", Duration::from_secs(2)).await;
    }
    // A subscription completed by the client frees its id too (and gets no `complete`).
    app.listen(&mut socket, "s", CONTACT_EVENTS, json!({"a": account}))
        .await;
    socket.send(json!({"type": "complete", "id": "s"})).await;
    socket.round_trip().await;
    app.listen(&mut socket, "s", CONTACT_EVENTS, json!({"a": account}))
        .await;
    // While it runs, the same id again is a protocol error.
    socket
        .send(subscribe("s", CONTACT_EVENTS, json!({"a": account})))
        .await;
    assert_eq!(closed_with(&mut socket).await, Some(4409));
    app.stop().await;
}

#[tokio::test]
async fn a_client_complete_stops_the_stream_without_an_answer() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    app.listen(&mut socket, "1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    socket.send(json!({"type": "complete", "id": "1"})).await;
    // Completing an id that is not running is not an error either.
    socket.send(json!({"type": "complete", "id": "nope"})).await;
    // Messages are handled in order: once the pong is back, so is the complete.
    socket.round_trip().await;
    app.gql_as(
        &owner,
        "mutation($a: ID!) { addContact(accountId: $a, input: {firstName: \"A\", lastName: \"B\", email: \"ab@x.test\", role: BILLING}) { id } }",
        json!({"a": account}),
    )
    .await
    .at("addContact.id");
    socket.expect_silence(Duration::from_millis(700)).await;
    app.stop().await;
}

#[tokio::test]
async fn a_socket_runs_a_bounded_number_of_operations_queries_included() {
    let app = TestApp::start_with(|c| c.limits.subscriptions_per_connection = 2).await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    app.listen(&mut socket, "1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    app.listen(&mut socket, "2", CONTACT_EVENTS, json!({"a": account}))
        .await;
    socket
        .send(subscribe("q", "{ viewer { isStaff } }", json!({})))
        .await;
    assert_eq!(socket.expect_error("q").await, "RATE_LIMITED");
    // A finished one frees its place.
    socket.send(json!({"type": "complete", "id": "1"})).await;
    socket
        .send(subscribe("q", "{ viewer { isStaff } }", json!({})))
        .await;
    match socket.next(Duration::from_secs(5)).await {
        Incoming::Message(m) => assert_eq!(m["payload"]["data"]["viewer"]["isStaff"], false, "{m}"),
        other => panic!("{other:?}"),
    }
    socket.expect_complete("q", Duration::from_secs(2)).await;
    app.stop().await;
}

#[tokio::test]
async fn a_stopping_server_closes_its_sockets_with_1001() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    app.listen(&mut socket, "1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    let stopping = tokio::spawn(app.stop());
    let (_, code) = socket.until_closed(Duration::from_secs(5)).await;
    assert_eq!(code, Some(1001));
    stopping.await.unwrap();
}

#[tokio::test]
async fn ping_is_answered_with_pong_echoing_its_payload() {
    let app = TestApp::start().await;
    let Portal { owner, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    socket
        .send(json!({"type": "ping", "payload": {"at": 12}}))
        .await;
    match socket.next_raw(Duration::from_secs(2)).await {
        Incoming::Message(m) => assert_eq!(m, json!({"type": "pong", "payload": {"at": 12}})),
        other => panic!("{other:?}"),
    }
    // A pong needs no answer.
    socket.send(json!({"type": "pong"})).await;
    socket.expect_silence(Duration::from_millis(300)).await;
    app.stop().await;
}

#[tokio::test]
async fn a_handshake_without_a_subprotocol_closes_with_4406() {
    let app = TestApp::start().await;
    let mut socket = WsClient::connect_without_protocol(&app.url)
        .await
        .expect("upgrade");
    assert_eq!(closed_with(&mut socket).await, Some(4406));
    app.stop().await;
}

#[tokio::test]
async fn an_operation_that_fails_as_a_whole_is_one_error_message() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    for (id, query) in [
        ("parse", "subscription {"),
        ("valid", "subscription { noSuchField }"),
        (
            "op",
            "query A { viewer { user { email } } } query B { viewer { user { email } } }",
        ),
    ] {
        socket.send(subscribe(id, query, json!({}))).await;
        let message = match socket.next(Duration::from_secs(5)).await {
            Incoming::Message(message) => message,
            other => panic!("{id}: {other:?}"),
        };
        assert_eq!(message["type"], "error", "{id}: {message}");
        assert_eq!(message["id"], id);
        let errors = message["payload"].as_array().expect("a list of errors");
        assert!(errors[0]["message"].is_string(), "{message}");
        assert!(error_code(&message).is_some(), "coded: {message}");
    }
    // Nothing follows an `error`: no `complete`.
    socket.expect_silence(Duration::from_millis(300)).await;
    // A query's result is a `next` even when a field failed, then `complete`.
    socket
        .send(subscribe(
            "partial",
            "query($a: ID!) { viewer { user { email } } account(id: $a) { id } other: account(id: \"999999\") { id } }",
            json!({"a": account}),
        ))
        .await;
    match socket.next(Duration::from_secs(5)).await {
        Incoming::Message(m) => {
            assert_eq!(m["type"], "next", "{m}");
            assert_eq!(
                m["payload"]["data"]["viewer"]["user"]["email"],
                "owner@acme.test"
            );
            assert!(m["payload"]["errors"].is_array(), "{m}");
        }
        other => panic!("{other:?}"),
    }
    socket
        .expect_complete("partial", Duration::from_secs(2))
        .await;
    app.stop().await;
}

#[tokio::test]
async fn the_allow_list_and_introspection_switch_hold_over_the_socket_too() {
    let listed = "query Portal { portalSettings { invitationTtlHours } }";
    let app = TestApp::start_with_allow_list(&[listed]).await;
    let mut socket = app.socket(None).await;
    socket.send(subscribe("ok", listed, json!({}))).await;
    match socket.next(Duration::from_secs(5)).await {
        Incoming::Message(m) => assert_eq!(
            m["payload"]["data"]["portalSettings"]["invitationTtlHours"],
            168
        ),
        other => panic!("{other:?}"),
    }
    socket.expect_complete("ok", Duration::from_secs(2)).await;
    for (id, query) in [
        ("unlisted", CONTACT_EVENTS),
        ("schema", "{ __schema { types { name } } }"),
    ] {
        socket.send(subscribe(id, query, json!({}))).await;
        assert_eq!(socket.expect_error(id).await, "FORBIDDEN", "{id}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_legacy_protocol_says_errors_with_data_then_complete_and_confirms_stop() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = raw_socket(&app, LEGACY_WS).await;
    let ack = socket
        .init(json!({"authorization": format!("Bearer {owner}")}))
        .await;
    assert_eq!(ack["type"], "connection_ack");
    socket
        .subscribe("bad", "subscription { noSuchField }", json!({}))
        .await;
    // expect_error checks the legacy shape: `data` with errors, then `complete`.
    assert_eq!(socket.expect_error("bad").await, "BAD_USER_INPUT");
    app.listen(&mut socket, "1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    socket.send(json!({"type": "stop", "id": "1"})).await;
    socket.expect_complete("1", Duration::from_secs(2)).await;
    socket.send(json!({"type": "connection_terminate"})).await;
    let (_, code) = socket.until_closed(Duration::from_secs(2)).await;
    assert_eq!(code, Some(1000));
    app.stop().await;
}
