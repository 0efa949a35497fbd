//! GraphQL over HTTP (the GraphQL Foundation's spec, as its `graphql-http` audit checks
//! it) and the CSRF rule, spoken with a raw HTTP client: statuses, media types and
//! whether `data` is present are what generated clients read.

use clientele_tests::TestApp;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE};
use serde_json::{Value, json};

const GQL_RESPONSE: &str = "application/graphql-response+json";

/// A raw answer: status, content type, the body parsed if it is JSON.
struct Raw {
    status: u16,
    content_type: String,
    allow: Option<String>,
    set_cookie: bool,
    text: String,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("JSON body: {}", self.text))
    }

    fn has_data(&self) -> bool {
        self.json()
            .as_object()
            .expect("an object")
            .contains_key("data")
    }
}

async fn raw(request: reqwest::RequestBuilder) -> Raw {
    let response = request.send().await.expect("request sent");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Raw {
        status: response.status().as_u16(),
        content_type: header("content-type").unwrap_or_default(),
        allow: header("allow"),
        set_cookie: response.headers().contains_key("set-cookie"),
        text: response.text().await.unwrap_or_default(),
    }
}

fn post(app: &TestApp) -> reqwest::RequestBuilder {
    reqwest::Client::new().post(format!("{}/graphql", app.url))
}

fn get(app: &TestApp, query: &[(&str, &str)]) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .get(format!("{}/graphql", app.url))
        .query(query)
}

#[tokio::test]
async fn the_response_media_type_follows_accept() {
    let app = TestApp::start().await;
    let body = json!({"query": "{ __typename }"}).to_string();
    for (accept, expected) in [
        (Some(GQL_RESPONSE), GQL_RESPONSE),
        (Some("application/json"), "application/json"),
        (Some("*/*"), "application/json"),
        (None, "application/json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GQL_RESPONSE,
        ),
    ] {
        let mut request = post(&app)
            .header(CONTENT_TYPE, "application/json")
            .body(body.clone());
        if let Some(accept) = accept {
            request = request.header(ACCEPT, accept);
        }
        let r = raw(request).await;
        assert_eq!(r.status, 200, "{accept:?}: {}", r.text);
        assert!(
            r.content_type.starts_with(expected) && r.content_type.contains("utf-8"),
            "{accept:?} → {}",
            r.content_type
        );
        assert_eq!(r.json()["data"]["__typename"], "Query");
    }
    let r = raw(post(&app)
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "text/xml")
        .body(body))
    .await;
    assert_eq!(r.status, 406);
    app.stop().await;
}

#[tokio::test]
async fn request_errors_are_400_without_data_under_graphql_response_json_and_200_under_json() {
    let app = TestApp::start().await;
    let cases = [
        ("does not parse", json!({"query": "{"})),
        ("does not validate", json!({"query": "{ noSuchField }"})),
        (
            "variables do not coerce",
            json!({"query": "query Q($id: ID!) { __typename }", "variables": {"id": null}}),
        ),
        (
            "no such operation",
            json!({"query": "query A { __typename } query B { __typename }", "operationName": "C"}),
        ),
    ];
    for (what, body) in cases {
        let strict = raw(post(&app)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, GQL_RESPONSE)
            .body(body.to_string()))
        .await;
        assert_eq!(strict.status, 400, "{what}: {}", strict.text);
        assert!(strict.content_type.starts_with(GQL_RESPONSE), "{what}");
        assert!(!strict.has_data(), "{what}: {}", strict.text);
        assert_eq!(
            strict.json()["errors"][0]["extensions"]["code"],
            "BAD_USER_INPUT",
            "{what}"
        );
        let legacy = raw(post(&app)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body.to_string()))
        .await;
        assert_eq!(legacy.status, 200, "{what}: {}", legacy.text);
        assert!(!legacy.has_data(), "{what}: {}", legacy.text);
    }
    // A field error is not a request error: 200 and `data` present, under both.
    let r = raw(post(&app)
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, GQL_RESPONSE)
        .body(json!({"query": "{ account(id: \"1\") { id } }"}).to_string()))
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.has_data());
    app.stop().await;
}

#[tokio::test]
async fn malformed_requests_are_4xx_before_anything_runs() {
    let app = TestApp::start().await;
    let body = json!({"query": "{ __typename }"}).to_string();
    // No content type, or one we do not read.
    let r = raw(post(&app).body(body.clone())).await;
    assert_eq!(r.status, 415);
    let r = raw(post(&app)
        .header(CONTENT_TYPE, "application/xml")
        .body(body.clone()))
    .await;
    assert_eq!(r.status, 415);
    let r = raw(post(&app)
        .header(CONTENT_TYPE, "application/json; charset=latin1")
        .body(body.clone()))
    .await;
    assert_eq!(r.status, 415);
    // A charset of utf-8 is fine.
    let r = raw(post(&app)
        .header(CONTENT_TYPE, "application/json; charset=utf-8")
        .body(body))
    .await;
    assert_eq!(r.status, 200);
    for bad in [
        "",
        "NONSENSE",
        "[]",
        r#"{"query": 7}"#,
        r#"{"qeury": "{ __typename }"}"#,
        r#"{"query": "{ __typename }", "variables": [7]}"#,
        r#"{"query": "{ __typename }", "operationName": {}}"#,
    ] {
        for accept in [GQL_RESPONSE, "application/json"] {
            let r = raw(post(&app)
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, accept)
                .body(bad))
            .await;
            assert_eq!(r.status, 400, "{bad:?} ({accept}): {}", r.text);
            assert!(
                !r.content_type.starts_with(GQL_RESPONSE),
                "not a GraphQL response"
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn get_runs_queries_never_mutations_and_shows_graphiql_only_to_browsers() {
    let app = TestApp::start().await;
    let r = raw(get(
        &app,
        &[
            (
                "query",
                "query Q($n: String!) { __type(name: $n) { name } }",
            ),
            ("variables", r#"{"n": "Viewer"}"#),
            ("operationName", "Q"),
        ],
    )
    .header(ACCEPT, GQL_RESPONSE))
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["data"]["__type"]["name"], "Viewer");

    let mutation = "mutation { login(email: \"a@b.c\", password: \"whatever pass\") { token } }";
    let r = raw(get(&app, &[("query", mutation)])).await;
    assert_eq!(r.status, 405, "{}", r.text);
    assert_eq!(r.allow.as_deref(), Some("POST"));
    // Named among several: the one named decides.
    let r = raw(get(
        &app,
        &[
            ("query", "query A { __typename } mutation B { logout }"),
            ("operationName", "B"),
        ],
    ))
    .await;
    assert_eq!(r.status, 405);

    // No query and not a browser: a bad request, not the GraphiQL page.
    let r = raw(get(&app, &[]).header(ACCEPT, "application/json")).await;
    assert_eq!(r.status, 400);
    let r = raw(get(&app, &[("query", "{ __typename }")]).header(ACCEPT, "text/html")).await;
    assert_eq!(r.status, 200);
    assert!(r.text.to_lowercase().contains("graphiql"));
    app.stop().await;
}

#[tokio::test]
async fn simple_bodies_need_a_bearer_token_or_the_csrf_header() {
    let app = TestApp::start().await;
    let token = app
        .register("Acme", "ann@example.com", "correct horse battery")
        .await;
    let cookie = format!("clientele_session={token}");
    let query = "{ viewer { user { email } } }";
    let json_body = json!({ "query": query }).to_string();
    let form_body = format!("query={}", urlencode(query));
    let boundary = "XyZ";
    let multipart_body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{json_body}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{}}\r\n--{boundary}--\r\n"
    );
    let multipart_type = format!("multipart/form-data; boundary={boundary}");
    let bodies: [(&str, String); 3] = [
        ("text/plain", json_body.clone()),
        ("application/x-www-form-urlencoded", form_body),
        (multipart_type.as_str(), multipart_body),
    ];
    for (content_type, body) in &bodies {
        // With the cookie (what a foreign page's form would carry): refused, 400.
        let r = raw(post(&app)
            .header(CONTENT_TYPE, *content_type)
            .header(COOKIE, &cookie)
            .body(body.clone()))
        .await;
        assert_eq!(r.status, 400, "{content_type} with the cookie: {}", r.text);
        // With a bearer token: runs.
        let r = raw(post(&app)
            .header(CONTENT_TYPE, *content_type)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(body.clone()))
        .await;
        assert_eq!(
            r.status, 200,
            "{content_type} with a bearer token: {}",
            r.text
        );
        assert_eq!(
            r.json()["data"]["viewer"]["user"]["email"],
            "ann@example.com"
        );
        // With the cookie and the CSRF header (the portal's own code): runs.
        let r = raw(post(&app)
            .header(CONTENT_TYPE, *content_type)
            .header(COOKIE, &cookie)
            .header("x-clientele-csrf", "1")
            .body(body.clone()))
        .await;
        assert_eq!(
            r.status, 200,
            "{content_type} with the CSRF header: {}",
            r.text
        );
    }
    // JSON with the cookie runs (a foreign page cannot send it without a preflight).
    let r = raw(post(&app)
        .header(CONTENT_TYPE, "application/json")
        .header(COOKIE, &cookie)
        .body(json_body))
    .await;
    assert_eq!(
        r.json()["data"]["viewer"]["user"]["email"],
        "ann@example.com"
    );

    // Login CSRF: a form posting `login` cannot sign a browser in.
    let login = format!(
        "query={}",
        urlencode(
            "mutation { login(email: \"ann@example.com\", password: \"correct horse battery\") { token } }"
        )
    );
    let r = raw(post(&app)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(login))
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(!r.set_cookie, "no session cookie may be set");
    app.stop().await;
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn over_https_the_session_cookie_is_host_prefixed_and_secure() {
    let app = TestApp::start_with(|c| {
        c.http.public_url = clientele::PublicUrl::parse("https://portal.example").unwrap();
    })
    .await;
    app.register("Acme", "ann@example.com", "correct horse battery")
        .await;
    let r = app
        .gql(
            "mutation { login(email: \"ann@example.com\", password: \"correct horse battery\") { token } }",
            json!({}),
        )
        .await
        .ok();
    let cookie = r
        .set_cookie
        .iter()
        .find(|c| c.contains("clientele_session"))
        .expect("a session cookie");
    assert!(
        cookie.starts_with("__Host-clientele_session=")
            && cookie.contains("; Secure")
            && cookie.contains("Path=/")
            && !cookie.to_ascii_lowercase().contains("domain="),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let viewer = app
        .gql_with_headers(
            &[("cookie", pair)],
            "{ viewer { user { email } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(viewer.at("viewer.user.email"), "ann@example.com");
    // The unprefixed name (which a sibling subdomain could plant) is not read.
    let token = pair.split_once('=').unwrap().1;
    let planted = app
        .gql_with_headers(
            &[("cookie", &format!("clientele_session={token}"))],
            "{ viewer { user { email } } }",
            json!({}),
        )
        .await
        .ok();
    assert!(planted.null_at("viewer"), "{}", planted.body);
    app.stop().await;
}
