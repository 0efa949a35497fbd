//! Live subscriptions end to end, one story per test (long because each story sets up
//! its own server; the session-bound ones are in live_sessions.rs).

use std::time::Duration;

use clientele_tests::fixtures::{CONTACT_EVENTS, OWNER_PASSWORD, Portal, REMOVE};
use clientele_tests::ws::{Incoming, LEGACY_WS, TRANSPORT_WS, error_code};
use clientele_tests::{TestApp, WsClient};
use serde_json::{Value, json};

const INVITATION_EVENTS: &str = "subscription($a: ID, $after: String) { invitationEvents(accountId: $a, after: $after) { kind accountId invitation { email status role } } }";
#[tokio::test]
async fn contact_changes_stream_to_a_dashboard_with_their_payload() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    // What a dashboard does first: no cursor. Nothing from before is replayed (the
    // owner's card was created before)...
    socket
        .subscribe("1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    socket.expect_silence(Duration::from_millis(300)).await;
    // ...and the stream goes live at a moment the client cannot see: touch the owner's
    // card (an update that changes nothing) until the stream reports it.
    let owner_card = app
        .gql_as(
            &owner,
            "query($a: ID!) { account(id: $a) { contacts { edges { node { id } } } } }",
            json!({"a": account}),
        )
        .await
        .ok()
        .str("account.contacts.edges.0.node.id")
        .to_owned();
    app.until_live(&mut socket, "1", async || {
        app.gql_as(
            &owner,
            "mutation($id: ID!) { updateContact(id: $id, input: {}) { id } }",
            json!({"id": owner_card}),
        )
        .await
        .ok();
    })
    .await;

    let id = app.add_card(&owner, &account, "Ada").await;
    let created = socket.next_event("1").await;
    assert_eq!(created["contactEvents"]["kind"], "CREATED");
    assert_eq!(created["contactEvents"]["accountId"], account);
    assert_eq!(created["contactEvents"]["contactId"], id);
    assert_eq!(
        created["contactEvents"]["contact"],
        json!({"firstName": "Ada", "email": null, "role": "BILLING"})
    );

    app.gql_as(
        &owner,
        "mutation($id: ID!) { updateContact(id: $id, input: {firstName: \"Adah\"}) { id } }",
        json!({"id": id}),
    )
    .await
    .ok();
    let updated = socket.next_event("1").await;
    assert_eq!(updated["contactEvents"]["kind"], "UPDATED");
    assert_eq!(updated["contactEvents"]["contact"]["firstName"], "Adah");

    app.gql_as(&owner, REMOVE, json!({"id": id, "p": OWNER_PASSWORD}))
        .await
        .ok();
    let removed = socket.next_event("1").await;
    assert_eq!(removed["contactEvents"]["kind"], "REMOVED");
    assert_eq!(
        removed["contactEvents"].get("contact"),
        Some(&Value::Null),
        "{removed}"
    );
    let cursors: Vec<i64> = [&created, &updated, &removed]
        .iter()
        .map(|e| {
            e["contactEvents"]["cursor"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");

    // Another account's changes never reach this stream.
    let other = app.register("Other", "o@other.test", OWNER_PASSWORD).await;
    let other_account = app.current_account(&other).await;
    app.add_card(&other, &other_account, "Zed").await;
    socket.expect_silence(Duration::from_millis(700)).await;
    app.stop().await;
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_is_served_too() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = WsClient::connect(&app.url, LEGACY_WS, &[]).await.unwrap();
    let ack = socket
        .init(json!({"authorization": format!("Bearer {owner}")}))
        .await;
    assert_eq!(ack["type"], "connection_ack");
    app.listen(&mut socket, "a", CONTACT_EVENTS, json!({"a": account}))
        .await;
    app.add_card(&owner, &account, "Leg").await;
    let event = socket.next_event("a").await;
    assert_eq!(event["contactEvents"]["contact"]["firstName"], "Leg");
    app.stop().await;
}

#[tokio::test]
async fn billing_members_anonymous_sockets_and_dead_tokens_are_refused() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let billing = app
        .add_member(&owner, &account, "bill@acme.test", "BILLING", None)
        .await;
    let mut socket = app.socket(Some(&billing.token)).await;
    socket
        .subscribe("1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    assert_eq!(socket.expect_error("1").await, "FORBIDDEN");

    let mut anonymous = app.socket(None).await;
    anonymous
        .subscribe("1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    assert_eq!(anonymous.expect_error("1").await, "UNAUTHENTICATED");

    // Only staff may listen to every account at once.
    let mut owner_socket = app.socket(Some(&owner)).await;
    owner_socket
        .subscribe("all", CONTACT_EVENTS, json!({"a": null}))
        .await;
    assert_eq!(owner_socket.expect_error("all").await, "FORBIDDEN");
    // Another account's id reveals nothing.
    let stranger = app.register("Other", "o@other.test", OWNER_PASSWORD).await;
    let mut stranger_socket = app.socket(Some(&stranger)).await;
    stranger_socket
        .subscribe("x", CONTACT_EVENTS, json!({"a": account}))
        .await;
    assert_eq!(stranger_socket.expect_error("x").await, "NOT_FOUND");

    let mut dead = WsClient::connect(&app.url, TRANSPORT_WS, &[])
        .await
        .unwrap();
    let answer = dead
        .init(json!({"authorization": "Bearer not-a-token"}))
        .await;
    assert_eq!(answer["type"], "closed", "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn a_session_cookie_works_only_from_the_portals_own_origin() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let cookie = format!("clientele_session={owner}");
    let origin = app.config.http.public_url.to_string();
    let mut same_site = WsClient::connect(
        &app.url,
        TRANSPORT_WS,
        &[("cookie", &cookie), ("origin", &origin)],
    )
    .await
    .unwrap();
    assert_eq!(same_site.init(json!({})).await["type"], "connection_ack");
    app.listen(&mut same_site, "1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    // Not refused.
    same_site.expect_silence(Duration::from_millis(200)).await;
    app.add_card(&owner, &account, "Cookie").await;
    assert_eq!(
        same_site.next_event("1").await["contactEvents"]["kind"],
        "CREATED"
    );

    // Cross-site WebSocket hijacking: another origin's page gets no cookie credentials.
    let mut hijack = WsClient::connect(
        &app.url,
        TRANSPORT_WS,
        &[("cookie", &cookie), ("origin", "https://evil.example")],
    )
    .await
    .unwrap();
    assert_eq!(hijack.init(json!({})).await["type"], "connection_ack");
    hijack
        .subscribe("1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    assert_eq!(hijack.expect_error("1").await, "UNAUTHENTICATED");
    app.stop().await;
}

#[tokio::test]
async fn resuming_from_a_cursor_replays_exactly_the_missed_events_then_goes_live() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    app.listen(&mut socket, "1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    app.add_card(&owner, &account, "First").await;
    let seen = socket.next_event("1").await["contactEvents"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    drop(socket);

    // While the dashboard is away, three changes happen.
    for name in ["Second", "Third", "Fourth"] {
        app.add_card(&owner, &account, name).await;
    }
    let mut socket = app.socket(Some(&owner)).await;
    socket
        .subscribe("2", CONTACT_EVENTS, json!({"a": account, "after": seen}))
        .await;
    let mut names = Vec::new();
    for _ in 0..3 {
        names.push(
            socket.next_event("2").await["contactEvents"]["contact"]["firstName"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(names, ["Second", "Third", "Fourth"]);
    socket.expect_silence(Duration::from_millis(300)).await;
    app.add_card(&owner, &account, "Fifth").await;
    assert_eq!(
        socket.next_event("2").await["contactEvents"]["contact"]["firstName"],
        "Fifth"
    );
    socket.expect_silence(Duration::from_millis(700)).await;
    app.stop().await;
}

#[tokio::test]
async fn removing_a_contact_closes_their_open_streams_within_a_second() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let admin = app
        .add_member(&owner, &account, "admin@acme.test", "ADMIN", None)
        .await;
    let mut socket = app.socket(Some(&admin.token)).await;
    // The admin's own card is the newest event: once it is replayed, the stream is open.
    app.listen_from(&mut socket, "1", CONTACT_EVENTS, json!({"a": account}), "0")
        .await;
    app.gql_as(
        &owner,
        REMOVE,
        json!({"id": admin.contact_id, "p": OWNER_PASSWORD}),
    )
    .await
    .ok();
    // The stream says why it ended: an `error`, not a `complete` (which would read as
    // "finished"). Removal ended the admin's only membership, and with it their
    // session: UNAUTHENTICATED, then the socket closes.
    assert_eq!(socket.expect_error("1").await, "UNAUTHENTICATED");
    let (after, code) = socket.until_closed(Duration::from_secs(2)).await;
    assert_eq!((after.as_slice(), code), (&[][..], Some(4403)));
    app.stop().await;
}

#[tokio::test]
async fn a_lowered_role_or_an_ended_session_closes_the_stream() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let admin = app
        .add_member(&owner, &account, "admin@acme.test", "ADMIN", None)
        .await;
    let mut socket = app.socket(Some(&admin.token)).await;
    // The admin's own card is the newest event: once it is replayed, the stream is open.
    app.listen_from(&mut socket, "1", CONTACT_EVENTS, json!({"a": account}), "0")
        .await;
    app.gql_as(
        &owner,
        "mutation($id: ID!) { updateContact(id: $id, input: {role: BILLING}) { id } }",
        json!({"id": admin.contact_id}),
    )
    .await
    .ok();
    // Still signed in, no longer allowed: FORBIDDEN, and nothing after it.
    assert_eq!(socket.expect_error("1").await, "FORBIDDEN");
    socket.expect_silence(Duration::from_millis(300)).await;

    // An invitation, so that the owner's stream has an event to replay: once it is
    // replayed, the stream is open.
    app.gql_as(&owner, "mutation($a: ID!) { inviteUser(accountId: $a, input: {email: \"n@x.test\", role: TECHNICAL}) { id } }", json!({"a": account})).await.ok();
    let mut owner_socket = app.socket(Some(&owner)).await;
    app.listen_from(
        &mut owner_socket,
        "2",
        "subscription($a: ID, $after: String) { invitationEvents(accountId: $a, after: $after) { cursor kind } }",
        json!({"a": account}),
        "0",
    )
    .await;
    app.gql_as(&owner, "mutation { logout }", json!({}))
        .await
        .ok();
    assert_eq!(owner_socket.expect_error("2").await, "UNAUTHENTICATED");
    app.stop().await;
}

#[tokio::test]
async fn invitation_changes_stream_too() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    app.listen(&mut socket, "1", INVITATION_EVENTS, json!({"a": account}))
        .await;
    let r = app.gql_as(&owner, "mutation($a: ID!) { inviteUser(accountId: $a, input: {email: \"n@x.test\", role: TECHNICAL}) { id } }", json!({"a": account})).await.ok();
    let id = r.str("inviteUser.id").to_owned();
    let sent = socket.next_event("1").await;
    assert_eq!(
        sent["invitationEvents"],
        json!({"kind": "SENT", "accountId": account, "invitation": {"email": "n@x.test", "status": "PENDING", "role": "TECHNICAL"}})
    );
    app.gql_as(
        &owner,
        "mutation($id: ID!) { resendInvitation(id: $id) { id } }",
        json!({"id": id}),
    )
    .await
    .ok();
    assert_eq!(
        socket.next_event("1").await["invitationEvents"]["kind"],
        "RESENT"
    );
    app.gql_as(
        &owner,
        "mutation($id: ID!) { revokeInvitation(id: $id) { id } }",
        json!({"id": id}),
    )
    .await
    .ok();
    let revoked = socket.next_event("1").await;
    assert_eq!(revoked["invitationEvents"]["kind"], "REVOKED");
    assert_eq!(
        revoked["invitationEvents"]["invitation"]["status"],
        "REVOKED"
    );
    app.stop().await;
}

#[tokio::test]
async fn staff_can_listen_to_every_account() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let staff = app.staff().await;
    let mut socket = app.socket(Some(&staff)).await;
    app.listen(&mut socket, "all", CONTACT_EVENTS, json!({"a": null}))
        .await;
    app.add_card(&owner, &account, "One").await;
    let other = app.register("Other", "o@other.test", OWNER_PASSWORD).await;
    let mut accounts = vec![
        socket.next_event("all").await["contactEvents"]["accountId"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    // Registration adds the new account's owner contact.
    accounts.push(
        socket.next_event("all").await["contactEvents"]["accountId"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    assert_eq!(accounts[0], account);
    assert_eq!(accounts[1], app.current_account(&other).await);
    app.stop().await;
}

#[tokio::test]
async fn a_connection_holds_a_bounded_number_of_subscriptions() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    // From the newest cursor: each open stream gets the change below, however late the
    // server opens it.
    let now = app.newest_cursor().await;
    for i in 0..app.config.limits.subscriptions_per_connection {
        socket
            .subscribe(
                &i.to_string(),
                CONTACT_EVENTS,
                json!({"a": account, "after": now}),
            )
            .await;
    }
    socket
        .subscribe(
            "one-too-many",
            CONTACT_EVENTS,
            json!({"a": account, "after": now}),
        )
        .await;
    // Subscriptions open concurrently, so any one of them may be the one refused; a
    // quiet spell of 1.5 s says no other refusal is coming.
    let mut refused = Vec::new();
    while let Incoming::Message(message) = socket.next(Duration::from_millis(1500)).await {
        if let Some(code) = error_code(&message) {
            assert_eq!(message["type"], "error", "{message}");
            refused.push(code.to_owned());
        }
    }
    assert_eq!(refused, ["RATE_LIMITED"]);
    // The others are live (and nothing is delivered twice: the quiet spell again).
    app.add_card(&owner, &account, "Busy").await;
    let mut delivered = 0;
    while let Incoming::Message(message) = socket.next(Duration::from_millis(1500)).await {
        assert_eq!(message["type"], "next");
        delivered += 1;
    }
    assert_eq!(delivered, app.config.limits.subscriptions_per_connection);
    app.stop().await;
}

#[tokio::test]
async fn a_change_on_one_instance_reaches_a_subscriber_on_another() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let second = app.second_instance(|_| {}).await;
    let second_url = format!("http://{}", second.addr);
    let mut socket = WsClient::connect(&second_url, TRANSPORT_WS, &[])
        .await
        .unwrap();
    assert_eq!(
        socket
            .init(json!({"authorization": format!("Bearer {owner}")}))
            .await["type"],
        "connection_ack"
    );
    app.listen(&mut socket, "1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    let id = app.add_card(&owner, &account, "Across").await;
    let event = socket.next_event("1").await;
    assert_eq!(event["contactEvents"]["contactId"], id);
    assert_eq!(event["contactEvents"]["contact"]["firstName"], "Across");
    second.shutdown().await;
    app.stop().await;
}

#[tokio::test]
#[cfg_attr(
    not(clientele_redis),
    ignore = "needs Redis (a redis-server of its own to restart): set REDIS_URL (the PostgreSQL + Redis suite of .ci/run)"
)]
async fn no_event_is_lost_when_redis_restarts_mid_stream() {
    let redis_server = which("redis-server")
        .expect("redis-server is installed where Redis is (REDIS_URL was set at build time)");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let start_redis = || {
        std::process::Command::new(&redis_server)
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts")
    };
    let mut redis = start_redis();
    let redis_url = format!("redis://127.0.0.1:{port}");
    wait_for_port(port).await;

    let url = redis_url.clone();
    let app = TestApp::start_with(move |c| c.events.redis_url = Some(url.into())).await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let url = redis_url.clone();
    let second = app
        .second_instance(move |c| c.events.redis_url = Some(url.into()))
        .await;
    let mut socket = WsClient::connect(&format!("http://{}", second.addr), TRANSPORT_WS, &[])
        .await
        .unwrap();
    assert_eq!(
        socket
            .init(json!({"authorization": format!("Bearer {owner}")}))
            .await["type"],
        "connection_ack"
    );
    app.listen(&mut socket, "1", CONTACT_EVENTS, json!({"a": account}))
        .await;
    app.add_card(&owner, &account, "Before").await;
    assert_eq!(
        socket.next_event("1").await["contactEvents"]["contact"]["firstName"],
        "Before"
    );

    // Redis goes away while changes keep being made: mutations must not fail.
    redis.kill().unwrap();
    redis.wait().unwrap();
    let mut during = Vec::new();
    for i in 0..5 {
        let name = format!("During{i}");
        app.add_card(&owner, &account, &name).await;
        during.push(name);
    }
    redis = start_redis();
    wait_for_port(port).await;
    app.add_card(&owner, &account, "After").await;
    during.push("After".into());

    let mut received = Vec::new();
    while received.len() < during.len() {
        match socket.next(Duration::from_secs(10)).await {
            Incoming::Message(message) => received.push(
                message["payload"]["data"]["contactEvents"]["contact"]["firstName"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            ),
            other => panic!("stream ended early: {other:?} after {received:?}"),
        }
    }
    assert_eq!(received, during, "every event, once, in order");
    socket.expect_silence(Duration::from_millis(700)).await;
    second.shutdown().await;
    app.stop().await;
    redis.kill().ok();
}

fn which(binary: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(binary))
                .find(|p| p.is_file())
        })
        .ok_or(())
}

/// Waits for the redis-server process to listen: another process, which says nothing
/// when it is ready, so a bounded poll.
async fn wait_for_port(port: u16) {
    clientele_tests::wait_until(
        async || {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
        },
        "redis-server to listen",
    )
    .await;
}

#[tokio::test]
async fn the_server_pings_idle_sockets() {
    let app = TestApp::start_with(|c| c.events.ping_interval = Duration::from_millis(200)).await;
    let Portal { owner, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    socket.expect_ping(Duration::from_secs(2)).await;
    socket.expect_ping(Duration::from_secs(2)).await;
    app.stop().await;
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_dropped_not_buffered() {
    // A buffer of one event: a change that logs two events at once (a contact and its
    // invitation) overruns it, and the stream ends instead of growing.
    let app = TestApp::start_with(|c| c.limits.live_buffer = 1).await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    // The owner's card is the one event: once it is replayed, the stream is open (its
    // buffer in place).
    app.listen_from(&mut socket, "1", CONTACT_EVENTS, json!({"a": account}), "0")
        .await;
    app.gql_as(&owner, "mutation($a: ID!) { addContact(accountId: $a, input: {firstName: \"Two\", lastName: \"Events\", email: \"two@x.test\", role: BILLING, sendInvite: true}) { id } }", json!({"a": account})).await.ok();
    assert_eq!(socket.expect_error("1").await, "RESUBSCRIBE");
    // The client resubscribes from its last cursor and misses nothing (and gets nothing
    // more: a quiet spell).
    socket
        .subscribe("2", CONTACT_EVENTS, json!({"a": account, "after": "0"}))
        .await;
    let mut kinds = Vec::new();
    for _ in 0..2 {
        kinds.push(
            socket.next_event("2").await["contactEvents"]["contact"]["firstName"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert_eq!(kinds, ["Test", "Two"]);
    socket.expect_silence(Duration::from_millis(700)).await;
    app.stop().await;
}

/// The contact removed in [`a_new_member_replays_nothing_from_before_their_access_began`]
/// and [`removing_a_contact_scrubs_its_personal_data_from_the_event_log`]: added with
/// personal data, updated, removed. Returns its id.
async fn add_update_and_remove(app: &TestApp, owner: &str, account: &str) -> String {
    let id = app
        .gql_as(
            owner,
            "mutation($a: ID!) { addContact(accountId: $a, input: {firstName: \"Gone\", lastName: \"Person\",
              email: \"gone@private.test\", phone: \"+1 555 0100\", companyName: \"Gone Ltd\",
              address: {line1: \"1 Hidden Lane\", city: \"Nowhere\", postalCode: \"12345\", country: \"US\"},
              role: BILLING}) { id } }",
            json!({"a": account}),
        )
        .await
        .ok()
        .str("addContact.id")
        .to_owned();
    app.gql_as(
        owner,
        "mutation($id: ID!) { updateContact(id: $id, input: {phone: \"+1 555 0199\"}) { id } }",
        json!({"id": id}),
    )
    .await
    .ok();
    app.gql_as(owner, REMOVE, json!({"id": id, "p": OWNER_PASSWORD}))
        .await
        .ok();
    id
}

/// Every event a stream replays, from `after: 0`: what it replays through the newest
/// event (which it must show), then anything more until it falls silent.
async fn replayed(app: &TestApp, socket: &mut WsClient, id: &str, account: &str) -> Vec<Value> {
    let mut events: Vec<Value> = app
        .listen_from(socket, id, CONTACT_EVENTS, json!({"a": account}), "0")
        .await
        .into_iter()
        .map(|data| data["contactEvents"].clone())
        .collect();
    while let Incoming::Message(message) = socket.next(Duration::from_millis(700)).await {
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(message["id"], id, "{message}");
        assert!(message["payload"]["errors"].is_null(), "{message}");
        events.push(message["payload"]["data"]["contactEvents"].clone());
    }
    events
}

#[tokio::test]
async fn a_new_member_replays_nothing_from_before_their_access_began() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let gone = add_update_and_remove(&app, &owner, &account).await;
    let admin = app
        .add_member(&owner, &account, "admin@acme.test", "ADMIN", None)
        .await;

    // "after: 0" reaches back before the admin joined: it starts where their access did.
    let mut socket = app.socket(Some(&admin.token)).await;
    let seen = replayed(&app, &mut socket, "1", &account).await;
    assert!(!seen.is_empty(), "the admin's own card is theirs to see");
    for event in &seen {
        assert_eq!(event["contactId"], admin.contact_id, "{seen:?}");
    }

    // Staff replay everything; the removed contact's history is there, without its
    // personal data (its snapshot no longer makes a contact: null, not an error).
    let staff = app.staff().await;
    let mut staff_socket = app.socket(Some(&staff)).await;
    let history = replayed(&app, &mut staff_socket, "all", &account).await;
    let of_gone: Vec<&Value> = history.iter().filter(|e| e["contactId"] == gone).collect();
    let kinds: Vec<&str> = of_gone
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["CREATED", "UPDATED", "REMOVED"], "{history:?}");
    for event in of_gone {
        assert!(
            event.as_object().unwrap().contains_key("contact"),
            "{event}"
        );
        assert_eq!(event["contact"], Value::Null, "{event}");
    }
    assert!(
        history.iter().any(|e| e["contactId"] == admin.contact_id),
        "{history:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn removing_a_contact_scrubs_its_personal_data_from_the_event_log() {
    use domain::entities::event::{self, EventKind, EventStream};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let gone = add_update_and_remove(&app, &owner, &account).await;
    // Read at rest: what the event log keeps is the subject, and the API shows an event
    // only through the viewer's field guards, never its stored snapshot.
    let rows = event::Entity::find()
        .filter(event::Column::Stream.eq(EventStream::Contact))
        .filter(event::Column::SubjectId.eq(gone.parse::<i64>().unwrap()))
        .all(app.db())
        .await
        .unwrap();
    // The rows stay (cursors and history keep their shape)...
    let kinds: Vec<EventKind> = rows.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::Created, EventKind::Updated, EventKind::Removed]
    );
    // ...but what they keep of the contact is its name, and nothing to reach them by.
    for row in &rows {
        let Some(snapshot) = &row.snapshot else {
            assert_eq!(row.kind, EventKind::Removed);
            continue;
        };
        let mut fields: Vec<&str> = snapshot
            .as_object()
            .expect("a snapshot is an object")
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            ["account_id", "first_name", "id", "last_name"],
            "{snapshot}"
        );
        assert_eq!(snapshot["first_name"], "Gone");
        let text = snapshot.to_string();
        for private in ["gone@private.test", "555", "Hidden Lane", "Gone Ltd"] {
            assert!(!text.contains(private), "{private} left in {text}");
        }
    }
    // Other contacts' events are untouched.
    let owner_created = event::Entity::find()
        .filter(event::Column::Stream.eq(EventStream::Contact))
        .filter(event::Column::SubjectId.ne(gone.parse::<i64>().unwrap()))
        .one(app.db())
        .await
        .unwrap()
        .expect("the owner's card has its event");
    assert_eq!(
        owner_created.snapshot.as_ref().unwrap()["email"],
        "owner@acme.test"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_client_offering_both_protocols_is_spoken_to_in_the_one_the_handshake_names() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    for (offer, expected, data_type) in [
        ("graphql-ws, graphql-transport-ws", TRANSPORT_WS, "next"),
        ("graphql-transport-ws, graphql-ws", TRANSPORT_WS, "next"),
        ("graphql-ws", LEGACY_WS, "data"),
        ("graphql-transport-ws", TRANSPORT_WS, "next"),
    ] {
        let (mut socket, chosen) = WsClient::connect_offering(&app.url, offer).await.unwrap();
        assert_eq!(chosen.as_deref(), Some(expected), "offered {offer}");
        let ack = socket
            .init(json!({"authorization": format!("Bearer {owner}")}))
            .await;
        assert_eq!(ack["type"], "connection_ack", "offered {offer}: {ack}");
        socket
            .subscribe("1", CONTACT_EVENTS, json!({"a": account, "after": "0"}))
            .await;
        match socket.next(Duration::from_secs(5)).await {
            Incoming::Message(message) => {
                assert_eq!(message["type"], data_type, "offered {offer}: {message}");
                assert_eq!(
                    message["payload"]["data"]["contactEvents"]["kind"],
                    "CREATED"
                );
            }
            other => panic!("offered {offer}: expected an event, got {other:?}"),
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_cursor_from_the_future_or_that_is_no_cursor_is_refused() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    for (i, after) in ["1000000", "-1", "abc", "1.5", ""].into_iter().enumerate() {
        let id = format!("bad{i}");
        socket
            .subscribe(&id, CONTACT_EVENTS, json!({"a": account, "after": after}))
            .await;
        assert_eq!(
            socket.expect_error(&id).await,
            "BAD_USER_INPUT",
            "after: {after:?}"
        );
    }

    // The newest cursor itself is fine: nothing to replay, then live.
    socket
        .subscribe("0", CONTACT_EVENTS, json!({"a": account, "after": "0"}))
        .await;
    let newest = socket.next_event("0").await["contactEvents"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    socket
        .subscribe("ok", CONTACT_EVENTS, json!({"a": account, "after": newest}))
        .await;
    socket.expect_silence(Duration::from_millis(300)).await;
    app.add_card(&owner, &account, "Live").await;
    let mut delivered = Vec::new();
    for _ in 0..2 {
        match socket.next(Duration::from_secs(5)).await {
            Incoming::Message(message) => {
                assert_eq!(message["type"], "next", "{message}");
                assert_eq!(
                    message["payload"]["data"]["contactEvents"]["contact"]["firstName"],
                    "Live"
                );
                delivered.push(message["id"].as_str().unwrap().to_owned());
            }
            other => panic!("expected the live event, got {other:?}"),
        }
    }
    delivered.sort();
    assert_eq!(delivered, ["0", "ok"]);
    app.stop().await;
}

/// A counter from `GET /metrics`.
async fn metric(app: &TestApp, name: &str) -> u64 {
    let (status, body) = app.get("/metrics").await;
    assert_eq!(status, 200);
    body.lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} in {body}"))
}

#[tokio::test]
async fn subscribers_who_send_the_same_and_see_the_same_share_one_render_per_event() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let staff = app.staff().await;
    app.add_card(&owner, &account, "Zero").await;
    const OTHER_DOCUMENT: &str = "subscription($a: ID, $after: String) { changes: contactEvents(accountId: $a, after: $after) { cursor contact { firstName } } }";
    let renders_before = metric(&app, "clientele_live_renders_total").await;
    let delivered_before = metric(&app, "clientele_live_events_delivered_total").await;
    // Five dashboards of the owner with one document and the same variables, one with
    // another document, and staff with the first: three groups.
    let mut sockets = Vec::new();
    for (token, document) in [
        (&owner, CONTACT_EVENTS),
        (&owner, CONTACT_EVENTS),
        (&owner, CONTACT_EVENTS),
        (&owner, CONTACT_EVENTS),
        (&owner, CONTACT_EVENTS),
        (&owner, OTHER_DOCUMENT),
        (&staff, CONTACT_EVENTS),
    ] {
        let mut socket = app.socket(Some(token)).await;
        socket
            .subscribe("s", document, json!({"a": account, "after": "0"}))
            .await;
        sockets.push(socket);
    }

    // Each replays the log up to Zero's creation (the owner's own card came first).
    let mut replayed = Vec::new();
    for socket in &mut sockets {
        let mut events = Vec::new();
        loop {
            let event = socket.next_event("s").await;
            let done = event.to_string().contains("\"Zero\"");
            events.push(event);
            if done {
                break;
            }
        }
        replayed.push(events);
    }
    let each = replayed[0].len() as u64;
    assert!(each >= 1);
    // The same payloads where the document is the same, whoever sees them...
    for events in &replayed[1..5] {
        assert_eq!(events, &replayed[0]);
    }
    assert_eq!(replayed[6], replayed[0]);
    // ...in the other document's shape where it is not.
    assert!(replayed[5].last().unwrap()["changes"]["contact"]["firstName"] == "Zero");
    assert!(replayed[5].last().unwrap().get("contactEvents").is_none());
    let renders = metric(&app, "clientele_live_renders_total").await;
    assert_eq!(
        renders - renders_before,
        3 * each,
        "one render per group and event"
    );

    // Live, the same: one change, seven deliveries, three renders.
    app.add_card(&owner, &account, "Ada").await;
    for socket in &mut sockets {
        let event = socket.next_event("s").await;
        assert!(event.to_string().contains("\"Ada\""), "{event}");
    }
    assert_eq!(
        metric(&app, "clientele_live_renders_total").await - renders,
        3
    );
    assert_eq!(
        metric(&app, "clientele_live_events_delivered_total").await - delivered_before,
        7 * (each + 1)
    );
    app.stop().await;
}

#[tokio::test]
async fn a_user_holds_a_bounded_number_of_subscriptions_over_all_their_connections() {
    let app = TestApp::start_with(|c| c.limits.subscriptions_per_user = 3).await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut first = app.socket(Some(&owner)).await;
    let mut second = app.socket(Some(&owner)).await;
    // Each from the start of the log: its replay shows the stream is open (counted).
    for id in ["1", "2"] {
        app.listen_from(&mut first, id, CONTACT_EVENTS, json!({"a": account}), "0")
            .await;
    }
    app.listen_from(&mut second, "1", CONTACT_EVENTS, json!({"a": account}), "0")
        .await;
    // A fourth, on either connection, is refused...
    second
        .subscribe("2", CONTACT_EVENTS, json!({"a": account}))
        .await;
    assert_eq!(second.expect_error("2").await, "RATE_LIMITED");
    // ...and fits again once one of the three ends: the server frees the place when it
    // handles the `complete`, which the pong after it tells.
    first.send(json!({"id": "1", "type": "complete"})).await;
    first.round_trip().await;
    second
        .subscribe("again", CONTACT_EVENTS, json!({"a": account, "after": "0"}))
        .await;
    match second.next(Duration::from_secs(5)).await {
        Incoming::Message(m) => assert_eq!(
            m["type"], "next",
            "a place freed by `complete` is taken again: {m}"
        ),
        other => panic!("expected an answer, got {other:?}"),
    }
    // Another user is not counted with them.
    let other = app
        .register("Other", "other@acme.test", "other password 1")
        .await;
    let other_account = app.current_account(&other).await;
    let mut theirs = app.socket(Some(&other)).await;
    app.listen_from(
        &mut theirs,
        "1",
        CONTACT_EVENTS,
        json!({"a": other_account}),
        "0",
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn a_cursor_read_before_the_lists_misses_nothing_made_before_the_subscription() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    app.add_card(&owner, &account, "Before").await;
    // A dashboard: the cursor first, then the lists, then the streams from the cursor.
    let cursor = app
        .gql_as(
            &owner,
            "{ viewer { currentAccount { eventsCursor } } }",
            json!({}),
        )
        .await
        .ok()
        .str("viewer.currentAccount.eventsCursor")
        .to_owned();
    let listed = app
        .gql_as(
            &owner,
            "{ viewer { currentAccount { contacts { edges { node { firstName } } } } } }",
            json!({}),
        )
        .await
        .ok();
    assert!(listed.body.to_string().contains("Before"));
    // Made after the lists were read and before the stream opened: the gap a stream
    // opened "from now" would leave.
    app.add_card(&owner, &account, "Between").await;
    let mut socket = app.socket(Some(&owner)).await;
    socket
        .subscribe("1", CONTACT_EVENTS, json!({"a": account, "after": cursor}))
        .await;
    let replayed = socket.next_event("1").await;
    assert_eq!(replayed["contactEvents"]["contact"]["firstName"], "Between");
    assert_eq!(replayed["contactEvents"]["kind"], "CREATED");
    socket.expect_silence(Duration::from_millis(300)).await;
    app.add_card(&owner, &account, "Live").await;
    let live = socket.next_event("1").await;
    assert_eq!(live["contactEvents"]["contact"]["firstName"], "Live");
    assert!(
        live["contactEvents"]["cursor"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > cursor.parse::<i64>().unwrap()
    );
    app.stop().await;
}
