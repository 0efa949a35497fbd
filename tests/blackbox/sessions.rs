use clientele_tests::TestApp;
use clientele_tests::fixtures::VIEWER;
use serde_json::json;

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::start().await;
    let registered = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    let query = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let wrong = app
        .gql(
            query,
            json!({"e": "ann@example.com", "p": "wrong password!"}),
        )
        .await;
    let unknown = app
        .gql(
            query,
            json!({"e": "nobody@example.com", "p": "wrong password!"}),
        )
        .await;
    wrong.expect_code("UNAUTHENTICATED");
    assert_eq!(wrong.body, unknown.body);
    // Only the registration's session exists.
    let sessions = app
        .gql_as(
            &registered,
            "{ viewer { sessions { current } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(sessions.at("viewer.sessions"), &json!([{"current": true}]));
    // The right password, in any email case, works.
    assert!(
        app.login("ANN@example.com", "correct horse battery")
            .await
            .is_ok()
    );
    app.stop().await;
}

#[tokio::test]
async fn anonymous_viewer_is_null_and_a_dead_token_is_unauthenticated() {
    let app = TestApp::start().await;
    let r = app.gql(VIEWER, json!({})).await.ok();
    assert!(r.null_at("viewer"), "{}", r.body);
    let r = app.gql_as("not-a-real-token", VIEWER, json!({})).await;
    r.expect_code("UNAUTHENTICATED");
    // A stale token does not stop someone from signing in again.
    app.register("Acme", "ann@example.com", "correct horse battery")
        .await;
    let r = app
        .gql_as("not-a-real-token", "mutation { login(email: \"ann@example.com\", password: \"correct horse battery\") { token } }", json!({}))
        .await
        .ok();
    assert_eq!(r.str("login.token").len(), 43);
    app.stop().await;
}

#[tokio::test]
async fn logout_kills_the_token_and_clears_the_cookie() {
    let app = TestApp::start().await;
    let token = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    app.gql_as(&token, VIEWER, json!({})).await.ok();
    let r = app
        .gql_as(&token, "mutation { logout }", json!({}))
        .await
        .ok();
    assert_eq!(r.body["data"]["logout"], true);
    assert!(
        r.set_cookie[0].starts_with("clientele_session=;") && r.set_cookie[0].contains("Max-Age=0")
    );
    app.gql_as(&token, VIEWER, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    // Logging out needs a session.
    app.gql("mutation { logout }", json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    app.stop().await;
}

#[tokio::test]
async fn two_sessions_of_one_user_are_independent() {
    let app = TestApp::start().await;
    app.register("Acme", "ann@example.com", "correct horse battery")
        .await;
    let laptop = app
        .login("ann@example.com", "correct horse battery")
        .await
        .unwrap();
    let phone = app
        .login("ann@example.com", "correct horse battery")
        .await
        .unwrap();
    assert_ne!(laptop, phone);
    app.gql_as(&laptop, "mutation { logout }", json!({}))
        .await
        .ok();
    app.gql_as(&laptop, VIEWER, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    let r = app.gql_as(&phone, VIEWER, json!({})).await.ok();
    assert_eq!(r.str("viewer.user.email"), "ann@example.com");
    app.stop().await;
}

#[tokio::test]
async fn the_session_cookie_signs_a_browser_in() {
    let app = TestApp::start().await;
    let token = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    let cookie = format!("theme=dark; clientele_session={token}");
    let r = app
        .gql_with_headers(&[("cookie", &cookie)], VIEWER, json!({}))
        .await
        .ok();
    assert_eq!(r.str("viewer.user.email"), "ann@example.com");
    app.stop().await;
}

#[tokio::test]
async fn change_password_checks_the_current_one_and_ends_other_sessions() {
    let app = TestApp::start().await;
    let current = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    let other = app
        .login("ann@example.com", "correct horse battery")
        .await
        .unwrap();
    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";

    let r = app
        .gql_as(
            &current,
            change,
            json!({"c": "wrong password", "n": "a brand new password"}),
        )
        .await;
    r.expect_code("BAD_USER_INPUT");
    assert_eq!(
        r.body["errors"][0]["extensions"]["field"],
        "currentPassword"
    );
    app.gql_as(
        &current,
        change,
        json!({"c": "correct horse battery", "n": "short"}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    // Nothing changed yet: the other session still works, the old password too.
    app.gql_as(&other, VIEWER, json!({})).await.ok();

    app.gql_as(
        &current,
        change,
        json!({"c": "correct horse battery", "n": "a brand new password"}),
    )
    .await
    .ok();
    app.gql_as(&current, VIEWER, json!({})).await.ok();
    app.gql_as(&other, VIEWER, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    assert_eq!(
        app.login("ann@example.com", "correct horse battery").await,
        Err("UNAUTHENTICATED".into())
    );
    assert!(
        app.login("ann@example.com", "a brand new password")
            .await
            .is_ok()
    );
    app.stop().await;
}

#[tokio::test]
async fn staff_user_from_admin_env_is_created_once() {
    let app = TestApp::start_with(|c| {
        c.admin = Some(clientele::AdminCredentials {
            email: "admin@portal.test".into(),
            password: "staff password 1".into(),
        })
    })
    .await;
    let token = app
        .login("admin@portal.test", "staff password 1")
        .await
        .unwrap();
    let r = app
        .gql_as(
            &token,
            "{ viewer { isStaff permissions currentAccount { id } memberships { role } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(r.at("viewer.isStaff"), &json!(true));
    assert_eq!(r.at("viewer.permissions").as_array().unwrap().len(), 12);
    assert_eq!(r.at("viewer.memberships"), &json!([]));
    // Starting again with the same settings does not duplicate or fail.
    let again = app
        .server
        .domain
        .auth()
        .ensure_staff("ADMIN@portal.test", "staff password 1")
        .await
        .unwrap();
    assert_eq!(again, domain::auth::StaffBootstrap::AlreadyStaff);
    // An ADMIN_EMAIL that is a client's login is reported, and nobody is promoted.
    let client = app
        .register("Client Co", "client@portal.test", "client password 1")
        .await;
    let taken = app
        .server
        .domain
        .auth()
        .ensure_staff("Client@portal.test", "staff password 1")
        .await
        .unwrap();
    assert_eq!(taken, domain::auth::StaffBootstrap::TakenByClient);
    let r = app
        .gql_as(&client, "{ viewer { isStaff } }", json!({}))
        .await
        .ok();
    assert_eq!(r.at("viewer.isStaff"), &json!(false));
    // create-staff (the CLI's service) refuses an email that has a login.
    let again = app
        .server
        .domain
        .auth()
        .create_staff("admin@portal.test", "staff password 1", "A", "B")
        .await;
    assert!(matches!(again, Err(domain::DomainError::Conflict(_))));
    app.stop().await;
}

/// A session ends after `SESSION_IDLE_TIMEOUT` unused, and 30 days after sign-in however
/// much it is used; use within a minute of the last costs no write.
#[tokio::test]
async fn a_session_ends_when_left_unused_and_after_thirty_days_in_any_case() {
    let hour = std::time::Duration::from_secs(3600);
    let app = TestApp::start_with(move |c| c.domain.session_idle_timeout = hour).await;
    let token = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    let clock = app.server.domain.clock();
    let use_it = async || app.gql_as(&token, VIEWER, json!({})).await;

    // Used every 50 minutes, it lives on.
    for _ in 0..3 {
        clock.advance(std::time::Duration::from_secs(50 * 60));
        use_it().await.ok();
    }
    // The last use is written at most once a minute, not on every request. (Reading
    // it is a use too, always within the minute of the one before.)
    let last_seen = async || {
        let r = app
            .gql_as(&token, "{ viewer { sessions { lastSeenAt } } }", json!({}))
            .await
            .ok();
        chrono::DateTime::parse_from_rfc3339(r.str("viewer.sessions.0.lastSeenAt"))
            .expect("an RFC 3339 time")
            .to_utc()
    };
    let just_now = |at: chrono::DateTime<chrono::Utc>| (clock.now() - at).num_seconds().abs() < 2;
    let written = last_seen().await;
    assert!(
        just_now(written),
        "the use that came 50 minutes later wrote it"
    );
    clock.advance(std::time::Duration::from_secs(30));
    use_it().await.ok();
    use_it().await.ok();
    assert_eq!(last_seen().await, written, "not again within the minute");
    clock.advance(std::time::Duration::from_secs(31));
    use_it().await.ok();
    assert!(just_now(last_seen().await), "a minute later, written again");

    // Unused for over an hour, it is over.
    clock.advance(std::time::Duration::from_secs(61 * 60));
    use_it().await.expect_code("UNAUTHENTICATED");

    // With a long idle timeout, the absolute end still comes 30 days after sign-in.
    let app = TestApp::start().await;
    let token = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    let clock = app.server.domain.clock();
    for _ in 0..2 {
        clock.advance(std::time::Duration::from_secs(13 * 24 * 3600));
        app.gql_as(&token, VIEWER, json!({})).await.ok();
    }
    clock.advance(std::time::Duration::from_secs(5 * 24 * 3600));
    app.gql_as(&token, VIEWER, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
}
