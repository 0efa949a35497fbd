use std::time::Duration;

use clientele_tests::fixtures::VIEWER;
use clientele_tests::{SmtpSink, TestApp, link_after, token_in_link};
use domain::entities::{email, password_reset};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

const REQUEST: &str = "mutation($e: String!) { requestPasswordReset(email: $e) }";
const RESET: &str =
    "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }";
/// Resets with the link in `message` and checks everything a reset must do.
async fn reset_with_link(app: &TestApp, message: &str, old_session: &str) {
    assert!(
        message.contains("Subject: Reset your password"),
        "{message}"
    );
    let link = link_after(
        message,
        &format!("{}/reset-password/", app.config.http.public_url),
    )
    .expect("reset link");
    let token = token_in_link(&link);
    assert!(token.len() >= 43, "at least 256 bits: {token}");

    app.gql(RESET, json!({"t": token, "p": "my new password!"}))
        .await
        .ok();
    // Every session of the user ended; the new password works, the old one not.
    app.gql_as(old_session, VIEWER, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    assert!(
        app.login("ann@example.com", "my new password!")
            .await
            .is_ok()
    );
    assert_eq!(
        app.login("ann@example.com", "correct horse battery").await,
        Err("UNAUTHENTICATED".into())
    );

    // The link works once.
    let again = app
        .gql(RESET, json!({"t": token, "p": "another password!"}))
        .await;
    again.expect_code("BAD_USER_INPUT");
    assert!(
        app.login("ann@example.com", "my new password!")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn password_reset_end_to_end_through_eml_files() {
    let app = TestApp::start().await;
    let session = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    app.gql(REQUEST, json!({"e": "ANN@example.com"})).await.ok();
    let message = app.wait_for_eml("ann@example.com").await;
    assert!(
        message.contains("From: Clientele <no-reply@localhost>"),
        "{message}"
    );
    assert!(message.contains("text/html") && message.contains("text/plain"));
    reset_with_link(&app, &message, &session).await;
    app.stop().await;
}

#[tokio::test]
async fn password_reset_end_to_end_through_a_real_smtp_server() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::start_with(|c| c.mail.smtp_url = Some(url.into())).await;
    let session = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    app.gql(REQUEST, json!({"e": "ann@example.com"})).await.ok();
    let message = sink.wait_for("ann@example.com").await;
    reset_with_link(&app, &message, &session).await;
    // Nothing went to files when SMTP is configured.
    assert!(app.eml_files().is_empty());
    app.stop().await;
    sink.stop();
}

#[tokio::test]
async fn reset_request_answers_the_same_for_unknown_emails_and_sends_nothing() {
    let app = TestApp::start().await;
    app.register("Acme", "ann@example.com", "correct horse battery")
        .await;
    // The known address last: each request's background work (the lookup, and for a
    // login the link and its email) is under way before the next request is sent, and
    // the unknown ones' is the lighter; by the time the known one's email is out, theirs
    // has had its turn, with no end a client could see to wait for.
    let unknown = app
        .gql(REQUEST, json!({"e": "nobody@example.com"}))
        .await
        .ok();
    let invalid = app.gql(REQUEST, json!({"e": "not an email"})).await.ok();
    let known = app.gql(REQUEST, json!({"e": "ann@example.com"})).await.ok();
    assert_eq!(known.body, unknown.body);
    assert_eq!(known.body, invalid.body);
    app.wait_for_eml("ann@example.com").await;
    // Rows left behind (no API lists the outbox's transactional emails or reset links):
    // one email and one link, the known address's.
    assert_eq!(email::Entity::find().count(app.db()).await.unwrap(), 1);
    assert_eq!(
        password_reset::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        1
    );
    assert_eq!(app.eml_files().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let app = TestApp::start_with(|c| c.domain.password_reset_ttl = Duration::ZERO).await;
    app.register("Acme", "ann@example.com", "correct horse battery")
        .await;
    app.gql(REQUEST, json!({"e": "ann@example.com"})).await.ok();
    let message = app.wait_for_eml("ann@example.com").await;
    let token = token_in_link(&link_after(&message, "/reset-password/").unwrap());
    let r = app
        .gql(RESET, json!({"t": token, "p": "my new password!"}))
        .await;
    r.expect_code("BAD_USER_INPUT");
    // Expired, used and unknown links are told apart by nothing.
    let unknown = app
        .gql(
            RESET,
            json!({"t": "no-such-token", "p": "my new password!"}),
        )
        .await;
    assert_eq!(r.error_message(), unknown.error_message());
    assert!(
        app.login("ann@example.com", "correct horse battery")
            .await
            .is_ok()
    );
    app.stop().await;
}

#[tokio::test]
async fn two_concurrent_uses_of_one_reset_link_let_exactly_one_through() {
    let app = TestApp::start().await;
    app.register("Acme", "ann@example.com", "correct horse battery")
        .await;
    app.gql(REQUEST, json!({"e": "ann@example.com"})).await.ok();
    let message = app.wait_for_eml("ann@example.com").await;
    let token = token_in_link(&link_after(&message, "/reset-password/").unwrap());
    let (a, b) = tokio::join!(
        app.gql(RESET, json!({"t": token, "p": "first new password"})),
        app.gql(RESET, json!({"t": token, "p": "second new password"})),
    );
    let ok = [&a, &b].iter().filter(|r| r.error_code().is_none()).count();
    assert_eq!(ok, 1, "{} / {}", a.body, b.body);
    let winner = if a.error_code().is_none() {
        "first new password"
    } else {
        "second new password"
    };
    assert!(app.login("ann@example.com", winner).await.is_ok());
    app.stop().await;
}
