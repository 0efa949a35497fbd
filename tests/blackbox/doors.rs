//! The doors (issue 22): each rule enforced where every path goes through, not on the
//! path it was first written for. One story per defect an attacker reproduced against
//! the server before the doors were built: one way in (every session opened through
//! one sign-in step), one door to an account's rows (`Access`, which carries the
//! session's state), and grants bounded in time and in their granter's standing.
//! Every credential check spending the sign-in throttle is `credential_throttles`;
//! the client address, idle connections and Redis going away are `edges`.

use std::time::Duration;

use clientele_tests::fixtures::{
    ACCEPT, ADD, OWNER_PASSWORD, Portal, REMOVE, UPDATE, generated_password, rfc3339,
};
use clientele_tests::ws::Incoming;
use clientele_tests::{
    Gql, MEMBER_PASSWORD, TestApp, WsClient, link_after, token_in_link, totp_code_at,
};
use serde_json::{Value, json};

const INVITE: &str = "mutation($a: ID!, $i: InviteUserInput!) { inviteUser(accountId: $a, input: $i) { id accessExpiresAt } }";

fn reason(r: &Gql) -> Option<&str> {
    r.body["errors"][0]["extensions"]["reason"].as_str()
}

/// Turns two-factor sign-in on for `token`'s user; returns the secret.
async fn enrol(app: &TestApp, token: &str, password: &str) -> String {
    app.turn_on_two_factor(token, password)
        .await
        .expect("two-factor turned on")
}

/// A code later than any used so far (a code works once: each step only once).
fn later_code(app: &TestApp, secret: &str, steps: u64) -> String {
    let now = app.server.domain.clock().now().timestamp() as u64;
    totp_code_at(secret, now + 30 * steps)
}

/// A member with temporary access until `ends`, added by the owner with a password;
/// their contact id.
async fn temporary_member(
    app: &TestApp,
    owner: &str,
    account: &str,
    email: &str,
    ends: &str,
) -> String {
    let added = app
        .gql_as(
            owner,
            ADD,
            json!({"a": account, "i": {
                "firstName": "Temp", "lastName": "Member", "email": email, "role": "ADMIN",
                "portalAccess": true, "password": MEMBER_PASSWORD, "accessExpiresAt": ends,
            }}),
        )
        .await
        .ok();
    assert_eq!(added.str("addContact.accessExpiresAt"), ends);
    added.str("addContact.id").to_owned()
}

/// A member added with a generated password, signed in with it: their session must
/// choose their own password first. Returns (contact id, token).
async fn generated_password_member(
    app: &TestApp,
    owner: &str,
    account: &str,
    email: &str,
) -> (String, String) {
    let added = app
        .gql_as(owner, ADD, json!({"a": account, "i": {
            "firstName": "Gen", "lastName": "Erated", "email": email, "role": "ADMIN", "portalAccess": true,
        }}))
        .await
        .ok();
    let mail = app.mail_to(email).await;
    let password = generated_password(&mail).expect("a generated password");
    let token = app.login(email, &password).await.expect("signs in");
    (added.str("addContact.id").to_owned(), token)
}

/// An invoice of `account`, issued by staff; its id.
async fn invoice(app: &TestApp, account: &str) -> String {
    let staff = app.staff().await;
    app.gql_as(
        &staff,
        "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"10.00\", currency: \"EUR\", dueDate: \"2030-01-31\" }) { id } }",
        json!({"a": account}),
    )
    .await
    .ok()
    .str("createInvoice.id")
    .to_owned()
}

async fn pdf_status(app: &TestApp, token: &str, invoice: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/invoices/{invoice}/pdf", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// One operation over a WebSocket, answered as a GraphQL response: a `next`
/// message's payload, or an `error` message's errors (the `complete` of an earlier
/// operation is passed over).
async fn over_socket(socket: &mut WsClient, id: &str, query: &str) -> Value {
    socket.subscribe(id, query, json!({})).await;
    loop {
        match socket.next(Duration::from_secs(5)).await {
            Incoming::Message(message) if message["type"] == "complete" => continue,
            Incoming::Message(message) => {
                assert_eq!(message["id"], id, "{message}");
                return match message["type"].as_str() {
                    Some("next") => message["payload"].clone(),
                    Some("error") => json!({ "errors": message["payload"] }),
                    _ => panic!("not an answer: {message}"),
                };
            }
            other => panic!("no answer over the socket: {other:?}"),
        }
    }
}

/// What `viewer` gives away of the accounts of a restricted session: every nested
/// field beyond the account's id and name and the role, and the PDF.
const LEAKS: &[&str] = &[
    "{ viewer { memberships { account { owner { email phone address { city } } } } } }",
    "{ viewer { memberships { account { billingContact { email } } } } }",
    "{ viewer { memberships { account { eventsCursor } } } }",
    "{ viewer { memberships { contact { email phone } } } }",
    "{ viewer { currentAccount { owner { email } } } }",
    "{ viewer { currentAccount { billingContact { email } } } }",
    "{ viewer { currentAccount { eventsCursor } } }",
    "{ viewer { currentAccount { contacts { totalCount } } } }",
    "{ viewer { currentAccount { invoices { totalCount } } } }",
];

/// Every leak query is refused with `reason`, over HTTP and over a WebSocket; the
/// account's id and name and the role still show; the PDF is 403.
async fn nothing_leaks(app: &TestApp, token: &str, invoice: &str, reason_word: &str) {
    for query in LEAKS {
        let r = app.gql_as(token, query, json!({})).await;
        r.expect_code("FORBIDDEN");
        assert_eq!(reason(&r), Some(reason_word), "{query}: {}", r.body);
        assert!(
            !r.body.to_string().contains("owner@acme.test"),
            "{query} leaked the owner: {}",
            r.body
        );
    }
    let mut socket = app.socket(Some(token)).await;
    for (i, query) in LEAKS.iter().enumerate() {
        let payload = over_socket(&mut socket, &format!("q{i}"), query).await;
        assert_eq!(
            payload["errors"][0]["extensions"]["reason"], reason_word,
            "over the socket, {query}: {payload}"
        );
        assert!(
            !payload.to_string().contains("owner@acme.test"),
            "{payload}"
        );
    }
    let shown = app
        .gql_as(
            token,
            "{ viewer { permissions memberships { role permissions account { id name } } currentAccount { id name } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(shown.str("viewer.memberships.0.account.name"), "Acme");
    assert_eq!(shown.str("viewer.memberships.0.role"), "ADMIN");
    assert_eq!(shown.at("viewer.memberships.0.permissions"), &json!([]));
    assert_eq!(shown.at("viewer.permissions"), &json!([]));
    assert_eq!(shown.str("viewer.currentAccount.name"), "Acme");
    assert_eq!(pdf_status(app, token, invoice).await, 403);
}

// --- One way in ------------------------------------------------------------------------

/// Defect 1: `acceptInvitation` with an existing user's password opened a session
/// without the second factor (and sent no new-sign-in email): whoever controlled the
/// victim's mailbox reset the password, had themselves invited, accepted, and switched
/// into the victim's accounts.
#[tokio::test]
async fn accepting_an_invitation_as_an_existing_login_needs_its_second_factor() {
    let app = TestApp::start().await;
    let victim = app
        .register("Victim Co", "victim@acme.test", OWNER_PASSWORD)
        .await;
    let secret = enrol(&app, &victim, OWNER_PASSWORD).await;
    let attacker = app
        .register("Evil Co", "evil@evil.test", OWNER_PASSWORD)
        .await;
    let evil = app.current_account(&attacker).await;
    app.gql_as(
        &attacker,
        INVITE,
        json!({"a": evil, "i": {"email": "victim@acme.test", "role": "ADMIN"}}),
    )
    .await
    .ok();
    let token = app.invitation_token("victim@acme.test").await;

    // The password alone, or with a wrong code: no session, and the invitation holds.
    for input in [
        json!({"password": OWNER_PASSWORD}),
        json!({"password": OWNER_PASSWORD, "totpCode": "000000"}),
    ] {
        let r = app.gql(ACCEPT, json!({"t": token, "i": input})).await;
        r.expect_code("UNAUTHENTICATED");
        assert_eq!(reason(&r), Some("TOTP_REQUIRED"), "{}", r.body);
        assert!(r.null_at(""), "no data but null: {}", r.body);
    }
    // With the code, from a device the victim never used: accepted, and they are told.
    let r = app
        .gql_with_headers(
            &[("user-agent", "Attacker/1.0")],
            ACCEPT,
            json!({"t": token, "i": {"password": OWNER_PASSWORD, "totpCode": later_code(&app, &secret, 1)}}),
        )
        .await
        .ok();
    assert!(!r.str("acceptInvitation.token").is_empty());
    let told = app.mails_to("victim@acme.test").await;
    assert!(
        told.iter().any(|m| m.contains("New sign-in")),
        "no new-sign-in email: {told:?}"
    );
    app.stop().await;
}

/// Defect 4 over a WebSocket: wrong current passwords sent through one socket count
/// toward the sign-in throttle, and `login` is throttled after them.
#[tokio::test]
async fn wrong_current_passwords_over_a_socket_spend_the_sign_in_throttle() {
    let app = TestApp::start().await;
    let owner = app
        .register("Acme", "owner@acme.test", OWNER_PASSWORD)
        .await;
    let mut socket = app.socket(Some(&owner)).await;
    let mut limited = None;
    for i in 0..32 {
        let payload = over_socket(
            &mut socket,
            &format!("m{i}"),
            "mutation { changePassword(currentPassword: \"wrong guess 1\", newPassword: \"a brand new password 9\") }",
        )
        .await;
        let code = payload["errors"][0]["extensions"]["code"].clone();
        if code == "RATE_LIMITED" {
            limited = Some(i);
            break;
        }
        assert_eq!(code, "BAD_USER_INPUT", "{payload}");
    }
    assert_eq!(limited, Some(10), "the eleventh guess is refused");
    assert_eq!(
        app.login("owner@acme.test", OWNER_PASSWORD).await,
        Err("RATE_LIMITED".into()),
        "the guesses spent the sign-in throttle"
    );
    app.stop().await;
}

/// Low: turning two-factor on from a stolen session needed no password and told
/// nobody; a half-done enrolment survived a password reset.
#[tokio::test]
async fn turning_two_factor_on_needs_the_password_and_tells_the_user() {
    let app = TestApp::start().await;
    let owner = app
        .register("Acme", "owner@acme.test", OWNER_PASSWORD)
        .await;
    let enroll = "mutation($p: String!) { enrollTotp(currentPassword: $p) { secret } }";
    let r = app
        .gql_as(&owner, enroll, json!({"p": "not the password"}))
        .await;
    r.expect_code("BAD_USER_INPUT");
    enrol(&app, &owner, OWNER_PASSWORD).await;
    let told = app.mails_to("owner@acme.test").await;
    assert!(
        told.iter()
            .any(|m| m.contains("Two-factor sign-in was turned on")),
        "{told:?}"
    );
    app.stop().await;
}

/// Low: on PostgreSQL `İan@…` signs in as `ian@…` (its `lower()` folds the dotted
/// capital I); the throttle must count both as the one login they are.
#[tokio::test]
async fn one_login_is_one_throttle_however_its_email_is_typed() {
    let app = TestApp::start().await;
    app.register("Acme", "ian@acme.test", OWNER_PASSWORD).await;
    let folded = app.login("İan@acme.test", OWNER_PASSWORD).await.is_ok();
    for _ in 0..10 {
        app.login("İan@acme.test", "wrong password 1").await.ok();
    }
    let after = app.login("ian@acme.test", OWNER_PASSWORD).await;
    if folded {
        assert_eq!(after, Err("RATE_LIMITED".into()), "one login, one bucket");
    } else {
        // The database tells the two apart: so does the throttle.
        assert!(after.is_ok(), "{after:?}");
    }
    app.stop().await;
}

// --- One door to rows ------------------------------------------------------------------

/// Defect 2: a login under PASSWORD_CHANGE_REQUIRED read other people's details
/// through `viewer` (HTTP and WebSocket) and downloaded invoice PDFs.
#[tokio::test]
async fn a_login_that_must_change_its_password_sees_nothing_of_its_accounts_on_any_route() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let invoice = invoice(&app, &account).await;
    let (_, token) = generated_password_member(&app, &owner, &account, "gen@acme.test").await;
    nothing_leaks(&app, &token, &invoice, "PASSWORD_CHANGE_REQUIRED").await;
    app.stop().await;
}

/// Defect 3: a member without the second factor their account requires read
/// `viewer.currentAccount.owner` and `memberships` while `account(id)` refused them.
#[tokio::test]
async fn a_member_without_the_required_second_factor_sees_nothing_through_viewer() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let invoice = invoice(&app, &account).await;
    let member = app
        .add_member(&owner, &account, "admin@acme.test", "ADMIN", None)
        .await;
    enrol(&app, &owner, OWNER_PASSWORD).await;
    app.gql_as(
        &owner,
        "mutation($a: ID!) { setAccountSecurity(accountId: $a, requireTwoFactor: true) { id } }",
        json!({"a": account}),
    )
    .await
    .ok();
    nothing_leaks(&app, &member.token, &invoice, "TWO_FACTOR_REQUIRED").await;
    app.stop().await;
}

/// Low: a client administrator's audit log showed staff's emails and addresses.
#[tokio::test]
async fn a_clients_audit_log_does_not_show_who_among_staff_did_what() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    invoice(&app, &account).await;
    let log = "query($a: ID!) { account(id: $a) { auditLog { edges { node { action actorEmail ipAddress byStaff } } } } }";
    let entry = |r: &Gql| {
        r.at("account.auditLog.edges")
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .find(|n| n["action"] == "invoice.create")
            .expect("the invoice's entry")
    };
    let seen = entry(&app.gql_as(&owner, log, json!({"a": account})).await.ok());
    assert_eq!(seen["byStaff"], true);
    assert!(seen.get("actorEmail").is_some_and(Value::is_null), "{seen}");
    assert!(seen.get("ipAddress").is_some_and(Value::is_null), "{seen}");
    let staff = app.staff().await;
    let seen = entry(&app.gql_as(&staff, log, json!({"a": account})).await.ok());
    assert_eq!(seen["actorEmail"], "staff@portal.test");
    app.stop().await;
}

// --- Grants bounded in time and standing ---------------------------------------------------

/// Defect 5: a removed member's pending invitation still worked: the invitee became
/// ADMIN after their inviter was gone. Also: a sender lowered below what they sent.
#[tokio::test]
async fn an_invitation_dies_with_its_senders_standing() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let admin = app
        .add_member(&owner, &account, "admin@acme.test", "ADMIN", None)
        .await;
    for (email, role) in [("one@x.test", "ADMIN"), ("two@x.test", "TECHNICAL")] {
        app.gql_as(
            &admin.token,
            INVITE,
            json!({"a": account, "i": {"email": email, "role": role}}),
        )
        .await
        .ok();
    }
    // The sender lowered to BILLING: the TECHNICAL invitation is beyond them now.
    app.gql_as(
        &owner,
        UPDATE,
        json!({"id": admin.contact_id, "i": {"role": "BILLING"}}),
    )
    .await
    .ok();
    let new_login =
        json!({"firstName": "New", "lastName": "Comer", "password": "a long new password 1"});
    let token = app.invitation_token("two@x.test").await;
    let r = app.gql(ACCEPT, json!({"t": token, "i": new_login})).await;
    r.expect_code("BAD_USER_INPUT");
    assert_eq!(r.body["errors"][0]["extensions"]["field"], "token");
    // Removed: the ADMIN invitation dies too, and shows as revoked.
    app.gql_as(
        &owner,
        REMOVE,
        json!({"id": admin.contact_id, "p": OWNER_PASSWORD}),
    )
    .await
    .ok();
    let token = app.invitation_token("one@x.test").await;
    app.gql(ACCEPT, json!({"t": token, "i": new_login}))
        .await
        .expect_code("BAD_USER_INPUT");
    let list = app
        .gql_as(
            &owner,
            "query($a: ID!) { account(id: $a) { invitations { nodes { email status } } contacts { totalCount } } }",
            json!({"a": account}),
        )
        .await
        .ok();
    let statuses: Vec<(String, String)> = list
        .at("account.invitations.nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["email"].as_str().unwrap().into(),
                i["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("one@x.test".into(), "REVOKED".into()))
            && statuses.contains(&("two@x.test".into(), "REVOKED".into())),
        "{statuses:?}"
    );
    assert_eq!(list.at("account.contacts.totalCount"), 1, "nobody joined");
    app.stop().await;
}

/// Defect 6: a temporary member made themselves permanent by adding a second login of
/// theirs, ADMIN, with no end.
#[tokio::test]
async fn what_a_temporary_member_grants_ends_when_their_own_access_does() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let ends = rfc3339(app.server.domain.clock().now() + chrono::Duration::days(2));
    temporary_member(&app, &owner, &account, "temp@agency.test", &ends).await;
    let temp = app
        .login("temp@agency.test", MEMBER_PASSWORD)
        .await
        .unwrap();

    // A second login with no end: it ends with theirs.
    let second = app
        .gql_as(&temp, ADD, json!({"a": account, "i": {
            "firstName": "Second", "lastName": "Self", "email": "me2@agency.test", "role": "ADMIN",
            "portalAccess": true, "password": MEMBER_PASSWORD,
        }}))
        .await
        .ok();
    assert_eq!(second.str("addContact.accessExpiresAt"), ends);
    // Asking for later is refused, saying why.
    let later = rfc3339(app.server.domain.clock().now() + chrono::Duration::days(30));
    let r = app
        .gql_as(&temp, ADD, json!({"a": account, "i": {
            "firstName": "Third", "lastName": "Self", "email": "me3@agency.test", "role": "ADMIN",
            "portalAccess": true, "password": MEMBER_PASSWORD, "accessExpiresAt": later,
        }}))
        .await;
    r.expect_code("BAD_USER_INPUT");
    assert_eq!(
        r.body["errors"][0]["extensions"]["field"],
        "accessExpiresAt"
    );
    // Nor made permanent afterwards.
    let r = app
        .gql_as(
            &temp,
            UPDATE,
            json!({"id": second.str("addContact.id"), "i": {"accessExpiresAt": null}}),
        )
        .await;
    r.expect_code("BAD_USER_INPUT");
    // An invitation ends with them too.
    let invited = app
        .gql_as(
            &temp,
            INVITE,
            json!({"a": account, "i": {"email": "friend@agency.test", "role": "ADMIN"}}),
        )
        .await
        .ok();
    assert_eq!(invited.str("inviteUser.accessExpiresAt"), ends);
    let token = app.invitation_token("friend@agency.test").await;
    let joined = app
        .gql(ACCEPT, json!({"t": token, "i": {"firstName": "F", "lastName": "R", "password": "a long new password 1"}}))
        .await
        .ok();
    assert_eq!(
        joined.str("acceptInvitation.viewer.memberships.0.accessExpiresAt"),
        ends
    );
    // Nor can they raise a permanent member above what that member holds.
    let billing = app
        .add_member(&owner, &account, "billing@acme.test", "BILLING", None)
        .await;
    app.gql_as(
        &temp,
        UPDATE,
        json!({"id": billing.contact_id, "i": {"role": "ADMIN"}}),
    )
    .await
    .expect_code("FORBIDDEN");
    app.stop().await;
}

/// Defect 7: `sendPortalInvite` on an ADMIN card, the card then lowered to BILLING,
/// accepted: the membership was ADMIN.
#[tokio::test]
async fn a_portal_invitation_gives_the_cards_role_as_it_is_when_accepted() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let card = app
        .gql_as(&owner, ADD, json!({"a": account, "i": {
            "firstName": "Card", "lastName": "Holder", "email": "card@acme.test", "role": "ADMIN",
        }}))
        .await
        .ok()
        .str("addContact.id")
        .to_owned();
    app.gql_as(
        &owner,
        "mutation($c: ID!) { sendPortalInvite(contactId: $c) { id } }",
        json!({"c": card}),
    )
    .await
    .ok();
    app.gql_as(
        &owner,
        UPDATE,
        json!({"id": card, "i": {"role": "BILLING"}}),
    )
    .await
    .ok();
    let token = app.invitation_token("card@acme.test").await;
    let joined = app
        .gql(ACCEPT, json!({"t": token, "i": {"firstName": "C", "lastName": "H", "password": "a long new password 1"}}))
        .await
        .ok();
    assert_eq!(
        joined.str("acceptInvitation.viewer.memberships.0.role"),
        "BILLING"
    );
    app.stop().await;
}

/// Defect 8: access that ended, given again by a new portal invitation without an end,
/// was swept again within seconds: the card kept the old end.
#[tokio::test]
async fn access_given_again_does_not_keep_an_end_that_passed() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let ends = rfc3339(app.server.domain.clock().now() + chrono::Duration::hours(1));
    let card = temporary_member(&app, &owner, &account, "dev@agency.test", &ends).await;
    app.server.domain.clock().advance(Duration::from_secs(3601));
    assert_eq!(app.sweep_access().await.ended, 1, "the access ends");
    app.gql_as(
        &owner,
        "mutation($c: ID!) { sendPortalInvite(contactId: $c) { id } }",
        json!({"c": card}),
    )
    .await
    .ok();
    let token = app.invitation_token("dev@agency.test").await;
    let joined = app
        .gql(
            ACCEPT,
            json!({"t": token, "i": {"password": MEMBER_PASSWORD}}),
        )
        .await
        .ok();
    assert!(
        joined.null_at("acceptInvitation.viewer.memberships.0.accessExpiresAt"),
        "{}",
        joined.body
    );
    // The next sweep leaves it be: the access stays.
    assert_eq!(app.sweep_access().await.ended, 0);
    assert_eq!(
        app.audited_in(&owner, &account, "contact.access_expired")
            .await,
        1
    );
    let dev = app.login("dev@agency.test", MEMBER_PASSWORD).await.unwrap();
    app.gql_as(
        &dev,
        "query($a: ID!) { account(id: $a) { name } }",
        json!({"a": account}),
    )
    .await
    .ok();
    app.stop().await;
}

/// Defect 9: ownership moved to a temporary member; at their end the account had an
/// owner without a login.
#[tokio::test]
async fn ownership_never_moves_to_someone_whose_access_ends() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let ends = rfc3339(app.server.domain.clock().now() + chrono::Duration::days(1));
    let temp = temporary_member(&app, &owner, &account, "temp@acme.test", &ends).await;
    let transfer = "mutation($c: ID!, $p: String!) { transferOwnership(contactId: $c, currentPassword: $p) { owner { id } } }";
    let r = app
        .gql_as(&owner, transfer, json!({"c": temp, "p": OWNER_PASSWORD}))
        .await;
    r.expect_code("BAD_USER_INPUT");
    assert_eq!(r.body["errors"][0]["extensions"]["field"], "contactId");
    // Made permanent first, it may.
    app.gql_as(
        &owner,
        UPDATE,
        json!({"id": temp, "i": {"accessExpiresAt": null}}),
    )
    .await
    .ok();
    let moved = app
        .gql_as(&owner, transfer, json!({"c": temp, "p": OWNER_PASSWORD}))
        .await
        .ok();
    assert_eq!(moved.str("transferOwnership.owner.id"), temp);
    app.stop().await;
}

/// Defect 10: any email recipient subscribed to any category with their preferences
/// token: a BILLING contact received ticket bodies and service-status emails.
#[tokio::test]
async fn a_contact_receives_only_the_categories_its_permissions_can_see() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let billing = app
        .gql_as(&owner, ADD, json!({"a": account, "i": {
            "firstName": "Bill", "lastName": "Ing", "email": "bill@acme.test", "role": "BILLING",
        }}))
        .await
        .ok()
        .str("addContact.id")
        .to_owned();
    // Not by whoever edits the card…
    let r = app
        .gql_as(
            &owner,
            UPDATE,
            json!({"id": billing, "i": {"notificationPreferences": ["INVOICE", "SUPPORT"]}}),
        )
        .await;
    r.expect_code("BAD_USER_INPUT");
    assert!(
        r.error_message().is_some_and(|m| m.contains("SUPPORT")),
        "{}",
        r.body
    );
    // …nor by the contact's own token.
    invoice(&app, &account).await;
    let mail = app.mail_to("bill@acme.test").await;
    let token =
        token_in_link(&link_after(&mail, "/email-preferences/").expect("a preferences link"));
    let set = "mutation($t: String!, $c: [String!]!) { setEmailPreferences(token: $t, categories: $c) { categories { key } } }";
    for sneaky in [
        json!(["INVOICE", "SUPPORT"]),
        json!(["PRODUCT"]),
        json!(["DOMAIN"]),
    ] {
        app.gql(set, json!({"t": token, "c": sneaky}))
            .await
            .expect_code("BAD_USER_INPUT");
    }
    // The page offers only what they may receive.
    let page = app
        .gql(
            "query($t: String!) { emailPreferences(token: $t) { categories { key } } }",
            json!({"t": token}),
        )
        .await
        .ok();
    let keys: Vec<&str> = page
        .at("emailPreferences.categories")
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"INVOICE") && keys.contains(&"GENERAL"),
        "{keys:?}"
    );
    assert!(
        !keys
            .iter()
            .any(|k| ["SUPPORT", "PRODUCT", "DOMAIN"].contains(k)),
        "{keys:?}"
    );
    // Lowered from ADMIN to BILLING, a contact's SUPPORT goes with the permission.
    let admin = app
        .gql_as(
            &owner,
            ADD,
            json!({"a": account, "i": {
                "firstName": "Ad", "lastName": "Min", "email": "ad@acme.test", "role": "ADMIN",
                "notificationPreferences": ["INVOICE", "SUPPORT", "GENERAL"],
            }}),
        )
        .await
        .ok()
        .str("addContact.id")
        .to_owned();
    let lowered = app
        .gql_as(
            &owner,
            UPDATE,
            json!({"id": admin, "i": {"role": "BILLING"}}),
        )
        .await
        .ok();
    assert_eq!(
        lowered.at("updateContact.notificationPreferences"),
        &json!(["INVOICE", "GENERAL"])
    );
    // And a ticket reaches neither, whatever a stored preference says.
    app.gql_as(
        &owner,
        "mutation($a: ID!) { openTicket(accountId: $a, subject: \"Root password\", body: \"It is hunter2\") { id } }",
        json!({"a": account}),
    )
    .await
    .ok();
    for to in ["bill@acme.test", "ad@acme.test"] {
        let mails = app.mails_to(to).await;
        assert!(
            !mails.iter().any(|m| m.contains("hunter2")),
            "{to} got the ticket: {mails:?}"
        );
    }
    app.stop().await;
}

/// Low: SQLite compares timestamps as text, so a year past 9999 (`+20000-…`) sorted
/// before today and ended the access at once. Such a date is refused.
#[tokio::test]
async fn an_end_of_access_past_the_year_9999_is_refused() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let r = app
        .gql_as(&owner, ADD, json!({"a": account, "i": {
            "firstName": "Far", "lastName": "Future", "email": "far@acme.test", "role": "TECHNICAL",
            "portalAccess": true, "password": MEMBER_PASSWORD, "accessExpiresAt": "+20000-06-01T00:00:00Z",
        }}))
        .await;
    r.expect_code("BAD_USER_INPUT");
    assert_eq!(
        r.body["errors"][0]["extensions"]["field"],
        "accessExpiresAt"
    );
    app.stop().await;
}
