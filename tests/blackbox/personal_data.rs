//! Personal data (SPEC "Personal data"): where a person's name, email and phone are
//! kept, searched in every text column of every table (`database_search`).

use clientele_tests::TestApp;
use clientele_tests::database_search::{holding, text_columns};
use clientele_tests::fixtures::{OWNER_PASSWORD, Portal};
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
/// (until the retention sweep makes it a pseudonym). Erasure (issue 28) is to take
/// these away too.
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
