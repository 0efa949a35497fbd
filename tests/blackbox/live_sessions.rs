//! A WebSocket lives only as long as its session: every operation re-checks it, and
//! when the session ends (logout, password change or reset, expiry; on any instance)
//! each of the socket's subscriptions gets an `error` (UNAUTHENTICATED) and the socket
//! closes with 4403.

use std::time::Duration;

use chrono::Utc;
use clientele_tests::fixtures::{CONTACT_EVENTS, OWNER_PASSWORD, Portal};
use clientele_tests::ws::{TRANSPORT_WS, error_code};
use clientele_tests::{TestApp, WsClient, link_after, token_in_link};
use domain::entities::session;
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde_json::{Value, json};

/// Who [`Portal::acme`] registers.
const OWNER_EMAIL: &str = "owner@acme.test";
const SESSION_ENDED: u16 = 4403;

/// Subscribes `id` to the account's contact events from the start of the log and reads
/// the replay (the owner's card, created): from then on the stream is open.
async fn listening(app: &TestApp, socket: &mut WsClient, id: &str, account: &str) {
    let replayed = app
        .listen_from(socket, id, CONTACT_EVENTS, json!({"a": account}), "0")
        .await;
    assert_eq!(replayed[0]["contactEvents"]["kind"], "CREATED");
}

/// Whether subscription `id` was ended with an `error` saying the session ended.
fn ended_by_logout(messages: &[Value], id: &str) -> bool {
    messages
        .iter()
        .any(|m| m["type"] == "error" && m["id"] == id && error_code(m) == Some("UNAUTHENTICATED"))
}

#[tokio::test]
async fn logging_out_ends_the_streams_and_closes_the_socket_with_4403() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    listening(&app, &mut socket, "1", &account).await;

    app.gql_as(&owner, "mutation { logout }", json!({}))
        .await
        .ok();
    // Sent right after the logout: refused, unless the socket has closed already.
    let sent = socket
        .try_subscribe("2", CONTACT_EVENTS, json!({"a": account, "after": "0"}))
        .await;
    let (messages, code) = socket.until_closed(Duration::from_secs(2)).await;
    assert_eq!(code, Some(SESSION_ENDED), "{messages:?}");
    assert!(
        ended_by_logout(&messages, "1"),
        "stream 1 ends with UNAUTHENTICATED first: {messages:?}"
    );
    for message in messages.iter().filter(|m| m["id"] == "2") {
        assert!(sent);
        assert_eq!(
            (message["type"].as_str(), error_code(message)),
            (Some("error"), Some("UNAUTHENTICATED")),
            "a subscribe after logout must be refused: {message}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_subscribe_is_refused_once_the_session_ended_even_if_no_notice_came() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    listening(&app, &mut socket, "1", &account).await;

    // The session ends without this instance hearing of it (as when another instance
    // ended it while Redis was away).
    session::Entity::delete_many()
        .exec(app.db())
        .await
        .expect("sessions deleted");
    socket
        .subscribe("2", CONTACT_EVENTS, json!({"a": account, "after": "0"}))
        .await;
    // Finding the session dead closes the socket too, ending stream 1 meanwhile: the
    // refusal and that end come in either order.
    let (messages, code) = socket.until_closed(Duration::from_secs(2)).await;
    let refusal = messages
        .iter()
        .find(|m| m["id"] == "2")
        .unwrap_or_else(|| panic!("no answer to 2: {messages:?}"));
    assert_eq!(error_code(refusal), Some("UNAUTHENTICATED"), "{refusal}");
    assert_eq!(code, Some(SESSION_ENDED), "{messages:?}");
    app.stop().await;
}

#[tokio::test]
async fn changing_the_password_closes_the_users_other_sockets_but_not_this_ones() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let elsewhere = app.login(OWNER_EMAIL, OWNER_PASSWORD).await.unwrap();
    let mut this_socket = app.socket(Some(&owner)).await;
    listening(&app, &mut this_socket, "1", &account).await;
    let mut other_socket = app.socket(Some(&elsewhere)).await;
    listening(&app, &mut other_socket, "1", &account).await;

    app.gql_as(
        &owner,
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
        json!({"c": OWNER_PASSWORD, "n": "a brand new password"}),
    )
    .await
    .ok();
    let (messages, code) = other_socket.until_closed(Duration::from_secs(2)).await;
    assert_eq!(code, Some(SESSION_ENDED), "{messages:?}");
    assert!(ended_by_logout(&messages, "1"), "{messages:?}");

    // The session that changed the password keeps its socket and its stream.
    app.add_card(&owner, &account, "After").await;
    assert_eq!(
        this_socket.next_event("1").await["contactEvents"]["contact"]["firstName"],
        "After"
    );
    this_socket.expect_silence(Duration::from_millis(500)).await;
    app.stop().await;
}

#[tokio::test]
async fn resetting_the_password_closes_the_users_sockets() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let mut socket = app.socket(Some(&owner)).await;
    listening(&app, &mut socket, "1", &account).await;

    app.gql(
        "mutation($e: String!) { requestPasswordReset(email: $e) }",
        json!({"e": OWNER_EMAIL}),
    )
    .await
    .ok();
    let message = app.wait_for_eml(OWNER_EMAIL).await;
    let link = link_after(&message, "/reset-password/").expect("reset link");
    app.gql(
        "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }",
        json!({"t": token_in_link(&link), "p": "a brand new password"}),
    )
    .await
    .ok();
    let (messages, code) = socket.until_closed(Duration::from_secs(2)).await;
    assert_eq!(code, Some(SESSION_ENDED), "{messages:?}");
    assert!(ended_by_logout(&messages, "1"), "{messages:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_socket_closes_when_its_session_expires() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    // The session has two seconds left (written directly: no request makes a session
    // that short, and the socket's own timer, in real time, is the subject).
    session::Entity::update_many()
        .col_expr(
            session::Column::ExpiresAt,
            Expr::value(Utc::now() + chrono::Duration::seconds(2)),
        )
        .exec(app.db())
        .await
        .expect("session shortened");
    let mut socket = app.socket(Some(&owner)).await;
    listening(&app, &mut socket, "1", &account).await;

    let (messages, code) = socket.until_closed(Duration::from_secs(5)).await;
    assert_eq!(code, Some(SESSION_ENDED), "{messages:?}");
    assert!(ended_by_logout(&messages, "1"), "{messages:?}");
    app.stop().await;
}

#[tokio::test]
#[cfg_attr(
    not(clientele_redis),
    ignore = "needs Redis (instances share notices through it): set REDIS_URL (the PostgreSQL + Redis suite of .ci/run)"
)]
async fn logging_out_on_one_instance_closes_the_socket_held_by_another() {
    let app = TestApp::start().await;
    assert!(
        app.config.events.redis_url.is_some(),
        "REDIS_URL was set at build time but the server has no Redis"
    );
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let second = app.second_instance(|_| {}).await;
    let mut socket = WsClient::connect(&format!("http://{}", second.addr), TRANSPORT_WS, &[])
        .await
        .unwrap();
    assert_eq!(
        socket
            .init(json!({"authorization": format!("Bearer {owner}")}))
            .await["type"],
        "connection_ack"
    );
    listening(&app, &mut socket, "1", &account).await;

    app.gql_as(&owner, "mutation { logout }", json!({}))
        .await
        .ok();
    let (messages, code) = socket.until_closed(Duration::from_secs(2)).await;
    assert_eq!(code, Some(SESSION_ENDED), "{messages:?}");
    assert!(ended_by_logout(&messages, "1"), "{messages:?}");
    second.shutdown().await;
    app.stop().await;
}

/// `viewer.sessions` lists the user's sessions; `revokeSession` ends one of them (its
/// token dies, its socket closes at once) and no one else's; staff end them all.
#[tokio::test]
async fn sessions_are_listed_and_a_revoked_one_loses_its_token_and_its_socket() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let phone = app
        .gql_with_headers(
            &[("user-agent", "Phone/1.0")],
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            json!({"e": OWNER_EMAIL, "p": OWNER_PASSWORD}),
        )
        .await
        .ok()
        .str("login.token")
        .to_owned();
    let list = "{ viewer { user { id } sessions { id createdAt lastSeenAt expiresAt ipAddress userAgent current } } }";
    let listed = app.gql_as(&owner, list, json!({})).await.ok();
    let sessions = listed.at("viewer.sessions").as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{}", listed.body);
    assert_eq!(
        sessions.iter().filter(|s| s["current"] == true).count(),
        1,
        "{sessions:?}"
    );
    let other = sessions
        .iter()
        .find(|s| s["current"] == false)
        .expect("the phone's session");
    assert_eq!(other["userAgent"], "Phone/1.0");
    assert_eq!(other["ipAddress"], "127.0.0.1");
    for key in ["createdAt", "lastSeenAt", "expiresAt"] {
        assert!(other[key].is_string(), "{key}: {other}");
    }

    let mut socket = app.socket(Some(&phone)).await;
    listening(&app, &mut socket, "1", &account).await;
    // Someone else's session is not theirs to end: NOT_FOUND.
    let stranger = app
        .register("Else", "else@else.test", "else password 12")
        .await;
    let revoke = "mutation($id: ID!) { revokeSession(id: $id) }";
    app.gql_as(&stranger, revoke, json!({"id": other["id"]}))
        .await
        .expect_code("NOT_FOUND");
    app.gql_as(&owner, revoke, json!({"id": other["id"]}))
        .await
        .ok();
    let (messages, code) = socket.until_closed(Duration::from_secs(2)).await;
    assert_eq!(code, Some(SESSION_ENDED), "{messages:?}");
    app.gql_as(&phone, "{ viewer { user { id } } }", json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    let listed = app.gql_as(&owner, list, json!({})).await.ok();
    assert_eq!(listed.at("viewer.sessions").as_array().unwrap().len(), 1);

    // Staff end all of a user's sessions; nobody else may.
    let user_id = listed.str("viewer.user.id").to_owned();
    let all = "mutation($u: ID!) { revokeUserSessions(userId: $u) }";
    app.gql_as(&stranger, all, json!({"u": user_id}))
        .await
        .expect_code("FORBIDDEN");
    let staff = app.staff().await;
    let ended = app.gql_as(&staff, all, json!({"u": user_id})).await.ok();
    assert_eq!(ended.at("revokeUserSessions"), 1);
    app.gql_as(&owner, "{ viewer { user { id } } }", json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    app.stop().await;
}
