use std::time::Duration;

use clientele_tests::{SmtpSink, TestApp};
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

    // The worker tries, fails, and keeps the email queued with the reason.
    let db = app.db().clone();
    let mut failed_attempt = None;
    for _ in 0..100 {
        let rows = email::Entity::find().all(&db).await.unwrap();
        if let Some(row) = rows
            .into_iter()
            .find(|r| r.attempts >= 2 && r.last_error.is_some())
        {
            failed_attempt = Some(row);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let row = failed_attempt.expect("the worker retried the email");
    assert_eq!(row.status, EmailStatus::Queued);
    assert!(row.sent_at.is_none());

    // SMTP comes back on the same port: the email arrives, exactly once.
    let sink = SmtpSink::start_on(port).await;
    let message = sink.wait_for("ann@example.com").await;
    assert!(message.contains("/reset-password/"));
    let sent = loop {
        let row = email::Entity::find_by_id(row.id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        if row.status == EmailStatus::Sent {
            break row;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(sent.sent_at.is_some());
    tokio::time::sleep(Duration::from_millis(500)).await;
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
    let db = app.db().clone();
    let queued = loop {
        if let Some(row) = email::Entity::find().one(&db).await.unwrap() {
            break row;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
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
