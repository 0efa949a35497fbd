//! Exports (SPEC "Personal data"): `requestDataExport` and `exportAccount` email a
//! single-use link; what it downloads is validated against the JSON Schemas in
//! `docs/schemas/`, holds what the SPEC lists and no secret, and the link's door
//! (once, 24 hours, the login still entitled) holds.

use std::io::Read;

use clientele_tests::fixtures::{MEMBER_PASSWORD, Portal, Role};
use clientele_tests::{TestApp, link_after};
use serde_json::{Value, json};

use crate::personal_data::{ZEB_EMAIL, ZEB_PHONE, zebulon_leaves_traces};

const REQUEST: &str = "mutation { requestDataExport }";
const EXPORT_ACCOUNT: &str = "mutation($a: ID!) { exportAccount(accountId: $a) }";

/// The export link in the newest email to `to`.
async fn export_link(app: &TestApp, to: &str) -> String {
    let mails = app.mails_to(to).await;
    let link = mails
        .iter()
        .rev()
        .find_map(|mail| link_after(mail, "http"))
        .filter(|link| link.contains("/exports/"))
        .unwrap_or_else(|| panic!("no export link in the emails to {to}"));
    let path = &link[link.find("/exports/").unwrap()..];
    format!("{}{path}", app.url)
}

/// Status, content type and body of a GET.
async fn download(url: &str) -> (u16, String, Vec<u8>) {
    let response = reqwest::get(url).await.expect("a download");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        status,
        kind,
        response.bytes().await.unwrap_or_default().to_vec(),
    )
}

/// `document` checked against the schema in `docs/schemas/{file}`, formats included.
fn assert_valid(file: &str, document: &Value) {
    let path = format!("{}/../docs/schemas/{file}", env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{file}: {errors:#?}");
    // The validator is not a rubber stamp: a document missing a section fails.
    let mut broken = document.clone();
    broken.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&broken));
}

#[tokio::test]
async fn a_person_downloads_everything_held_about_them_once() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let (_, zeb) = zebulon_leaves_traces(&app, &acme).await;
    let done = app.gql_as(&zeb, REQUEST, json!({})).await.ok();
    assert_eq!(done.at("requestDataExport"), &json!(true));
    let link = export_link(&app, ZEB_EMAIL).await;
    let (status, kind, body) = download(&link).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(kind, "application/json");
    let document: Value = serde_json::from_slice(&body).expect("one JSON document");
    assert_valid("personal-data.v1.json", &document);

    assert_eq!(document["profile"]["email"], ZEB_EMAIL);
    assert_eq!(document["profile"]["lastName"], "Quixote");
    let memberships = document["memberships"].as_array().unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0]["accountName"], "Acme");
    assert_eq!(memberships[0]["role"], "TECHNICAL");
    assert_eq!(document["contactCards"][0]["phone"], ZEB_PHONE);
    assert_eq!(
        document["contactCards"][0]["notificationPreferences"],
        json!(["GENERAL"])
    );
    assert!(!document["sessions"].as_array().unwrap().is_empty());
    assert_eq!(document["ticketsOpened"][0]["subject"], "Server down");
    assert_eq!(document["ticketReplies"].as_array().unwrap().len(), 1);
    let actions: Vec<&str> = document["auditEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"ticket.open"), "{actions:?}");
    let subjects: Vec<&str> = document["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert!(subjects.contains(&"Maintenance"), "{subjects:?}");

    // No secret: none of the stored hashes, nor the password.
    let text = String::from_utf8(body).unwrap();
    let db = &app.server.db;
    for (table, column) in [("users", "password_hash"), ("sessions", "token_hash")] {
        use sea_orm::ConnectionTrait;
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT {column} AS v FROM {table}"),
            ))
            .await
            .unwrap();
        for row in rows {
            let secret: String = row.try_get("", "v").unwrap();
            assert!(!text.contains(&secret), "{table}.{column} is in the export");
        }
    }
    assert!(!text.contains(MEMBER_PASSWORD) && !text.contains("$argon2"));

    // Once only; a link never made is the same answer.
    assert_eq!(download(&link).await.0, 404);
    // Two downloads of one fresh link at once: one gets it.
    app.gql_as(&zeb, REQUEST, json!({})).await.ok();
    let fresh = export_link(&app, ZEB_EMAIL).await;
    let (one, other) = tokio::join!(download(&fresh), download(&fresh));
    let mut statuses = [one.0, other.0];
    statuses.sort();
    assert_eq!(statuses, [200, 404]);
    assert_eq!(
        download(&format!("{}/exports/nothing", app.url)).await.0,
        404
    );
    app.stop().await;
}

#[tokio::test]
async fn a_link_lives_a_day_and_exports_are_throttled() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    app.gql_as(&acme.owner, REQUEST, json!({})).await.ok();
    let link = export_link(&app, &acme.owner_email).await;
    app.server
        .domain
        .clock()
        .advance(std::time::Duration::from_secs(24 * 3600 + 1));
    assert_eq!(download(&link).await.0, 404);
    // Five an hour per login (the day since refilled them), then RATE_LIMITED;
    // anonymous: refused.
    for _ in 0..5 {
        app.gql_as(&acme.owner, REQUEST, json!({})).await.ok();
    }
    app.gql_as(&acme.owner, REQUEST, json!({}))
        .await
        .expect_code("RATE_LIMITED");
    app.gql(REQUEST, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    app.stop().await;
}

#[tokio::test]
async fn an_account_manager_downloads_the_account_as_json_and_csv() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let staff = app.staff().await;
    app.gql_as(
        &staff,
        "mutation($a: ID!) { createService(accountId: $a, input: { productName: \"VPS\", username: \"root\", password: \"s3rvice-secret\", recurringAmount: \"40.00\" }) { id } }",
        json!({ "a": acme.account }),
    )
    .await
    .ok();
    app.gql_as(
        &staff,
        "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"249.00\", currency: \"USD\", dueDate: \"2030-01-31\" }) { id } }",
        json!({ "a": acme.account }),
    )
    .await
    .ok();
    let billing = acme.member(Role::Billing).await;
    app.gql_as(&billing.token, EXPORT_ACCOUNT, json!({ "a": acme.account }))
        .await
        .expect_code("FORBIDDEN");
    let done = app
        .gql_as(&acme.owner, EXPORT_ACCOUNT, json!({ "a": acme.account }))
        .await
        .ok();
    assert_eq!(done.at("exportAccount"), &json!(true));
    let link = export_link(&app, &acme.owner_email).await;
    let (status, kind, body) = download(&link).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(kind, "application/zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body.clone())).expect("a zip");
    let mut file = |name: &str| {
        let mut text = String::new();
        zip.by_name(name)
            .unwrap_or_else(|_| panic!("{name} in the zip"))
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let document: Value = serde_json::from_str(&file("account.json")).unwrap();
    assert_valid("account-export.v1.json", &document);
    assert_eq!(document["account"]["name"], "Acme");
    assert_eq!(document["contacts"].as_array().unwrap().len(), 2);
    assert_eq!(document["invoices"][0]["total"], "249.00");
    assert_eq!(document["services"][0]["productName"], "VPS");
    assert!(!document.to_string().contains("s3rvice-secret"));
    let contacts = file("contacts.csv");
    let mut lines = contacts.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id,first_name,last_name,email")
    );
    assert!(contacts.contains("billing@acme.test"));
    assert_eq!(contacts.lines().count(), 3);
    let invoices = file("invoices.csv");
    assert!(invoices.contains(",249.00,USD,2030-01-31,"), "{invoices}");
    assert!(!String::from_utf8_lossy(&body).contains("s3rvice-secret"));
    app.stop().await;
}

/// The link is checked again when it is used: a manager who lost MANAGE_ACCOUNT since
/// asking downloads nothing.
#[tokio::test]
async fn a_link_opens_only_while_its_login_still_manages_the_account() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let admin = acme.member(Role::Admin).await;
    app.gql_as(&admin.token, EXPORT_ACCOUNT, json!({ "a": acme.account }))
        .await
        .ok();
    let link = export_link(&app, &admin.email).await;
    app.gql_as(
        &acme.owner,
        "mutation($id: ID!) { updateContact(id: $id, input: { role: BILLING }) { role } }",
        json!({ "id": admin.contact_id }),
    )
    .await
    .ok();
    let (status, _, body) = download(&link).await;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    app.stop().await;
}
