//! Invitations end to end: send, resend, revoke, accept, expiry, rate limit.
//! (Over 500 lines: each story starts its own server and reads the emails it sent.)

use std::time::Duration;

use clientele_tests::fixtures::{ACCEPT, Portal};
use clientele_tests::{SmtpSink, TestApp, link_after, token_in_link};
use serde_json::{Value, json};

const INVITE: &str = "mutation($a: ID!, $e: String!, $r: Role!) { inviteUser(accountId: $a, input: {email: $e, role: $r}) { id email role status expiresAt } }";
const RESEND: &str = "mutation($id: ID!) { resendInvitation(id: $id) { id status } }";
const REVOKE: &str = "mutation($id: ID!) { revokeInvitation(id: $id) { id status } }";
const LIST: &str = "query($id: ID!, $s: InvitationStatus) { account(id: $id) { invitations(status: $s, first: 100) { nodes { email status } } } }";

/// The token of the `n`-th invitation email to `to`.
async fn invite_token(app: &TestApp, to: &str, n: usize) -> String {
    let messages = app.mails_to(to).await;
    let message = messages
        .get(n - 1)
        .unwrap_or_else(|| panic!("{} emails to {to}, not {n}", messages.len()));
    assert!(message.contains("invited you to Acme"), "{message}");
    token_in_link(
        &link_after(message, &format!("{}/invite/", app.config.http.public_url))
            .expect("invite link"),
    )
}

#[tokio::test]
async fn an_existing_user_accepts_then_holds_two_accounts_and_switches_between_them() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let agency = app
        .register("Agency", "dev@agency.test", "agency password")
        .await;
    let r = app
        .gql_as(
            &acme.owner,
            INVITE,
            json!({"a": acme.account, "e": "DEV@agency.test", "r": "ADMIN"}),
        )
        .await
        .ok();
    assert_eq!(r.str("inviteUser.status"), "PENDING");
    let token = invite_token(&app, "dev@agency.test", 1).await;

    // Signed in as themselves, they accept with the credentials they have.
    let r = app.gql_as(&agency, ACCEPT, json!({"t": token})).await.ok();
    assert_eq!(r.str("acceptInvitation.viewer.currentAccount.name"), "Acme");
    assert_eq!(app.login_count().await, 2);

    // A fresh login with two accounts is placed in neither, then switches.
    let fresh = app
        .login("dev@agency.test", "agency password")
        .await
        .unwrap();
    let v = app
        .gql_as(
            &fresh,
            "{ viewer { currentAccount { id } memberships { account { id name } role } } }",
            json!({}),
        )
        .await
        .ok();
    assert!(v.null_at("viewer.currentAccount"), "{}", v.body);
    let memberships = v.at("viewer.memberships").as_array().unwrap().clone();
    let names: Vec<&str> = memberships
        .iter()
        .map(|m| m["account"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme", "Agency"]);
    assert_eq!(memberships[0]["role"], "ADMIN");
    for m in &memberships {
        let id = m["account"]["id"].as_str().unwrap();
        let s = app
            .gql_as(
                &fresh,
                "mutation($id: ID!) { switchAccount(accountId: $id) { currentAccount { name } } }",
                json!({"id": id}),
            )
            .await
            .ok();
        assert_eq!(
            s.at("switchAccount.currentAccount.name"),
            &m["account"]["name"]
        );
        app.gql_as(
            &fresh,
            "query($id: ID!) { account(id: $id) { name } }",
            json!({"id": id}),
        )
        .await
        .ok();
    }
    // As an ADMIN of Acme they manage its contacts.
    app.gql_as(
        &fresh,
        "query($id: ID!) { account(id: $id) { contacts { totalCount } } }",
        json!({"id": acme.account}),
    )
    .await
    .ok();
    let list = app
        .gql_as(
            &acme.owner,
            LIST,
            json!({"id": acme.account, "s": "ACCEPTED"}),
        )
        .await
        .ok();
    assert_eq!(
        list.at("account.invitations.nodes"),
        &json!([{"email": "DEV@agency.test", "status": "ACCEPTED"}])
    );
    // The link worked once.
    app.gql_as(&agency, ACCEPT, json!({"t": token}))
        .await
        .expect_code("BAD_USER_INPUT");
    app.stop().await;
}

#[tokio::test]
async fn a_new_user_accepts_by_choosing_a_password_and_signs_in() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    app.gql_as(
        &acme.owner,
        INVITE,
        json!({"a": acme.account, "e": "new@people.test", "r": "BILLING"}),
    )
    .await
    .ok();
    let token = invite_token(&app, "new@people.test", 1).await;
    let missing = app
        .gql(
            ACCEPT,
            json!({"t": token, "i": {"firstName": "Nia", "password": "nia password 1"}}),
        )
        .await;
    missing.expect_code("BAD_USER_INPUT");
    assert_eq!(missing.body["errors"][0]["extensions"]["field"], "lastName");
    app.gql(
        ACCEPT,
        json!({"t": token, "i": {"firstName": "Nia", "lastName": "New", "password": "short"}}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    assert_eq!(app.login_count().await, 1);

    let r = app.gql(ACCEPT, json!({"t": token, "i": {"firstName": "Nia", "lastName": "New", "password": "nia password 1"}})).await.ok();
    assert_eq!(r.str("acceptInvitation.viewer.currentAccount.name"), "Acme");
    assert_eq!(
        r.at("acceptInvitation.viewer.memberships.0.role"),
        "BILLING"
    );
    assert!(r.set_cookie[0].starts_with("clientele_session="));
    let token = app
        .login("new@people.test", "nia password 1")
        .await
        .unwrap();
    let v = app
        .gql_as(
            &token,
            "{ viewer { user { firstName lastName } permissions } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        v.at("viewer.user"),
        &json!({"firstName": "Nia", "lastName": "New"})
    );
    assert_eq!(
        v.at("viewer.permissions"),
        &json!(["VIEW_INVOICES", "PAY_INVOICES"])
    );
    app.stop().await;
}

#[tokio::test]
async fn resending_kills_the_old_link_and_revoking_kills_the_link() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let r = app
        .gql_as(
            &acme.owner,
            INVITE,
            json!({"a": acme.account, "e": "sam@x.test", "r": "TECHNICAL"}),
        )
        .await
        .ok();
    let id = r.str("inviteUser.id").to_owned();
    let first = invite_token(&app, "sam@x.test", 1).await;
    app.gql_as(&acme.owner, RESEND, json!({"id": id}))
        .await
        .ok();
    let second = invite_token(&app, "sam@x.test", 2).await;
    assert_ne!(first, second);
    let new_user = json!({"firstName": "Sam", "lastName": "S", "password": "sam password 1"});
    let dead = app.gql(ACCEPT, json!({"t": first, "i": new_user})).await;
    dead.expect_code("BAD_USER_INPUT");

    let r = app
        .gql_as(&acme.owner, REVOKE, json!({"id": id}))
        .await
        .ok();
    assert_eq!(r.str("revokeInvitation.status"), "REVOKED");
    let revoked = app.gql(ACCEPT, json!({"t": second, "i": new_user})).await;
    let unknown = app
        .gql(ACCEPT, json!({"t": "no-such-token", "i": new_user}))
        .await;
    // Resent-away, revoked and unknown links are told apart by nothing.
    assert_eq!(revoked.body, unknown.body);
    assert_eq!(dead.error_message(), unknown.error_message());
    app.gql_as(&acme.owner, REVOKE, json!({"id": id}))
        .await
        .expect_code("CONFLICT");
    app.gql_as(&acme.owner, RESEND, json!({"id": id}))
        .await
        .expect_code("CONFLICT");
    assert_eq!(app.login_count().await, 1);

    let log = app
        .gql_as(
            &acme.owner,
            "query($id: ID!) { account(id: $id) { auditLog { edges { node { action } } } } }",
            json!({"id": acme.account}),
        )
        .await
        .ok();
    let actions: Vec<&str> = log
        .at("account.auditLog.edges")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &actions[..3],
        ["invitation.revoke", "invitation.resend", "invitation.send"]
    );
    app.stop().await;
}

#[tokio::test]
async fn an_expired_link_is_refused_and_no_longer_blocks_a_new_invitation() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    app.gql_as(
        &acme.owner,
        INVITE,
        json!({"a": acme.account, "e": "late@x.test", "r": "BILLING"}),
    )
    .await
    .ok();
    let token = invite_token(&app, "late@x.test", 1).await;
    // Past the default lifetime of a link (7 days), well within the owner's session's.
    app.server
        .domain
        .clock()
        .advance(Duration::from_secs(8 * 24 * 3600));
    app.gql(ACCEPT, json!({"t": token, "i": {"firstName": "L", "lastName": "L", "password": "late password 1"}})).await.expect_code("BAD_USER_INPUT");
    let list = app
        .gql_as(
            &acme.owner,
            LIST,
            json!({"id": acme.account, "s": "EXPIRED"}),
        )
        .await
        .ok();
    assert_eq!(
        list.at("account.invitations.nodes"),
        &json!([{"email": "late@x.test", "status": "EXPIRED"}])
    );
    let pending = app
        .gql_as(
            &acme.owner,
            LIST,
            json!({"id": acme.account, "s": "PENDING"}),
        )
        .await
        .ok();
    assert_eq!(pending.at("account.invitations.nodes"), &json!([]));
    app.gql_as(
        &acme.owner,
        INVITE,
        json!({"a": acme.account, "e": "late@x.test", "r": "BILLING"}),
    )
    .await
    .ok();
    app.stop().await;
}

#[tokio::test]
async fn only_the_invited_login_can_take_an_invitation_to_an_existing_email() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    app.register("Ann Co", "ann@x.test", "ann password 12")
        .await;
    let mallory = app
        .register("Evil", "mallory@evil.test", "mallory password")
        .await;
    app.gql_as(
        &acme.owner,
        INVITE,
        json!({"a": acme.account, "e": "ann@x.test", "r": "ADMIN"}),
    )
    .await
    .ok();
    let token = invite_token(&app, "ann@x.test", 1).await;

    app.gql_as(&mallory, ACCEPT, json!({"t": token}))
        .await
        .expect_code("FORBIDDEN");
    app.gql(ACCEPT, json!({"t": token}))
        .await
        .expect_code("UNAUTHENTICATED");
    // Setting a new password for someone else's login is not a way in.
    app.gql(
        ACCEPT,
        json!({"t": token, "i": {"firstName": "M", "lastName": "M", "password": "wrong password"}}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    // Nobody was let in: Acme has its owner's card alone.
    assert_eq!(app.contact_count(&acme.owner, &acme.account).await, 1);
    let pending = app
        .gql_as(
            &acme.owner,
            LIST,
            json!({"id": acme.account, "s": "PENDING"}),
        )
        .await
        .ok();
    assert_eq!(
        pending.at("account.invitations.nodes.0.email"),
        "ann@x.test"
    );

    // With the right password (no session needed) Ann accepts, keeping her credentials.
    let r = app
        .gql(
            ACCEPT,
            json!({"t": token, "i": {"password": "ann password 12"}}),
        )
        .await
        .ok();
    assert_eq!(r.str("acceptInvitation.viewer.currentAccount.name"), "Acme");
    assert!(app.login("ann@x.test", "ann password 12").await.is_ok());
    app.stop().await;
}

#[tokio::test]
async fn two_concurrent_accepts_of_one_link_let_exactly_one_through() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    app.gql_as(
        &acme.owner,
        INVITE,
        json!({"a": acme.account, "e": "race@x.test", "r": "BILLING"}),
    )
    .await
    .ok();
    let token = invite_token(&app, "race@x.test", 1).await;
    let input = json!({"t": token, "i": {"firstName": "R", "lastName": "R", "password": "race password 1"}});
    let (a, b) = tokio::join!(
        app.gql(ACCEPT, input.clone()),
        app.gql(ACCEPT, input.clone())
    );
    let ok = [&a, &b].iter().filter(|r| r.error_code().is_none()).count();
    assert_eq!(ok, 1, "{} / {}", a.body, b.body);
    let race_contacts = app
        .every(&acme.owner, &acme.account, "contacts", "email")
        .await
        .into_iter()
        .filter(|c| c["email"] == "race@x.test")
        .count();
    assert_eq!(race_contacts, 1);
    assert_eq!(app.login_count().await, 2);
    app.stop().await;
}

#[tokio::test]
async fn invitation_emails_arrive_over_smtp_with_a_working_link() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::start_with(|c| c.mail.smtp_url = Some(url.into())).await;
    let acme = Portal::acme(&app).await;
    app.gql_as(
        &acme.owner,
        INVITE,
        json!({"a": acme.account, "e": "smtp@x.test", "r": "TECHNICAL"}),
    )
    .await
    .ok();
    app.deliver_mail().await;
    let message = sink.message_to("smtp@x.test");
    assert!(
        message.contains("Subject: Test Acme invited you to Acme"),
        "{message}"
    );
    let token = token_in_link(
        &link_after(&message, &format!("{}/invite/", app.config.http.public_url)).unwrap(),
    );
    let r = app.gql(ACCEPT, json!({"t": token, "i": {"firstName": "S", "lastName": "M", "password": "smtp password 1"}})).await.ok();
    assert_eq!(
        r.at("acceptInvitation.viewer.memberships.0.role"),
        "TECHNICAL"
    );
    app.stop().await;
    sink.stop();
}

#[tokio::test]
async fn inviting_twice_a_member_or_without_permission_is_refused() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    app.gql_as(
        &acme.owner,
        INVITE,
        json!({"a": acme.account, "e": "twice@x.test", "r": "BILLING"}),
    )
    .await
    .ok();
    let again = app
        .gql_as(
            &acme.owner,
            INVITE,
            json!({"a": acme.account, "e": "TWICE@x.test", "r": "ADMIN"}),
        )
        .await;
    again.expect_code("CONFLICT");
    assert!(again.error_message().unwrap().contains("resend"));
    app.gql_as(
        &acme.owner,
        INVITE,
        json!({"a": acme.account, "e": "owner@acme.test", "r": "ADMIN"}),
    )
    .await
    .expect_code("CONFLICT");
    app.gql_as(
        &acme.owner,
        INVITE,
        json!({"a": acme.account, "e": "boss@x.test", "r": "OWNER"}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql_as(
        &acme.owner,
        INVITE,
        json!({"a": acme.account, "e": "not an email", "r": "ADMIN"}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let billing = app
        .add_member(
            &acme.owner,
            &acme.account,
            "bill@acme.test",
            "BILLING",
            None,
        )
        .await;
    app.gql_as(
        &billing.token,
        INVITE,
        json!({"a": acme.account, "e": "x@x.test", "r": "ADMIN"}),
    )
    .await
    .expect_code("FORBIDDEN");
    let r = app
        .gql_as(&billing.token, LIST, json!({"id": acme.account}))
        .await;
    r.expect_code("FORBIDDEN");
    assert!(r.null_at("account.invitations"), "{}", r.body);
    let stranger = app
        .register("Other", "o@other.test", "other password")
        .await;
    app.gql_as(
        &stranger,
        INVITE,
        json!({"a": acme.account, "e": "x@x.test", "r": "ADMIN"}),
    )
    .await
    .expect_code("NOT_FOUND");
    app.stop().await;
}

#[tokio::test]
async fn an_account_sends_at_most_fifty_invitations_a_day() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    for i in 0..50 {
        app.gql_as(
            &acme.owner,
            INVITE,
            json!({"a": acme.account, "e": format!("p{i}@x.test"), "r": "BILLING"}),
        )
        .await
        .ok();
    }
    let r = app
        .gql_as(
            &acme.owner,
            INVITE,
            json!({"a": acme.account, "e": "p50@x.test", "r": "BILLING"}),
        )
        .await;
    r.expect_code("RATE_LIMITED");
    let all = app
        .gql_as(&acme.owner, LIST, json!({"id": acme.account}))
        .await
        .ok();
    assert_eq!(
        all.at("account.invitations.nodes")
            .as_array()
            .unwrap()
            .len(),
        50
    );
    // Another account has its own allowance.
    let other = app
        .register("Other", "o@other.test", "other password")
        .await;
    let other_account = app.current_account(&other).await;
    app.gql_as(
        &other,
        INVITE,
        json!({"a": other_account, "e": "p0@x.test", "r": "BILLING"}),
    )
    .await
    .ok();
    app.stop().await;
}

#[tokio::test]
async fn a_contact_card_gets_its_login_through_a_portal_invite() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let r = app.gql_as(&acme.owner, "mutation($a: ID!) { addContact(accountId: $a, input: {firstName: \"Ada\", lastName: \"Books\", email: \"ada@books.test\", role: CUSTOM, permissions: [VIEW_INVOICES]}) { id } }", json!({"a": acme.account})).await.ok();
    let ada = r.str("addContact.id").to_owned();
    let r = app.gql_as(&acme.owner, "mutation($id: ID!) { sendPortalInvite(contactId: $id) { email role permissions status } }", json!({"id": ada})).await.ok();
    assert_eq!(
        r.at("sendPortalInvite"),
        &json!({"email": "ada@books.test", "role": "CUSTOM", "permissions": ["VIEW_INVOICES"], "status": "PENDING"})
    );
    let token = invite_token(&app, "ada@books.test", 1).await;
    let r = app.gql(ACCEPT, json!({"t": token, "i": {"firstName": "Ada", "lastName": "Books", "password": "ada password 1"}})).await.ok();
    assert_eq!(r.at("acceptInvitation.viewer.memberships.0.role"), "CUSTOM");
    let list = app.gql_as(&acme.owner, "query($id: ID!) { account(id: $id) { contacts { edges { node { id email portalAccess } } } } }", json!({"id": acme.account})).await.ok();
    let cards: Vec<&Value> = list
        .at("account.contacts.edges")
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["email"] == "ada@books.test")
        .collect();
    assert_eq!(cards.len(), 1, "the same card, not a second one");
    assert_eq!(cards[0]["node"]["id"], ada);
    assert_eq!(cards[0]["node"]["portalAccess"], true);
    app.gql_as(
        &acme.owner,
        "mutation($id: ID!) { sendPortalInvite(contactId: $id) { id } }",
        json!({"id": ada}),
    )
    .await
    .expect_code("CONFLICT");
    app.stop().await;
}

#[tokio::test]
async fn add_contact_with_send_invite_emails_a_link_instead_of_a_password() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let r = app.gql_as(&acme.owner, "mutation($a: ID!) { addContact(accountId: $a, input: {firstName: \"Ivy\", lastName: \"I\", email: \"ivy@x.test\", role: TECHNICAL, portalAccess: true, sendInvite: true}) { id portalAccess } }", json!({"a": acme.account})).await.ok();
    assert_eq!(
        r.at("addContact.portalAccess"),
        false,
        "access comes with acceptance"
    );
    let token = invite_token(&app, "ivy@x.test", 1).await;
    assert!(!app.eml_files().iter().any(|m| m.contains("Password:")));
    let r = app.gql(ACCEPT, json!({"t": token, "i": {"firstName": "Ivy", "lastName": "I", "password": "ivy password 1"}})).await.ok();
    assert_eq!(
        r.at("acceptInvitation.viewer.memberships.0.role"),
        "TECHNICAL"
    );
    app.stop().await;
}
