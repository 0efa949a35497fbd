//! Persisted operations over raw HTTP: the automatic protocol's round trip (hash
//! unknown → hash and text → hash alone), and an allow-list that runs nothing else.

use clientele_tests::TestApp;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

#[tokio::test]
async fn an_unknown_hash_is_asked_for_once_then_runs_by_hash_alone() {
    let app = TestApp::start().await;
    let query = "query Portal { portalSettings { invitationTtlHours } }";
    let hash = sha256(query);
    let (status, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert!(body.get("data").is_none());

    let (status, body) = post(
        &app,
        json!({ "query": query, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["portalSettings"]["invitationTtlHours"], 168);

    let (status, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["portalSettings"]["invitationTtlHours"], 168);

    // Over GET too, and a persisted mutation is still no GET's business.
    let r = reqwest::Client::new()
        .get(format!("{}/graphql", app.url))
        .query(&[("extensions", persisted(&hash).to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let mutation = "mutation { logout }";
    post(
        &app,
        json!({ "query": mutation, "extensions": persisted(&sha256(mutation)) }),
    )
    .await;
    let r = reqwest::Client::new()
        .get(format!("{}/graphql", app.url))
        .query(&[("extensions", persisted(&sha256(mutation)).to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);

    // A text that is not its hash's is refused, and teaches the server nothing.
    let other = sha256("{ viewer { user { id } } }");
    let (status, body) = post(
        &app,
        json!({ "query": query, "extensions": persisted(&other) }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let (_, body) = post(&app, json!({ "extensions": persisted(&other) })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    app.stop().await;
}

#[tokio::test]
async fn with_an_allow_list_and_introspection_off_only_registered_operations_run() {
    let listed = "query Portal { portalSettings { invitationTtlHours } }";
    let app = TestApp::start_with_allow_list(&[listed]).await;
    // Registered: by text and by hash.
    let (status, body) = post(&app, json!({ "query": listed })).await;
    assert_eq!(
        (
            status,
            &body["data"]["portalSettings"]["invitationTtlHours"]
        ),
        (200, &json!(168))
    );
    let (status, _) = post(&app, json!({ "extensions": persisted(&sha256(listed)) })).await;
    assert_eq!(status, 200);
    // Anything else: refused before it runs, even sent with its hash.
    for body in [
        json!({ "query": "{ portalSettings { allowClientContactManagement } }" }),
        json!({ "query": "{ __schema { types { name } } }" }),
        json!({ "query": "mutation { logout }", "extensions": persisted(&sha256("mutation { logout }")) }),
    ] {
        let (status, answer) = post(&app, body.clone()).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{answer}"
        );
        assert!(answer.get("data").is_none());
    }
    app.stop().await;
}

#[tokio::test]
async fn introspection_off_hides_the_schema() {
    let app = TestApp::start_with(|c| c.http.introspection = false).await;
    let (_, body) = post(&app, json!({ "query": "{ __schema { types { name } } }" })).await;
    assert!(
        body["data"]["__schema"]["types"].as_array().is_none(),
        "introspection answered: {body}"
    );
    // Ordinary queries still run.
    let (status, body) = post(
        &app,
        json!({ "query": "{ portalSettings { invitationTtlHours } }" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}
