//! The dashboard query (`examples/dashboard.graphql`, the one `just bench` measures)
//! costs a fixed, small number of SQL statements, however many rows it shows.

use clientele_tests::TestApp;
use clientele_tests::fixtures::{ADD, Portal};
use serde_json::json;

const DASHBOARD: &str = include_str!("../../examples/dashboard.graphql");
const MOST: u64 = 6;

/// An account with `contacts` contacts (the owner's card included), three invoices and
/// three services; returns the owner's token and the account id.
async fn account_with(app: &TestApp, contacts: usize) -> (String, String) {
    let Portal { owner, account, .. } = Portal::acme(app).await;
    let mut billing = app
        .gql_as(
            &owner,
            "query($a: ID!) { account(id: $a) { owner { id } } }",
            json!({"a": account}),
        )
        .await
        .at("account.owner.id")
        .clone();
    for i in 1..contacts {
        billing = app.gql_as(
            &owner,
            ADD,
            json!({"a": account, "i": {"firstName": format!("C{i}"), "lastName": "Contact", "email": format!("c{i}@acme.test"), "role": "BILLING"}}),
        )
        .await
        .at("addContact.id")
        .clone();
    }
    // The dashboard shows a billing contact too: the last one added (or the owner).
    app.gql_as(
        &owner,
        "mutation($a: ID!, $c: ID!) { setBillingContact(accountId: $a, contactId: $c) { id } }",
        json!({"a": account, "c": billing}),
    )
    .await
    .at("setBillingContact.id");
    let staff = app.staff().await;
    for _ in 0..3 {
        app.gql_as(&staff, "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"120.50\", currency: \"EUR\", dueDate: \"2026-12-31\" }) { id } }", json!({"a": account})).await.at("createInvoice.id");
        app.gql_as(&staff, "mutation($a: ID!) { createService(accountId: $a, input: { productName: \"Web hosting\", recurringAmount: \"9.99\", status: ACTIVE }) { id } }", json!({"a": account})).await.at("createService.id");
    }
    (owner, account)
}

/// The statements one dashboard request runs (after a first one, so nothing is
/// counted that only a first request does). The counter is the whole server's, and
/// background work (the mail outbox, the live feed's reader) may add to it while a
/// request runs; that can only add, so the fewest over a few requests is the request's.
async fn dashboard_statements(app: &TestApp, owner: &str, account: &str, contacts: usize) -> u64 {
    let run = || async {
        let answer = app
            .gql_as(owner, DASHBOARD, json!({"account": account}))
            .await;
        assert!(answer.body.get("errors").is_none(), "{}", answer.body);
        assert_eq!(
            answer.at("account.contacts.totalCount"),
            &json!(contacts),
            "{}",
            answer.body
        );
        assert!(answer.at("account.billingContact.id").is_string());
        assert!(answer.at("account.owner.id").is_string());
    };
    run().await;
    let mut fewest = u64::MAX;
    for _ in 0..5 {
        let before = app.server.domain.sql_statements();
        run().await;
        fewest = fewest.min(app.server.domain.sql_statements() - before);
    }
    fewest
}

#[tokio::test]
async fn the_dashboard_costs_the_same_few_statements_for_1_and_for_200_contacts() {
    let mut counts = Vec::new();
    for contacts in [1, 200] {
        let app = TestApp::start().await;
        let (owner, account) = account_with(&app, contacts).await;
        counts.push(dashboard_statements(&app, &owner, &account, contacts).await);
        app.stop().await;
    }
    assert_eq!(counts[0], counts[1], "1 contact vs 200: {counts:?}");
    assert!(
        counts[0] <= MOST,
        "{} statements (at most {MOST})",
        counts[0]
    );
}
