use clientele_tests::TestApp;
use domain::entities::{account, contact, session, user};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

const REGISTER: &str = "mutation($input: RegisterInput!) {
  register(input: $input) {
    token expiresAt
    viewer {
      isStaff permissions
      user { email firstName lastName }
      currentAccount { id name owner { firstName email role isPrimary portalAccess notificationPreferences } }
      memberships { role permissions account { name } contact { isPrimary } }
    }
  }
}";

fn input(email: &str, password: &str) -> serde_json::Value {
    json!({ "input": {
        "accountName": "Acme Ltd", "firstName": "Ann", "lastName": "Owner",
        "email": email, "password": password,
    }})
}

/// The rows of one table, read from the database: registration writes a login, an
/// account, a contact and a session at once, and a failed one must leave none of them
/// behind (no API lists logins, nor rows without an account).
async fn count<E: EntityTrait>(app: &TestApp, _: E) -> u64
where
    E::Model: Sync,
{
    E::find().count(app.db()).await.unwrap()
}

#[tokio::test]
async fn register_creates_account_owner_and_primary_contact_then_viewer_sees_them() {
    let app = TestApp::start().await;
    let r = app
        .gql(REGISTER, input("Ann@Example.com", "correct horse battery"))
        .await
        .ok();
    assert_eq!(r.str("register.token").len(), 43);
    assert_eq!(r.str("register.viewer.user.email"), "Ann@Example.com");
    assert_eq!(r.at("register.viewer.isStaff"), &json!(false));
    assert_eq!(r.str("register.viewer.currentAccount.name"), "Acme Ltd");
    let owner = r.at("register.viewer.currentAccount.owner");
    assert_eq!(owner["role"], "OWNER");
    assert_eq!(owner["isPrimary"], true);
    assert_eq!(owner["portalAccess"], true);
    assert_eq!(owner["email"], "Ann@Example.com");
    assert_eq!(
        owner["notificationPreferences"],
        json!(["INVOICE", "PRODUCT", "DOMAIN", "SUPPORT", "GENERAL"])
    );
    assert_eq!(
        r.at("register.viewer.permissions")
            .as_array()
            .unwrap()
            .len(),
        12
    );
    assert_eq!(r.at("register.viewer.memberships.0.role"), "OWNER");
    // The browser cookie carries the same token, HttpOnly and SameSite=Lax.
    let cookie = &r.set_cookie[0];
    assert!(
        cookie.starts_with(&format!("clientele_session={};", r.str("register.token"))),
        "{cookie}"
    );
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));

    // viewer with the token returns the same person.
    let token = r.str("register.token").to_owned();
    let v = app
        .gql_as(
            &token,
            "{ viewer { user { email firstName lastName } currentAccount { name } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(v.str("viewer.user.firstName"), "Ann");
    assert_eq!(v.str("viewer.currentAccount.name"), "Acme Ltd");

    assert_eq!(count(&app, user::Entity).await, 1);
    assert_eq!(count(&app, account::Entity).await, 1);
    assert_eq!(count(&app, contact::Entity).await, 1);
    assert_eq!(count(&app, session::Entity).await, 1);
    let audit = app
        .every(
            &token,
            r.str("register.viewer.currentAccount.id"),
            "auditLog",
            "action actorEmail ipAddress",
        )
        .await;
    assert_eq!(
        audit,
        [
            json!({"action": "account.register", "actorEmail": "Ann@Example.com", "ipAddress": "127.0.0.1"})
        ]
    );
    // Only a hash of the token is stored (what is kept at rest, which no API shows).
    let stored = session::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.token_hash, token);
    assert_eq!(stored.token_hash.len(), 64);
    app.stop().await;
}

#[tokio::test]
async fn duplicate_registration_is_a_conflict_whatever_the_case() {
    let app = TestApp::start().await;
    app.gql(REGISTER, input("ann@example.com", "correct horse battery"))
        .await
        .ok();
    let again = app
        .gql(
            REGISTER,
            input("  ANN@Example.COM ", "another good password"),
        )
        .await;
    again.expect_code("CONFLICT");
    assert!(again.null_at(""), "{}", again.body);
    // Nothing half-written: still one user, one account, one contact.
    assert_eq!(count(&app, user::Entity).await, 1);
    assert_eq!(count(&app, account::Entity).await, 1);
    assert_eq!(count(&app, contact::Entity).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn invalid_registration_input_is_bad_user_input_and_writes_nothing() {
    let app = TestApp::start().await;
    let cases = [
        (
            "email",
            json!({"accountName": "A", "firstName": "Ann", "lastName": "O", "email": "not-an-email", "password": "correct horse battery"}),
        ),
        (
            "password",
            json!({"accountName": "A", "firstName": "Ann", "lastName": "O", "email": "a@example.com", "password": "short"}),
        ),
        (
            "firstName",
            json!({"accountName": "A", "firstName": "   ", "lastName": "O", "email": "a@example.com", "password": "correct horse battery"}),
        ),
        (
            "lastName",
            json!({"accountName": "A", "firstName": "Ann", "lastName": "", "email": "a@example.com", "password": "correct horse battery"}),
        ),
        (
            "accountName",
            json!({"accountName": "", "firstName": "Ann", "lastName": "O", "email": "a@example.com", "password": "correct horse battery"}),
        ),
    ];
    for (field, input) in cases {
        let r = app.gql(REGISTER, json!({ "input": input })).await;
        r.expect_code("BAD_USER_INPUT");
        assert_eq!(
            r.body["errors"][0]["extensions"]["field"], field,
            "{}",
            r.body
        );
    }
    // A missing argument is rejected by GraphQL validation, also without a 500.
    let r = app
        .gql(
            "mutation { register(input: {accountName: \"A\"}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body["errors"].is_array());
    assert_eq!(count(&app, user::Entity).await, 0);
    assert_eq!(count(&app, account::Entity).await, 0);
    assert_eq!(count(&app, contact::Entity).await, 0);
    assert_eq!(count(&app, session::Entity).await, 0);
    app.stop().await;
}
