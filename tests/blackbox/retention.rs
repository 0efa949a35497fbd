//! Retention (SPEC "Personal data"): what has expired is deleted once it has been over
//! for `RETENTION_DAYS` (30) — sessions ended by their idle timeout or their end,
//! invitations expired or revoked, password-reset links — and not before; an accepted
//! invitation and a live session stay; in the email history, a removed contact's
//! address becomes a pseudonym. Two instances sweeping at once delete each row once
//! between them.

use std::time::Duration;

use clientele_tests::TestApp;
use clientele_tests::fixtures::{ACCEPT, MEMBER_PASSWORD, OWNER_PASSWORD, Portal};
use serde_json::json;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// How many rows of `table` match `condition`.
async fn rows(app: &TestApp, table: &str, condition: &str) -> i64 {
    clientele_tests::database_search::count(&app.server.db, table, condition).await
}

#[tokio::test]
async fn what_expired_is_deleted_after_the_retention_period_and_not_before() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let invite = "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: { email: $e, role: TECHNICAL }) { id } }";
    // At day 0: a second session, three invitations (left to expire, revoked,
    // accepted), a reset link.
    app.login("owner@acme.test", OWNER_PASSWORD).await.unwrap();
    for email in ["lapsed@acme.test", "revoked@acme.test", "joined@acme.test"] {
        app.gql_as(
            &acme.owner,
            invite,
            json!({ "a": acme.account, "e": email }),
        )
        .await
        .ok();
    }
    app.gql_as(
        &acme.owner,
        "mutation { revokeInvitation(id: \"2\") { id } }",
        json!({}),
    )
    .await
    .ok();
    let token = app.invitation_token("joined@acme.test").await;
    app.gql(
        ACCEPT,
        json!({ "t": token, "i": { "firstName": "Jo", "lastName": "Ined", "password": MEMBER_PASSWORD } }),
    )
    .await
    .ok();
    app.gql(
        "mutation { requestPasswordReset(email: \"owner@acme.test\") }",
        json!({}),
    )
    .await
    .ok();
    // An email to a contact who is then removed, and one to the owner, who stays.
    let gone = app
        .gql_as(
            &acme.owner,
            "mutation($a: ID!) { addContact(accountId: $a, input: { firstName: \"Gone\", lastName: \"Person\", email: \"gone@acme.test\", role: BILLING, notificationPreferences: [\"GENERAL\"] }) { id } }",
            json!({ "a": acme.account }),
        )
        .await
        .ok()
        .str("addContact.id")
        .to_owned();
    let staff = app.staff().await;
    app.gql_as(
        &staff,
        "mutation($a: ID!) { sendNotification(accountId: $a, category: \"GENERAL\", subject: \"Maintenance\", body: \"Tonight.\") }",
        json!({ "a": acme.account }),
    )
    .await
    .ok();
    app.gql_as(
        &acme.owner,
        "mutation($id: ID!, $p: String!) { removeContact(id: $id, currentPassword: $p) }",
        json!({ "id": gone, "p": OWNER_PASSWORD }),
    )
    .await
    .ok();
    app.server.deliver_mail().await.unwrap();
    let gone_rows = "CAST(to_addresses AS TEXT) LIKE '%gone@acme.test%'";
    assert_eq!(rows(&app, "emails", gone_rows).await, 1);
    let owner_sessions = "user_id = (SELECT id FROM users WHERE email = 'owner@acme.test')";
    assert_eq!(rows(&app, "sessions", owner_sessions).await, 2);
    assert_eq!(rows(&app, "invitations", "1 = 1").await, 3);
    assert_eq!(rows(&app, "password_resets", "1 = 1").await, 1);
    app.gql_as(&acme.owner, "mutation { requestDataExport }", json!({}))
        .await
        .ok();
    assert_eq!(rows(&app, "export_links", "1 = 1").await, 1);

    // Day 29: the reset link ended 29 days ago, the export link 28, the invitations
    // 22: all kept.
    let clock = app.server.domain.clock();
    clock.advance(29 * DAY);
    let purged = app.server.domain.retention().purge().await.unwrap();
    assert_eq!(purged.total(), 0, "{purged:?}");
    assert_eq!(rows(&app, "password_resets", "1 = 1").await, 1);

    // Day 45: every session ended (unused for 14 days) 31 days ago; the reset link and
    // two invitations are long over. A session begun now stays, and so does the
    // accepted invitation. Two instances sweep at once: each row goes once.
    clock.advance(16 * DAY);
    let fresh = app.login("owner@acme.test", OWNER_PASSWORD).await.unwrap();
    let second = app.second_instance(|_| {}).await;
    let (one, other) = (app.server.domain.retention(), second.domain.retention());
    let (here, there) = tokio::join!(one.purge(), other.purge());
    let (here, there) = (here.unwrap(), there.unwrap());
    // The owner's two, the member's who joined, staff's.
    assert_eq!(here.sessions + there.sessions, 4, "{here:?} {there:?}");
    assert_eq!(here.invitations + there.invitations, 2);
    assert_eq!(here.password_resets + there.password_resets, 1);
    assert_eq!(here.export_links + there.export_links, 1);
    assert_eq!(rows(&app, "sessions", owner_sessions).await, 1);
    assert_eq!(
        rows(&app, "invitations", "email = 'joined@acme.test'").await,
        1
    );
    assert_eq!(rows(&app, "invitations", "1 = 1").await, 1);
    assert_eq!(rows(&app, "password_resets", "1 = 1").await, 0);
    assert_eq!(rows(&app, "export_links", "1 = 1").await, 0);
    // The removed contact's address is a pseudonym in the email history now; the
    // owner's is as it was.
    assert!(here.emails_settled + there.emails_settled >= 2);
    assert_eq!(rows(&app, "emails", gone_rows).await, 0);
    let pseudonym = domain::retention::pseudonym("gone@acme.test");
    let history = app
        .gql_as(
            &fresh,
            "query($a: ID!) { account(id: $a) { emails(first: 50) { nodes { to subject } } } }",
            json!({ "a": acme.account }),
        )
        .await
        .ok();
    let sent_to: Vec<String> = history
        .at("account.emails.nodes")
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["subject"] == "Maintenance")
        .flat_map(|m| m["to"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    assert!(sent_to.contains(&pseudonym), "{sent_to:?}");
    assert!(
        sent_to.contains(&"owner@acme.test".to_owned()),
        "{sent_to:?}"
    );
    // Emails of no account (the reset link, the export link) went to a login that still
    // is one: kept.
    let to_owner = "account_id IS NULL AND recipients_settled = TRUE AND CAST(to_addresses AS TEXT) LIKE '%owner@acme.test%'";
    assert_eq!(rows(&app, "emails", to_owner).await, 2);
    let erased = "account_id IS NULL AND CAST(to_addresses AS TEXT) LIKE '%@invalid%'";
    assert_eq!(rows(&app, "emails", erased).await, 0);
    app.gql_as(&fresh, "{ viewer { user { email } } }", json!({}))
        .await
        .ok();
    second.shutdown().await;
    app.stop().await;
}
