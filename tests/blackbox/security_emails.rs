//! Security emails, through real SMTP: a sign-in from a device never seen before, a
//! password change, two-factor turned off (by the user, or by staff), temporary access
//! ending tomorrow. Transactional: to the person concerned, whatever their preferences.

use clientele_tests::fixtures::{ADD, LOGIN, OWNER_PASSWORD, Portal, rfc3339};
use clientele_tests::{MEMBER_PASSWORD, SmtpSink, TestApp, addressed_to, decode_qp, wait_for};
use serde_json::json;

/// The messages to `to` whose subject says `subject`, decoded.
fn to_with(sink: &SmtpSink, to: &str, subject: &str) -> Vec<String> {
    sink.messages()
        .into_iter()
        .filter(|m| addressed_to(m, to))
        .map(|m| decode_qp(&m))
        .filter(|m| m.contains(&format!("Subject: {subject}")))
        .collect()
}

async fn delivered(app: &TestApp, sink: &SmtpSink, to: &str, subject: &str) -> String {
    app.deliver_mail().await;
    wait_for(|| to_with(sink, to, subject).pop(), subject).await
}

async fn login_from(app: &TestApp, address: &str, agent: &str, password: &str) -> String {
    app.gql_with_headers(
        &[("x-forwarded-for", address), ("user-agent", agent)],
        LOGIN,
        json!({"e": "owner@acme.test", "p": password}),
    )
    .await
    .ok()
    .str("login.token")
    .to_owned()
}

#[tokio::test]
async fn each_security_email_reaches_the_person_concerned_over_smtp() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::start_with(move |c| {
        c.mail.smtp_url = Some(url.into());
        c.http.trusted_proxies = clientele::config::TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    let Portal { account, .. } = Portal::acme(&app).await;

    // A new device: an email naming it. The same device again: none.
    login_from(&app, "203.0.113.9", "Laptop/2.0", OWNER_PASSWORD).await;
    let mail = delivered(&app, &sink, "owner@acme.test", "New sign-in").await;
    assert!(
        mail.contains("203.0.113.9") && mail.contains("Laptop/2.0"),
        "{mail}"
    );
    let token = login_from(&app, "203.0.113.9", "Laptop/2.0", OWNER_PASSWORD).await;
    app.deliver_mail().await;
    assert_eq!(to_with(&sink, "owner@acme.test", "New sign-in").len(), 1);

    // A password change.
    let changed = "owner password 2";
    app.gql_as(
        &token,
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
        json!({"c": OWNER_PASSWORD, "n": changed}),
    )
    .await
    .ok();
    delivered(&app, &sink, "owner@acme.test", "Your password was changed").await;

    // Two-factor turned off by the user, then by staff.
    let enrol = async || {
        let secret = app
            .gql_as(
                &token,
                "mutation($p: String!) { enrollTotp(currentPassword: $p) { secret } }",
                json!({"p": changed}),
            )
            .await
            .ok()
            .str("enrollTotp.secret")
            .to_owned();
        app.gql_as(
            &token,
            "mutation($c: String!) { confirmTotp(code: $c) }",
            json!({"c": app.totp_code(&secret)}),
        )
        .await
        .ok()
        .at("confirmTotp.0")
        .as_str()
        .unwrap()
        .to_owned()
    };
    let recovery = enrol().await;
    app.gql_as(
        &token,
        "mutation($p: String!, $c: String!) { disableTotp(currentPassword: $p, code: $c) }",
        json!({"p": changed, "c": recovery}),
    )
    .await
    .ok();
    let mail = delivered(
        &app,
        &sink,
        "owner@acme.test",
        "Two-factor sign-in was turned off",
    )
    .await;
    assert!(!mail.contains("support staff"), "{mail}");
    enrol().await;
    let user_id = app
        .gql_as(&token, "{ viewer { user { id } } }", json!({}))
        .await
        .ok()
        .str("viewer.user.id")
        .to_owned();
    let staff = app.staff().await;
    app.gql_as(
        &staff,
        "mutation($u: ID!) { resetTwoFactor(userId: $u) }",
        json!({"u": user_id}),
    )
    .await
    .ok();
    app.deliver_mail().await;
    let staff_mail = wait_for(
        || {
            to_with(
                &sink,
                "owner@acme.test",
                "Two-factor sign-in was turned off",
            )
            .into_iter()
            .find(|m| m.contains("support staff"))
        },
        "the staff reset's email",
    )
    .await;
    assert!(staff_mail.contains("at your request"), "{staff_mail}");

    // Temporary access ending within a day: its holder is warned, once.
    let ends = rfc3339(app.server.domain.clock().now() + chrono::Duration::hours(20));
    app.gql_as(&owner_token(&app, changed).await, ADD, json!({"a": account, "i": {
        "firstName": "Dev", "lastName": "Eloper", "email": "dev@agency.test", "role": "TECHNICAL",
        "portalAccess": true, "password": MEMBER_PASSWORD, "accessExpiresAt": ends,
    }}))
    .await
    .ok();
    assert_eq!(app.sweep_access().await.warned, 1);
    let mail = delivered(
        &app,
        &sink,
        "dev@agency.test",
        "Your access to Acme ends tomorrow",
    )
    .await;
    assert!(mail.contains("ends at"), "{mail}");
    // Once: the next sweep has nothing more to say.
    assert_eq!(app.sweep_access().await.warned, 0);
    app.deliver_mail().await;
    assert_eq!(
        to_with(
            &sink,
            "dev@agency.test",
            "Your access to Acme ends tomorrow"
        )
        .len(),
        1
    );
    app.stop().await;
    sink.stop();
}

async fn owner_token(app: &TestApp, password: &str) -> String {
    app.login("owner@acme.test", password).await.unwrap()
}
