use clientele_tests::TestApp;
use serde_json::json;

const SWITCH: &str = "mutation($id: ID!) { switchAccount(accountId: $id) { currentAccount { id name } permissions } }";

#[tokio::test]
async fn a_user_with_several_accounts_picks_one_at_login_and_can_switch() {
    let app = TestApp::start().await;
    let token = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    let r = app
        .gql_as(
            &token,
            "mutation { createAccount(name: \"Side Project\") { id name owner { email role } } }",
            json!({}),
        )
        .await
        .ok();
    let side_id = r.str("createAccount.id").to_owned();
    assert_eq!(r.str("createAccount.owner.email"), "ann@example.com");
    assert_eq!(r.str("createAccount.owner.role"), "OWNER");

    // With two accounts, a new login is placed in none of them.
    let fresh = app
        .login("ann@example.com", "correct horse battery")
        .await
        .unwrap();
    let v = app.gql_as(&fresh, "{ viewer { currentAccount { id } permissions memberships { account { name } role } } }", json!({})).await.ok();
    assert!(v.null_at("viewer.currentAccount"), "{}", v.body);
    assert_eq!(v.at("viewer.permissions"), &json!([]));
    assert_eq!(
        v.at("viewer.memberships"),
        &json!([
            {"account": {"name": "Acme"}, "role": "OWNER"},
            {"account": {"name": "Side Project"}, "role": "OWNER"},
        ])
    );

    let s = app
        .gql_as(&fresh, SWITCH, json!({"id": side_id}))
        .await
        .ok();
    assert_eq!(s.str("switchAccount.currentAccount.name"), "Side Project");
    assert_eq!(
        s.at("switchAccount.permissions").as_array().unwrap().len(),
        12
    );
    // The choice sticks to the session.
    let v = app
        .gql_as(&fresh, "{ viewer { currentAccount { name } } }", json!({}))
        .await
        .ok();
    assert_eq!(v.str("viewer.currentAccount.name"), "Side Project");
    app.stop().await;
}

#[tokio::test]
async fn another_accounts_id_is_not_found_and_reveals_nothing() {
    let app = TestApp::start().await;
    let ann = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    let bob = app
        .register("Bobco", "bob@example.com", "correct horse battery")
        .await;
    let bob_account = app
        .gql_as(&bob, "{ viewer { currentAccount { id } } }", json!({}))
        .await
        .ok();
    let bob_account = bob_account.str("viewer.currentAccount.id").to_owned();

    let r = app
        .gql_as(
            &ann,
            "query($id: ID!) { account(id: $id) { id name } }",
            json!({"id": bob_account}),
        )
        .await;
    r.expect_code("NOT_FOUND");
    // `account` is nullable: its failure leaves `account: null`, the key present.
    assert_eq!(r.body["data"], json!({ "account": null }), "{}", r.body);
    assert!(r.null_at("account"), "{}", r.body);
    let r = app
        .gql_as(
            &ann,
            "query($id: ID!) { account(id: $id) { id name } }",
            json!({"id": "999999"}),
        )
        .await;
    r.expect_code("NOT_FOUND");
    app.gql_as(&ann, SWITCH, json!({"id": bob_account}))
        .await
        .expect_code("NOT_FOUND");
    app.gql_as(&ann, SWITCH, json!({"id": "not-a-number"}))
        .await
        .expect_code("NOT_FOUND");
    // Anonymous callers get UNAUTHENTICATED, not data.
    app.gql(
        "query($id: ID!) { account(id: $id) { id } }",
        json!({"id": bob_account}),
    )
    .await
    .expect_code("UNAUTHENTICATED");
    // Their own account works.
    let own = app
        .gql_as(
            &bob,
            "query($id: ID!) { account(id: $id) { name } }",
            json!({"id": bob_account}),
        )
        .await
        .ok();
    assert_eq!(own.str("account.name"), "Bobco");
    app.stop().await;
}

#[tokio::test]
async fn create_account_needs_a_name_and_a_session() {
    let app = TestApp::start().await;
    let token = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    app.gql_as(
        &token,
        "mutation { createAccount(name: \"  \") { id } }",
        json!({}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql("mutation { createAccount(name: \"X\") { id } }", json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    let v = app
        .gql_as(&token, "{ viewer { memberships { role } } }", json!({}))
        .await
        .ok();
    assert_eq!(v.at("viewer.memberships").as_array().unwrap().len(), 1);
    app.stop().await;
}
