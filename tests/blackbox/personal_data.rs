//! Personal data (SPEC "Personal data"): where a person's name, email and phone are
//! kept, searched in every text column of every table (`database_search`).

use clientele_tests::TestApp;
use clientele_tests::database_search::{count, holding, text_columns};
use clientele_tests::fixtures::{
    ADD, CONTACT_EVENTS, MEMBER_PASSWORD, OWNER_PASSWORD, Portal, Role,
};
use serde_json::json;

/// The search reads the database's own catalogue: it sees the tables, and finds a
/// person where they are.
#[tokio::test]
async fn the_search_covers_every_table_and_finds_a_person() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let columns = text_columns(&app.server.db).await;
    let tables: std::collections::BTreeSet<&str> =
        columns.iter().map(|(t, _)| t.as_str()).collect();
    for table in [
        "contacts",
        "users",
        "invitations",
        "emails",
        "audit_log",
        "events",
        "ticket_replies",
        "webhook_deliveries",
    ] {
        assert!(tables.contains(table), "{table} not searched: {tables:?}");
    }
    app.gql_as(
        &acme.owner,
        "mutation($a: ID!) { addContact(accountId: $a, input: { firstName: \"Zebulon\", lastName: \"Quixote\", email: \"zebulon.quixote@acme.test\", phone: \"+1 555 0199\", role: BILLING }) { id } }",
        json!({ "a": acme.account }),
    )
    .await
    .ok();
    let found = holding(&app.server.db, "Quixote").await;
    assert!(found.contains("contacts.last_name"), "{found:?}");
    assert!(
        holding(&app.server.db, "no such text anywhere 7f3a")
            .await
            .is_empty()
    );
    app.stop().await;
}

/// Removing a contact (not erasing it) takes the card and the phone everywhere; what
/// stays is the histories' record, listed exactly, so that anything new that keeps a
/// person shows here: the event log keeps the name (a REMOVED event says who), the
/// audit log the details the card was added with, and the email history the address
/// (until the retention sweep makes it a pseudonym). Erasure takes these away too
/// (`an_erased_contact_is_nowhere_in_the_account`).
#[tokio::test]
async fn a_removed_contact_stays_only_in_the_histories() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let card = app
        .gql_as(
            &acme.owner,
            "mutation($a: ID!) { addContact(accountId: $a, input: { firstName: \"Zebulon\", lastName: \"Quixote\", email: \"zebulon.quixote@acme.test\", phone: \"+1 555 0199\", role: BILLING, notificationPreferences: [\"GENERAL\"] }) { id } }",
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
    app.server.deliver_mail().await.unwrap();
    app.gql_as(
        &acme.owner,
        "mutation($id: ID!, $p: String!) { removeContact(id: $id, currentPassword: $p) }",
        json!({ "id": card, "p": OWNER_PASSWORD }),
    )
    .await
    .ok();
    let db = &app.server.db;
    let mut kept = std::collections::BTreeMap::new();
    for needle in ["Quixote", "zebulon.quixote@acme.test", "555 0199"] {
        kept.insert(needle, holding(db, needle).await);
    }
    let set = |columns: &[&str]| -> std::collections::BTreeSet<String> {
        columns.iter().map(|c| (*c).to_owned()).collect()
    };
    assert_eq!(
        kept["Quixote"],
        set(&[
            "audit_log.details",
            "emails.to_addresses",
            "events.snapshot"
        ]),
    );
    assert_eq!(
        kept["zebulon.quixote@acme.test"],
        set(&["audit_log.details", "emails.to_addresses"]),
    );
    assert_eq!(kept["555 0199"], set(&[]));
    app.stop().await;
}

pub(crate) const ZEB_EMAIL: &str = "zebulon.quixote@acme.test";
pub(crate) const ZEB_PHONE: &str = "+1 555 0199";
/// What identifies the person the erasure stories erase.
const ZEB: [&str; 4] = ["Zebulon", "Quixote", ZEB_EMAIL, "555 0199"];
const ERASE: &str =
    "mutation($id: ID!, $p: String!) { eraseContact(id: $id, currentPassword: $p) }";
const DELETE_MY_LOGIN: &str = "mutation($p: String!) { deleteMyLogin(currentPassword: $p) }";

/// Zebulon Quixote, a technical contact of Acme with a login, leaves a trace wherever a
/// person can: his card and an invitation's, the event log, a webhook payload, an email
/// in the account's history and a security notice, a ticket and a reply, audit entries
/// he made and that name him, a session with its address. Returns his card and token.
pub(crate) async fn zebulon_leaves_traces(app: &TestApp, acme: &Portal<'_>) -> (String, String) {
    app.gql_as(
        &acme.owner,
        "mutation($a: ID!) { createWebhookEndpoint(accountId: $a, input: { url: \"https://hooks.example.invalid/in\", eventTypes: [\"contact.created\", \"contact.updated\", \"contact.removed\"] }) { secret } }",
        json!({ "a": acme.account }),
    )
    .await
    .ok();
    // Invited first, then put on file with a login of his own.
    app.gql_as(
        &acme.owner,
        "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: { email: $e, role: TECHNICAL }) { id } }",
        json!({ "a": acme.account, "e": ZEB_EMAIL }),
    )
    .await
    .ok();
    let card = app
        .gql_as(
            &acme.owner,
            ADD,
            json!({ "a": acme.account, "i": {
                "firstName": "Zebulon", "lastName": "Quixote", "email": ZEB_EMAIL, "phone": ZEB_PHONE,
                "role": "TECHNICAL", "portalAccess": true, "password": MEMBER_PASSWORD,
                "notificationPreferences": ["GENERAL"],
            }}),
        )
        .await
        .ok()
        .str("addContact.id")
        .to_owned();
    let token = app
        .login(ZEB_EMAIL, MEMBER_PASSWORD)
        .await
        .expect("Zebulon signs in");
    app.gql_as(
        &token,
        "mutation($a: ID!) { openTicket(accountId: $a, subject: \"Server down\", body: \"It is down. Zebulon Quixote, +1 555 0199\") { id } }",
        json!({ "a": acme.account }),
    )
    .await
    .ok();
    let staff = app.staff().await;
    app.gql_as(
        &staff,
        "mutation($a: ID!) { sendNotification(accountId: $a, category: \"GENERAL\", subject: \"Maintenance\", body: \"Tonight.\") }",
        json!({ "a": acme.account }),
    )
    .await
    .ok();
    app.server.deliver_mail().await.unwrap();
    let db = &app.server.db;
    for needle in ZEB {
        assert!(
            !holding(db, needle).await.is_empty(),
            "{needle} left no trace to erase"
        );
    }
    assert!(
        holding(db, ZEB_EMAIL)
            .await
            .contains("webhook_deliveries.payload")
    );
    assert!(
        holding(db, ZEB_EMAIL)
            .await
            .contains("audit_log.actor_email")
    );
    assert!(
        holding(db, "Quixote")
            .await
            .contains("ticket_replies.author_name")
    );
    (card, token)
}

/// Where each of Zebulon's identifiers still is.
async fn where_zebulon_is(
    app: &TestApp,
) -> std::collections::BTreeMap<&'static str, std::collections::BTreeSet<String>> {
    let mut found = std::collections::BTreeMap::new();
    for needle in ZEB {
        found.insert(needle, holding(&app.server.db, needle).await);
    }
    found
}

/// `eraseContact` takes the person out of every table of the account; what stays is
/// his own login (his, not the account's) and the security notices sent to it.
#[tokio::test]
async fn an_erased_contact_is_nowhere_in_the_account() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let (card, zeb) = zebulon_leaves_traces(&app, &acme).await;
    let billing = acme.member(Role::Billing).await;
    let mut socket = app.socket(Some(&acme.owner)).await;
    app.listen(
        &mut socket,
        "live",
        CONTACT_EVENTS,
        json!({ "a": acme.account }),
    )
    .await;
    app.gql_as(
        &billing.token,
        ERASE,
        json!({ "id": card, "p": MEMBER_PASSWORD }),
    )
    .await
    .expect_code("FORBIDDEN");
    app.gql_as(&acme.owner, ERASE, json!({ "id": card, "p": "wrong" }))
        .await
        .expect_code("BAD_USER_INPUT");
    app.gql_as(
        &acme.owner,
        ERASE,
        json!({ "id": acme.owner_contact, "p": OWNER_PASSWORD }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let erased = app
        .gql_as(
            &acme.owner,
            ERASE,
            json!({ "id": card, "p": OWNER_PASSWORD }),
        )
        .await
        .ok();
    assert_eq!(erased.str("eraseContact"), card);

    // The live dashboard hears of it, and the event names no one.
    let event = socket.next_event("live").await;
    assert_eq!(event["contactEvents"]["kind"], "REMOVED", "{event}");
    assert_eq!(event["contactEvents"]["contactId"], card.as_str());
    for needle in ZEB {
        assert!(!event.to_string().contains(needle), "{event}");
    }

    // A dashboard replaying the whole log now reads nothing of him.
    let mut replay = app.socket(Some(&acme.owner)).await;
    let replayed = app
        .listen_from(
            &mut replay,
            "all",
            CONTACT_EVENTS,
            json!({ "a": acme.account }),
            "0",
        )
        .await;
    assert!(replayed.len() >= 4, "{replayed:?}");
    for needle in ZEB {
        for event in &replayed {
            assert!(!event.to_string().contains(needle), "{event}");
        }
    }

    let kept = where_zebulon_is(&app).await;
    let set = |columns: &[&str]| -> std::collections::BTreeSet<String> {
        columns.iter().map(|c| (*c).to_owned()).collect()
    };
    // His login is his own, not the account's: its name and address stay, and so do
    // the records of no account made about it: the audit entries of its sign-ins (and
    // security notices sent to it, had there been any).
    let his_login = ["audit_log.actor_email", "users.email"];
    assert_eq!(
        kept["Zebulon"],
        set(&[&his_login[..], &["users.first_name"]].concat())
    );
    assert_eq!(
        kept["Quixote"],
        set(&[&his_login[..], &["users.last_name"]].concat())
    );
    assert_eq!(kept[ZEB_EMAIL], set(&his_login));
    assert_eq!(kept["555 0199"], set(&[]));
    let db = &app.server.db;
    for (table, column) in [("emails", "to_addresses"), ("audit_log", "actor_email")] {
        let about_him = format!("lower(CAST({column} AS TEXT)) LIKE '%{ZEB_EMAIL}%'");
        let in_acme = format!("account_id IS NOT NULL AND {about_him}");
        assert_eq!(count(db, table, &in_acme).await, 0, "{table}");
    }

    // The account's histories read as before, with him as a pseudonym.
    let audit = app
        .gql_as(
            &acme.owner,
            "query($a: ID!) { account(id: $a) { auditLog(first: 100) { nodes { action actorEmail } } } }",
            json!({ "a": acme.account }),
        )
        .await
        .ok();
    let opened = audit
        .at("account.auditLog.nodes")
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "ticket.open")
        .expect("his ticket's entry stays")
        .clone();
    assert!(
        opened["actorEmail"]
            .as_str()
            .unwrap()
            .starts_with("erased:"),
        "{opened}"
    );
    // It was his last membership: his sessions ended. His login still signs in, to no
    // account of Acme's.
    let his_account = "query($a: ID!) { account(id: $a) { name } }";
    app.gql_as(&zeb, his_account, json!({ "a": acme.account }))
        .await
        .expect_code("UNAUTHENTICATED");
    let again = app
        .login(ZEB_EMAIL, MEMBER_PASSWORD)
        .await
        .expect("his login stays");
    app.gql_as(&again, his_account, json!({ "a": acme.account }))
        .await
        .expect_code("NOT_FOUND");
    assert_eq!(app.audited("contact.erase").await, 1);
    app.stop().await;
}

/// Staff's `eraseUser` and the person's own `deleteMyLogin` leave nothing of them in any
/// table: no name, address or phone anywhere.
#[tokio::test]
async fn an_erased_login_is_nowhere_at_all() {
    for by_himself in [false, true] {
        let app = TestApp::start().await;
        let acme = Portal::acme(&app).await;
        let (_, zeb) = zebulon_leaves_traces(&app, &acme).await;
        let user_id = app
            .gql_as(&zeb, "{ viewer { user { id } } }", json!({}))
            .await
            .ok()
            .str("viewer.user.id")
            .to_owned();
        if by_himself {
            // An owner must hand the account over first: the refusal names it.
            let refused = app
                .gql_as(&acme.owner, DELETE_MY_LOGIN, json!({ "p": OWNER_PASSWORD }))
                .await;
            refused.expect_code("CONFLICT");
            assert!(
                refused.error_message().unwrap().contains("Acme"),
                "{refused:?}"
            );
            app.gql_as(&zeb, DELETE_MY_LOGIN, json!({ "p": "wrong" }))
                .await
                .expect_code("BAD_USER_INPUT");
            let done = app
                .gql_as(&zeb, DELETE_MY_LOGIN, json!({ "p": MEMBER_PASSWORD }))
                .await
                .ok();
            assert_eq!(done.at("deleteMyLogin"), &json!(true));
        } else {
            let erase = "mutation($u: ID!) { eraseUser(userId: $u) }";
            app.gql_as(&acme.owner, erase, json!({ "u": user_id }))
                .await
                .expect_code("FORBIDDEN");
            let owner_id = app
                .gql_as(&acme.owner, "{ viewer { user { id } } }", json!({}))
                .await
                .ok()
                .str("viewer.user.id")
                .to_owned();
            let staff = app.staff().await;
            app.gql_as(&staff, erase, json!({ "u": owner_id }))
                .await
                .expect_code("CONFLICT");
            let done = app
                .gql_as(&staff, erase, json!({ "u": user_id }))
                .await
                .ok();
            assert_eq!(done.str("eraseUser"), user_id);
        }
        let kept = where_zebulon_is(&app).await;
        for needle in ZEB {
            assert!(
                kept[needle].is_empty(),
                "{needle} is still in {:?}",
                kept[needle]
            );
        }
        // The login is gone: its session and its password open nothing.
        app.gql_as(&zeb, "{ viewer { user { email } } }", json!({}))
            .await
            .expect_code("UNAUTHENTICATED");
        assert!(app.login(ZEB_EMAIL, MEMBER_PASSWORD).await.is_err());
        let db = &app.server.db;
        let his = format!("user_id = {user_id}");
        for table in ["sessions", "passkeys", "known_devices", "recovery_codes"] {
            assert_eq!(count(db, table, &his).await, 0, "{table}");
        }
        app.stop().await;
    }
}

/// Whoever registers an address does not own what other accounts keep under it: a login
/// deleting itself reaches only the accounts it was a member of (and records of no
/// account); Acme's card and history for that address stay. And erasing a person takes
/// out their address, never a longer one that contains it (`joann@` beside `ann@`).
#[tokio::test]
async fn erasure_reaches_its_own_person_only() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let mut cards = Vec::new();
    for (first, last, email) in [
        ("Ann", "Lee", "ann@acme.test"),
        ("Joann", "Leeds", "joann@acme.test"),
    ] {
        let r = app
            .gql_as(
                &acme.owner,
                ADD,
                json!({ "a": acme.account, "i": {
                    "firstName": first, "lastName": last, "email": email, "role": "BILLING",
                    "notificationPreferences": ["GENERAL"],
                }}),
            )
            .await
            .ok();
        cards.push(r.str("addContact.id").to_owned());
    }
    let staff = app.staff().await;
    app.gql_as(
        &staff,
        "mutation($a: ID!) { sendNotification(accountId: $a, category: \"GENERAL\", subject: \"Maintenance\", body: \"Tonight.\") }",
        json!({ "a": acme.account }),
    )
    .await
    .ok();
    app.server.deliver_mail().await.unwrap();
    let db = &app.server.db;
    let sent_to = |address: &str| format!("CAST(to_addresses AS TEXT) LIKE '%\"{address}\"%'");

    // Someone registers Ann's address, hands their account over, deletes their login.
    let evil = Portal::new(&app).named("Evil").owner("ann@acme.test").await;
    let heir = evil.member(Role::Admin).await;
    app.gql_as(
        &evil.owner,
        "mutation($id: ID!, $p: String!) { transferOwnership(contactId: $id, currentPassword: $p) { id } }",
        json!({ "id": heir.contact_id, "p": OWNER_PASSWORD }),
    )
    .await
    .ok();
    let done = app
        .gql_as(&evil.owner, DELETE_MY_LOGIN, json!({ "p": OWNER_PASSWORD }))
        .await
        .ok();
    assert_eq!(done.at("deleteMyLogin"), &json!(true));
    assert_eq!(count(db, "contacts", "email = 'ann@acme.test'").await, 1);
    assert_eq!(
        count(
            db,
            "emails",
            &format!("account_id IS NOT NULL AND {}", sent_to("ann@acme.test"))
        )
        .await,
        1
    );

    // Acme erases Ann: Joann, whose address contains hers, keeps everything.
    let joann_before = holding(db, "joann@acme.test").await;
    app.gql_as(
        &acme.owner,
        ERASE,
        json!({ "id": cards[0], "p": OWNER_PASSWORD }),
    )
    .await
    .ok();
    assert_eq!(count(db, "emails", &sent_to("ann@acme.test")).await, 0);
    assert_eq!(count(db, "emails", &sent_to("joann@acme.test")).await, 1);
    assert!(holding(db, "Joann").await.contains("contacts.first_name"));
    assert_eq!(holding(db, "joann@acme.test").await, joann_before);
    assert!(holding(db, "erased-").await.contains("emails.to_addresses"));
    app.stop().await;
}
