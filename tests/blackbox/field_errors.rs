//! SPEC "Protocols", GraphQL execution: a field that fails is present in `data` as
//! `null` with its error in `errors`; a failing non-null field nulls its nearest
//! nullable parent. A key is never simply left out.

use clientele_tests::fixtures::Portal;
use clientele_tests::{Gql, Member, TestApp};
use serde_json::{Value, json};

/// An account with an invoice and a service, and a BILLING and a TECHNICAL member.
struct Fixture {
    app: TestApp,
    owner: String,
    account: String,
    billing: Member,
    technical: Member,
}

async fn fixture() -> Fixture {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let staff = app.staff().await;
    let vars = json!({ "a": account });
    app.gql_as(&staff, "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"120.50\", currency: \"EUR\", dueDate: \"2026-12-31\" }) { id } }", vars.clone()).await.ok();
    app.gql_as(&staff, "mutation($a: ID!) { createService(accountId: $a, input: { productName: \"Web hosting\", status: ACTIVE, recurringAmount: \"9.99\" }) { id } }", vars).await.ok();
    let billing = app
        .add_member(&owner, &account, "billing@acme.test", "BILLING", None)
        .await;
    let technical = app
        .add_member(&owner, &account, "tech@acme.test", "TECHNICAL", None)
        .await;
    Fixture {
        app,
        owner,
        account,
        billing,
        technical,
    }
}

/// The errors as `(path, code)`, in order.
fn errors(r: &Gql) -> Vec<(Value, String)> {
    r.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    let code = e["extensions"]["code"].as_str().unwrap_or("none");
                    (e["path"].clone(), code.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The response body as the server wrote it: `Gql::body` is a `serde_json::Value`,
/// whose maps forget key order.
async fn raw_body(app: &TestApp, token: &str, query: &str, variables: Value) -> String {
    reqwest::Client::new()
        .post(format!("{}/graphql", app.url))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request sent")
        .text()
        .await
        .expect("body")
}

#[tokio::test]
async fn a_forbidden_list_is_present_as_null_next_to_the_fields_that_arrive() {
    let f = fixture().await;
    let r = f
        .app
        .gql_as(
            &f.billing.token,
            "query($a: ID!) { account(id: $a) { name services { totalCount } invoices { totalCount } } }",
            json!({ "a": f.account }),
        )
        .await;
    assert_eq!(
        errors(&r),
        vec![(json!(["account", "services"]), "FORBIDDEN".to_owned())]
    );
    assert!(r.get("account").is_some_and(Value::is_object), "{}", r.body);
    assert!(r.null_at("account.services"), "{}", r.body);
    assert_eq!(r.at("account.name"), "Acme");
    assert_eq!(r.at("account.invoices.totalCount"), 1);
    // The key keeps its place in the selection order.
    let body = raw_body(
        &f.app,
        &f.billing.token,
        "query($a: ID!) { account(id: $a) { name services { totalCount } invoices { totalCount } } }",
        json!({ "a": f.account }),
    )
    .await;
    let at = |key: &str| body.find(&format!("\"{key}\":")).unwrap_or(usize::MAX);
    assert!(
        at("name") < at("services")
            && at("services") < at("invoices")
            && at("invoices") < body.len(),
        "keys out of selection order: {body}"
    );
    f.app.stop().await;
}

#[tokio::test]
async fn an_account_whose_only_field_is_forbidden_is_still_an_object() {
    let f = fixture().await;
    let r = f
        .app
        .gql_as(
            &f.billing.token,
            "query($a: ID!) { account(id: $a) { services { totalCount } } }",
            json!({ "a": f.account }),
        )
        .await;
    assert_eq!(
        errors(&r),
        vec![(json!(["account", "services"]), "FORBIDDEN".to_owned())]
    );
    assert_eq!(r.get(""), Some(&json!({ "account": { "services": null } })));
    f.app.stop().await;
}

#[tokio::test]
async fn a_technical_contact_gets_a_null_price_next_to_the_product_name() {
    let f = fixture().await;
    let r = f
        .app
        .gql_as(
            &f.technical.token,
            "query($a: ID!) { account(id: $a) { services { edges { node { productName recurringAmount } } } } }",
            json!({ "a": f.account }),
        )
        .await;
    assert_eq!(
        errors(&r),
        vec![(
            json!(["account", "services", "edges", 0, "node", "recurringAmount"]),
            "FORBIDDEN".to_owned()
        )]
    );
    assert_eq!(
        r.at("account.services.edges.0.node.productName"),
        "Web hosting"
    );
    assert!(
        r.null_at("account.services.edges.0.node.recurringAmount"),
        "{}",
        r.body
    );
    // Asked alone, the price still leaves an object with its key, through an alias and
    // a fragment.
    let r = f
        .app
        .gql_as(
            &f.technical.token,
            "query($a: ID!) { account(id: $a) { services { edges { node { ...Price } } } } }
             fragment Price on Service { price: recurringAmount }",
            json!({ "a": f.account }),
        )
        .await;
    assert_eq!(
        errors(&r),
        vec![(
            json!(["account", "services", "edges", 0, "node", "price"]),
            "FORBIDDEN".to_owned()
        )]
    );
    assert_eq!(
        r.get("account.services.edges.0.node"),
        Some(&json!({ "price": null })),
        "{}",
        r.body
    );
    f.app.stop().await;
}

#[tokio::test]
async fn a_failed_non_null_root_field_nulls_data() {
    let f = fixture().await;
    // `accounts: AccountConnection!` is staff only: its null reaches `data`, and the
    // viewer asked next to it is gone with it.
    let r = f
        .app
        .gql_as(
            &f.billing.token,
            "{ viewer { isStaff } accounts { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        errors(&r),
        vec![(json!(["accounts"]), "FORBIDDEN".to_owned())]
    );
    assert!(r.null_at(""), "data must be present and null: {}", r.body);

    // Every mutation field is non-null: a forbidden one nulls `data`.
    let r = f
        .app
        .gql_as(
            &f.billing.token,
            "mutation($a: ID!) { addContact(accountId: $a, input: { firstName: \"No\", lastName: \"Way\", role: TECHNICAL }) { id } }",
            json!({ "a": f.account }),
        )
        .await;
    assert_eq!(
        errors(&r),
        vec![(json!(["addContact"]), "FORBIDDEN".to_owned())]
    );
    assert!(r.null_at(""), "data must be present and null: {}", r.body);
    // Nothing was added (the owner and the two members).
    let r = f
        .app
        .gql_as(
            &f.owner,
            "query($a: ID!) { account(id: $a) { contacts { totalCount } } }",
            json!({ "a": f.account }),
        )
        .await
        .ok();
    assert_eq!(r.at("account.contacts.totalCount"), 3);
    f.app.stop().await;
}

#[tokio::test]
async fn another_accounts_id_answers_a_present_null_account() {
    let f = fixture().await;
    let other = f
        .app
        .register("Other Co", "owner@other.test", "other password 1")
        .await;
    let r = f
        .app
        .gql_as(
            &other,
            "query($a: ID!) { account(id: $a) { name } }",
            json!({ "a": f.account }),
        )
        .await;
    assert_eq!(
        errors(&r),
        vec![(json!(["account"]), "NOT_FOUND".to_owned())]
    );
    assert_eq!(r.get(""), Some(&json!({ "account": null })), "{}", r.body);
    f.app.stop().await;
}

#[tokio::test]
async fn a_variable_value_that_does_not_coerce_is_bad_user_input_on_its_field() {
    let f = fixture().await;
    let staff = f.app.staff().await;
    let create = "mutation($a: ID!, $i: CreateInvoiceInput!) { createInvoice(accountId: $a, input: $i) { id } }";
    // Each refused when the field runs (so with its path), not by the message it has.
    for input in [
        json!({ "total": "12x", "currency": "EUR", "dueDate": "2026-12-31" }),
        json!({ "total": 12.5, "currency": "EUR", "dueDate": "2026-12-31" }),
        json!({ "total": "12.50", "currency": "EUR", "dueDate": "31/12/2026" }),
    ] {
        let r = f
            .app
            .gql_as(&staff, create, json!({ "a": f.account, "i": input }))
            .await;
        assert_eq!(
            errors(&r),
            vec![(json!(["createInvoice"]), "BAD_USER_INPUT".to_owned())],
            "{input}"
        );
        // `createInvoice: Invoice!` is non-null: its null reaches `data`.
        assert!(r.null_at(""), "data must be present and null: {}", r.body);
    }
    // A variable of the wrong built-in type is refused before anything runs.
    let r = f
        .app
        .gql_as(
            &f.owner,
            "query($a: ID!, $n: Int) { account(id: $a) { contacts(first: $n) { totalCount } } }",
            json!({ "a": f.account, "n": "x" }),
        )
        .await;
    // (The complexity check, which weighs `contacts` by `first`, reports the same
    // variable once more, at the argument.)
    let found = errors(&r);
    assert!(!found.is_empty(), "{}", r.body);
    assert!(
        found
            .iter()
            .all(|e| *e == (Value::Null, "BAD_USER_INPUT".to_owned())),
        "{}",
        r.body
    );
    assert!(r.body.get("data").is_none(), "{}", r.body);
    assert!(r.body.to_string().contains(r#"found \"x\""#), "{}", r.body);
    f.app.stop().await;
}
