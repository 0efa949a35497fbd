//! Contact cards end to end: add, edit, remove, portal access, one story per test.
//! (Over 500 lines: each story starts its own server and reads the rows it left.)

use clientele_tests::fixtures::{
    ACCEPT, ADD, OWNER_PASSWORD, Portal, REMOVE, UPDATE, VIEWER, generated_password,
};
use clientele_tests::{MEMBER_PASSWORD, TestApp, link_after};
use domain::entities::session;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

#[tokio::test]
async fn contacts_without_login_or_email_are_allowed_and_get_role_defaults() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let r = app.gql_as(&owner, ADD, json!({"a": account, "i": {
        "firstName": "Ada", "lastName": "Accountant", "email": "ada@books.test", "role": "BILLING",
        "relationship": "bookkeeper", "address": {"city": "Leeds", "country": "GB"}
    }})).await.ok();
    let ada = r.at("addContact");
    assert_eq!(ada["portalAccess"], false);
    assert_eq!(ada["role"], "BILLING");
    assert_eq!(ada["permissions"], json!(["VIEW_INVOICES", "PAY_INVOICES"]));
    assert_eq!(ada["notificationPreferences"], json!(["INVOICE"]));
    let r = app.gql_as(&owner, ADD, json!({"a": account, "i": {"firstName": "No", "lastName": "Email", "role": "TECHNICAL"}})).await.ok();
    assert!(r.null_at("addContact.email"), "{}", r.body);
    assert_eq!(
        r.at("addContact.notificationPreferences"),
        &json!(["PRODUCT", "DOMAIN", "SUPPORT"])
    );
    let list = app.gql_as(&owner, "query($id: ID!) { account(id: $id) { contacts { totalCount edges { node { firstName address { city country } relationship } } } } }", json!({"id": account})).await.ok();
    assert_eq!(list.at("account.contacts.totalCount"), 3);
    assert_eq!(
        list.at("account.contacts.edges.1.node.address"),
        &json!({"city": "Leeds", "country": "GB"})
    );
    assert_eq!(
        list.at("account.contacts.edges.1.node.relationship"),
        "bookkeeper"
    );
    // No login was made for them.
    assert_eq!(app.login_count().await, 1);
    app.stop().await;
}

#[tokio::test]
async fn invalid_contacts_are_bad_user_input_and_write_nothing() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    for (input, field) in [
        (
            json!({"firstName": "", "lastName": "X", "role": "ADMIN"}),
            "firstName",
        ),
        (
            json!({"firstName": "X", "lastName": "X", "role": "ADMIN", "email": "nope"}),
            "email",
        ),
        (
            json!({"firstName": "X", "lastName": "X", "role": "OWNER"}),
            "role",
        ),
        (
            json!({"firstName": "X", "lastName": "X", "role": "BILLING", "permissions": ["VIEW_TICKETS"]}),
            "permissions",
        ),
        (
            json!({"firstName": "X", "lastName": "X", "role": "CUSTOM", "permissions": ["TRANSFER_OWNERSHIP"]}),
            "permissions",
        ),
        (
            json!({"firstName": "X", "lastName": "X", "role": "ADMIN", "portalAccess": true}),
            "email",
        ),
        (
            json!({"firstName": "X", "lastName": "X", "role": "ADMIN", "portalAccess": true, "email": "x@acme.test", "password": "short"}),
            "password",
        ),
        (
            json!({"firstName": "X", "lastName": "X", "role": "ADMIN", "notificationPreferences": ["SPAM"]}),
            "notificationPreferences",
        ),
    ] {
        let r = app
            .gql_as(&owner, ADD, json!({"a": account, "i": input}))
            .await;
        r.expect_code("BAD_USER_INPUT");
        assert_eq!(
            r.body["errors"][0]["extensions"]["field"], field,
            "{}",
            r.body
        );
    }
    assert_eq!(app.contact_count(&owner, &account).await, 1);
    assert_eq!(app.login_count().await, 1);
    app.stop().await;
}

#[tokio::test]
async fn portal_access_without_a_password_emails_a_generated_one_that_works() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let r = app.gql_as(&owner, ADD, json!({"a": account, "i": {
        "firstName": "Tess", "lastName": "Tech", "email": "tess@acme.test", "role": "TECHNICAL", "portalAccess": true
    }})).await.ok();
    assert_eq!(r.at("addContact.portalAccess"), true);
    let message = app.mail_to("tess@acme.test").await;
    assert!(message.contains("Subject: Your login to Acme"), "{message}");
    let password = generated_password(&message).expect("password line");
    assert!(password.len() >= 20);
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token passwordChangeRequired } }";
    let signed_in = app
        .gql(login, json!({"e": "tess@acme.test", "p": password}))
        .await
        .ok();
    assert_eq!(signed_in.at("login.passwordChangeRequired"), true);
    let token = signed_in.str("login.token").to_owned();

    // The emailed password is temporary: until Tess chooses her own, she sees her name
    // and the account's name and nothing else of it, and every other operation is
    // refused with a reason.
    let v = app
        .gql_as(
            &token,
            "{ viewer { passwordChangeRequired user { email } currentAccount { name } permissions } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(v.str("viewer.user.email"), "tess@acme.test");
    assert_eq!(v.at("viewer.passwordChangeRequired"), true);
    assert_eq!(v.str("viewer.currentAccount.name"), "Acme");
    assert_eq!(v.at("viewer.permissions"), &json!([]));
    let v = app
        .gql_as(
            &token,
            "{ viewer { user { email } currentAccount { name owner { email } } } }",
            json!({}),
        )
        .await;
    v.expect_code("FORBIDDEN");
    assert_eq!(
        v.body["errors"][0]["extensions"]["reason"],
        "PASSWORD_CHANGE_REQUIRED"
    );
    assert!(v.null_at("viewer.currentAccount"), "{}", v.body);
    let r = app
        .gql_as(
            &token,
            "query($a: ID!) { account(id: $a) { name } }",
            json!({"a": account}),
        )
        .await;
    r.expect_code("FORBIDDEN");
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"],
        "PASSWORD_CHANGE_REQUIRED"
    );
    assert!(r.null_at("account"), "{}", r.body);
    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
    // One of the most common passwords is refused, whatever its case.
    let r = app
        .gql_as(&token, change, json!({"c": password, "n": "Qwertyuiop"}))
        .await;
    r.expect_code("BAD_USER_INPUT");
    assert!(
        r.error_message().unwrap().contains("most common"),
        "{}",
        r.body
    );
    app.gql_as(
        &token,
        change,
        json!({"c": password, "n": "tess own password 1"}),
    )
    .await
    .ok();

    let v = app
        .gql_as(
            &token,
            "{ viewer { currentAccount { name } permissions } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(v.str("viewer.currentAccount.name"), "Acme");
    assert_eq!(v.at("viewer.permissions").as_array().unwrap().len(), 5);
    let again = app
        .gql(
            login,
            json!({"e": "tess@acme.test", "p": "tess own password 1"}),
        )
        .await
        .ok();
    assert_eq!(again.at("login.passwordChangeRequired"), false);
    // The email is in the account's history, without its body.
    let emails = app.gql_as(&owner, "query($id: ID!) { account(id: $id) { emails { totalCount edges { node { to subject status } } } } }", json!({"id": account})).await.ok();
    assert_eq!(emails.at("account.emails.totalCount"), 1);
    assert_eq!(
        emails.at("account.emails.edges.0.node.to"),
        &json!(["tess@acme.test"])
    );
    assert!(link_after(&message, "http").is_some());
    app.stop().await;
}

#[tokio::test]
async fn an_email_that_already_has_a_login_is_never_linked_silently() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    app.register("Other", "bob@elsewhere.test", "bob password 12")
        .await;
    let r = app.gql_as(&owner, ADD, json!({"a": account, "i": {
        "firstName": "Bob", "lastName": "B", "email": "BOB@elsewhere.test", "role": "ADMIN", "portalAccess": true
    }})).await;
    r.expect_code("CONFLICT");
    assert!(r.error_message().unwrap().contains("invite"), "{}", r.body);
    // Nothing was added: Acme has its owner's card alone.
    assert_eq!(app.contact_count(&owner, &account).await, 1);
    // As a contact without login, Bob may be on file.
    app.gql_as(&owner, ADD, json!({"a": account, "i": {"firstName": "Bob", "lastName": "B", "email": "bob@elsewhere.test", "role": "ADMIN"}})).await.ok();
    app.stop().await;
}

#[tokio::test]
async fn contact_emails_are_unique_in_an_account_whatever_the_case_even_under_concurrency() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let input = |email: &str| json!({"a": account, "i": {"firstName": "Dup", "lastName": "Licate", "email": email, "role": "BILLING"}});
    let (a, b) = tokio::join!(
        app.gql_as(&owner, ADD, input("dup@acme.test")),
        app.gql_as(&owner, ADD, input("DUP@acme.test"))
    );
    let codes = [a.error_code(), b.error_code()];
    assert!(
        codes.contains(&None) && codes.contains(&Some("CONFLICT")),
        "{} / {}",
        a.body,
        b.body
    );
    assert_eq!(app.contact_count(&owner, &account).await, 2);
    // With portal access both a login and a contact would be created: still one wins.
    let input = |email: &str| json!({"a": account, "i": {"firstName": "Web", "lastName": "Login", "email": email, "role": "ADMIN", "portalAccess": true, "password": MEMBER_PASSWORD}});
    let (a, b) = tokio::join!(
        app.gql_as(&owner, ADD, input("web@acme.test")),
        app.gql_as(&owner, ADD, input("Web@Acme.test"))
    );
    let codes = [a.error_code(), b.error_code()];
    assert!(
        codes.contains(&None) && codes.contains(&Some("CONFLICT")),
        "{} / {}",
        a.body,
        b.body
    );
    assert_eq!(app.contact_count(&owner, &account).await, 3);
    assert_eq!(app.login_count().await, 2);
    // Another account may have a contact with the same email.
    let other = app.register("Other", "o@other.test", OWNER_PASSWORD).await;
    let other_account = app.current_account(&other).await;
    app.gql_as(&other, ADD, json!({"a": other_account, "i": {"firstName": "Dup", "lastName": "L", "email": "dup@acme.test", "role": "BILLING"}})).await.ok();
    app.stop().await;
}

#[tokio::test]
async fn removing_a_contact_needs_the_right_password_and_ends_their_sessions() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let admin = app
        .add_member(&owner, &account, "admin@acme.test", "ADMIN", None)
        .await;
    // The admin does something the audit log records.
    app.gql_as(
        &admin.token,
        ADD,
        json!({"a": account, "i": {"firstName": "Ada", "lastName": "A", "role": "BILLING"}}),
    )
    .await
    .ok();
    app.gql_as(&admin.token, VIEWER, json!({})).await.ok();

    let wrong = app
        .gql_as(
            &owner,
            REMOVE,
            json!({"id": admin.contact_id, "p": "not my password"}),
        )
        .await;
    wrong.expect_code("BAD_USER_INPUT");
    assert_eq!(app.contact_count(&owner, &account).await, 3);
    app.gql_as(&admin.token, VIEWER, json!({})).await.ok();

    let r = app
        .gql_as(
            &owner,
            REMOVE,
            json!({"id": admin.contact_id, "p": OWNER_PASSWORD}),
        )
        .await
        .ok();
    assert_eq!(r.str("removeContact"), admin.contact_id);
    // On the very next request their token is dead.
    app.gql_as(&admin.token, VIEWER, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    assert_eq!(app.contact_count(&owner, &account).await, 2);
    // Their session is gone, not merely refused: only the owner's row is left (no API
    // lists another user's sessions).
    assert_eq!(session::Entity::find().count(app.db()).await.unwrap(), 1);
    // Their past actions stay in the audit log, under the email they had.
    let log = app.gql_as(&owner, "query($id: ID!) { account(id: $id) { auditLog { edges { node { action actorEmail } } } } }", json!({"id": account})).await.ok();
    let entries = log.at("account.auditLog.edges").as_array().unwrap();
    assert_eq!(
        entries[0]["node"],
        json!({"action": "contact.remove", "actorEmail": "owner@acme.test"})
    );
    assert!(entries.iter().any(|e| e["node"] == json!({"action": "contact.add", "actorEmail": "admin@acme.test"})));
    // Removing it again: it is gone.
    app.gql_as(
        &owner,
        REMOVE,
        json!({"id": admin.contact_id, "p": OWNER_PASSWORD}),
    )
    .await
    .expect_code("NOT_FOUND");
    app.stop().await;
}

#[tokio::test]
async fn a_removed_agency_user_keeps_their_other_accounts() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let agency = app
        .register("Agency", "dev@agency.test", "agency password")
        .await;
    // The agency user is also a member of Acme: invited, and accepted signed in.
    app.gql_as(
        &owner,
        "mutation($a: ID!) { inviteUser(accountId: $a, input: {email: \"dev@agency.test\", role: ADMIN}) { id } }",
        json!({"a": account}),
    )
    .await
    .ok();
    let invitation = app.invitation_token("dev@agency.test").await;
    app.gql_as(&agency, ACCEPT, json!({"t": invitation}))
        .await
        .ok();
    let contact_id = app
        .every(&owner, &account, "contacts", "id email")
        .await
        .into_iter()
        .find(|c| c["email"] == "dev@agency.test")
        .map(|c| c["id"].clone())
        .expect("the agency user's card");
    let switch = "mutation($id: ID!) { switchAccount(accountId: $id) { currentAccount { name } } }";
    app.gql_as(&agency, switch, json!({"id": account}))
        .await
        .ok();

    app.gql_as(
        &owner,
        REMOVE,
        json!({"id": contact_id, "p": OWNER_PASSWORD}),
    )
    .await
    .ok();
    let v = app
        .gql_as(
            &agency,
            "{ viewer { currentAccount { name } memberships { account { name } } } }",
            json!({}),
        )
        .await
        .ok();
    assert!(v.null_at("viewer.currentAccount"), "{}", v.body);
    assert_eq!(
        v.at("viewer.memberships"),
        &json!([{"account": {"name": "Agency"}}])
    );
    app.gql_as(
        &agency,
        "query($id: ID!) { account(id: $id) { name } }",
        json!({"id": account}),
    )
    .await
    .expect_code("NOT_FOUND");
    app.stop().await;
}

#[tokio::test]
async fn the_primary_contact_cannot_be_removed_and_ownership_moves_with_a_password() {
    let app = TestApp::start().await;
    let Portal {
        owner,
        account,
        owner_contact,
        ..
    } = Portal::acme(&app).await;
    let admin = app
        .add_member(&owner, &account, "admin@acme.test", "ADMIN", None)
        .await;
    app.gql_as(
        &owner,
        REMOVE,
        json!({"id": owner_contact, "p": OWNER_PASSWORD}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql_as(
        &owner,
        UPDATE,
        json!({"id": owner_contact, "i": {"role": "ADMIN"}}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    // An admin may not transfer ownership; a wrong password changes nothing.
    let transfer = "mutation($id: ID!, $p: String!) { transferOwnership(contactId: $id, currentPassword: $p) { owner { email role } } }";
    app.gql_as(
        &admin.token,
        transfer,
        json!({"id": admin.contact_id, "p": MEMBER_PASSWORD}),
    )
    .await
    .expect_code("FORBIDDEN");
    app.gql_as(
        &owner,
        transfer,
        json!({"id": admin.contact_id, "p": "wrong password"}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let r = app
        .gql_as(
            &owner,
            transfer,
            json!({"id": admin.contact_id, "p": OWNER_PASSWORD}),
        )
        .await
        .ok();
    assert_eq!(
        r.at("transferOwnership.owner"),
        &json!({"email": "admin@acme.test", "role": "OWNER"})
    );
    let primaries = app
        .every(&owner, &account, "contacts", "isPrimary")
        .await
        .into_iter()
        .filter(|c| c["isPrimary"] == true)
        .count();
    assert_eq!(primaries, 1);
    let me = app
        .gql_as(
            &owner,
            "{ viewer { memberships { role permissions } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(me.at("viewer.memberships.0.role"), "ADMIN");
    assert!(
        !me.at("viewer.memberships.0.permissions")
            .as_array()
            .unwrap()
            .contains(&json!("TRANSFER_OWNERSHIP"))
    );
    // The former owner is an ordinary admin now, and can be removed by the new owner.
    app.gql_as(
        &admin.token,
        REMOVE,
        json!({"id": owner_contact, "p": MEMBER_PASSWORD}),
    )
    .await
    .ok();
    app.stop().await;
}

#[tokio::test]
async fn lowering_a_role_takes_effect_on_the_next_request() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let admin = app
        .add_member(&owner, &account, "admin@acme.test", "ADMIN", None)
        .await;
    let contacts = "query($id: ID!) { account(id: $id) { contacts { totalCount } } }";
    app.gql_as(&admin.token, contacts, json!({"id": account}))
        .await
        .ok();
    let r = app.gql_as(&owner, UPDATE, json!({"id": admin.contact_id, "i": {"role": "CUSTOM", "permissions": ["VIEW_TICKETS", "OPEN_TICKETS"], "phone": "+44 1"}})).await.ok();
    assert_eq!(
        r.at("updateContact.permissions"),
        &json!(["VIEW_TICKETS", "OPEN_TICKETS"])
    );
    assert_eq!(r.str("updateContact.phone"), "+44 1");
    let after = app
        .gql_as(&admin.token, contacts, json!({"id": account}))
        .await;
    after.expect_code("FORBIDDEN");
    assert!(after.null_at("account.contacts"), "{}", after.body);
    // Clearing an optional field with null; leaving others out keeps them.
    let r = app
        .gql_as(
            &owner,
            UPDATE,
            json!({"id": admin.contact_id, "i": {"phone": null}}),
        )
        .await
        .ok();
    assert!(r.null_at("updateContact.phone"), "{}", r.body);
    assert_eq!(r.str("updateContact.role"), "CUSTOM");
    // A login's contact keeps an email.
    app.gql_as(
        &owner,
        UPDATE,
        json!({"id": admin.contact_id, "i": {"email": null}}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.stop().await;
}

#[tokio::test]
async fn revoking_portal_access_keeps_the_card_and_ends_the_login() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let tech = app
        .add_member(&owner, &account, "tech@acme.test", "TECHNICAL", None)
        .await;
    let set = "mutation($id: ID!, $on: Boolean!) { setPortalAccess(contactId: $id, enabled: $on) { id portalAccess email } }";
    let r = app
        .gql_as(&owner, set, json!({"id": tech.contact_id, "on": false}))
        .await
        .ok();
    assert_eq!(r.at("setPortalAccess.portalAccess"), false);
    assert_eq!(r.str("setPortalAccess.email"), "tech@acme.test");
    app.gql_as(&tech.token, VIEWER, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    assert_eq!(app.contact_count(&owner, &account).await, 2);
    // Turning it back on for an email that still has a login: they must be invited.
    app.gql_as(&owner, set, json!({"id": tech.contact_id, "on": true}))
        .await
        .expect_code("CONFLICT");
    // A contact without login gets one, with a generated password by email.
    let r = app.gql_as(&owner, ADD, json!({"a": account, "i": {"firstName": "Ann", "lastName": "New", "email": "ann@acme.test", "role": "BILLING"}})).await.ok();
    let ann = r.str("addContact.id").to_owned();
    let r = app
        .gql_as(&owner, set, json!({"id": ann, "on": true}))
        .await
        .ok();
    assert_eq!(r.at("setPortalAccess.portalAccess"), true);
    app.mail_to("ann@acme.test").await;
    app.stop().await;
}

#[tokio::test]
async fn staff_can_turn_client_contact_management_off() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let staff = app.staff().await;
    let settings = "mutation($on: Boolean) { updatePortalSettings(input: {allowClientContactManagement: $on}) { allowClientContactManagement invitationTtlHours } }";
    app.gql_as(&owner, settings, json!({"on": false}))
        .await
        .expect_code("FORBIDDEN");
    let r = app
        .gql_as(&staff, settings, json!({"on": false}))
        .await
        .ok();
    assert_eq!(
        r.at("updatePortalSettings"),
        &json!({"allowClientContactManagement": false, "invitationTtlHours": 168})
    );
    let input = json!({"a": account, "i": {"firstName": "X", "lastName": "Y", "role": "BILLING"}});
    app.gql_as(&owner, ADD, input.clone())
        .await
        .expect_code("FORBIDDEN");
    let r = app.gql_as(&staff, ADD, input).await.ok();
    let id = r.str("addContact.id").to_owned();
    app.gql_as(&owner, UPDATE, json!({"id": id, "i": {"firstName": "Z"}}))
        .await
        .expect_code("FORBIDDEN");
    app.gql_as(&owner, REMOVE, json!({"id": id, "p": OWNER_PASSWORD}))
        .await
        .expect_code("FORBIDDEN");
    app.gql_as(
        &staff,
        REMOVE,
        json!({"id": id, "p": clientele_tests::STAFF_PASSWORD}),
    )
    .await
    .ok();
    let s = app
        .gql(
            "{ portalSettings { allowClientContactManagement } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(s.at("portalSettings.allowClientContactManagement"), false);
    app.gql_as(
        &staff,
        "mutation { updatePortalSettings(input: {invitationTtlHours: 0}) { invitationTtlHours } }",
        json!({}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.stop().await;
}

#[tokio::test]
async fn another_accounts_ids_answer_not_found_and_change_nothing() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let victim = app
        .add_member(&owner, &account, "victim@acme.test", "BILLING", None)
        .await;
    let staff = app.staff().await;
    let invoice = app.gql_as(&staff, "mutation($a: ID!) { createInvoice(accountId: $a, input: {total: \"5\", currency: \"EUR\", dueDate: \"2026-12-31\"}) { id } }", json!({"a": account})).await.ok();
    let invoice = invoice.str("createInvoice.id").to_owned();
    let ticket = app.gql_as(&owner, "mutation($a: ID!) { openTicket(accountId: $a, subject: \"Help\", body: \"Please\") { id } }", json!({"a": account})).await.ok();
    let ticket = ticket.str("openTicket.id").to_owned();

    let mallory = app
        .register("Evil", "mallory@evil.test", "mallory password")
        .await;
    for (query, vars) in [
        (
            UPDATE,
            json!({"id": victim.contact_id, "i": {"firstName": "Pwned"}}),
        ),
        (
            REMOVE,
            json!({"id": victim.contact_id, "p": "mallory password"}),
        ),
        (
            "mutation($id: ID!) { setPortalAccess(contactId: $id, enabled: false) { id } }",
            json!({"id": victim.contact_id}),
        ),
        (
            "mutation($id: ID!) { setBillingContact(contactId: $id) { id } }",
            json!({"id": victim.contact_id}),
        ),
        (
            "mutation($id: ID!, $p: String!) { transferOwnership(contactId: $id, currentPassword: $p) { id } }",
            json!({"id": victim.contact_id, "p": "mallory password"}),
        ),
        (
            "mutation($id: ID!) { payInvoice(id: $id) { id } }",
            json!({"id": invoice}),
        ),
        (
            "mutation($id: ID!) { replyToTicket(ticketId: $id, body: \"hi\") { id } }",
            json!({"id": ticket}),
        ),
        (
            ADD,
            json!({"a": account, "i": {"firstName": "M", "lastName": "M", "role": "ADMIN"}}),
        ),
        (
            "mutation($a: ID!) { openTicket(accountId: $a, subject: \"x\", body: \"y\") { id } }",
            json!({"a": account}),
        ),
        (
            "query($id: ID!) { account(id: $id) { name invoices { totalCount } } }",
            json!({"id": account}),
        ),
    ] {
        let r = app.gql_as(&mallory, query, vars).await;
        r.expect_code("NOT_FOUND");
        // Every mutation field is non-null, so its failure nulls `data`; the nullable
        // `account` field is null in a `data` that stays.
        let data = if query.starts_with("query") {
            json!({ "account": null })
        } else {
            Value::Null
        };
        assert_eq!(r.get(""), Some(&data), "{}", r.body);
    }
    let v = app
        .gql_as(
            &victim.token,
            "{ viewer { memberships { contact { firstName } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(v.at("viewer.memberships.0.contact.firstName"), "BILLING");
    // Acme still has its owner and the victim, nobody else.
    assert_eq!(app.contact_count(&owner, &account).await, 2);
    app.stop().await;
}

#[tokio::test]
async fn the_billing_contact_is_named_and_cleared() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let r = app.gql_as(&owner, ADD, json!({"a": account, "i": {"firstName": "Ada", "lastName": "Books", "email": "ada@books.test", "role": "BILLING"}})).await.ok();
    let ada = r.str("addContact.id").to_owned();
    let set = "mutation($id: ID) { setBillingContact(contactId: $id) { billingContact { firstName email } } }";
    let r = app.gql_as(&owner, set, json!({"id": ada})).await.ok();
    assert_eq!(
        r.at("setBillingContact.billingContact"),
        &json!({"firstName": "Ada", "email": "ada@books.test"})
    );
    let tech = app
        .add_member(&owner, &account, "tech@acme.test", "TECHNICAL", None)
        .await;
    app.gql_as(&tech.token, set, json!({"id": ada}))
        .await
        .expect_code("FORBIDDEN");
    // Removing the contact clears it.
    app.gql_as(&owner, REMOVE, json!({"id": ada, "p": OWNER_PASSWORD}))
        .await
        .ok();
    let r = app
        .gql_as(
            &owner,
            "query($id: ID!) { account(id: $id) { billingContact { id } } }",
            json!({"id": account}),
        )
        .await
        .ok();
    assert!(r.null_at("account.billingContact"), "{}", r.body);
    let r = app.gql_as(&owner, set, json!({"id": null})).await.ok();
    assert!(r.null_at("setBillingContact.billingContact"), "{}", r.body);
    app.stop().await;
}
