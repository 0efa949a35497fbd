//! Throttles (SPEC "Abuse limits"): failed sign-ins per email and per client address,
//! password-reset requests, invitation acceptances, new accounts per address, logins
//! granted per account. Past a limit: RATE_LIMITED with `extensions.retryAfter` in
//! seconds; after that wait the action is allowed again. With Redis, every instance
//! counts against one limit.

use std::time::Duration;

use clientele::Config;
use clientele::config::TrustedProxies;
use clientele_tests::fixtures::{ADD, LOGIN, OWNER_PASSWORD};
use clientele_tests::{Gql, TestApp, metric_of, wait_until};
use domain::throttle::Limit;
use serde_json::json;

/// `count` per minute for every rule; requests name their client in X-Forwarded-For.
fn tight(count: u32) -> impl FnOnce(&mut Config) {
    move |c| {
        let limit = Limit::new(count, Duration::from_secs(60));
        let t = &mut c.domain.throttles;
        t.sign_in_failures_per_email = limit;
        t.sign_in_failures_per_address = limit;
        t.reset_requests_per_email = limit;
        t.reset_requests_per_address = limit;
        t.invitation_acceptances_per_address = limit;
        t.accounts_opened_per_address = limit;
        t.portal_grants_per_account = limit;
        c.http.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    }
}

async fn login_from(app: &TestApp, address: &str, email: &str, password: &str) -> Gql {
    app.gql_with_headers(
        &[("x-forwarded-for", address)],
        LOGIN,
        json!({"e": email, "p": password}),
    )
    .await
}

/// RATE_LIMITED at `field` (non-null, so `data` is null) with a whole number of
/// seconds to wait, at least 1.
fn throttled(r: &Gql, field: &str) -> u64 {
    assert_eq!(r.error_code(), Some("RATE_LIMITED"), "{}", r.body);
    assert_eq!(r.body.get("data"), Some(&json!(null)), "{}", r.body);
    assert_eq!(r.body["errors"][0]["path"], json!([field]), "{}", r.body);
    let seconds = r.body["errors"][0]["extensions"]
        .get("retryAfter")
        .and_then(|s| s.as_u64())
        .unwrap_or_else(|| panic!("retryAfter in {}", r.body));
    assert!(seconds >= 1, "{}", r.body);
    seconds
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_email_until_the_wait_is_over() {
    let app = TestApp::start_with(tight(3)).await;
    app.register("Acme", "owner@acme.test", OWNER_PASSWORD)
        .await;
    let failed_before = app
        .metric(r#"clientele_sign_ins_total{outcome="failed"}"#)
        .await;

    // Successful sign-ins give their spend back: any number of them.
    for _ in 0..5 {
        login_from(&app, "10.0.0.1", "owner@acme.test", OWNER_PASSWORD)
            .await
            .ok();
    }
    // Three wrong passwords, each from another address: the email's limit.
    for i in 0..3 {
        let r = login_from(&app, &format!("10.0.1.{i}"), "owner@acme.test", "wrong").await;
        assert_eq!(r.error_code(), Some("UNAUTHENTICATED"), "{}", r.body);
    }
    // Now even the right password is refused, before it is checked.
    let r = login_from(&app, "10.0.2.1", "owner@acme.test", OWNER_PASSWORD).await;
    let wait = throttled(&r, "login");
    assert_eq!(wait, 20, "one more every 60 s / 3");
    // The email is what is limited: another email from the same address is not.
    app.register("Beta", "owner@beta.test", OWNER_PASSWORD)
        .await;
    login_from(&app, "10.0.2.1", "owner@beta.test", OWNER_PASSWORD)
        .await
        .ok();

    app.server
        .domain
        .clock()
        .advance(Duration::from_secs(wait - 1));
    throttled(
        &login_from(&app, "10.0.2.1", "owner@acme.test", OWNER_PASSWORD).await,
        "login",
    );
    app.server.domain.clock().advance(Duration::from_secs(1));
    login_from(&app, "10.0.2.1", "owner@acme.test", OWNER_PASSWORD)
        .await
        .ok();

    assert_eq!(
        app.metric(r#"clientele_sign_ins_total{outcome="failed"}"#)
            .await
            - failed_before,
        3.0
    );
    assert!(
        app.metric(r#"clientele_sign_ins_total{outcome="throttled"}"#)
            .await
            >= 2.0,
        "throttled sign-ins are counted"
    );
    assert!(
        app.metric(r#"clientele_throttled_total{rule="sign_in_failures_per_email"}"#)
            .await
            >= 2.0
    );
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_address_across_emails() {
    let app = TestApp::start_with(tight(3)).await;
    app.register("Acme", "owner@acme.test", OWNER_PASSWORD)
        .await;
    for i in 0..3 {
        let r = login_from(&app, "10.9.9.9", &format!("nobody{i}@acme.test"), "x").await;
        assert_eq!(r.error_code(), Some("UNAUTHENTICATED"), "{}", r.body);
    }
    throttled(
        &login_from(&app, "10.9.9.9", "owner@acme.test", OWNER_PASSWORD).await,
        "login",
    );
    // Another client is not held back by that one.
    login_from(&app, "10.9.9.10", "owner@acme.test", OWNER_PASSWORD)
        .await
        .ok();
}

#[tokio::test]
async fn parallel_guesses_are_counted_one_by_one() {
    let app = TestApp::start_with(tight(5)).await;
    app.register("Acme", "owner@acme.test", OWNER_PASSWORD)
        .await;
    for round in 0..3 {
        let email = format!("victim{round}@acme.test");
        let guesses = (0..20).map(|i| {
            let app = &app;
            let email = email.clone();
            async move { login_from(app, &format!("10.1.{round}.{i}"), &email, "guess").await }
        });
        let answers = futures_util::future::join_all(guesses).await;
        let count = |code: &str| {
            answers
                .iter()
                .filter(|r| r.error_code() == Some(code))
                .count()
        };
        assert_eq!(count("UNAUTHENTICATED"), 5, "round {round}");
        assert_eq!(count("RATE_LIMITED"), 15, "round {round}");
    }
}

#[tokio::test]
async fn reset_requests_are_throttled_per_email_and_send_no_more_mail() {
    let app = TestApp::start_with(tight(2)).await;
    app.register("Acme", "owner@acme.test", OWNER_PASSWORD)
        .await;
    let request = "mutation($e: String!) { requestPasswordReset(email: $e) }";
    for _ in 0..2 {
        app.gql(request, json!({"e": "owner@acme.test"})).await.ok();
    }
    let r = app.gql(request, json!({"e": "owner@acme.test"})).await;
    throttled(&r, "requestPasswordReset");
    // An email with no login is throttled alike: the answer reveals nothing.
    for _ in 0..2 {
        app.gql(request, json!({"e": "ghost@acme.test"})).await;
    }
    throttled(
        &app.gql(request, json!({"e": "ghost@acme.test"})).await,
        "requestPasswordReset",
    );
    // The two allowed requests' emails are queued in the background (the answer must not
    // tell whether the address has a login): waited for, then counted. The throttled
    // third never got that far, and the ghost's requests came after it.
    let mails = wait_until(
        async || {
            let mails = app.mails_to("owner@acme.test").await;
            (mails.len() >= 2).then_some(mails)
        },
        "the two allowed reset emails",
    )
    .await;
    assert_eq!(mails.len(), 2);
}

#[tokio::test]
async fn new_accounts_invitation_tries_and_granted_logins_are_throttled() {
    let app = TestApp::start_with(tight(2)).await;
    let register = "mutation($i: RegisterInput!) { register(input: $i) { token } }";
    let input = |n: u32| json!({"i": {"accountName": format!("A{n}"), "firstName": "A", "lastName": "B", "email": format!("o{n}@a.test"), "password": OWNER_PASSWORD}});
    let owner = app
        .gql(register, input(1))
        .await
        .ok()
        .str("register.token")
        .to_owned();
    // createAccount counts with register, per address.
    app.gql_as(
        &owner,
        "mutation { createAccount(name: \"Second\") { id } }",
        json!({}),
    )
    .await
    .ok();
    throttled(&app.gql(register, input(2)).await, "register");
    throttled(
        &app.gql_as(
            &owner,
            "mutation { createAccount(name: \"Third\") { id } }",
            json!({}),
        )
        .await,
        "createAccount",
    );

    // Invitation links: every try counts, a guessed link as much as a real one.
    let accept = "mutation($t: String!) { acceptInvitation(token: $t, input: { firstName: \"A\", lastName: \"B\", password: \"a long password 1\" }) { token } }";
    for _ in 0..2 {
        let r = app.gql(accept, json!({"t": "guessed"})).await;
        assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    }
    throttled(
        &app.gql(accept, json!({"t": "guessed"})).await,
        "acceptInvitation",
    );

    // Logins granted on one account (addContact with portal access, setPortalAccess).
    let account = app.current_account(&owner).await;
    let contact = |n: u32, access: bool| json!({"a": account, "i": {"firstName": "C", "lastName": format!("{n}"), "email": format!("c{n}@a.test"), "role": "BILLING", "portalAccess": access}});
    for n in 0..2 {
        app.gql_as(&owner, ADD, contact(n, true)).await.ok();
    }
    let before = contacts(&app, &owner, &account).await;
    throttled(
        &app.gql_as(&owner, ADD, contact(9, true)).await,
        "addContact",
    );
    assert_eq!(
        contacts(&app, &owner, &account).await,
        before,
        "nothing written"
    );
    let plain = app.gql_as(&owner, ADD, contact(10, false)).await.ok();
    throttled(
        &app.gql_as(
            &owner,
            "mutation($c: ID!) { setPortalAccess(contactId: $c, enabled: true) { id } }",
            json!({"c": plain.str("addContact.id")}),
        )
        .await,
        "setPortalAccess",
    );
}

async fn contacts(app: &TestApp, token: &str, account: &str) -> u64 {
    app.gql_as(
        token,
        "query($a: ID!) { account(id: $a) { contacts { totalCount } } }",
        json!({"a": account}),
    )
    .await
    .at("account.contacts.totalCount")
    .as_u64()
    .unwrap()
}

/// With Redis (CI's second run), instances share one count; on the embedded default
/// each instance counts its own (SECURITY.md says so).
#[tokio::test]
async fn two_instances_count_against_one_limit_when_they_share_redis() {
    let app = TestApp::start_with(tight(3)).await;
    app.register("Acme", "owner@acme.test", OWNER_PASSWORD)
        .await;
    let second = app.second_instance(|_| {}).await;
    let second_url = format!("http://{}", second.addr);
    for _ in 0..3 {
        let r = login_from(&app, "10.2.0.1", "owner@acme.test", "wrong").await;
        assert_eq!(r.error_code(), Some("UNAUTHENTICATED"), "{}", r.body);
    }
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{second_url}/graphql"))
        .header("x-forwarded-for", "10.2.0.2")
        .json(&json!({"query": LOGIN, "variables": {"e": "owner@acme.test", "p": OWNER_PASSWORD}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = answer["errors"][0]["extensions"]["code"].as_str();
    let shared = app.config.events.redis_url.is_some();
    if shared {
        assert_eq!(code, Some("RATE_LIMITED"), "{answer}");
        assert_eq!(
            metric_of(
                &second_url,
                r#"clientele_sign_ins_total{outcome="throttled"}"#
            )
            .await,
            1.0
        );
    } else {
        assert_eq!(code, None, "{answer}");
        assert!(answer["data"]["login"]["token"].is_string(), "{answer}");
    }
    second.shutdown().await;
}
