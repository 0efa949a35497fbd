//! What one request may ask before anything runs (SPEC "Abuse limits"): at most one
//! `@onePerRequest` mutation (each checks a credential, or costs a hash or an email), a
//! bounded number of aliases and root fields. Each refusal is BAD_USER_INPUT with no `data` at all: nothing ran, no password was hashed.

use clientele_tests::fixtures::{OWNER_PASSWORD, Portal};
use clientele_tests::{Gql, TestApp};
use serde_json::json;

/// A refusal before execution: an error with the code, and no `data` key.
fn refused(r: &Gql, why: &str) {
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    assert!(
        r.error_message().unwrap_or_default().contains(why),
        "{}",
        r.body
    );
    assert!(r.body.get("data").is_none(), "nothing ran: {}", r.body);
}

/// `n` aliased logins for `email`, the last with the right password.
fn guesses(n: usize, email: &str) -> String {
    let fields: Vec<String> = (0..n)
        .map(|i| {
            let password = if i + 1 == n {
                OWNER_PASSWORD.to_owned()
            } else {
                format!("guess {i}")
            };
            format!(r#"g{i}: login(email: "{email}", password: "{password}") {{ token }}"#)
        })
        .collect();
    format!("mutation {{ {} }}", fields.join(" "))
}

#[tokio::test]
async fn one_request_checks_one_password_at_most() {
    let app = TestApp::start().await;
    app.register("Acme", "owner@acme.test", OWNER_PASSWORD)
        .await;

    // The attack: many guesses under aliases, the right one among them.
    for n in [2, 10, 20] {
        let r = app.gql(&guesses(n, "owner@acme.test"), json!({})).await;
        refused(&r, "at most one @onePerRequest mutation");
        assert!(!r.body.to_string().contains("token\""), "{}", r.body);
    }
    // The same through fragments, and two different credential mutations.
    let r = app
        .gql(
            &format!(
                r#"mutation {{ ...A ...A }} fragment A on Mutation {{ login(email: "owner@acme.test", password: "{OWNER_PASSWORD}") {{ token }} }}"#
            ),
            json!({}),
        )
        .await;
    refused(&r, "at most one @onePerRequest mutation");
    let r = app
        .gql(
            &format!(
                r#"mutation {{ a: login(email: "owner@acme.test", password: "{OWNER_PASSWORD}") {{ token }} b: requestPasswordReset(email: "owner@acme.test") }}"#
            ),
            json!({}),
        )
        .await;
    refused(&r, "at most one @onePerRequest mutation");
    assert!(
        app.mails_to("owner@acme.test")
            .await
            .iter()
            .all(|m| !m.contains("reset"))
    );

    // One login, aliased or not, works.
    let r = app.gql(&guesses(1, "owner@acme.test"), json!({})).await;
    assert!(r.str("g0.token").len() > 10, "{}", r.body);
}

#[tokio::test]
async fn aliases_and_root_fields_are_bounded_and_fragments_cannot_multiply_them() {
    let app = TestApp::start_with(|c| {
        c.limits.aliases = 5;
        c.limits.root_fields = 4;
    })
    .await;
    let aliased = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: __typename")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    // Four aliases are four root fields: both within bounds.
    let r = app.gql(&aliased(4), json!({})).await;
    assert_eq!(r.at("a3"), "Query", "{}", r.body);
    let r = app.gql(&aliased(5), json!({})).await;
    refused(&r, "at most 4 root fields");
    let r = app.gql(&aliased(6), json!({})).await;
    refused(&r, "at most 5 aliases");
    // Aliases anywhere count, not only at the root.
    let r = app
        .gql(
            "{ viewer { a: __typename b: __typename c: __typename d: __typename e: __typename f: __typename } }",
            json!({}),
        )
        .await;
    refused(&r, "at most 5 aliases");
    // A fragment spread again and again counts each time.
    let r = app
        .gql(
            "{ ...F ...F ...F } fragment F on Query { __typename viewer { __typename } }",
            json!({}),
        )
        .await;
    refused(&r, "at most 4 root fields");
    // Fragments spreading fragments twice over, forty deep (2^40 expansions if
    // followed): refused at once, not expanded.
    let mut document = String::from("{ ...F0 }");
    for i in 0..40 {
        document.push_str(&format!(
            " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    document.push_str(" fragment F40 on Query { __typename }");
    let r = app.gql(&document, json!({})).await;
    refused(&r, "root fields");
    // And the server is fine.
    let r = app.gql("{ __typename }", json!({})).await;
    assert_eq!(r.at("__typename"), "Query");
}

#[tokio::test]
async fn a_connection_weighs_its_selection_once_per_item_it_may_return() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let query = |first: u32| {
        format!(
            "query($a: ID!) {{ account(id: $a) {{
              contacts(first: {first}) {{ nodes {{ id firstName lastName email phone role permissions portalAccess isPrimary createdAt updatedAt }} }}
              invoices(first: {first}) {{ nodes {{ id number status total currency dueDate }} }}
              services(first: {first}) {{ nodes {{ id productName status recurringAmount }} }} }} }}"
        )
    };
    // A hundred of each: (12 + 7 + 5) × 100 is over the complexity limit of 2,000...
    let r = app.gql_as(&owner, &query(100), json!({"a": account})).await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    assert!(
        r.error_message()
            .unwrap_or_default()
            .contains("too complex"),
        "{}",
        r.body
    );
    assert!(r.body.get("data").is_none(), "{}", r.body);
    // ...fifty of each is within it, and so is the same selection without `first`
    // (the default page of 20).
    let r = app.gql_as(&owner, &query(50), json!({"a": account})).await;
    assert_eq!(
        r.at("account.contacts.nodes").as_array().unwrap().len(),
        1,
        "{}",
        r.body
    );
    let r = app
        .gql_as(
            &owner,
            &query(100).replace("(first: 100)", ""),
            json!({"a": account}),
        )
        .await;
    assert!(r.body.get("errors").is_none(), "{}", r.body);
}

/// The address the audit log recorded for the newest entry of the owner's account,
/// after the owner adds a contact sending `headers`.
async fn recorded_address(app: &TestApp, headers: &[(&str, &str)]) -> String {
    let Portal { owner, account, .. } = Portal::acme(app).await;
    let bearer = format!("Bearer {owner}");
    let mut with_token = vec![("authorization", bearer.as_str())];
    with_token.extend_from_slice(headers);
    app.gql_with_headers(
        &with_token,
        "mutation($a: ID!) { addContact(accountId: $a, input: {firstName: \"Ada\", lastName: \"L\", role: BILLING}) { id } }",
        json!({"a": account}),
    )
    .await
    .ok();
    let r = app
        .gql_as(
            &owner,
            "query($a: ID!) { account(id: $a) { auditLog(first: 1) { nodes { action ipAddress } } } }",
            json!({"a": account}),
        )
        .await;
    assert_eq!(
        r.at("account.auditLog.nodes.0.action"),
        "contact.add",
        "{}",
        r.body
    );
    r.str("account.auditLog.nodes.0.ipAddress").to_owned()
}

#[tokio::test]
async fn forwarding_headers_name_the_client_only_from_a_trusted_proxy() {
    let forwarded = [("x-forwarded-for", "198.51.100.1, 203.0.113.7")];
    // Nobody is trusted by default: the header is the client's own claim.
    let app = TestApp::start().await;
    assert_eq!(recorded_address(&app, &forwarded).await, "127.0.0.1");
    app.stop().await;

    // Behind a trusted proxy (the test client connects from 127.0.0.1), the proxy's
    // last hop is the client; what stands left of it is not believed.
    let app = TestApp::start_with(|c| {
        c.http.trusted_proxies = clientele::config::TrustedProxies::parse("127.0.0.0/8").unwrap();
    })
    .await;
    assert_eq!(recorded_address(&app, &forwarded).await, "203.0.113.7");
    app.stop().await;

    // RFC 7239 `Forwarded` only from proxies said to write it (TRUSTED_PROXY_HEADER):
    // otherwise it is the client's own claim, as it passes through a proxy that
    // appends to X-Forwarded-For.
    let rfc7239 = [("forwarded", "for=\"[2001:db8::7]:4711\";proto=https")];
    let app = TestApp::start_with(|c| {
        c.http.trusted_proxies = clientele::config::TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    assert_eq!(recorded_address(&app, &rfc7239).await, "127.0.0.1");
    app.stop().await;
    let app = TestApp::start_with(|c| {
        c.http.trusted_proxies = clientele::config::TrustedProxies::parse("127.0.0.1")
            .unwrap()
            .reading(clientele::config::ProxyHeader::Forwarded);
    })
    .await;
    assert_eq!(recorded_address(&app, &rfc7239).await, "2001:db8::7");
    app.stop().await;
}

#[tokio::test]
async fn a_request_out_of_time_is_stopped_with_a_coded_error_and_keeps_nothing() {
    use sea_orm::{ConnectionTrait, TransactionTrait};

    let app =
        TestApp::start_with(|c| c.limits.request_time = std::time::Duration::from_millis(300))
            .await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let state =
        "query($a: ID!) { account(id: $a) { contacts { totalCount } auditLog { totalCount } } }";
    let before = app.gql_as(&owner, state, json!({"a": account})).await;

    // Another connection holds the account's row (on SQLite, the database's write
    // lock): the change waits for it, inside its transaction, past its time.
    let other = sea_orm::Database::connect(app.config.database.url.expose())
        .await
        .expect("a second connection");
    let holder = other.begin().await.expect("a transaction");
    holder
        .execute_unprepared(&format!(
            "UPDATE accounts SET name = name WHERE id = {account}"
        ))
        .await
        .expect("the account row locked");
    let add = "mutation($a: ID!) { addContact(accountId: $a, input: {firstName: \"Ada\", lastName: \"L\", role: BILLING}) { id } }";
    let r = app.gql_as(&owner, add, json!({"a": account})).await;
    holder.rollback().await.expect("released");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.error_code(), Some("INTERNAL_SERVER_ERROR"), "{}", r.body);
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"], "TIMEOUT",
        "{}",
        r.body
    );
    assert!(
        r.null_at(""),
        "execution had begun: data is null: {}",
        r.body
    );

    // The same mutation over a WebSocket has the same time.
    let mut socket = app.socket(Some(&owner)).await;
    let holder = other.begin().await.expect("a transaction");
    holder
        .execute_unprepared(&format!(
            "UPDATE accounts SET name = name WHERE id = {account}"
        ))
        .await
        .expect("the account row locked");
    socket.subscribe("slow", add, json!({"a": account})).await;
    let message = match socket.next(std::time::Duration::from_secs(5)).await {
        clientele_tests::ws::Incoming::Message(message) => message,
        other => panic!("no answer: {other:?}"),
    };
    holder.rollback().await.expect("released");
    assert_eq!(message["id"], "slow", "{message}");
    let error = &message["payload"]
        .as_array()
        .or_else(|| message["payload"]["errors"].as_array())
        .unwrap_or_else(|| panic!("errors in {message}"))[0];
    assert_eq!(
        error["extensions"]["code"], "INTERNAL_SERVER_ERROR",
        "{message}"
    );
    assert_eq!(error["extensions"]["reason"], "TIMEOUT", "{message}");

    // Nothing of either was kept (no contact, no audit entry), and the next request
    // works.
    let after = app.gql_as(&owner, state, json!({"a": account})).await;
    assert_eq!(after.at("account"), before.at("account"));
    app.gql_as(&owner, add, json!({"a": account})).await.ok();
    app.stop().await;
}
