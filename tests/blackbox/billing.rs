use clientele_tests::TestApp;
use clientele_tests::fixtures::Portal;
use serde_json::json;

const ACCOUNT_VIEW: &str = "query($id: ID!) { account(id: $id) {
  name
  invoices { totalCount edges { node { number status total currency dueDate pdfUrl } } }
  services { totalCount edges { node { productName status username password recurringAmount } } }
  domains { totalCount edges { node { name expiresAt } } }
  tickets { totalCount }
} }";

/// An account with an invoice, a service and a domain recorded by staff.
async fn billed_account(app: &TestApp) -> (String, String, String) {
    let Portal { owner, account, .. } = Portal::acme(app).await;
    let staff = app.staff().await;
    app.gql_as(&staff, "mutation($a: ID!) { createInvoice(accountId: $a, input: {total: \"120.50\", currency: \"eur\", dueDate: \"2026-12-31\"}) { id number } }", json!({"a": account})).await.ok();
    app.gql_as(&staff, "mutation($a: ID!) { createService(accountId: $a, input: {productName: \"Web hosting\", status: ACTIVE, username: \"acme\", password: \"s3cret\", recurringAmount: \"9.99\"}) { id } }", json!({"a": account})).await.ok();
    app.gql_as(&staff, "mutation($a: ID!) { createDomain(accountId: $a, input: {name: \"Acme.TEST\", expiresAt: \"2027-01-01\"}) { id } }", json!({"a": account})).await.ok();
    (owner, account, staff)
}

fn error_paths(body: &serde_json::Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    let path: Vec<String> = e["path"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p.to_string().trim_matches('"').to_owned())
                        .collect();
                    (
                        path.join("."),
                        e["extensions"]["code"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_billing_contact_sees_invoices_with_amounts_and_no_services_or_tickets() {
    let app = TestApp::start().await;
    let (owner, account, _) = billed_account(&app).await;
    let billing = app
        .add_member(&owner, &account, "bill@acme.test", "BILLING", None)
        .await;

    let r = app
        .gql_as(&billing.token, ACCOUNT_VIEW, json!({"id": account}))
        .await;
    assert_eq!(r.str("account.name"), "Acme");
    let invoice = r.at("account.invoices.edges.0.node");
    assert_eq!(invoice["number"], "INV-000001");
    assert_eq!(invoice["status"], "UNPAID");
    assert_eq!(invoice["total"], "120.50");
    assert_eq!(invoice["currency"], "EUR");
    assert_eq!(invoice["dueDate"], "2026-12-31");
    assert!(invoice["pdfUrl"].as_str().unwrap().ends_with("/pdf"));
    for list in ["services", "domains", "tickets"] {
        // Present as null, not left out (SPEC "Protocols").
        assert!(r.null_at(&format!("account.{list}")), "{list}: {}", r.body);
    }
    let mut errors = error_paths(&r.body);
    errors.sort();
    assert_eq!(
        errors,
        vec![
            ("account.domains".to_owned(), "FORBIDDEN".to_owned()),
            ("account.services".to_owned(), "FORBIDDEN".to_owned()),
            ("account.tickets".to_owned(), "FORBIDDEN".to_owned()),
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_technical_contact_sees_services_and_passwords_but_no_prices_or_invoices() {
    let app = TestApp::start().await;
    let (owner, account, _) = billed_account(&app).await;
    let tech = app
        .add_member(&owner, &account, "tech@acme.test", "TECHNICAL", None)
        .await;

    let r = app
        .gql_as(&tech.token, ACCOUNT_VIEW, json!({"id": account}))
        .await;
    assert!(r.null_at("account.invoices"), "{}", r.body);
    let service = r.at("account.services.edges.0.node");
    assert_eq!(service["productName"], "Web hosting");
    assert_eq!(service["status"], "ACTIVE");
    assert_eq!(service["username"], "acme");
    assert_eq!(service["password"], "s3cret");
    assert!(
        r.null_at("account.services.edges.0.node.recurringAmount"),
        "{}",
        r.body
    );
    assert_eq!(r.at("account.domains.edges.0.node.name"), "acme.test");
    assert_eq!(r.at("account.tickets.totalCount"), 0);
    let mut errors = error_paths(&r.body);
    errors.sort();
    assert_eq!(
        errors,
        vec![
            ("account.invoices".to_owned(), "FORBIDDEN".to_owned()),
            (
                "account.services.edges.0.node.recurringAmount".to_owned(),
                "FORBIDDEN".to_owned()
            ),
        ]
    );

    // The owner sees the price.
    let r = app
        .gql_as(&owner, ACCOUNT_VIEW, json!({"id": account}))
        .await
        .ok();
    assert_eq!(
        r.at("account.services.edges.0.node.recurringAmount"),
        "9.99"
    );
    app.stop().await;
}

#[tokio::test]
async fn paying_an_invoice_records_it_once() {
    let app = TestApp::start().await;
    let (owner, account, _) = billed_account(&app).await;
    let billing = app
        .add_member(&owner, &account, "bill@acme.test", "BILLING", None)
        .await;
    let list = app
        .gql_as(
            &owner,
            "query($id: ID!) { account(id: $id) { invoices { edges { node { id } } } } }",
            json!({"id": account}),
        )
        .await
        .ok();
    let invoice = list.str("account.invoices.edges.0.node.id").to_owned();
    let pay = "mutation($id: ID!) { payInvoice(id: $id) { id status total } }";

    let tech = app
        .add_member(&owner, &account, "tech@acme.test", "TECHNICAL", None)
        .await;
    app.gql_as(&tech.token, pay, json!({"id": invoice}))
        .await
        .expect_code("FORBIDDEN");

    let (a, b) = tokio::join!(
        app.gql_as(&billing.token, pay, json!({"id": invoice})),
        app.gql_as(&owner, pay, json!({"id": invoice})),
    );
    let paid: Vec<_> = [&a, &b]
        .into_iter()
        .filter(|r| r.error_code().is_none())
        .collect();
    assert_eq!(paid.len(), 1, "{} / {}", a.body, b.body);
    assert_eq!(paid[0].str("payInvoice.status"), "PAID");
    let other = if a.error_code().is_some() { &a } else { &b };
    other.expect_code("CONFLICT");

    let log = app.gql_as(&owner, "query($id: ID!) { account(id: $id) { auditLog { edges { node { action actorEmail targetId } } } } }", json!({"id": account})).await.ok();
    let pays: Vec<_> = log
        .at("account.auditLog.edges")
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["action"] == "invoice.pay")
        .collect();
    assert_eq!(pays.len(), 1);
    assert_eq!(pays[0]["node"]["targetId"], invoice);
    app.stop().await;
}

#[tokio::test]
async fn staff_mutations_validate_their_input() {
    let app = TestApp::start().await;
    let (owner, account, staff) = billed_account(&app).await;
    let create = "mutation($a: ID!, $i: CreateInvoiceInput!) { createInvoice(accountId: $a, input: $i) { id } }";
    for (input, field) in [
        (
            json!({"total": "-1", "currency": "EUR", "dueDate": "2026-12-31"}),
            Some("total"),
        ),
        (
            json!({"total": "1", "currency": "EURO", "dueDate": "2026-12-31"}),
            Some("currency"),
        ),
        (
            json!({"total": "1", "currency": "EUR", "dueDate": "31/12/2026"}),
            None,
        ),
        (
            json!({"total": "lots", "currency": "EUR", "dueDate": "2026-12-31"}),
            None,
        ),
    ] {
        let r = app
            .gql_as(&staff, create, json!({"a": account, "i": input}))
            .await;
        r.expect_code("BAD_USER_INPUT");
        if let Some(field) = field {
            assert_eq!(r.body["errors"][0]["extensions"]["field"], field);
        }
    }
    // A number already used is a conflict.
    app.gql_as(&staff, create, json!({"a": account, "i": {"number": "A-1", "total": "1", "currency": "EUR", "dueDate": "2026-12-31"}})).await.ok();
    app.gql_as(&staff, create, json!({"a": account, "i": {"number": "A-1", "total": "1", "currency": "EUR", "dueDate": "2026-12-31"}})).await.expect_code("CONFLICT");
    // Members cannot issue invoices, even to their own account.
    app.gql_as(
        &owner,
        create,
        json!({"a": account, "i": {"total": "1", "currency": "EUR", "dueDate": "2026-12-31"}}),
    )
    .await
    .expect_code("FORBIDDEN");
    // An account that does not exist.
    app.gql_as(
        &staff,
        create,
        json!({"a": "424242", "i": {"total": "1", "currency": "EUR", "dueDate": "2026-12-31"}}),
    )
    .await
    .expect_code("NOT_FOUND");
    let r = app
        .gql_as(
            &owner,
            "query($id: ID!) { account(id: $id) { invoices { totalCount } } }",
            json!({"id": account}),
        )
        .await
        .ok();
    assert_eq!(r.at("account.invoices.totalCount"), 2);
    app.stop().await;
}

#[tokio::test]
async fn lists_are_relay_connections_with_total_counts() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let staff = app.staff().await;
    for i in 0..5 {
        app.gql_as(&staff, "mutation($a: ID!, $n: String!) { createDomain(accountId: $a, input: {name: $n, expiresAt: \"2027-01-01\"}) { id } }", json!({"a": account, "n": format!("site{i}.test")})).await.ok();
    }
    let page = "query($id: ID!, $after: String) { account(id: $id) { domains(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name } } } } }";
    let mut names = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let r = app
            .gql_as(&owner, page, json!({"id": account, "after": after}))
            .await
            .ok();
        assert_eq!(r.at("account.domains.totalCount"), 5);
        for edge in r.at("account.domains.edges").as_array().unwrap() {
            names.push(edge["node"]["name"].as_str().unwrap().to_owned());
        }
        if r.at("account.domains.pageInfo.hasNextPage") != &json!(true) {
            after = r.at("account.domains.pageInfo.endCursor").clone();
            break;
        }
        after = r.at("account.domains.pageInfo.endCursor").clone();
    }
    // Past the last item: an empty page still knows the list's total (no row carries
    // it there), and a list with nothing at all counts zero.
    let past = app
        .gql_as(&owner, page, json!({"id": account, "after": after}))
        .await
        .ok();
    assert_eq!(past.at("account.domains.edges"), &json!([]));
    assert_eq!(past.at("account.domains.totalCount"), 5);
    let empty = app
        .gql_as(
            &owner,
            "query($id: ID!) { account(id: $id) { tickets { totalCount edges { cursor } } } }",
            json!({"id": account}),
        )
        .await
        .ok();
    assert_eq!(empty.at("account.tickets.totalCount"), 0);
    assert_eq!(
        names,
        [
            "site0.test",
            "site1.test",
            "site2.test",
            "site3.test",
            "site4.test"
        ]
    );
    app.gql_as(
        &owner,
        "query($id: ID!) { account(id: $id) { domains(first: 1000) { totalCount } } }",
        json!({"id": account}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql_as(
        &owner,
        "query($id: ID!) { account(id: $id) { domains(after: \"garbage\") { totalCount } } }",
        json!({"id": account}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.stop().await;
}

/// `pageInfo` tells both ways: forwards, `hasPreviousPage` once past a cursor;
/// backwards (`last`, `before: startCursor`) pages come in the list's own order, down
/// to the start. An audit log (newest first) pages back the same way.
#[tokio::test]
async fn lists_page_backwards_and_page_info_says_so() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let staff = app.staff().await;
    for i in 0..5 {
        app.gql_as(&staff, "mutation($a: ID!, $n: String!) { createDomain(accountId: $a, input: {name: $n, expiresAt: \"2027-01-01\"}) { id } }", json!({"a": account, "n": format!("site{i}.test")})).await.ok();
    }
    let page = "query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { account(id: $id) {
      domains(first: $first, after: $after, last: $last, before: $before) {
        totalCount pageInfo { hasPreviousPage hasNextPage startCursor endCursor } nodes { name } } } }";
    let ask = |vars: serde_json::Value| {
        let mut vars = vars;
        vars["id"] = json!(account);
        app.gql_as(&owner, page, vars)
    };
    let names = |r: &clientele_tests::Gql| -> Vec<String> {
        r.at("account.domains.nodes")
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let info = |r: &clientele_tests::Gql, key: &str| {
        r.at(&format!("account.domains.pageInfo.{key}")).clone()
    };
    let first = ask(json!({ "first": 2 })).await.ok();
    assert_eq!(names(&first), ["site0.test", "site1.test"]);
    assert_eq!(info(&first, "hasPreviousPage"), json!(false));
    assert_eq!(info(&first, "hasNextPage"), json!(true));
    let second = ask(json!({ "first": 2, "after": info(&first, "endCursor") }))
        .await
        .ok();
    assert_eq!(names(&second), ["site2.test", "site3.test"]);
    assert_eq!(info(&second, "hasPreviousPage"), json!(true));

    let end = ask(json!({ "last": 2 })).await.ok();
    assert_eq!(names(&end), ["site3.test", "site4.test"]);
    assert_eq!(info(&end, "hasPreviousPage"), json!(true));
    assert_eq!(info(&end, "hasNextPage"), json!(false));
    let before = ask(json!({ "last": 2, "before": info(&end, "startCursor") }))
        .await
        .ok();
    assert_eq!(names(&before), ["site1.test", "site2.test"]);
    assert_eq!(info(&before, "hasNextPage"), json!(true));
    let start = ask(json!({ "last": 2, "before": info(&before, "startCursor") }))
        .await
        .ok();
    assert_eq!(names(&start), ["site0.test"]);
    assert_eq!(info(&start, "hasPreviousPage"), json!(false));
    assert_eq!(start.at("account.domains.totalCount"), 5);

    let both = ask(json!({ "first": 2, "last": 2 })).await;
    both.expect_code("BAD_USER_INPUT");
    assert_eq!(both.body["errors"][0]["extensions"]["field"], "last");
    ask(json!({ "last": 1000 }))
        .await
        .expect_code("BAD_USER_INPUT");
    ask(json!({ "last": 1, "before": "garbage" }))
        .await
        .expect_code("BAD_USER_INPUT");

    // Newest first: `last` is the oldest entries, `before` walks towards the newest.
    let log =
        "query($id: ID!, $before: String) { account(id: $id) { auditLog(last: 2, before: $before) {
      pageInfo { hasPreviousPage startCursor } nodes { id } } } }";
    let oldest = app.gql_as(&owner, log, json!({ "id": account })).await.ok();
    let ids: Vec<i64> = oldest
        .at("account.auditLog.nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] > ids[1], "newest first within the page: {ids:?}");
    let newer = app
        .gql_as(
            &owner,
            log,
            json!({ "id": account, "before": oldest.at("account.auditLog.pageInfo.startCursor") }),
        )
        .await
        .ok();
    let newer_ids: Vec<i64> = newer
        .at("account.auditLog.nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        newer_ids.iter().all(|id| *id > ids[0]),
        "{newer_ids:?} after {ids:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn invoices_download_as_pdf_addressed_to_the_billing_contact() {
    let app = TestApp::start().await;
    let (owner, account, _) = billed_account(&app).await;
    let r = app.gql_as(&owner, "mutation($a: ID!) { addContact(accountId: $a, input: {firstName: \"Ada\", lastName: \"Books\", role: BILLING, address: {line1: \"1 High St\", city: \"Leeds\", postalCode: \"LS1\", country: \"GB\"}}) { id } }", json!({"a": account})).await.ok();
    let ada = r.str("addContact.id").to_owned();
    app.gql_as(
        &owner,
        "mutation($id: ID) { setBillingContact(contactId: $id) { id } }",
        json!({"id": ada}),
    )
    .await
    .ok();
    let r = app
        .gql_as(
            &owner,
            "query($id: ID!) { account(id: $id) { invoices { edges { node { id pdfUrl } } } } }",
            json!({"id": account}),
        )
        .await
        .ok();
    let invoice = r.str("account.invoices.edges.0.node.id").to_owned();
    let path = format!("/invoices/{invoice}/pdf");
    assert_eq!(
        r.str("account.invoices.edges.0.node.pdfUrl"),
        format!("{}{path}", app.config.http.public_url)
    );

    let client = reqwest::Client::new();
    let get = |token: Option<String>, cookie: Option<String>| {
        let mut request = client.get(format!("{}{path}", app.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let response = get(Some(owner.clone()), None).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.starts_with("%PDF-"));
    for expected in [
        "Invoice INV-000001",
        "Total: 120.50 EUR",
        "Bill to: Ada Books",
        "1 High St",
        "LS1 Leeds",
    ] {
        assert!(text.contains(expected), "{expected} missing from the PDF");
    }
    // Browsers use the cookie.
    let response = get(None, Some(format!("clientele_session={owner}")))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let tech = app
        .add_member(&owner, &account, "tech@acme.test", "TECHNICAL", None)
        .await;
    assert_eq!(
        get(Some(tech.token), None).await.unwrap().status().as_u16(),
        403
    );
    let stranger = app
        .register("Other", "o@other.test", "other password")
        .await;
    assert_eq!(
        get(Some(stranger), None).await.unwrap().status().as_u16(),
        404
    );
    assert_eq!(get(None, None).await.unwrap().status().as_u16(), 401);
    assert_eq!(
        get(Some("dead-token".into()), None)
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    app.stop().await;
}
