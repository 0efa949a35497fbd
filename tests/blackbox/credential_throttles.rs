//! Every credential check spends the sign-in throttle (SPEC "One way in": "Every check of
//! a current password or a second-factor code, in any operation, counts toward the
//! sign-in throttles"), and one request runs at most one of them (SPEC "Abuse limits").
//!
//! The operations are not listed by hand: they are read from the schema, every mutation
//! with an argument (or an input object's field) named like a credential. Each has a row
//! here saying how to call it with a wrong credential, or an exclusion saying why it
//! checks none; the test fails when the schema and the table disagree. Every row is run
//! with a fresh user: wrong credentials until RATE_LIMITED (with `retryAfter`), within
//! the per-email limit; then that user's right password at `login` is refused too, the
//! same bucket. Every problem is collected and the test fails once, listing them all.

use std::collections::BTreeSet;
use std::time::Duration;

use clientele_tests::fixtures::ADD;
use clientele_tests::{Gql, MEMBER_PASSWORD, TestApp, link_after, token_in_link, totp_code_at};
use domain::throttle::Limit;
use serde_json::{Value, json};

/// The per-email limit on failed sign-ins while this test runs: low, for speed.
const LIMIT: u32 = 3;
const PASSWORD: &str = "subject password 1";
const WRONG_PASSWORD: &str = "not the password 1";

/// What an argument or input field is called when it carries a credential.
const CREDENTIAL_NAMES: &[&str] = &["currentPassword", "password", "code", "totpCode"];

/// Mutations with a credential-named argument that check no credential of the caller's.
const EXCLUDED: &[(&str, &str)] = &[
    (
        "register",
        "RegisterInput.password sets the new login's password; it checks none",
    ),
    (
        "addContact",
        "AddContactInput.password sets the new member's password; it checks none",
    ),
    (
        "createService",
        "CreateServiceInput.password is the service's stored login, not a credential of the caller",
    ),
];

/// Which credential a case gets wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wrong {
    Password,
    Code,
}

/// What a row needs before its first try, for a fresh user (the owner of an account of
/// their own, signed in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setup {
    SignedIn,
    /// Two-factor sign-in on.
    TwoFactor,
    /// `enrollTotp` done, `confirmTotp` not yet.
    EnrolmentStarted,
    /// A contact of the user's account, to remove.
    ContactToRemove,
    /// A member of the user's account with portal access, to make owner.
    MemberToTransferTo,
    /// Two-factor sign-in on, and an invitation to another account for the user's email.
    InvitedWithTwoFactor,
    /// The user's own account, by id (an API token is made on it).
    OwnAccount,
}

/// One credential-checking mutation: how to call it with a wrong credential.
struct Row {
    mutation: &'static str,
    /// The operation's variable definitions.
    definitions: &'static str,
    /// The root field, as called with those variables.
    call: &'static str,
    setup: Setup,
    /// The credentials it checks: each gets a case of its own.
    wrong: &'static [Wrong],
    /// Sent with the user's session (otherwise anonymously, as sign-in is).
    signed_in: bool,
    vars: fn(&Subject, Wrong) -> Value,
}

const ROWS: &[Row] = &[
    Row {
        mutation: "login",
        definitions: "$e: String!, $p: String!, $c: String",
        call: "login(email: $e, password: $p, totpCode: $c) { token }",
        setup: Setup::TwoFactor,
        wrong: &[Wrong::Password, Wrong::Code],
        signed_in: false,
        vars: |s, w| json!({ "e": s.email, "p": s.password(w), "c": s.code(w) }),
    },
    Row {
        mutation: "enrollTotp",
        definitions: "$p: String!",
        call: "enrollTotp(currentPassword: $p) { secret }",
        setup: Setup::SignedIn,
        wrong: &[Wrong::Password],
        signed_in: true,
        vars: |s, w| json!({ "p": s.password(w) }),
    },
    Row {
        mutation: "confirmTotp",
        definitions: "$c: String!",
        call: "confirmTotp(code: $c)",
        setup: Setup::EnrolmentStarted,
        wrong: &[Wrong::Code],
        signed_in: true,
        vars: |s, w| json!({ "c": s.code(w) }),
    },
    Row {
        mutation: "disableTotp",
        definitions: "$p: String!, $c: String!",
        call: "disableTotp(currentPassword: $p, code: $c)",
        setup: Setup::TwoFactor,
        wrong: &[Wrong::Password, Wrong::Code],
        signed_in: true,
        vars: |s, w| json!({ "p": s.password(w), "c": s.code(w) }),
    },
    Row {
        mutation: "changePassword",
        definitions: "$p: String!, $n: String!",
        call: "changePassword(currentPassword: $p, newPassword: $n)",
        setup: Setup::SignedIn,
        wrong: &[Wrong::Password],
        signed_in: true,
        vars: |s, w| json!({ "p": s.password(w), "n": "a brand new password 1" }),
    },
    Row {
        mutation: "removeContact",
        definitions: "$id: ID!, $p: String!",
        call: "removeContact(id: $id, currentPassword: $p)",
        setup: Setup::ContactToRemove,
        wrong: &[Wrong::Password],
        signed_in: true,
        vars: |s, w| json!({ "id": s.object, "p": s.password(w) }),
    },
    Row {
        mutation: "eraseContact",
        definitions: "$id: ID!, $p: String!",
        call: "eraseContact(id: $id, currentPassword: $p)",
        setup: Setup::ContactToRemove,
        wrong: &[Wrong::Password],
        signed_in: true,
        vars: |s, w| json!({ "id": s.object, "p": s.password(w) }),
    },
    Row {
        // The password is checked before the ownership: an owner's attempts count too.
        mutation: "deleteMyLogin",
        definitions: "$p: String!",
        call: "deleteMyLogin(currentPassword: $p)",
        setup: Setup::SignedIn,
        wrong: &[Wrong::Password],
        signed_in: true,
        vars: |s, w| json!({ "p": s.password(w) }),
    },
    Row {
        mutation: "transferOwnership",
        definitions: "$id: ID!, $p: String!",
        call: "transferOwnership(contactId: $id, currentPassword: $p) { id }",
        setup: Setup::MemberToTransferTo,
        wrong: &[Wrong::Password],
        signed_in: true,
        vars: |s, w| json!({ "id": s.object, "p": s.password(w) }),
    },
    Row {
        mutation: "createApiToken",
        definitions: "$a: ID!, $p: String!",
        call: "createApiToken(accountId: $a, input: { name: \"ci\", permissions: [VIEW_SERVICES] }, currentPassword: $p) { token }",
        setup: Setup::OwnAccount,
        wrong: &[Wrong::Password],
        signed_in: true,
        vars: |s, w| json!({ "a": s.object, "p": s.password(w) }),
    },
    Row {
        mutation: "beginPasskeyRegistration",
        definitions: "$p: String",
        call: "beginPasskeyRegistration(currentPassword: $p) { challengeId }",
        setup: Setup::SignedIn,
        wrong: &[Wrong::Password],
        signed_in: true,
        vars: |s, w| json!({ "p": s.password(w) }),
    },
    Row {
        // The password is checked before the passkey is looked for: no passkey needed.
        mutation: "removePasskey",
        definitions: "$p: String!",
        call: "removePasskey(id: \"1\", currentPassword: $p)",
        setup: Setup::SignedIn,
        wrong: &[Wrong::Password],
        signed_in: true,
        vars: |s, w| json!({ "p": s.password(w) }),
    },
    Row {
        mutation: "acceptInvitation",
        definitions: "$t: String!, $p: String, $c: String",
        call: "acceptInvitation(token: $t, input: { password: $p, totpCode: $c }) { token }",
        setup: Setup::InvitedWithTwoFactor,
        wrong: &[Wrong::Password, Wrong::Code],
        signed_in: false,
        vars: |s, w| json!({ "t": s.object, "p": s.password(w), "c": s.code(w) }),
    },
];

/// A case's fresh user, and what its setup made.
struct Subject {
    email: String,
    token: String,
    /// The two-factor secret, when two-factor sign-in is on (signing in needs a code).
    secret: Option<String>,
    /// The code the app shows now, when the user has a secret (on, or being enrolled).
    right_code: Option<String>,
    /// A six-digit code that is none of the codes accepted now.
    wrong_code: String,
    /// The contact id or invitation token the row acts on.
    object: String,
}

impl Subject {
    fn password(&self, wrong: Wrong) -> &str {
        if wrong == Wrong::Password {
            WRONG_PASSWORD
        } else {
            PASSWORD
        }
    }

    fn code(&self, wrong: Wrong) -> Option<&str> {
        if wrong == Wrong::Code {
            Some(&self.wrong_code)
        } else {
            self.right_code.as_deref()
        }
    }
}

/// A server whose per-email limit on failed sign-ins is [`LIMIT`], and every other
/// limit out of the way: all requests come from one address, and many users register.
async fn server() -> TestApp {
    TestApp::start_with(|c| {
        let t = &mut c.domain.throttles;
        let window = Duration::from_secs(600);
        let plenty = Limit::new(10_000, window);
        t.sign_in_failures_per_email = Limit::new(LIMIT, window);
        t.sign_in_failures_per_address = plenty;
        t.invitation_acceptances_per_address = plenty;
        t.accounts_opened_per_address = plenty;
        t.portal_grants_per_account = plenty;
    })
    .await
}

/// The credential-checking mutations as the schema has them: each mutation with a
/// credential-named argument, or an input object (at any depth) with such a field.
async fn from_the_schema(app: &TestApp) -> BTreeSet<String> {
    let r = app
        .gql(
            "{ __schema { mutationType { fields { name args { name type { ...T } } } } \
               types { name kind inputFields { name type { ...T } } } } } \
             fragment T on __Type { name ofType { name ofType { name ofType { name } } } }",
            json!({}),
        )
        .await
        .ok();
    let named = |t: &Value| -> String {
        let mut t = t;
        while t["name"].is_null() && !t["ofType"].is_null() {
            t = &t["ofType"];
        }
        t["name"].as_str().unwrap_or_default().to_owned()
    };
    let types = r
        .at("__schema.types")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let input_fields = |name: &str| -> Vec<(String, String)> {
        types
            .iter()
            .find(|t| t["name"] == name && t["kind"] == "INPUT_OBJECT")
            .and_then(|t| t["inputFields"].as_array())
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| {
                        (
                            f["name"].as_str().unwrap_or_default().to_owned(),
                            named(&f["type"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    // Whether a value of this type carries a credential.
    let carries = |name: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![name.to_owned()];
        while let Some(ty) = todo.pop() {
            if !seen.insert(ty.clone()) {
                continue;
            }
            for (field, field_type) in input_fields(&ty) {
                if CREDENTIAL_NAMES.contains(&field.as_str()) {
                    return true;
                }
                todo.push(field_type);
            }
        }
        false
    };
    let fields = r
        .at("__schema.mutationType.fields")
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no mutations in {}", r.body));
    fields
        .iter()
        .filter(|f| {
            f["args"].as_array().into_iter().flatten().any(|arg| {
                CREDENTIAL_NAMES.contains(&arg["name"].as_str().unwrap_or_default())
                    || carries(&named(&arg["type"]))
            })
        })
        .map(|f| f["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A six-digit code the server refuses for the next minute or so: none of the codes of
/// the step before now, this one and the two after (the drift it allows, and a step
/// boundary passing while the case runs).
fn wrong_code(app: &TestApp, secret: Option<&str>) -> String {
    let now = u64::try_from(app.server.domain.clock().now().timestamp()).unwrap_or_default();
    let accepted: Vec<String> = secret
        .into_iter()
        .flat_map(|secret| [now - 30, now, now + 30, now + 60].map(|t| totp_code_at(secret, t)))
        .collect();
    (0..10)
        .map(|digit| digit.to_string().repeat(6))
        .find(|code| !accepted.contains(code))
        .expect("four codes cannot be ten")
}

/// Makes a fresh user (the `n`-th) and what the row needs.
async fn subject(app: &TestApp, row: &Row, n: usize) -> Result<Subject, String> {
    let email = format!("user{n}@credentials.test");
    let r = app
        .gql(
            "mutation($i: RegisterInput!) { register(input: $i) { token } }",
            json!({ "i": {
                "accountName": format!("Case {n}"), "firstName": "Case", "lastName": format!("{n}"),
                "email": email, "password": PASSWORD,
            }}),
        )
        .await;
    let Some(token) = r.get("register.token").and_then(Value::as_str) else {
        return Err(format!("register answered {}", r.body));
    };
    let token = token.to_owned();
    let mut secret = None;
    let mut object = String::new();
    match row.setup {
        Setup::SignedIn => {}
        Setup::OwnAccount => object = app.current_account(&token).await,
        Setup::TwoFactor | Setup::InvitedWithTwoFactor => {
            secret = Some(app.turn_on_two_factor(&token, PASSWORD).await?);
        }
        Setup::EnrolmentStarted => {
            let r = app
                .gql_as(
                    &token,
                    "mutation($p: String!) { enrollTotp(currentPassword: $p) { secret } }",
                    json!({ "p": PASSWORD }),
                )
                .await;
            let Some(started) = r.get("enrollTotp.secret").and_then(Value::as_str) else {
                return Err(format!("enrollTotp answered {}", r.body));
            };
            secret = Some(started.to_owned());
        }
        Setup::ContactToRemove | Setup::MemberToTransferTo => {
            let account = app.current_account(&token).await;
            let mut input = json!({
                "firstName": "Other", "lastName": "Person", "role": "ADMIN",
                "email": format!("contact{n}@credentials.test"),
            });
            if row.setup == Setup::MemberToTransferTo {
                input["portalAccess"] = json!(true);
                input["password"] = json!(MEMBER_PASSWORD);
            }
            let r = app
                .gql_as(&token, ADD, json!({ "a": account, "i": input }))
                .await;
            let Some(id) = r.get("addContact.id").and_then(Value::as_str) else {
                return Err(format!("addContact answered {}", r.body));
            };
            object = id.to_owned();
        }
    }
    if row.setup == Setup::InvitedWithTwoFactor {
        object = invitation_from_another_account(app, &email, n).await?;
    }
    // The code confirmed in setup spent its step: the case uses the next one's.
    app.server.domain.clock().advance(Duration::from_secs(30));
    let two_factor_on = matches!(row.setup, Setup::TwoFactor | Setup::InvitedWithTwoFactor);
    Ok(Subject {
        right_code: secret.as_deref().map(|s| app.totp_code(s)),
        wrong_code: wrong_code(app, secret.as_deref()),
        secret: secret.filter(|_| two_factor_on),
        email,
        token,
        object,
    })
}

/// Another account's owner invites `email`; the token of the emailed link.
async fn invitation_from_another_account(
    app: &TestApp,
    email: &str,
    n: usize,
) -> Result<String, String> {
    let inviter = app
        .register(
            &format!("Inviter {n}"),
            &format!("inviter{n}@credentials.test"),
            PASSWORD,
        )
        .await;
    let account = app.current_account(&inviter).await;
    let r = app
        .gql_as(
            &inviter,
            "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: { email: $e, role: TECHNICAL }) { id } }",
            json!({ "a": account, "e": email }),
        )
        .await;
    if r.body.get("errors").is_some() {
        return Err(format!("inviteUser answered {}", r.body));
    }
    let prefix = format!("{}/invite/", app.config.http.public_url);
    app.mails_to(email)
        .await
        .iter()
        .find_map(|m| link_after(m, &prefix))
        .map(|link| token_in_link(&link))
        .ok_or_else(|| format!("no invitation email to {email}"))
}

async fn send(app: &TestApp, row: &Row, subject: &Subject, document: &str, vars: &Value) -> Gql {
    if row.signed_in {
        app.gql_as(&subject.token, document, vars.clone()).await
    } else {
        app.gql(document, vars.clone()).await
    }
}

/// `extensions.retryAfter`: a whole number of seconds, at least 1.
fn retry_after(r: &Gql) -> Result<u64, String> {
    r.body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .filter(|s| *s >= 1)
        .ok_or_else(|| {
            format!(
                "RATE_LIMITED without a retryAfter of 1 s or more: {}",
                r.body
            )
        })
}

/// Wrong credentials until RATE_LIMITED, within the limit (+1: the try past it); then
/// the user's right password at `login` is refused as well.
async fn spends_the_sign_in_throttle(
    app: &TestApp,
    row: &Row,
    subject: &Subject,
    wrong: Wrong,
) -> Result<(), String> {
    let document = format!("mutation({}) {{ {} }}", row.definitions, row.call);
    let vars = (row.vars)(subject, wrong);
    let mut throttled = false;
    for attempt in 1..=LIMIT + 1 {
        let r = send(app, row, subject, &document, &vars).await;
        let at_the_field = r.body["errors"][0]["path"] == json!([row.mutation]);
        match r.error_code() {
            Some("RATE_LIMITED") => {
                retry_after(&r)?;
                throttled = true;
                break;
            }
            Some("UNAUTHENTICATED" | "BAD_USER_INPUT") if at_the_field => {}
            _ => {
                return Err(format!(
                    "try {attempt} was not refused as a wrong credential at {}\n    \
                     request: {document}  variables: {vars}\n    response (HTTP {}): {}",
                    row.mutation, r.status, r.body
                ));
            }
        }
    }
    if !throttled {
        return Err(format!(
            "{} wrong tries and no RATE_LIMITED (the per-email limit is {LIMIT}): the \
             check does not spend the sign-in throttle\n    request: {document}  variables: {vars}",
            LIMIT + 1
        ));
    }
    // The same bucket as signing in: the right password (and a fresh code) is refused.
    app.server.domain.clock().advance(Duration::from_secs(30));
    let code = subject.secret.as_deref().map(|s| app.totp_code(s));
    let login = "mutation($e: String!, $p: String!, $c: String) { login(email: $e, password: $p, totpCode: $c) { token } }";
    let r = app
        .gql(
            login,
            json!({ "e": subject.email, "p": PASSWORD, "c": code }),
        )
        .await;
    if r.error_code() != Some("RATE_LIMITED") {
        return Err(format!(
            "throttled, but then login with the right password is not RATE_LIMITED (not the \
             sign-in bucket): {}",
            r.body
        ));
    }
    retry_after(&r).map(|_| ())
}

/// Two aliases of the row's mutation in one request: refused (BAD_USER_INPUT, no `data`)
/// before either runs.
async fn runs_once_per_request(app: &TestApp, row: &Row, subject: &Subject) -> Result<(), String> {
    let document = format!(
        "mutation({}) {{ first: {} second: {} }}",
        row.definitions, row.call, row.call
    );
    let vars = (row.vars)(subject, row.wrong[0]);
    let r = send(app, row, subject, &document, &vars).await;
    let refused = r.error_code() == Some("BAD_USER_INPUT")
        && r.error_message()
            .unwrap_or_default()
            .contains("at most one")
        && !r.body.as_object().is_some_and(|b| b.contains_key("data"));
    if refused {
        Ok(())
    } else {
        Err(format!(
            "two in one request are not refused before they run (BAD_USER_INPUT \"at most \
             one…\", no data)\n    request: {document}  variables: {vars}\n    response (HTTP {}): {}",
            r.status, r.body
        ))
    }
}

fn label(row: &Row, wrong: Wrong) -> String {
    let what = match wrong {
        Wrong::Password => "password",
        Wrong::Code => "second-factor code",
    };
    format!("{} with a wrong {what}", row.mutation)
}

#[tokio::test]
async fn every_credential_checking_mutation_in_the_schema_has_a_row_or_a_reason() {
    let app = server().await;
    let in_schema = from_the_schema(&app).await;
    app.stop().await;
    let rows: BTreeSet<String> = ROWS.iter().map(|r| r.mutation.to_owned()).collect();
    let excluded: BTreeSet<String> = EXCLUDED.iter().map(|(m, _)| (*m).to_owned()).collect();
    let mut problems = Vec::new();
    for name in in_schema.difference(&rows) {
        if !excluded.contains(name) {
            problems.push(format!(
                "{name} takes a credential-named argument ({}) but has neither a row in ROWS \
                 nor a reason in EXCLUDED",
                CREDENTIAL_NAMES.join(", ")
            ));
        }
    }
    for name in rows.union(&excluded) {
        if !in_schema.contains(name) {
            problems.push(format!(
                "{name} is in {} but the schema has no mutation {name} taking a \
                 credential-named argument",
                if rows.contains(name) {
                    "ROWS"
                } else {
                    "EXCLUDED"
                }
            ));
        }
    }
    for name in rows.intersection(&excluded) {
        problems.push(format!("{name} is both in ROWS and in EXCLUDED"));
    }
    assert!(
        problems.is_empty(),
        "the credential-checking mutations of the schema ({}) and the table differ:\n{}",
        in_schema.iter().cloned().collect::<Vec<_>>().join(", "),
        problems.join("\n")
    );
}

#[tokio::test]
async fn every_credential_check_spends_the_sign_in_throttle_and_one_runs_per_request() {
    let app = server().await;
    let mut problems = Vec::new();
    let mut cases = 0;
    for row in ROWS {
        cases += 1;
        match subject(&app, row, cases).await {
            Ok(subject) => {
                if let Err(why) = runs_once_per_request(&app, row, &subject).await {
                    problems.push(format!("{} twice in one request: {why}", row.mutation));
                }
            }
            Err(why) => problems.push(format!(
                "{} twice in one request: not run: {why}",
                row.mutation
            )),
        }
        for &wrong in row.wrong {
            cases += 1;
            let result = match subject(&app, row, cases).await {
                Ok(subject) => spends_the_sign_in_throttle(&app, row, &subject, wrong).await,
                Err(why) => Err(format!("not run: {why}")),
            };
            if let Err(why) = result {
                problems.push(format!("{}: {why}", label(row, wrong)));
            }
        }
    }
    app.stop().await;
    let runs = ROWS.len() + ROWS.iter().map(|r| r.wrong.len()).sum::<usize>();
    assert!(
        problems.is_empty(),
        "{} of {runs} credential-check cases do not match:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}
