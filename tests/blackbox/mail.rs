//! The mail worker's own behaviour: retries while SMTP is down, and an outbox that
//! outlives a restart. Here delivery is the subject, so the tests wait for the worker
//! (bounded polls) instead of driving it, except to let a pass under way finish.

use clientele_tests::{SmtpSink, TestApp, wait_until};
use domain::entities::email::{self, EmailStatus};
use sea_orm::EntityTrait;
use serde_json::json;

#[tokio::test]
async fn an_email_queued_while_smtp_is_down_is_delivered_once_it_is_back() {
    // A port with nothing listening: the SMTP server is "down".
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app =
        TestApp::start_with(|c| c.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into()))
            .await;
    app.register("Acme", "ann@example.com", "correct horse battery")
        .await;
    app.gql(
        "mutation { requestPasswordReset(email: \"ann@example.com\") }",
        json!({}),
    )
    .await
    .ok();

    // The worker tries, fails, and keeps the email queued with the reason; then tries
    // again on its own, once the backoff has passed. Read from the outbox: its retry
    // bookkeeping (attempts, the last error) is in no API, and a reset email belongs
    // to no account's email history.
    let db = app.db().clone();
    let row = wait_until(
        async || {
            let rows = email::Entity::find().all(&db).await.unwrap();
            rows.into_iter()
                .find(|r| r.attempts >= 2 && r.last_error.is_some())
        },
        "the worker to retry the email",
    )
    .await;
    assert_eq!(row.status, EmailStatus::Queued);
    assert!(row.sent_at.is_none());

    // SMTP comes back on the same port: the worker's next retry delivers the email...
    let sink = SmtpSink::start_on(port).await;
    let message = sink.wait_for("ann@example.com").await;
    assert!(message.contains("/reset-password/"));
    // ...records it as sent (a pass of our own waits for the worker's to finish), and
    // sends it exactly once: that pass finds nothing left to send.
    app.deliver_mail().await;
    let sent = email::Entity::find_by_id(row.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.status, EmailStatus::Sent);
    assert!(sent.sent_at.is_some());
    assert_eq!(sink.messages().len(), 1);
    app.stop().await;
    sink.stop();
}

#[tokio::test]
async fn queued_emails_survive_a_restart_and_are_sent_by_the_next_server() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app =
        TestApp::start_with(|c| c.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into()))
            .await;
    app.register("Acme", "ann@example.com", "correct horse battery")
        .await;
    app.gql(
        "mutation { requestPasswordReset(email: \"ann@example.com\") }",
        json!({}),
    )
    .await
    .ok();
    // The reset email is queued in the background (read from the outbox: it belongs to
    // no account's email history).
    let db = app.db().clone();
    let queued = wait_until(
        async || email::Entity::find().one(&db).await.unwrap(),
        "the reset email to be queued",
    )
    .await;
    assert_eq!(queued.status, EmailStatus::Queued);

    // The server stops with the email unsent; the next one, with SMTP up, sends it.
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = app
        .restart_with(|c| c.mail.smtp_url = Some(url.into()))
        .await;
    let message = sink.wait_for("ann@example.com").await;
    assert!(message.contains("/reset-password/"));
    app.stop().await;
    sink.stop();
}
