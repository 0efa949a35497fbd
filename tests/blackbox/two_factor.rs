//! Two-factor sign-in (TOTP, RFC 6238): enrolment, sign-in with a code computed here
//! from the secret, codes and recovery codes good once, guessing throttled, turning it
//! off, staff's reset, and an owner requiring it on one account and not another.

use std::time::Duration;

use clientele_tests::fixtures::{LOGIN, OWNER_PASSWORD, Portal};
use clientele_tests::{Gql, MEMBER_PASSWORD, TestApp};
use domain::throttle::Limit;
use serde_json::json;

/// The app's next code: 30 s later (a code works once).
fn next_code(app: &TestApp, secret: &str) -> String {
    app.server.domain.clock().advance(Duration::from_secs(30));
    app.totp_code(secret)
}

async fn login(app: &TestApp, email: &str, password: &str, code: Option<&str>) -> Gql {
    app.gql(LOGIN, json!({"e": email, "p": password, "c": code}))
        .await
}

fn totp_required(r: &Gql) {
    r.expect_code("UNAUTHENTICATED");
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"], "TOTP_REQUIRED",
        "{}",
        r.body
    );
    assert_eq!(r.body.get("data"), Some(&json!(null)), "{}", r.body);
}

/// Turns two-factor on for `token`'s user; returns the secret and recovery codes.
async fn enrol(app: &TestApp, token: &str, password: &str) -> (String, Vec<String>) {
    let enrolment = app
        .gql_as(
            token,
            "mutation($p: String!) { enrollTotp(currentPassword: $p) { secret otpauthUri } }",
            json!({"p": password}),
        )
        .await
        .ok();
    let secret = enrolment.str("enrollTotp.secret").to_owned();
    let uri = enrolment.str("enrollTotp.otpauthUri");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(uri.contains("issuer=Clientele"), "{uri}");
    let confirm = "mutation($c: String!) { confirmTotp(code: $c) }";
    app.gql_as(token, confirm, json!({"c": "000000"}))
        .await
        .expect_code("BAD_USER_INPUT");
    let codes = app
        .gql_as(token, confirm, json!({"c": app.totp_code(&secret)}))
        .await
        .ok();
    let codes: Vec<String> = codes
        .at("confirmTotp")
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

#[tokio::test]
async fn sign_in_needs_a_code_once_enrolled_and_each_code_works_once() {
    let app = TestApp::start().await;
    let owner = app
        .register("Acme", "owner@acme.test", OWNER_PASSWORD)
        .await;
    let (secret, recovery) = enrol(&app, &owner, OWNER_PASSWORD).await;
    let v = app
        .gql_as(&owner, "{ viewer { twoFactorEnabled } }", json!({}))
        .await
        .ok();
    assert_eq!(v.at("viewer.twoFactorEnabled"), true);
    app.gql_as(
        &owner,
        "mutation($p: String!) { enrollTotp(currentPassword: $p) { secret } }",
        json!({"p": OWNER_PASSWORD}),
    )
    .await
    .expect_code("CONFLICT");

    totp_required(&login(&app, "owner@acme.test", OWNER_PASSWORD, None).await);
    totp_required(&login(&app, "owner@acme.test", OWNER_PASSWORD, Some("123456")).await);
    // A wrong password says nothing about the second factor.
    login(&app, "owner@acme.test", "wrong password 1", Some("123456"))
        .await
        .expect_code("UNAUTHENTICATED");

    let now = next_code(&app, &secret);
    let r = login(&app, "owner@acme.test", OWNER_PASSWORD, Some(&now))
        .await
        .ok();
    assert_eq!(r.at("login.viewer.twoFactorEnabled"), true);
    // The same code again, even within its 30 seconds: refused.
    totp_required(&login(&app, "owner@acme.test", OWNER_PASSWORD, Some(&now)).await);

    // A recovery code, however typed, once.
    let typed = recovery[3].to_uppercase().replace('-', " ");
    login(&app, "owner@acme.test", OWNER_PASSWORD, Some(&typed))
        .await
        .ok();
    totp_required(&login(&app, "owner@acme.test", OWNER_PASSWORD, Some(&recovery[3])).await);

    // Off with the password and a code; then the password alone signs in.
    let disable =
        "mutation($p: String!, $c: String!) { disableTotp(currentPassword: $p, code: $c) }";
    app.gql_as(&owner, disable, json!({"p": OWNER_PASSWORD, "c": "000000"}))
        .await
        .expect_code("BAD_USER_INPUT");
    app.gql_as(
        &owner,
        disable,
        json!({"p": OWNER_PASSWORD, "c": next_code(&app, &secret)}),
    )
    .await
    .ok();
    login(&app, "owner@acme.test", OWNER_PASSWORD, None)
        .await
        .ok();
    // Its recovery codes went with it.
    let (secret, _) = enrol(&app, &owner, OWNER_PASSWORD).await;
    totp_required(&login(&app, "owner@acme.test", OWNER_PASSWORD, Some(&recovery[0])).await);
    login(
        &app,
        "owner@acme.test",
        OWNER_PASSWORD,
        Some(&next_code(&app, &secret)),
    )
    .await
    .ok();
    app.stop().await;
}

#[tokio::test]
async fn guessing_codes_is_throttled_and_staff_can_reset_a_lost_second_factor() {
    let app = TestApp::start_with(|c| {
        c.domain.throttles.sign_in_failures_per_email = Limit::new(3, Duration::from_secs(600));
    })
    .await;
    let owner = app
        .register("Acme", "owner@acme.test", OWNER_PASSWORD)
        .await;
    let user_id = app
        .gql_as(&owner, "{ viewer { user { id } } }", json!({}))
        .await
        .ok()
        .str("viewer.user.id")
        .to_owned();
    // Enrolling tries one wrong code: every check of a code counts, that one too.
    enrol(&app, &owner, OWNER_PASSWORD).await;
    for guess in ["111111", "222222"] {
        totp_required(&login(&app, "owner@acme.test", OWNER_PASSWORD, Some(guess)).await);
    }
    login(&app, "owner@acme.test", OWNER_PASSWORD, Some("444444"))
        .await
        .expect_code("RATE_LIMITED");

    // Lost phone and codes: staff turn it off (audited); nobody else can.
    let reset = "mutation($u: ID!) { resetTwoFactor(userId: $u) }";
    app.gql_as(&owner, reset, json!({"u": user_id}))
        .await
        .expect_code("FORBIDDEN");
    let staff = app.staff().await;
    app.gql_as(&staff, reset, json!({"u": user_id})).await.ok();
    app.server.domain.clock().advance(Duration::from_secs(600));
    login(&app, "owner@acme.test", OWNER_PASSWORD, None)
        .await
        .ok();
    // Audited: a user's own entry, in no account's log, so read from the database.
    assert_eq!(app.audited("user.totp_reset").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn an_owner_can_require_two_factor_on_one_account_and_not_the_members_others() {
    let app = TestApp::start().await;
    let Portal {
        owner,
        account: acme,
        ..
    } = Portal::acme(&app).await;
    let member = app
        .add_member(&owner, &acme, "tech@acme.test", "TECHNICAL", None)
        .await;
    // The member has an account of their own too.
    let own = app
        .gql_as(
            &member.token,
            "mutation { createAccount(name: \"Own\") { id } }",
            json!({}),
        )
        .await
        .ok()
        .str("createAccount.id")
        .to_owned();
    let require = "mutation($a: ID!, $r: Boolean!) { setAccountSecurity(accountId: $a, requireTwoFactor: $r) { requireTwoFactor } }";
    // Only with two-factor on themselves, so the owner cannot lock themselves out.
    let r = app
        .gql_as(&owner, require, json!({"a": acme, "r": true}))
        .await;
    r.expect_code("FORBIDDEN");
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"],
        "TWO_FACTOR_REQUIRED"
    );
    // Only the owner: the member may not.
    app.gql_as(&member.token, require, json!({"a": acme, "r": true}))
        .await
        .expect_code("FORBIDDEN");
    enrol(&app, &owner, OWNER_PASSWORD).await;
    let r = app
        .gql_as(&owner, require, json!({"a": acme, "r": true}))
        .await
        .ok();
    assert_eq!(r.at("setAccountSecurity.requireTwoFactor"), true);

    let read = "query($a: ID!) { account(id: $a) { name services { totalCount } } }";
    let r = app.gql_as(&member.token, read, json!({"a": acme})).await;
    r.expect_code("FORBIDDEN");
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"],
        "TWO_FACTOR_REQUIRED"
    );
    assert!(r.null_at("account"), "{}", r.body);
    let add = "mutation($a: ID!) { addContact(accountId: $a, input: { firstName: \"X\", lastName: \"Y\", role: BILLING }) { id } }";
    app.gql_as(&member.token, add, json!({"a": acme}))
        .await
        .expect_code("FORBIDDEN");
    // Their own account is not affected.
    app.gql_as(
        &member.token,
        "query($a: ID!) { account(id: $a) { name } }",
        json!({"a": own}),
    )
    .await
    .ok();
    // The owner keeps working; once the member turns it on, so do they.
    app.gql_as(&owner, read, json!({"a": acme})).await.ok();
    enrol(&app, &member.token, MEMBER_PASSWORD).await;
    let r = app
        .gql_as(&member.token, read, json!({"a": acme}))
        .await
        .ok();
    assert_eq!(r.str("account.name"), "Acme");
    app.stop().await;
}
