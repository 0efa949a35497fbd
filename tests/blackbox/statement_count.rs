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

/// What a technical contact's page asks: the services, domains and tickets they see.
const TECHNICAL_PAGE: &str = "query($a: ID!) { account(id: $a) {
  services { totalCount nodes { id productName status } }
  domains { totalCount nodes { id name } }
  tickets { totalCount nodes { id subject } } } }";

/// The fewest statements `query` costs `token` over a few runs (after a first one), and
/// its last answer.
async fn statements_of(app: &TestApp, token: &str, account: &str) -> (u64, clientele_tests::Gql) {
    let vars = json!({ "a": account });
    app.gql_as(token, TECHNICAL_PAGE, vars.clone()).await.ok();
    let mut fewest = u64::MAX;
    let mut last = None;
    for _ in 0..5 {
        let before = app.server.domain.sql_statements();
        let answer = app.gql_as(token, TECHNICAL_PAGE, vars.clone()).await.ok();
        fewest = fewest.min(app.server.domain.sql_statements() - before);
        last = Some(answer);
    }
    (fewest, last.expect("ran"))
}

/// SPEC "Scoped access": the scope is applied in the queries that read the rows, with
/// what the one door read already (the member's contact): a scoped member's page costs
/// what an unscoped one's does.
#[tokio::test]
async fn a_scope_costs_no_statement_of_its_own() {
    let app = TestApp::start().await;
    let (owner, account) = account_with(&app, 1).await;
    let services = app
        .gql_as(
            &owner,
            "query($a: ID!) { account(id: $a) { services { nodes { id } } } }",
            json!({ "a": account }),
        )
        .await
        .ok();
    let first = services.str("account.services.nodes.0.id").to_owned();
    let whole = app
        .add_member(&owner, &account, "tech@acme.test", "TECHNICAL", None)
        .await;
    app.gql_as(
        &owner,
        ADD,
        json!({ "a": account, "i": {
            "firstName": "Fran", "lastName": "Lancer", "email": "scoped@acme.test", "role": "TECHNICAL",
            "portalAccess": true, "password": clientele_tests::MEMBER_PASSWORD,
            "scope": { "serviceIds": [first], "domainIds": [] },
        }}),
    )
    .await
    .ok();
    let scoped = app
        .login("scoped@acme.test", clientele_tests::MEMBER_PASSWORD)
        .await
        .unwrap();
    let (unscoped_count, unscoped_page) = statements_of(&app, &whole.token, &account).await;
    let (scoped_count, scoped_page) = statements_of(&app, &scoped, &account).await;
    assert_eq!(unscoped_page.at("account.services.totalCount"), &json!(3));
    assert_eq!(scoped_page.at("account.services.totalCount"), &json!(1));
    assert_eq!(scoped_count, unscoped_count, "scoped vs whole account");
    app.stop().await;
}

/// SPEC "API tokens": a token-authenticated dashboard costs no more statements than a
/// session's: the token is found as a session is, and narrowed by the door that reads
/// the member's standing anyway.
#[tokio::test]
async fn a_token_costs_no_more_statements_than_a_session() {
    let app = TestApp::start().await;
    let (owner, account) = account_with(&app, 3).await;
    let token = app
        .gql_as(
            &owner,
            "mutation($a: ID!, $p: String!, $perms: [Permission!]!) { createApiToken(accountId: $a, input: { name: \"dashboard\", permissions: $perms }, currentPassword: $p) { token } }",
            json!({ "a": account, "p": clientele_tests::fixtures::OWNER_PASSWORD, "perms": clientele_tests::fixtures::ALL_PERMISSIONS }),
        )
        .await
        .ok()
        .str("createApiToken.token")
        .to_owned();
    let by_session = dashboard_statements(&app, &owner, &account, 3).await;
    let by_token = dashboard_statements(&app, &token, &account, 3).await;
    assert!(
        by_token <= by_session,
        "a token's dashboard: {by_token} statements, a session's: {by_session}"
    );
    app.stop().await;
}
