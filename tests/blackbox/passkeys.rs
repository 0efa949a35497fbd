//! Passkeys (SPEC "Passkeys"), with a software authenticator (webauthn-authenticator-rs's
//! `SoftPasskey`, which signs as a real one does) standing in for the browser: a
//! passkey registered and signing in without a password, as a two-factor sign-in; and
//! every way a sign-in is refused — a ceremony reused or expired, another origin or
//! relying party, a counter gone back, another user's credential — plus a ceremony
//! finished on another instance than began it.

use clientele::PublicUrl;
use clientele_tests::fixtures::{OWNER_PASSWORD, Portal};
use clientele_tests::{Gql, TestApp};
use serde_json::{Value, json};
use webauthn_authenticator_rs::prelude::{
    CreationChallengeResponse, RequestChallengeResponse, Url, WebauthnAuthenticator,
};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

/// The portal's address: its host is the relying party id.
const ORIGIN: &str = "https://portal.localhost";

const BEGIN_REGISTRATION: &str = "mutation($p: String) { beginPasskeyRegistration(currentPassword: $p) { challengeId options } }";
const FINISH_REGISTRATION: &str = "mutation($n: String!, $c: JSON!) { finishPasskeyRegistration(name: $n, credential: $c) { id name createdAt lastUsedAt } }";
const BEGIN_LOGIN: &str =
    "mutation($e: String) { beginPasskeyLogin(email: $e) { challengeId options } }";
const FINISH_LOGIN: &str = "mutation($id: ID!, $c: JSON!) { finishPasskeyLogin(challengeId: $id, credential: $c) { token viewer { user { email } currentAccount { id } } } }";

async fn portal_server() -> TestApp {
    TestApp::start_with(|c| c.http.public_url = PublicUrl::parse(ORIGIN).unwrap()).await
}

/// A person's authenticator, as their browser would drive it.
struct Authenticator {
    key: SoftPasskey,
    /// The credential it made (base64url), once it made one.
    credential_id: Option<String>,
}

impl Authenticator {
    fn new() -> Self {
        // `true`: it reports the user verified, as a platform authenticator does.
        Self {
            key: SoftPasskey::new(true),
            credential_id: None,
        }
    }

    /// Registers a passkey for the session `token`, named `name`.
    async fn register(&mut self, app: &TestApp, token: &str, name: &str) -> Gql {
        let begun = app
            .gql_as(token, BEGIN_REGISTRATION, json!({ "p": null }))
            .await
            .ok();
        let options: CreationChallengeResponse =
            serde_json::from_value(begun.at("beginPasskeyRegistration.options").clone()).unwrap();
        let made = self
            .key
            .do_registration(Url::parse(ORIGIN).unwrap(), options)
            .expect("the authenticator makes a credential");
        let credential = serde_json::to_value(&made).unwrap();
        self.credential_id = Some(credential["id"].as_str().unwrap().to_owned());
        app.gql_as(
            token,
            FINISH_REGISTRATION,
            json!({ "n": name, "c": credential }),
        )
        .await
    }

    /// Answers sign-in `options` from `origin`, with `rp_id` in place of the options'
    /// own when given. Its own credential is named in them as a browser holding a
    /// discoverable one would choose it.
    fn sign(&mut self, options: &Value, origin: &str, rp_id: Option<&str>) -> Value {
        let mut options = options.clone();
        if let Some(id) = &self.credential_id {
            options["publicKey"]["allowCredentials"] = json!([{ "type": "public-key", "id": id }]);
        }
        if let Some(rp_id) = rp_id {
            options["publicKey"]["rpId"] = json!(rp_id);
        }
        let options: RequestChallengeResponse = serde_json::from_value(options).unwrap();
        let signed = self
            .key
            .do_authentication(Url::parse(origin).unwrap(), options)
            .expect("the authenticator signs");
        serde_json::to_value(&signed).unwrap()
    }

    /// A whole sign-in on `app`: begun (with `email`, or discoverable), signed from the
    /// portal's origin, finished.
    async fn sign_in(&mut self, app: &TestApp, email: Option<&str>) -> Gql {
        let begun = app.gql(BEGIN_LOGIN, json!({ "e": email })).await.ok();
        let credential = self.sign(begun.at("beginPasskeyLogin.options"), ORIGIN, None);
        app.gql(
            FINISH_LOGIN,
            json!({ "id": begun.str("beginPasskeyLogin.challengeId"), "c": credential }),
        )
        .await
    }
}

#[tokio::test]
async fn a_passkey_signs_in_without_a_password_as_a_two_factor_sign_in() {
    let app = portal_server().await;
    let acme = Portal::acme(&app).await;
    let mut laptop = Authenticator::new();
    let added = laptop.register(&app, &acme.owner, "Laptop").await.ok();
    assert_eq!(added.str("finishPasskeyRegistration.name"), "Laptop");
    assert!(added.null_at("finishPasskeyRegistration.lastUsedAt"));
    let notice = app.wait_for_eml("owner@acme.test").await;
    assert!(notice.contains("A passkey named"), "{notice}");

    // The options a browser gets: user verification required, a discoverable key
    // preferred, the relying party the portal's host, the passkey just made excluded.
    let again = app
        .gql_as(&acme.owner, BEGIN_REGISTRATION, json!({ "p": null }))
        .await
        .ok();
    let options = again.at("beginPasskeyRegistration.options.publicKey");
    assert_eq!(options["rp"]["id"], "portal.localhost");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(
        options["authenticatorSelection"]["residentKey"],
        "preferred"
    );
    assert_eq!(
        options["excludeCredentials"][0]["id"].as_str(),
        laptop.credential_id.as_deref()
    );

    // Signed in with it, no password: by email, and discoverable (no email).
    let mut earlier = String::new();
    for email in [Some("owner@acme.test"), None] {
        let signed = laptop.sign_in(&app, email).await.ok();
        earlier = signed.str("finishPasskeyLogin.token").to_owned();
        assert_eq!(
            signed.str("finishPasskeyLogin.viewer.user.email"),
            "owner@acme.test"
        );
        assert_eq!(
            signed.at("finishPasskeyLogin.viewer.currentAccount.id"),
            &json!(acme.account)
        );
    }

    // A passkey session is a two-factor one: the owner may require two-factor of the
    // account, and keeps using it; their password alone is then held back there.
    let passkey_session = laptop.sign_in(&app, None).await.ok();
    let token = passkey_session.str("finishPasskeyLogin.token").to_owned();
    app.gql_as(
        &token,
        "mutation($a: ID!) { setAccountSecurity(accountId: $a, requireTwoFactor: true) { requireTwoFactor } }",
        json!({ "a": acme.account }),
    )
    .await
    .ok();
    let contacts = "query($a: ID!) { account(id: $a) { contacts { totalCount } } }";
    app.gql_as(&token, contacts, json!({ "a": acme.account }))
        .await
        .ok();
    let by_password = app.login("owner@acme.test", OWNER_PASSWORD).await.unwrap();
    let refused = app
        .gql_as(&by_password, contacts, json!({ "a": acme.account }))
        .await;
    refused.expect_code("FORBIDDEN");
    assert_eq!(
        refused.body["errors"][0]["extensions"]["reason"],
        "TWO_FACTOR_REQUIRED"
    );

    // Listed with its last use; renamed; the sign-in audited as a passkey's.
    let listed = app
        .gql_as(
            &token,
            "{ viewer { passkeys { id name lastUsedAt } } }",
            json!({}),
        )
        .await
        .ok();
    let id = listed.str("viewer.passkeys.0.id").to_owned();
    assert!(listed.at("viewer.passkeys.0.lastUsedAt").is_string());
    let renamed = app
        .gql_as(
            &token,
            "mutation($id: ID!) { renamePasskey(id: $id, name: \"Work laptop\") { name } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(renamed.str("renamePasskey.name"), "Work laptop");

    // Removed (with the password): it signs nobody in any more, and the owner is told.
    app.gql_as(
        &token,
        "mutation($id: ID!, $p: String!) { removePasskey(id: $id, currentPassword: $p) }",
        json!({ "id": id, "p": OWNER_PASSWORD }),
    )
    .await
    .ok();
    laptop
        .sign_in(&app, Some("owner@acme.test"))
        .await
        .expect_code("UNAUTHENTICATED");
    // The sessions it opened end with it; the one that removed it goes on, no longer a
    // two-factor one.
    app.gql_as(&earlier, "{ viewer { isStaff } }", json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    let after = app
        .gql_as(&token, contacts, json!({ "a": acme.account }))
        .await;
    after.expect_code("FORBIDDEN");
    assert_eq!(
        after.body["errors"][0]["extensions"]["reason"],
        "TWO_FACTOR_REQUIRED"
    );
    let removed = app
        .eml_files()
        .into_iter()
        .filter(|m| m.contains("was removed from your client portal login"))
        .count();
    assert_eq!(removed, 1);
    app.stop().await;
}

#[tokio::test]
async fn registering_needs_a_recent_sign_in_or_the_password() {
    let app = portal_server().await;
    let acme = Portal::acme(&app).await;
    app.server
        .domain
        .clock()
        .advance(std::time::Duration::from_secs(11 * 60));
    let stale = app
        .gql_as(&acme.owner, BEGIN_REGISTRATION, json!({ "p": null }))
        .await;
    stale.expect_code("BAD_USER_INPUT");
    assert_eq!(
        stale.body["errors"][0]["extensions"]["field"],
        "currentPassword"
    );
    app.gql_as(
        &acme.owner,
        BEGIN_REGISTRATION,
        json!({ "p": "not the password" }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql_as(
        &acme.owner,
        BEGIN_REGISTRATION,
        json!({ "p": OWNER_PASSWORD }),
    )
    .await
    .ok();
    app.stop().await;
}

/// Each way a sign-in is refused, with the same authenticator that signs in fine.
#[tokio::test]
async fn a_sign_in_is_refused_when_anything_about_it_is_off() {
    let app = portal_server().await;
    let acme = Portal::acme(&app).await;
    let mut laptop = Authenticator::new();
    laptop.register(&app, &acme.owner, "Laptop").await.ok();
    let begin = async |email: Option<&str>| {
        let begun = app.gql(BEGIN_LOGIN, json!({ "e": email })).await.ok();
        (
            begun.str("beginPasskeyLogin.challengeId").to_owned(),
            begun.at("beginPasskeyLogin.options").clone(),
        )
    };
    let finish = async |id: &str, credential: Value| {
        app.gql(FINISH_LOGIN, json!({ "id": id, "c": credential }))
            .await
    };

    // A ceremony is used once.
    let (id, options) = begin(None).await;
    let first = laptop.sign(&options, ORIGIN, None);
    finish(&id, first).await.ok();
    let replay = laptop.sign(&options, ORIGIN, None);
    let reused = finish(&id, replay).await;
    reused.expect_code("BAD_USER_INPUT");
    assert_eq!(
        reused.body["errors"][0]["extensions"]["field"],
        "challengeId"
    );

    // A ceremony lasts five minutes.
    let (id, options) = begin(None).await;
    app.server
        .domain
        .clock()
        .advance(std::time::Duration::from_secs(5 * 60 + 1));
    finish(&id, laptop.sign(&options, ORIGIN, None))
        .await
        .expect_code("BAD_USER_INPUT");

    // Signed on another origin (a subdomain the relying party id would cover).
    let (id, options) = begin(None).await;
    let phished = laptop.sign(&options, "https://login.portal.localhost", None);
    finish(&id, phished).await.expect_code("UNAUTHENTICATED");

    // Signed for another relying party (its parent domain).
    let (id, options) = begin(None).await;
    let elsewhere = laptop.sign(&options, ORIGIN, Some("localhost"));
    finish(&id, elsewhere).await.expect_code("UNAUTHENTICATED");

    // Begun for one login, answered with another's passkey.
    let other = Portal::new(&app)
        .named("Other")
        .owner("owner@other.test")
        .await;
    let mut theirs = Authenticator::new();
    theirs.register(&app, &other.owner, "Theirs").await.ok();
    let (id, options) = begin(Some("owner@acme.test")).await;
    finish(&id, theirs.sign(&options, ORIGIN, None))
        .await
        .expect_code("UNAUTHENTICATED");

    // Still fine when nothing is off.
    laptop.sign_in(&app, Some("owner@acme.test")).await.ok();

    // A counter gone back (the stored one ahead, as after a cloned authenticator
    // signed): refused, and the owner told.
    use sea_orm::ConnectionTrait;
    app.server
        .db
        .execute_unprepared("UPDATE passkeys SET counter = 1000")
        .await
        .unwrap();
    laptop
        .sign_in(&app, Some("owner@acme.test"))
        .await
        .expect_code("UNAUTHENTICATED");
    clientele_tests::wait_for(
        || {
            app.eml_files()
                .into_iter()
                .find(|m| m.contains("signature counter went backwards"))
        },
        "the clone warning",
    )
    .await;
    app.stop().await;
}

/// Failed passkey sign-ins spend the sign-in throttle, as wrong passwords do.
#[tokio::test]
async fn failed_passkey_sign_ins_are_throttled() {
    let app = TestApp::start_with(|c| {
        c.http.public_url = PublicUrl::parse(ORIGIN).unwrap();
        let limit = domain::throttle::Limit::new(3, std::time::Duration::from_secs(60));
        c.domain.throttles.sign_in_failures_per_email = limit;
    })
    .await;
    let acme = Portal::acme(&app).await;
    let mut laptop = Authenticator::new();
    laptop.register(&app, &acme.owner, "Laptop").await.ok();
    let mut codes = Vec::new();
    for _ in 0..4 {
        let begun = app.gql(BEGIN_LOGIN, json!({ "e": null })).await.ok();
        let wrong = laptop.sign(
            begun.at("beginPasskeyLogin.options"),
            "https://login.portal.localhost",
            None,
        );
        let r = app
            .gql(
                FINISH_LOGIN,
                json!({ "id": begun.str("beginPasskeyLogin.challengeId"), "c": wrong }),
            )
            .await;
        codes.push(r.body["errors"][0]["extensions"]["code"].clone());
    }
    assert_eq!(
        codes,
        [
            json!("UNAUTHENTICATED"),
            json!("UNAUTHENTICATED"),
            json!("UNAUTHENTICATED"),
            json!("RATE_LIMITED")
        ]
    );
    app.stop().await;
}

/// Instances share the ceremonies: begun on one, finished on the other.
#[tokio::test]
async fn a_ceremony_begun_on_one_instance_is_finished_on_another() {
    let app = portal_server().await;
    let acme = Portal::acme(&app).await;
    let mut laptop = Authenticator::new();
    laptop.register(&app, &acme.owner, "Laptop").await.ok();
    let second = app.second_instance(|_| {}).await;
    let begun = app.gql(BEGIN_LOGIN, json!({ "e": null })).await.ok();
    let credential = laptop.sign(begun.at("beginPasskeyLogin.options"), ORIGIN, None);
    let there = reqwest::Client::new()
        .post(format!("http://{}/graphql", second.addr))
        .json(&json!({ "query": FINISH_LOGIN, "variables": { "id": begun.str("beginPasskeyLogin.challengeId"), "c": credential } }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        there["data"]["finishPasskeyLogin"]["viewer"]["user"]["email"], "owner@acme.test",
        "{there}"
    );
    second.shutdown().await;
    app.stop().await;
}

/// Beginning a sign-in with an email does not tell whether it has a passkey: one with
/// none, and one with no login, get a credential to use as one with a passkey does
/// (the same one each time, as a real passkey would be).
#[tokio::test]
async fn beginning_a_sign_in_does_not_tell_which_emails_have_a_passkey() {
    let app = portal_server().await;
    let acme = Portal::acme(&app).await;
    Portal::new(&app)
        .named("Other")
        .owner("owner@other.test")
        .await;
    let mut laptop = Authenticator::new();
    laptop.register(&app, &acme.owner, "Laptop").await.ok();
    let allowed = async |email: &str| {
        let begun = app.gql(BEGIN_LOGIN, json!({ "e": email })).await.ok();
        let list = begun
            .at("beginPasskeyLogin.options.publicKey.allowCredentials")
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>();
        assert_eq!(list.len(), 1, "{email}: {}", begun.body);
        list[0].clone()
    };
    let real = allowed("owner@acme.test").await;
    assert_eq!(Some(real.as_str()), laptop.credential_id.as_deref());
    let without = allowed("owner@other.test").await;
    let nobody = allowed("nobody@nowhere.test").await;
    assert_ne!(without, nobody);
    assert_eq!(without, allowed("Owner@Other.test").await);
    assert_eq!(nobody, allowed("nobody@nowhere.test").await);
    // A decoy signs nobody in.
    let begun = app
        .gql(BEGIN_LOGIN, json!({ "e": "nobody@nowhere.test" }))
        .await
        .ok();
    let signed = laptop.sign(begun.at("beginPasskeyLogin.options"), ORIGIN, None);
    app.gql(
        FINISH_LOGIN,
        json!({ "id": begun.str("beginPasskeyLogin.challengeId"), "c": signed }),
    )
    .await
    .expect_code("UNAUTHENTICATED");
    app.stop().await;
}

/// Beginning a sign-in stores a ceremony and needs no sign-in: each client address may
/// begin so many a minute.
#[tokio::test]
async fn beginning_sign_ins_is_limited_per_address() {
    let app = TestApp::start_with(|c| {
        c.http.public_url = PublicUrl::parse(ORIGIN).unwrap();
        c.domain.throttles.passkey_ceremonies_per_address =
            domain::throttle::Limit::new(2, std::time::Duration::from_secs(60));
    })
    .await;
    for _ in 0..2 {
        app.gql(BEGIN_LOGIN, json!({ "e": null })).await.ok();
    }
    let refused = app.gql(BEGIN_LOGIN, json!({ "e": null })).await;
    refused.expect_code("RATE_LIMITED");
    assert!(refused.body["errors"][0]["extensions"]["retryAfter"].as_u64() >= Some(1));
    let stored =
        clientele_tests::database_search::count(&app.server.db, "passkey_challenges", "1 = 1")
            .await;
    assert_eq!(stored, 2);
    app.stop().await;
}
