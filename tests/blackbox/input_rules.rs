//! What the server accepts from clients and what it keeps: bounded strings, no control
//! characters, exact decimals, literal search terms, no secrets left in the outbox,
//! one live reset link at a time.

use clientele_tests::fixtures::{ADD, OWNER_PASSWORD, Portal};
use clientele_tests::{Gql, TestApp, link_after, token_in_link, wait_for};
use domain::entities::{email, invoice};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

fn bad_input_on(r: &Gql, field: &str) {
    r.expect_code("BAD_USER_INPUT");
    assert_eq!(
        r.body["errors"][0]["extensions"]["field"],
        json!(field),
        "{}",
        r.body
    );
}

/// The contacts the owner sees, to prove a refusal left nothing behind.
async fn contact_count(app: &TestApp, token: &str, account: &str) -> u64 {
    app.gql_as(
        token,
        "query($a: ID!) { account(id: $a) { contacts { totalCount } } }",
        json!({ "a": account }),
    )
    .await
    .ok()
    .at("account.contacts.totalCount")
    .as_u64()
    .unwrap()
}

#[tokio::test]
async fn every_free_text_field_is_bounded_and_named_when_too_long() {
    let app = TestApp::start().await;
    let Portal {
        owner: token,
        account,
        ..
    } = Portal::acme(&app).await;
    let staff = app.staff().await;
    let long = "x".repeat(10_000);
    for (field, input) in [
        (
            "firstName",
            json!({ "firstName": long, "lastName": "L", "role": "BILLING" }),
        ),
        (
            "lastName",
            json!({ "firstName": "F", "lastName": long, "role": "BILLING" }),
        ),
        (
            "phone",
            json!({ "firstName": "F", "lastName": "L", "role": "BILLING", "phone": long }),
        ),
        (
            "companyName",
            json!({ "firstName": "F", "lastName": "L", "role": "BILLING", "companyName": long }),
        ),
        (
            "relationship",
            json!({ "firstName": "F", "lastName": "L", "role": "BILLING", "relationship": long }),
        ),
        (
            "address.line1",
            json!({ "firstName": "F", "lastName": "L", "role": "BILLING", "address": { "line1": long } }),
        ),
        (
            "address.city",
            json!({ "firstName": "F", "lastName": "L", "role": "BILLING", "address": { "city": long } }),
        ),
        (
            "email",
            json!({ "firstName": "F", "lastName": "L", "role": "BILLING", "email": format!("{long}@acme.test") }),
        ),
        (
            "notificationPreferences",
            json!({ "firstName": "F", "lastName": "L", "role": "BILLING", "notificationPreferences": [long] }),
        ),
    ] {
        let r = app
            .gql_as(&token, ADD, json!({ "a": account, "i": input }))
            .await;
        bad_input_on(&r, field);
    }
    assert_eq!(contact_count(&app, &token, &account).await, 1);

    let r = app
        .gql_as(
            &token,
            "mutation($a: ID!, $s: String!) { openTicket(accountId: $a, subject: $s, body: \"b\") { id } }",
            json!({ "a": account, "s": long }),
        )
        .await;
    bad_input_on(&r, "subject");
    let r = app
        .gql_as(
            &token,
            "mutation($a: ID!, $b: String!) { openTicket(accountId: $a, subject: \"s\", body: $b) { id } }",
            json!({ "a": account, "b": "y".repeat(20_001) }),
        )
        .await;
    bad_input_on(&r, "body");
    for (field, input) in [
        (
            "username",
            json!({ "productName": "VPS", "username": long }),
        ),
        (
            "password",
            json!({ "productName": "VPS", "password": long }),
        ),
        ("productName", json!({ "productName": long })),
    ] {
        let r = app
            .gql_as(
                &staff,
                "mutation($a: ID!, $i: CreateServiceInput!) { createService(accountId: $a, input: $i) { id } }",
                json!({ "a": account, "i": input }),
            )
            .await;
        bad_input_on(&r, field);
    }
    // The limit is generous for real data: a multi-line ticket body passes.
    app.gql_as(
        &token,
        "mutation($a: ID!) { openTicket(accountId: $a, subject: \"Site down\", body: \"Hello,\\n\\tit is down.\\r\\nThanks\") { id } }",
        json!({ "a": account }),
    )
    .await
    .ok();
}

#[tokio::test]
async fn control_characters_are_refused_in_single_line_fields_and_nul_bytes_everywhere() {
    let app = TestApp::start().await;
    let Portal {
        owner: token,
        account,
        ..
    } = Portal::acme(&app).await;
    let staff = app.staff().await;
    // A line break in an invoice number once broke the PDF route's header.
    let r = app
        .gql_as(
            &staff,
            "mutation($a: ID!) { createInvoice(accountId: $a, input: { number: \"INV\\r\\n1\", total: \"10.00\", currency: \"EUR\", dueDate: \"2026-12-31\" }) { id } }",
            json!({ "a": account }),
        )
        .await;
    bad_input_on(&r, "number");
    for (field, input) in [
        (
            "firstName",
            json!({ "firstName": "Ann\u{0}", "lastName": "L", "role": "BILLING" }),
        ),
        (
            "phone",
            json!({ "firstName": "F", "lastName": "L", "role": "BILLING", "phone": "1\n2" }),
        ),
        (
            "address.line1",
            json!({ "firstName": "F", "lastName": "L", "role": "BILLING", "address": { "line1": "a\u{7}b" } }),
        ),
    ] {
        let r = app
            .gql_as(&token, ADD, json!({ "a": account, "i": input }))
            .await;
        bad_input_on(&r, field);
    }
    // A NUL byte reaches no database, whichever it is (PostgreSQL refuses them).
    let r = app
        .gql(
            "mutation($e: String!) { login(email: $e, password: \"whatever pass\") { token } }",
            json!({ "e": "owner@acme.test\u{0}" }),
        )
        .await;
    bad_input_on(&r, "email");
    let r = app
        .gql(
            "mutation($e: String!) { requestPasswordReset(email: $e) }",
            json!({ "e": "owner\u{0}@acme.test" }),
        )
        .await;
    bad_input_on(&r, "email");
    let r = app
        .gql_as(
            &staff,
            "query($s: String) { accounts(search: $s) { totalCount } }",
            json!({ "s": "Ac\u{0}me" }),
        )
        .await;
    bad_input_on(&r, "search");
    let r = app
        .gql_as(
            &token,
            "mutation($a: ID!, $b: String!) { openTicket(accountId: $a, subject: \"s\", body: $b) { id } }",
            json!({ "a": account, "b": "a\u{0}b" }),
        )
        .await;
    bad_input_on(&r, "body");
    let r = app
        .gql(
            "mutation($i: RegisterInput!) { register(input: $i) { token } }",
            json!({ "i": { "accountName": "N\u{0}", "firstName": "F", "lastName": "L", "email": "n@acme.test", "password": "long enough pass" } }),
        )
        .await;
    bad_input_on(&r, "accountName");
    assert_eq!(contact_count(&app, &token, &account).await, 1);
}

#[tokio::test]
async fn the_pdf_route_never_answers_500_for_stored_data() {
    let app = TestApp::start().await;
    let Portal {
        owner: token,
        account,
        ..
    } = Portal::acme(&app).await;
    let staff = app.staff().await;
    let id = app
        .gql_as(
            &staff,
            "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"10.00\", currency: \"EUR\", dueDate: \"2026-12-31\" }) { id } }",
            json!({ "a": account }),
        )
        .await
        .ok()
        .str("createInvoice.id")
        .to_owned();
    // A row written before input was checked (or by hand) holds what a header cannot.
    invoice::Entity::update_many()
        .col_expr(invoice::Column::Number, Expr::value("INV\r\n\"1\u{7}"))
        .filter(invoice::Column::Id.eq(id.parse::<i64>().unwrap()))
        .exec(app.db())
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .get(format!("{}/invoices/{id}/pdf", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(disposition, "inline; filename=\"INV1.pdf\"");
    // Domain errors map to their statuses in one place.
    let response = reqwest::Client::new()
        .get(format!("{}/invoices/not-a-number/pdf", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn decimals_are_exact_strings_and_json_numbers_are_refused() {
    let app = TestApp::start().await;
    let Portal { account, .. } = Portal::acme(&app).await;
    let staff = app.staff().await;
    let create = "mutation($a: ID!, $t: Decimal!) { createInvoice(accountId: $a, input: { total: $t, currency: \"EUR\", dueDate: \"2026-12-31\" }) { total } }";
    let r = app
        .gql_as(
            &staff,
            create,
            json!({ "a": account, "t": 18446744073709551615u64 }),
        )
        .await;
    r.expect_code("BAD_USER_INPUT");
    let r = app
        .gql_as(
            &staff,
            create,
            json!({ "a": account, "t": "18446744073709551615" }),
        )
        .await
        .ok();
    assert_eq!(r.at("createInvoice.total"), &json!("18446744073709551615"));
    // A literal number in the query is refused the same way.
    let r = app
        .gql_as(
            &staff,
            "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: 12.5, currency: \"EUR\", dueDate: \"2026-12-31\" }) { total } }",
            json!({ "a": account }),
        )
        .await;
    r.expect_code("BAD_USER_INPUT");
}

#[tokio::test]
async fn staff_search_takes_percent_and_underscore_literally() {
    let app = TestApp::start().await;
    for name in [
        "Promo 50% off",
        "Promo 500 off",
        "snake_case Ltd",
        "snakeXcase Ltd",
    ] {
        app.register(
            name,
            &format!("{}@acme.test", name.replace([' ', '%'], "-")),
            OWNER_PASSWORD,
        )
        .await;
    }
    let staff = app.staff().await;
    let search = |term: &'static str| {
        let app = &app;
        let staff = staff.clone();
        async move {
            let r = app
                .gql_as(
                    &staff,
                    "query($s: String) { accounts(search: $s) { edges { node { name } } } }",
                    json!({ "s": term }),
                )
                .await
                .ok();
            r.at("accounts.edges")
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("50%").await, vec!["Promo 50% off"]);
    assert_eq!(search("e_c").await, vec!["snake_case Ltd"]);
    assert_eq!(search("\\").await, Vec::<String>::new());
}

/// The outbox row of the email to `to`, delivered: after a delivery pass, which also
/// waits for the worker's pass under way to record what it sent. Read from the
/// database: what the outbox keeps at rest is the subject, and no API shows a body.
async fn delivered_row(app: &TestApp, to: &str) -> email::Model {
    app.deliver_mail().await;
    email::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .find(|row| {
            row.to_addresses.to_string().contains(to)
                && row.status != domain::entities::email::EmailStatus::Queued
        })
        .unwrap_or_else(|| panic!("no delivered email to {to}"))
}

#[tokio::test]
async fn delivered_emails_keep_no_links_or_passwords_in_the_outbox() {
    let app = TestApp::start().await;
    let Portal {
        owner: token,
        account,
        ..
    } = Portal::acme(&app).await;
    // A generated password, an invitation link and a reset link.
    app.gql_as(
        &token,
        ADD,
        json!({ "a": account, "i": { "firstName": "Gen", "lastName": "Erated", "email": "gen@acme.test", "role": "BILLING", "portalAccess": true } }),
    )
    .await
    .ok();
    app.gql_as(
        &token,
        "mutation($a: ID!) { inviteUser(accountId: $a, input: { email: \"inv@acme.test\", role: BILLING }) { id } }",
        json!({ "a": account }),
    )
    .await
    .ok();
    app.gql(
        "mutation { requestPasswordReset(email: \"owner@acme.test\") }",
        json!({}),
    )
    .await
    .ok();
    for (to, secret_after) in [
        ("gen@acme.test", None),
        ("inv@acme.test", Some("/invite/")),
        ("owner@acme.test", Some("/reset-password/")),
    ] {
        let message = match secret_after {
            // Queued in the background (see `TestApp::wait_for_eml`).
            Some("/reset-password/") => app.wait_for_eml(to).await,
            _ => app.mail_to(to).await,
        };
        let secret = match secret_after {
            Some(prefix) => token_in_link(
                &link_after(&message, &format!("{}{prefix}", app.config.http.public_url)).unwrap(),
            ),
            // The generated password is the line after "Password:".
            None => password_in(&message),
        };
        assert!(secret.len() >= 12, "{message}");
        let row = delivered_row(&app, to).await;
        assert!(!row.subject.is_empty());
        for body in [&row.body_text, &row.body_html] {
            assert!(
                !body.contains(&secret),
                "the outbox keeps a live secret for {to}"
            );
        }
        assert!(row.body_text.is_empty() && row.body_html.is_empty());
    }
}

fn password_in(message: &str) -> String {
    let text = clientele_tests::decode_qp(message);
    let after = text
        .split_once("assword:")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no password in {text}"));
    after
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_reset_or_a_password_change_retires_every_older_reset_link() {
    let app = TestApp::start().await;
    Portal::acme(&app).await;
    let request = || {
        app.gql(
            "mutation { requestPasswordReset(email: \"owner@acme.test\") }",
            json!({}),
        )
    };
    let reset = "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }";
    // Reset emails are queued in the background (see `TestApp::wait_for_eml`): a
    // bounded wait for the n-th.
    let links = |n: usize| {
        let app = &app;
        async move {
            let messages = wait_for(
                || {
                    let found: Vec<String> = app
                        .eml_files()
                        .into_iter()
                        .filter(|m| m.contains("/reset-password/"))
                        .collect();
                    (found.len() >= n).then_some(found)
                },
                "reset emails",
            )
            .await;
            messages
                .iter()
                .map(|m| {
                    token_in_link(
                        &link_after(
                            m,
                            &format!("{}/reset-password/", app.config.http.public_url),
                        )
                        .unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    request().await.ok();
    links(1).await;
    request().await.ok();
    let tokens = links(2).await;
    app.gql(reset, json!({ "t": tokens[1], "p": "second new password" }))
        .await
        .ok();
    // The first link, mailed earlier, must not undo that.
    app.gql(reset, json!({ "t": tokens[0], "p": "attacker password" }))
        .await
        .expect_code("BAD_USER_INPUT");
    assert!(
        app.login("owner@acme.test", "second new password")
            .await
            .is_ok()
    );

    // A change of password retires a pending link too.
    request().await.ok();
    let tokens = links(3).await;
    let fresh = app
        .login("owner@acme.test", "second new password")
        .await
        .unwrap();
    app.gql_as(
        &fresh,
        "mutation { changePassword(currentPassword: \"second new password\", newPassword: \"third new password\") }",
        json!({}),
    )
    .await
    .ok();
    app.gql(reset, json!({ "t": tokens[2], "p": "attacker password" }))
        .await
        .expect_code("BAD_USER_INPUT");
    assert!(
        app.login("owner@acme.test", "third new password")
            .await
            .is_ok()
    );
}

/// A form hears of every field at fault at once: `extensions.fieldErrors` lists each
/// with its message (`field` stays the first), and nothing is made. One error is a list
/// of one.
#[tokio::test]
async fn every_field_error_of_an_input_comes_at_once() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let before = app.contact_count(&acme.owner, &acme.account).await;
    let r = app
        .gql_as(
            &acme.owner,
            ADD,
            json!({ "a": acme.account, "i": {
                "firstName": "  ", "lastName": "Ok", "email": "not an email", "role": "OWNER",
                "phone": "+1\n555",
            }}),
        )
        .await;
    r.expect_code("BAD_USER_INPUT");
    let extensions = r.body["errors"][0]["extensions"]
        .as_object()
        .expect("extensions");
    let listed = extensions
        .get("fieldErrors")
        .and_then(|v| v.as_array())
        .unwrap_or_else(|| panic!("no fieldErrors: {}", r.body));
    let fields: Vec<&str> = listed
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["firstName", "email", "role", "phone"],
        "{}",
        r.body
    );
    for error in listed {
        assert!(!error["message"].as_str().unwrap().is_empty(), "{error}");
    }
    assert_eq!(extensions.get("field"), Some(&json!("firstName")));
    assert_eq!(app.contact_count(&acme.owner, &acme.account).await, before);

    // The same for an edit.
    let edit = app
        .gql_as(
            &acme.owner,
            "mutation($id: ID!) { updateContact(id: $id, input: { firstName: \"\", email: \"nope\", companyName: \"a\\u0000b\" }) { id } }",
            json!({ "id": acme.owner_contact }),
        )
        .await;
    let fields: Vec<&str> = edit.body["errors"][0]["extensions"]["fieldErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", edit.body))
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["firstName", "email", "companyName"],
        "{}",
        edit.body
    );

    let one = app
        .gql_as(
            &acme.owner,
            ADD,
            json!({ "a": acme.account, "i": { "firstName": "", "lastName": "Ok", "role": "BILLING" } }),
        )
        .await;
    let listed = &one.body["errors"][0]["extensions"]["fieldErrors"];
    assert_eq!(
        listed,
        &json!([{ "field": "firstName", "message": "firstName must not be empty" }]),
        "{}",
        one.body
    );
    app.stop().await;
}
