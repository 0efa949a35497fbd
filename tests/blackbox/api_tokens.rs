//! API tokens (SPEC "API tokens"): a member's automation on one account. A token is
//! shown once, recognisable by its prefix and checksum; it acts as its member, limited
//! at every request to its own permissions and scope and to what the member holds then;
//! what needs a person refuses it; revoking it, removing its member or forbidding tokens
//! ends it, and its live streams, at once.

use clientele_tests::fixtures::{
    ACCEPT, ADD, ALL_PERMISSIONS, CONTACT_EVENTS, MEMBER_PASSWORD, OWNER_PASSWORD, Portal, REMOVE,
    Role, UPDATE,
};
use clientele_tests::{Gql, TestApp};
use serde_json::{Value, json};

const CREATE: &str = "mutation($a: ID!, $i: CreateApiTokenInput!, $p: String!) {
  createApiToken(accountId: $a, input: $i, currentPassword: $p) {
    token apiToken { id name permissions scope { serviceIds domainIds } accountId expiresAt lastUsedAt } } }";

/// `token_of`'s answer: the secret and the token's id.
struct Made {
    secret: String,
    id: String,
}

/// `session` (whose password is `password`) makes a token on `account` giving
/// `permissions` (and `scope`); the answer as it came.
async fn create(
    app: &TestApp,
    session: &str,
    password: &str,
    account: &str,
    permissions: &[&str],
    scope: Value,
) -> Gql {
    app.gql_as(
        session,
        CREATE,
        json!({ "a": account, "p": password, "i": {
            "name": "deploy", "permissions": permissions, "scope": scope,
        }}),
    )
    .await
}

async fn token_of(
    app: &TestApp,
    session: &str,
    password: &str,
    account: &str,
    permissions: &[&str],
) -> Made {
    let r = create(app, session, password, account, permissions, Value::Null)
        .await
        .ok();
    Made {
        secret: r.str("createApiToken.token").to_owned(),
        id: r.str("createApiToken.apiToken.id").to_owned(),
    }
}

/// The CRC-32 zlib computes, written out bit by bit here: another implementation than
/// the server's, as a secret scanner would have.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// UNAUTHENTICATED, reason API_TOKEN_REVOKED: what a dead token's request answers.
fn assert_revoked(r: &Gql) {
    r.expect_code("UNAUTHENTICATED");
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"],
        json!("API_TOKEN_REVOKED"),
        "{}",
        r.body
    );
}

fn base62_value(text: &str) -> u64 {
    const DIGITS: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    text.chars().fold(0, |n, c| {
        n * 62 + DIGITS.find(c).expect("a base62 digit") as u64
    })
}

fn services(app: &TestApp) -> impl AsyncFn(&str, &str) -> Gql {
    async move |token: &str, account: &str| {
        app.gql_as(
            token,
            "query($a: ID!) { account(id: $a) { services { totalCount } } }",
            json!({ "a": account }),
        )
        .await
    }
}

#[tokio::test]
async fn a_token_is_shown_once_and_carries_a_checksum_anyone_can_check() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let r = create(
        &app,
        &acme.owner,
        OWNER_PASSWORD,
        &acme.account,
        &["VIEW_SERVICES"],
        Value::Null,
    )
    .await
    .ok();
    let secret = r.str("createApiToken.token");
    assert!(secret.starts_with("clt_"), "{secret}");
    assert_eq!(secret.len(), 50, "{secret}");
    assert!(
        secret[4..].chars().all(|c| c.is_ascii_alphanumeric()),
        "{secret}"
    );
    let (body, checksum) = secret[4..].split_at(40);
    assert_eq!(
        base62_value(checksum),
        u64::from(crc32(body.as_bytes())),
        "{secret}"
    );
    assert_eq!(
        r.at("createApiToken.apiToken.permissions"),
        &json!(["VIEW_SERVICES"])
    );
    assert!(r.null_at("createApiToken.apiToken.lastUsedAt"));
    // 90 days unless asked otherwise.
    let expires: chrono::DateTime<chrono::Utc> =
        r.str("createApiToken.apiToken.expiresAt").parse().unwrap();
    let days = (expires - app.server.domain.clock().now()).num_days();
    assert!((89..=90).contains(&days), "{days}");

    // It works as a bearer token, and its use is recorded.
    services(&app)(secret, &acme.account).await.ok();
    let r = app
        .gql_as(
            &acme.owner,
            "{ viewer { apiTokens { name lastUsedAt lastUsedIp } sessions { current } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(r.at("viewer.apiTokens.0.name"), &json!("deploy"));
    assert!(
        r.at("viewer.apiTokens.0.lastUsedAt").is_string(),
        "{}",
        r.body
    );
    // A token is not one of the person's sessions.
    assert_eq!(r.at("viewer.sessions"), &json!([{ "current": true }]));
    // The owner was told.
    let mail = app.mail_to(&acme.owner_email).await;
    assert!(mail.contains("A new API token for Acme"), "{mail}");
    app.stop().await;
}

#[tokio::test]
async fn a_token_does_what_it_was_given_on_its_account_and_no_more() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let other = app
        .gql_as(
            &acme.owner,
            "mutation { createAccount(name: \"Second Co\") { id } }",
            json!({}),
        )
        .await
        .ok()
        .str("createAccount.id")
        .to_owned();
    let token = token_of(
        &app,
        &acme.owner,
        OWNER_PASSWORD,
        &acme.account,
        &["VIEW_SERVICES"],
    )
    .await;
    let r = app
        .gql_as(
            &token.secret,
            "query($a: ID!) { viewer { permissions memberships { account { id } permissions } }
              account(id: $a) { services { totalCount } invoices { totalCount } contacts { totalCount } } }",
            json!({ "a": acme.account }),
        )
        .await;
    assert_eq!(r.at("account.services.totalCount"), &json!(0));
    assert!(
        r.null_at("account.invoices") && r.null_at("account.contacts"),
        "{}",
        r.body
    );
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
    assert_eq!(r.at("viewer.permissions"), &json!(["VIEW_SERVICES"]));
    assert_eq!(
        r.at("viewer.memberships"),
        &json!([{ "account": { "id": acme.account }, "permissions": ["VIEW_SERVICES"] }])
    );
    // The owner's other account is not the token's.
    services(&app)(&token.secret, &other)
        .await
        .expect_code("NOT_FOUND");
    // Nor may it act beyond what it was given.
    let r = app
        .gql_as(&token.secret, ADD, json!({ "a": acme.account, "i": { "firstName": "A", "lastName": "B", "role": "BILLING" } }))
        .await;
    r.expect_code("FORBIDDEN");
    app.stop().await;
}

#[tokio::test]
async fn nobody_gives_a_token_more_than_they_hold() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let technical = acme.member(Role::Technical).await;
    let account = &acme.account;
    let r = create(
        &app,
        &technical.token,
        MEMBER_PASSWORD,
        account,
        &["VIEW_SERVICES", "VIEW_INVOICES"],
        Value::Null,
    )
    .await;
    r.expect_code("FORBIDDEN");
    assert!(
        r.error_message().unwrap().contains("VIEW_INVOICES"),
        "{}",
        r.body
    );
    let wrong = create(
        &app,
        &technical.token,
        "not my password 1",
        account,
        &["VIEW_SERVICES"],
        Value::Null,
    )
    .await;
    wrong.expect_code("BAD_USER_INPUT");
    let none = create(
        &app,
        &technical.token,
        MEMBER_PASSWORD,
        account,
        &[],
        Value::Null,
    )
    .await;
    none.expect_code("BAD_USER_INPUT");
    for (at, why) in [
        ("2020-01-01T00:00:00Z", "past"),
        ("2099-01-01T00:00:00Z", "beyond a year"),
    ] {
        let r = app
            .gql_as(
                &technical.token,
                CREATE,
                json!({ "a": account, "p": MEMBER_PASSWORD, "i": { "name": "x", "permissions": ["VIEW_SERVICES"], "expiresAt": at } }),
            )
            .await;
        r.expect_code("BAD_USER_INPUT");
        assert_eq!(
            r.body["errors"][0]["extensions"]["field"],
            json!("expiresAt"),
            "{why}: {}",
            r.body
        );
    }

    // A scoped member's token is never wider than their scope; narrower, it sees less.
    let staff = app.staff().await;
    let web = app.service(&staff, account, "Web").await;
    let mail = app.service(&staff, account, "Mail").await;
    let r = app
        .gql_as(
            &acme.owner,
            ADD,
            json!({ "a": account, "i": {
                "firstName": "F", "lastName": "L", "email": "scoped@acme.test", "role": "TECHNICAL",
                "portalAccess": true, "password": MEMBER_PASSWORD,
                "scope": { "serviceIds": [web, mail], "domainIds": [] } } }),
        )
        .await
        .ok();
    assert!(r.at("addContact.id").is_string());
    let scoped = app
        .login("scoped@acme.test", MEMBER_PASSWORD)
        .await
        .unwrap();
    let staff_service = app.service(&staff, account, "Other").await;
    let wider = create(
        &app,
        &scoped,
        MEMBER_PASSWORD,
        account,
        &["VIEW_SERVICES"],
        json!({ "serviceIds": [web, staff_service], "domainIds": [] }),
    )
    .await;
    wider.expect_code("FORBIDDEN");
    let narrower = create(
        &app,
        &scoped,
        MEMBER_PASSWORD,
        account,
        &["VIEW_SERVICES"],
        json!({ "serviceIds": [web], "domainIds": [] }),
    )
    .await
    .ok();
    let secret = narrower.str("createApiToken.token").to_owned();
    assert_eq!(
        services(&app)(&secret, account)
            .await
            .ok()
            .at("account.services.totalCount"),
        &json!(1)
    );
    assert_eq!(
        services(&app)(&scoped, account)
            .await
            .ok()
            .at("account.services.totalCount"),
        &json!(2)
    );
    app.stop().await;
}

/// Every mutation the schema marks `@personOnly`, called with a token: how.
const PERSON_ONLY: &[(&str, &str)] = &[
    (
        "register",
        r#"mutation { register(input: {accountName: "X", firstName: "X", lastName: "Y", email: "x@example.test", password: "a long password 1"}) { token } }"#,
    ),
    (
        "login",
        r#"mutation { login(email: "owner@acme.test", password: "owner password 1") { token } }"#,
    ),
    (
        "enrollTotp",
        r#"mutation { enrollTotp(currentPassword: "owner password 1") { secret } }"#,
    ),
    ("confirmTotp", r#"mutation { confirmTotp(code: "123456") }"#),
    (
        "disableTotp",
        r#"mutation { disableTotp(currentPassword: "owner password 1", code: "123456") }"#,
    ),
    (
        "resetTwoFactor",
        r#"mutation { resetTwoFactor(userId: "1") }"#,
    ),
    ("logout", "mutation { logout }"),
    ("revokeSession", r#"mutation { revokeSession(id: "1") }"#),
    (
        "revokeUserSessions",
        r#"mutation { revokeUserSessions(userId: "1") }"#,
    ),
    (
        "switchAccount",
        r#"mutation { switchAccount(accountId: "1") { permissions } }"#,
    ),
    (
        "requestPasswordReset",
        r#"mutation { requestPasswordReset(email: "owner@acme.test") }"#,
    ),
    (
        "resetPassword",
        r#"mutation { resetPassword(token: "abc", newPassword: "a long password 1") }"#,
    ),
    (
        "changePassword",
        r#"mutation { changePassword(currentPassword: "owner password 1", newPassword: "a brand new password 1") }"#,
    ),
    (
        "createAccount",
        r#"mutation { createAccount(name: "Third") { id } }"#,
    ),
    (
        "setAccountSecurity",
        r#"mutation { setAccountSecurity(accountId: "1", allowApiTokens: true) { id } }"#,
    ),
    (
        "removeContact",
        r#"mutation { removeContact(id: "1", currentPassword: "owner password 1") }"#,
    ),
    ("requestDataExport", r#"mutation { requestDataExport }"#),
    (
        "exportAccount",
        r#"mutation { exportAccount(accountId: "1") }"#,
    ),
    (
        "eraseContact",
        r#"mutation { eraseContact(id: "1", currentPassword: "owner password 1") }"#,
    ),
    ("eraseUser", r#"mutation { eraseUser(userId: "1") }"#),
    (
        "deleteMyLogin",
        r#"mutation { deleteMyLogin(currentPassword: "owner password 1") }"#,
    ),
    (
        "transferOwnership",
        r#"mutation { transferOwnership(contactId: "1", currentPassword: "owner password 1") { id } }"#,
    ),
    (
        "acceptInvitation",
        r#"mutation { acceptInvitation(token: "abc") { token } }"#,
    ),
    (
        "createApiToken",
        r#"mutation { createApiToken(accountId: "1", input: {name: "x", permissions: [VIEW_SERVICES]}, currentPassword: "owner password 1") { token } }"#,
    ),
    (
        "createWebhookEndpoint",
        r#"mutation { createWebhookEndpoint(accountId: "1", input: {url: "https://hooks.example.invalid/in", eventTypes: ["contact.created"]}) { secret } }"#,
    ),
    (
        "updateWebhookEndpoint",
        r#"mutation { updateWebhookEndpoint(id: "1", input: {enabled: false}) { id } }"#,
    ),
    (
        "deleteWebhookEndpoint",
        r#"mutation { deleteWebhookEndpoint(id: "1") }"#,
    ),
    (
        "rotateWebhookSecret",
        r#"mutation { rotateWebhookSecret(id: "1") { secret } }"#,
    ),
    (
        "redeliverWebhook",
        r#"mutation { redeliverWebhook(deliveryId: "1") { id } }"#,
    ),
    (
        "sendTestWebhook",
        r#"mutation { sendTestWebhook(endpointId: "1") { id } }"#,
    ),
    (
        "revokeApiToken",
        r#"mutation { revokeApiToken(id: "1") { id } }"#,
    ),
    (
        "beginPasskeyRegistration",
        r#"mutation { beginPasskeyRegistration(currentPassword: "owner password 1") { challengeId } }"#,
    ),
    (
        "finishPasskeyRegistration",
        r#"mutation { finishPasskeyRegistration(name: "x", credential: {}) { id } }"#,
    ),
    (
        "beginPasskeyLogin",
        r#"mutation { beginPasskeyLogin { challengeId } }"#,
    ),
    (
        "finishPasskeyLogin",
        r#"mutation { finishPasskeyLogin(challengeId: "x", credential: {}) { token } }"#,
    ),
    (
        "renamePasskey",
        r#"mutation { renamePasskey(id: "1", name: "x") { id } }"#,
    ),
    (
        "removePasskey",
        r#"mutation { removePasskey(id: "1", currentPassword: "owner password 1") }"#,
    ),
];

#[tokio::test]
async fn what_needs_a_person_refuses_a_token() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let token = token_of(
        &app,
        &acme.owner,
        OWNER_PASSWORD,
        &acme.account,
        ALL_PERMISSIONS,
    )
    .await;
    // The table is the schema's list, no more and no less.
    let marked = api::person_only_fields(&api::sdl());
    let mut listed: Vec<&str> = PERSON_ONLY.iter().map(|(name, _)| *name).collect();
    let mut marked_sorted: Vec<&str> = marked.iter().map(String::as_str).collect();
    listed.sort_unstable();
    marked_sorted.sort_unstable();
    assert_eq!(
        listed, marked_sorted,
        "the @personOnly mutations and this table"
    );
    let mut problems = Vec::new();
    for (name, document) in PERSON_ONLY {
        let r = app.gql_as(&token.secret, document, json!({})).await;
        let error = &r.body["errors"][0];
        if error["extensions"]["code"] != "FORBIDDEN"
            || error["extensions"]["reason"] != "API_TOKEN_NOT_ALLOWED"
            || error["path"] != json!([name])
        {
            problems.push(format!("{name}: {}", r.body));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Nothing was done: the owner's password is as it was, the token still there.
    app.login(&acme.owner_email, OWNER_PASSWORD).await.unwrap();
    services(&app)(&token.secret, &acme.account).await.ok();
    app.stop().await;
}

#[tokio::test]
async fn a_member_lowered_or_removed_takes_it_from_their_tokens_at_once() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let admin = acme.member(Role::Admin).await;
    let token = token_of(
        &app,
        &admin.token,
        MEMBER_PASSWORD,
        &acme.account,
        &["MANAGE_CONTACTS", "VIEW_SERVICES"],
    )
    .await;
    let contacts =
        "query($a: ID!) { account(id: $a) { contacts { totalCount } services { totalCount } } }";
    let vars = json!({ "a": acme.account });
    app.gql_as(&token.secret, contacts, vars.clone()).await.ok();
    // Lowered to TECHNICAL: the token keeps VIEW_SERVICES, loses MANAGE_CONTACTS.
    app.gql_as(
        &acme.owner,
        UPDATE,
        json!({ "id": admin.contact_id, "i": { "role": "TECHNICAL" } }),
    )
    .await
    .ok();
    let r = app.gql_as(&token.secret, contacts, vars.clone()).await;
    r.expect_code("FORBIDDEN");
    assert!(r.null_at("account.contacts"));
    assert_eq!(r.at("account.services.totalCount"), &json!(0));
    // Removed: the token is dead, and says so.
    app.gql_as(
        &acme.owner,
        REMOVE,
        json!({ "id": admin.contact_id, "p": OWNER_PASSWORD }),
    )
    .await
    .ok();
    let r = app.gql_as(&token.secret, contacts, vars).await;
    assert_revoked(&r);
    app.stop().await;
}

#[tokio::test]
async fn a_revoked_token_is_dead_its_member_is_told_and_the_audit_log_names_it() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let technical = acme.member(Role::Technical).await;
    let token = token_of(
        &app,
        &technical.token,
        MEMBER_PASSWORD,
        &acme.account,
        &["OPEN_TICKETS"],
    )
    .await;
    // What the token does is audited as done through it.
    app.gql_as(
        &token.secret,
        "mutation($a: ID!) { openTicket(accountId: $a, subject: \"Disk full\", body: \"From monitoring.\") { id } }",
        json!({ "a": acme.account }),
    )
    .await
    .ok();
    let log = app
        .every(
            &acme.owner,
            &acme.account,
            "auditLog",
            "action actorEmail via",
        )
        .await;
    let opened = log
        .iter()
        .find(|e| e["action"] == "ticket.open")
        .expect("audited");
    assert_eq!(opened["via"], json!("token:deploy"));
    assert_eq!(opened["actorEmail"], json!(technical.email));
    assert!(
        log.iter()
            .any(|e| e["action"] == "api_token.create" && e["via"].is_null())
    );

    // Another member's token is not the technical contact's to revoke (NOT_FOUND); the
    // owner (MANAGE_CONTACTS, holding more) may.
    let owners = token_of(
        &app,
        &acme.owner,
        OWNER_PASSWORD,
        &acme.account,
        &["VIEW_SERVICES"],
    )
    .await;
    let revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { name } }";
    app.gql_as(&technical.token, revoke, json!({ "id": owners.id }))
        .await
        .expect_code("NOT_FOUND");
    let r = app
        .gql_as(
            &acme.owner,
            "query($a: ID!) { account(id: $a) { apiTokens { id name } } }",
            json!({ "a": acme.account }),
        )
        .await
        .ok();
    assert_eq!(
        r.at("account.apiTokens").as_array().unwrap().len(),
        2,
        "{}",
        r.body
    );
    app.gql_as(&acme.owner, revoke, json!({ "id": token.id }))
        .await
        .ok();
    let r = services(&app)(&token.secret, &acme.account).await;
    assert_revoked(&r);
    let mails = app.mails_to(&technical.email).await;
    assert!(
        mails
            .iter()
            .any(|m| m.contains("An API token for Acme was revoked")),
        "{mails:#?}"
    );
    // A mistyped token (its checksum fails) is refused the same way, unread.
    let mut typo = owners.secret.clone().into_bytes();
    typo[8] = if typo[8] == b'x' { b'y' } else { b'x' };
    let r = services(&app)(&String::from_utf8(typo).unwrap(), &acme.account).await;
    assert_revoked(&r);
    // Staff revoke any token.
    let staff = app.staff().await;
    app.gql_as(&staff, revoke, json!({ "id": owners.id }))
        .await
        .ok();
    services(&app)(&owners.secret, &acme.account)
        .await
        .expect_code("UNAUTHENTICATED");
    app.stop().await;
}

#[tokio::test]
async fn an_owner_who_forbids_tokens_ends_them_all() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let technical = acme.member(Role::Technical).await;
    let token = token_of(
        &app,
        &technical.token,
        MEMBER_PASSWORD,
        &acme.account,
        &["VIEW_SERVICES"],
    )
    .await;
    let r = app
        .gql_as(
            &acme.owner,
            "mutation($a: ID!) { setAccountSecurity(accountId: $a, allowApiTokens: false) { id } }",
            json!({ "a": acme.account }),
        )
        .await
        .ok();
    assert!(r.at("setAccountSecurity.id").is_string());
    services(&app)(&token.secret, &acme.account)
        .await
        .expect_code("UNAUTHENTICATED");
    let r = create(
        &app,
        &technical.token,
        MEMBER_PASSWORD,
        &acme.account,
        &["VIEW_SERVICES"],
        Value::Null,
    )
    .await;
    r.expect_code("FORBIDDEN");
    app.stop().await;
}

#[tokio::test]
async fn a_token_outlives_a_password_change_and_needs_no_second_factor() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let technical = acme.member(Role::Technical).await;
    let token = token_of(
        &app,
        &technical.token,
        MEMBER_PASSWORD,
        &acme.account,
        &["VIEW_SERVICES"],
    )
    .await;
    app.turn_on_two_factor(&acme.owner, OWNER_PASSWORD)
        .await
        .unwrap();
    app.gql_as(
        &acme.owner,
        "mutation($a: ID!) { setAccountSecurity(accountId: $a, requireTwoFactor: true) { id } }",
        json!({ "a": acme.account }),
    )
    .await
    .ok();
    // The member's own session is refused until they turn it on; their token is not.
    services(&app)(&technical.token, &acme.account)
        .await
        .expect_code("FORBIDDEN");
    services(&app)(&token.secret, &acme.account).await.ok();
    app.gql_as(
        &technical.token,
        "mutation($p: String!) { changePassword(currentPassword: $p, newPassword: \"another long password 2\") }",
        json!({ "p": MEMBER_PASSWORD }),
    )
    .await
    .ok();
    services(&app)(&token.secret, &acme.account).await.ok();
    app.stop().await;
}

#[tokio::test]
async fn a_tokens_stream_ends_when_its_member_is_lowered_or_it_is_revoked() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let admin = acme.member(Role::Admin).await;
    let token = token_of(
        &app,
        &admin.token,
        MEMBER_PASSWORD,
        &acme.account,
        &["MANAGE_CONTACTS"],
    )
    .await;
    let mut socket = app.socket(Some(&token.secret)).await;
    app.listen_from(
        &mut socket,
        "1",
        CONTACT_EVENTS,
        json!({ "a": acme.account }),
        "0",
    )
    .await;
    app.gql_as(
        &acme.owner,
        UPDATE,
        json!({ "id": admin.contact_id, "i": { "role": "TECHNICAL" } }),
    )
    .await
    .ok();
    assert_eq!(socket.expect_error("1").await, "FORBIDDEN");

    // Another token, revoked while its stream runs: UNAUTHENTICATED.
    let second = token_of(
        &app,
        &acme.owner,
        OWNER_PASSWORD,
        &acme.account,
        &["MANAGE_CONTACTS"],
    )
    .await;
    let mut socket = app.socket(Some(&second.secret)).await;
    app.listen_from(
        &mut socket,
        "1",
        CONTACT_EVENTS,
        json!({ "a": acme.account }),
        "0",
    )
    .await;
    app.gql_as(
        &acme.owner,
        "mutation($id: ID!) { revokeApiToken(id: $id) { id } }",
        json!({ "id": second.id }),
    )
    .await
    .ok();
    assert_eq!(socket.expect_error("1").await, "UNAUTHENTICATED");
    app.stop().await;
}

/// An invitation accepted by its invitee's existing login does not bring the inviter's
/// tokens along, nor does a token accept one (see `PERSON_ONLY`).
#[tokio::test]
async fn a_member_who_joins_another_account_takes_no_token_there() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let technical = acme.member(Role::Technical).await;
    let token = token_of(
        &app,
        &technical.token,
        MEMBER_PASSWORD,
        &acme.account,
        &["VIEW_SERVICES"],
    )
    .await;
    let other = Portal::new(&app)
        .named("Other")
        .owner("owner@other.test")
        .await;
    app.gql_as(
        &other.owner,
        "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: { email: $e, role: TECHNICAL }) { id } }",
        json!({ "a": other.account, "e": technical.email }),
    )
    .await
    .ok();
    let invitation = app.invitation_token(&technical.email).await;
    app.gql_as(&technical.token, ACCEPT, json!({ "t": invitation }))
        .await
        .ok();
    services(&app)(&technical.token, &other.account).await.ok();
    services(&app)(&token.secret, &other.account)
        .await
        .expect_code("NOT_FOUND");
    app.stop().await;
}

/// Throttles apply to tokens, each its own: a script gone wrong stops at its token's
/// request rate (RATE_LIMITED, with how long to wait), not at its neighbours'.
#[tokio::test]
async fn each_token_has_a_request_rate_of_its_own() {
    let app = TestApp::start_with(|c| {
        c.domain.throttles.api_token_requests =
            domain::throttle::Limit::new(3, std::time::Duration::from_secs(600));
    })
    .await;
    let acme = Portal::acme(&app).await;
    let busy = token_of(
        &app,
        &acme.owner,
        OWNER_PASSWORD,
        &acme.account,
        &["VIEW_SERVICES"],
    )
    .await;
    let calm = token_of(
        &app,
        &acme.owner,
        OWNER_PASSWORD,
        &acme.account,
        &["VIEW_SERVICES"],
    )
    .await;
    for _ in 0..3 {
        services(&app)(&busy.secret, &acme.account).await.ok();
    }
    let r = services(&app)(&busy.secret, &acme.account).await;
    r.expect_code("RATE_LIMITED");
    assert!(
        r.body["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .is_some(),
        "{}",
        r.body
    );
    services(&app)(&calm.secret, &acme.account).await.ok();
    // The member's own session is not the token's.
    services(&app)(&acme.owner, &acme.account).await.ok();
    app.stop().await;
}

/// Instances sharing one database and one Redis are one service: a token revoked
/// through one ends the stream it holds open on another.
#[tokio::test]
#[cfg_attr(
    not(clientele_redis),
    ignore = "needs Redis (instances share notices through it): set REDIS_URL (the PostgreSQL + Redis suite of .ci/run)"
)]
async fn a_token_revoked_on_one_instance_ends_its_stream_on_another() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let token = token_of(
        &app,
        &acme.owner,
        OWNER_PASSWORD,
        &acme.account,
        &["MANAGE_CONTACTS"],
    )
    .await;
    let second = app.second_instance(|_| {}).await;
    let mut socket = clientele_tests::WsClient::connect(
        &format!("http://{}", second.addr),
        clientele_tests::ws::TRANSPORT_WS,
        &[],
    )
    .await
    .unwrap();
    socket
        .init(json!({ "authorization": format!("Bearer {}", token.secret) }))
        .await;
    socket
        .subscribe(
            "1",
            "subscription($a: ID!) { membershipChanges(accountId: $a) { permissions } }",
            json!({ "a": acme.account }),
        )
        .await;
    let first = socket.next_event("1").await;
    assert_eq!(
        first["membershipChanges"]["permissions"],
        json!(["MANAGE_CONTACTS"])
    );
    app.gql_as(
        &acme.owner,
        "mutation($id: ID!) { revokeApiToken(id: $id) { id } }",
        json!({ "id": token.id }),
    )
    .await
    .ok();
    assert_eq!(socket.expect_error("1").await, "UNAUTHENTICATED");
    second.shutdown().await;
    app.stop().await;
}

/// A token ends at its own time: after it, UNAUTHENTICATED (API_TOKEN_REVOKED), and it
/// is no longer listed. Left unused meanwhile, it did not end sooner (no idle limit).
#[tokio::test]
async fn a_token_ends_at_its_time_and_not_before() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let ends = app.server.domain.clock().now() + chrono::Duration::days(40);
    let r = app
        .gql_as(
            &acme.owner,
            CREATE,
            json!({ "a": acme.account, "p": OWNER_PASSWORD, "i": {
                "name": "quarterly", "permissions": ["VIEW_SERVICES"], "expiresAt": ends.to_rfc3339() } }),
        )
        .await
        .ok();
    let secret = r.str("createApiToken.token").to_owned();
    let days = |n: u64| std::time::Duration::from_secs(n * 24 * 3600);
    // Past a session's idle limit (14 days), unused: still good.
    app.server.domain.clock().advance(days(30));
    services(&app)(&secret, &acme.account).await.ok();
    app.server.domain.clock().advance(days(11));
    let r = services(&app)(&secret, &acme.account).await;
    assert_revoked(&r);
    app.stop().await;
}

/// A member whose temporary access ends takes their tokens with it.
#[tokio::test]
async fn a_members_tokens_end_with_their_temporary_access() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let ends = app.server.domain.clock().now() + chrono::Duration::days(2);
    app.gql_as(
        &acme.owner,
        ADD,
        json!({ "a": acme.account, "i": {
            "firstName": "Dev", "lastName": "Week", "email": "dev@acme.test", "role": "TECHNICAL",
            "portalAccess": true, "password": MEMBER_PASSWORD, "accessExpiresAt": ends.to_rfc3339() } }),
    )
    .await
    .ok();
    let dev = app.login("dev@acme.test", MEMBER_PASSWORD).await.unwrap();
    let token = token_of(
        &app,
        &dev,
        MEMBER_PASSWORD,
        &acme.account,
        &["VIEW_SERVICES"],
    )
    .await;
    services(&app)(&token.secret, &acme.account).await.ok();
    app.server
        .domain
        .clock()
        .advance(std::time::Duration::from_secs(3 * 24 * 3600));
    app.sweep_access().await;
    assert_revoked(&services(&app)(&token.secret, &acme.account).await);
    app.stop().await;
}
