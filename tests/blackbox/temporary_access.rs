//! Temporary access: a contact's portal access (or an invitation's) ends at a set time
//! by itself — on every instance, whether or not anyone calls the server then: the
//! card stays, the login leaves the account, open streams end, the account's GENERAL
//! recipients hear of it, and it is audited once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use clientele_tests::fixtures::{ADD, CONTACT_EVENTS, Portal, UPDATE, rfc3339};
use clientele_tests::ws::{Incoming, error_code};
use clientele_tests::{MEMBER_PASSWORD, TestApp, WsClient, sweep_access, wait_until};
use serde_json::json;

fn in_an_hour(app: &TestApp) -> DateTime<Utc> {
    app.server.domain.clock().now() + chrono::Duration::hours(1)
}

#[tokio::test]
async fn temporary_access_ends_by_itself_on_every_instance() {
    // Here the sweep is the subject: it runs on its own, on both instances (the second
    // starts with this configuration too), as it does in production every few seconds.
    let app =
        TestApp::start_with(|c| c.schedules.access_sweep_every = Duration::from_millis(200)).await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let ends = rfc3339(in_an_hour(&app));
    let added = app
        .gql_as(&owner, ADD, json!({"a": account, "i": {
            "firstName": "Dev", "lastName": "Eloper", "email": "dev@agency.test", "role": "ADMIN",
            "portalAccess": true, "password": MEMBER_PASSWORD, "accessExpiresAt": ends,
        }}))
        .await
        .ok();
    assert_eq!(added.str("addContact.accessExpiresAt"), ends);
    let contact_id = added.str("addContact.id").to_owned();
    let dev = app.login("dev@agency.test", MEMBER_PASSWORD).await.unwrap();
    let v = app
        .gql_as(
            &dev,
            "{ viewer { memberships { accessExpiresAt } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(v.str("viewer.memberships.0.accessExpiresAt"), ends);

    // The developer watches the account from another instance.
    let second = app.second_instance(|_| {}).await;
    let mut socket = WsClient::connect(
        &format!("http://{}", second.addr),
        clientele_tests::ws::TRANSPORT_WS,
        &[],
    )
    .await
    .unwrap();
    socket
        .init(json!({"authorization": format!("Bearer {dev}")}))
        .await;
    app.listen_from(&mut socket, "1", CONTACT_EVENTS, json!({"a": account}), "0")
        .await;

    // Time passes on both instances; nobody calls either.
    for clock in [app.server.domain.clock(), second.domain.clock()] {
        clock.advance(Duration::from_secs(3601));
    }
    let ended = match socket.next(Duration::from_secs(5)).await {
        Incoming::Message(message) => {
            assert_eq!(message["id"], "1", "{message}");
            assert_eq!(message["type"], "error", "{message}");
            error_code(&message).map(str::to_owned)
        }
        Incoming::Closed(code) => Some(format!("closed {code:?}")),
        Incoming::Silent => None,
    };
    assert!(
        matches!(
            ended.as_deref(),
            Some("FORBIDDEN" | "UNAUTHENTICATED" | "closed Some(4403)")
        ),
        "the stream ended: {ended:?}"
    );
    // The login is out of the account; the card stays, without access.
    let r = app
        .gql_as(
            &dev,
            "query($a: ID!) { account(id: $a) { name } }",
            json!({"a": account}),
        )
        .await;
    assert!(
        matches!(r.error_code(), Some("NOT_FOUND" | "UNAUTHENTICATED")),
        "{}",
        r.body
    );
    let card = app
        .gql_as(&owner, "query($a: ID!) { account(id: $a) { contacts { edges { node { id portalAccess } } } } }", json!({"a": account}))
        .await
        .ok();
    let edges = card
        .at("account.contacts.edges")
        .as_array()
        .unwrap()
        .clone();
    let node = edges
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["id"] == contact_id.as_str())
        .expect("the card stays");
    assert_eq!(node["portalAccess"], false);

    // Audited once, though two instances sweep: both sweep again, at once, and find
    // nothing left to end. The owner (GENERAL) is told.
    let expired = async || {
        app.audited_in(&owner, &account, "contact.access_expired")
            .await
    };
    wait_until(
        async || (expired().await > 0).then_some(()),
        "the expiry audited",
    )
    .await;
    let (here, there) = tokio::join!(app.sweep_access(), sweep_access(&second));
    assert_eq!(here.ended + there.ended, 0);
    assert_eq!(expired().await, 1);
    let mail = app
        .mails_to("owner@acme.test")
        .await
        .into_iter()
        .find(|m| m.contains("Temporary access to Acme ended"))
        .expect("the owner is told");
    assert!(mail.contains("Dev Eloper"), "{mail}");
    second.shutdown().await;
    app.stop().await;
}

#[tokio::test]
async fn the_end_is_moved_or_cleared_by_update_but_never_by_its_holder() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let admin = app
        .add_member(&owner, &account, "admin@acme.test", "ADMIN", None)
        .await;
    let ends = in_an_hour(&app);
    let added = app
        .gql_as(&owner, ADD, json!({"a": account, "i": {
            "firstName": "Tess", "lastName": "Temp", "email": "tess@acme.test", "role": "TECHNICAL",
            "accessExpiresAt": rfc3339(ends),
        }}))
        .await
        .ok();
    let tess = added.str("addContact.id").to_owned();

    // Moved later, then made permanent (null), by someone who manages contacts.
    let later = rfc3339(ends + chrono::Duration::days(7));
    let r = app
        .gql_as(
            &admin.token,
            UPDATE,
            json!({"id": tess, "i": {"accessExpiresAt": later}}),
        )
        .await
        .ok();
    assert_eq!(r.str("updateContact.accessExpiresAt"), later);
    let r = app
        .gql_as(
            &owner,
            UPDATE,
            json!({"id": tess, "i": {"accessExpiresAt": null}}),
        )
        .await
        .ok();
    assert!(r.null_at("updateContact.accessExpiresAt"), "{}", r.body);
    // Left out, it stays as it is.
    let r = app
        .gql_as(
            &owner,
            UPDATE,
            json!({"id": tess, "i": {"firstName": "Tessa"}}),
        )
        .await
        .ok();
    assert!(r.null_at("updateContact.accessExpiresAt"), "{}", r.body);

    // In the past: refused. On the owner: refused. On one's own card: refused.
    let past = rfc3339(app.server.domain.clock().now() - chrono::Duration::minutes(1));
    app.gql_as(
        &owner,
        UPDATE,
        json!({"id": tess, "i": {"accessExpiresAt": past}}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let owner_card = app
        .gql_as(
            &owner,
            "query($a: ID!) { account(id: $a) { owner { id } } }",
            json!({"a": account}),
        )
        .await
        .ok()
        .str("account.owner.id")
        .to_owned();
    app.gql_as(
        &admin.token,
        UPDATE,
        json!({"id": owner_card, "i": {"accessExpiresAt": later}}),
    )
    .await
    .expect_code("FORBIDDEN");
    app.gql_as(
        &owner,
        UPDATE,
        json!({"id": owner_card, "i": {"accessExpiresAt": later}}),
    )
    .await
    .expect_code("FORBIDDEN");
    let staff = app.staff().await;
    app.gql_as(
        &staff,
        UPDATE,
        json!({"id": owner_card, "i": {"accessExpiresAt": later}}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql_as(
        &admin.token,
        UPDATE,
        json!({"id": admin.contact_id, "i": {"accessExpiresAt": null}}),
    )
    .await
    .expect_code("FORBIDDEN");
    app.stop().await;
}

#[tokio::test]
async fn an_invitations_end_is_carried_to_the_membership_it_gives() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let ends = rfc3339(in_an_hour(&app));
    let invited = app
        .gql_as(
            &owner,
            "mutation($a: ID!, $e: DateTime) { inviteUser(accountId: $a, input: { email: \"dev@agency.test\", role: TECHNICAL, accessExpiresAt: $e }) { accessExpiresAt } }",
            json!({"a": account, "e": ends}),
        )
        .await
        .ok();
    assert_eq!(invited.str("inviteUser.accessExpiresAt"), ends);
    let mail = app.mail_to("dev@agency.test").await;
    let link = clientele_tests::link_after(&mail, "/invite/").expect("an invitation link");
    let token = clientele_tests::token_in_link(&link);
    let accepted = app
        .gql(
            "mutation($t: String!) { acceptInvitation(token: $t, input: { firstName: \"Dev\", lastName: \"Eloper\", password: \"dev own password 1\" }) { token } }",
            json!({"t": token}),
        )
        .await
        .ok();
    let dev = accepted.str("acceptInvitation.token");
    let v = app
        .gql_as(
            dev,
            "{ viewer { memberships { accessExpiresAt } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(v.str("viewer.memberships.0.accessExpiresAt"), ends);
    app.stop().await;
}
