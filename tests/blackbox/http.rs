use clientele_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn health_readiness_and_graphiql() {
    let app = TestApp::start().await;
    assert_eq!(app.get("/healthz").await, (200, "ok".into()));
    assert_eq!(app.get("/readyz").await, (200, "ready".into()));
    let page = reqwest::Client::new()
        .get(format!("{}/graphql", app.url))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );
    app.stop().await;
}

#[tokio::test]
async fn graphiql_introspection_passes_the_query_limits() {
    let app = TestApp::start().await;
    let r = app.gql(INTROSPECTION, json!({})).await.ok();
    let types = r.at("__schema.types").as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Viewer"));
    app.stop().await;
}

#[tokio::test]
async fn abusive_requests_are_refused_cleanly() {
    let app = TestApp::start().await;
    // Too deep.
    let mut nested = String::from("id");
    for _ in 0..6 {
        nested = format!(
            "__typename ofType: __type(name: \"Query\") {{ name fields {{ type {{ {nested} }} }} }}"
        );
    }
    let r = app.gql(&format!("{{ {nested} }}"), json!({})).await;
    assert!(
        r.error_message()
            .unwrap_or_default()
            .contains("nested too deep"),
        "{}",
        r.body
    );
    r.expect_code("BAD_USER_INPUT");
    // A query that does not parse, or names no such field, is the client's mistake.
    app.gql("{ viewer { ", json!({}))
        .await
        .expect_code("BAD_USER_INPUT");
    app.gql("{ noSuchField }", json!({}))
        .await
        .expect_code("BAD_USER_INPUT");
    assert_eq!(r.status, 200);
    // Too big a body: refused before parsing, not a 500.
    let huge = "x".repeat(400 * 1024);
    let r = reqwest::Client::new()
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body(json!({"query": format!("{{ viewer {{ user {{ id }} }} }} # {huge}")}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    // Not JSON at all.
    let r = reqwest::Client::new()
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    app.stop().await;
}

/// The introspection query GraphiQL sends (graphql-js `getIntrospectionQuery`).
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}
"#;

#[tokio::test]
async fn a_dashboard_directory_is_served_and_its_own_routes_answer_its_page() {
    let built = tempfile::tempdir().unwrap();
    std::fs::create_dir(built.path().join("assets")).unwrap();
    std::fs::write(built.path().join("index.html"), "<title>the app</title>").unwrap();
    std::fs::write(built.path().join("assets/app-1.js"), "console.log(1)").unwrap();
    let dir = built.path().to_owned();
    let app = TestApp::start_with(|config| config.http.dashboard_dir = Some(dir)).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = async |path: &str| {
        let response = client
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let (status, kind, cache, location) = (
            response.status().as_u16(),
            header("content-type"),
            header("cache-control"),
            header("location"),
        );
        (
            status,
            kind,
            cache,
            location,
            response.text().await.unwrap(),
        )
    };
    // Relative assets need the trailing slash.
    let (status, _, _, location, _) = get("/dashboard").await;
    assert_eq!((status, location.as_str()), (308, "dashboard/"));
    for route in [
        "/dashboard/",
        "/dashboard/contacts",
        "/dashboard/accounts/7/contacts",
    ] {
        let (status, kind, cache, _, body) = get(route).await;
        assert_eq!(status, 200, "{route}");
        assert!(kind.starts_with("text/html"), "{route}: {kind}");
        assert_eq!(
            cache, "no-cache",
            "{route}: the page must not outlive a deploy"
        );
        assert_eq!(body, "<title>the app</title>");
    }
    let (status, kind, _, _, body) = get("/dashboard/assets/app-1.js").await;
    assert_eq!((status, body.as_str()), (200, "console.log(1)"));
    assert!(kind.contains("javascript"), "{kind}");
    // A missing file is a 404, not the page; nothing outside the folder is reachable.
    for path in [
        "/dashboard/assets/app-2.js",
        "/dashboard/../Cargo.toml",
        "/dashboard/%2e%2e/Cargo.toml",
    ] {
        assert_eq!(get(path).await.0, 404, "{path}");
    }
    // Without a dashboard folder there is no such route.
    let plain = TestApp::start().await;
    assert_eq!(plain.get("/dashboard/").await.0, 404);
}
