//! The GraphiQL playground (`GET /graphql` in a browser): every file it loads comes
//! from the server itself, its default tabs are the operations of
//! `examples/playground.graphql`, each valid against the schema, and signing in from it
//! lets the other tabs and the subscription run on the session cookie.

use clientele_tests::TestApp;
use clientele_tests::ws::{TRANSPORT_WS, WsClient};
use serde_json::{Value, json};

/// The file the tabs come from, as the repository holds it.
const OPERATIONS: &str = include_str!("../../examples/playground.graphql");

/// The page, its headers, and its body.
async fn page(app: &TestApp) -> (reqwest::header::HeaderMap, String) {
    let response = reqwest::Client::new()
        .get(format!("{}/graphql", app.url))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("page requested");
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    (headers, response.text().await.expect("page body"))
}

/// Every value of `attribute` in `html` (`src="…"`, `href='…'`).
fn attribute_values(html: &str, attribute: &str) -> Vec<String> {
    let mut values = Vec::new();
    let needle = format!("{attribute}=");
    let mut rest = html;
    while let Some(at) = rest.find(&needle) {
        rest = &rest[at + needle.len()..];
        let value = match rest.chars().next() {
            Some(quote @ ('"' | '\'')) => rest[1..].split(quote).next().unwrap_or_default(),
            _ => rest
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or_default(),
        };
        values.push(value.to_owned());
    }
    values
}

/// The page's default tabs (`[{query, variables}]`).
fn tabs(html: &str) -> Vec<Value> {
    let open = r#"<script type="application/json" id="playground-tabs">"#;
    let start = html.find(open).expect("the page carries its tabs") + open.len();
    let end = start + html[start..].find("</script>").expect("the tabs end");
    serde_json::from_str(&html[start..end]).expect("the tabs are JSON")
}

/// The type and name of the operation a document defines (its first line that
/// begins with `query`, `mutation` or `subscription`).
fn operation(document: &str) -> (String, String) {
    let line = document
        .lines()
        .find(|line| {
            ["query ", "mutation ", "subscription "]
                .iter()
                .any(|k| line.starts_with(k))
        })
        .unwrap_or_else(|| panic!("no named operation in {document}"));
    let (kind, rest) = line.split_once(' ').expect("a keyword and a name");
    let name = rest
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or_default();
    (kind.to_owned(), name.to_owned())
}

/// A tab's variables as an object (`{}` when it has none).
fn variables(tab: &Value) -> Value {
    tab["variables"].as_str().map_or(json!({}), |v| {
        serde_json::from_str(v).expect("JSON variables")
    })
}

/// The tab whose operation is `name`.
fn tab<'t>(tabs: &'t [Value], name: &str) -> &'t Value {
    tabs.iter()
        .find(|tab| operation(tab["query"].as_str().unwrap_or_default()).1 == name)
        .unwrap_or_else(|| panic!("no tab {name}"))
}

#[tokio::test]
async fn the_playground_loads_only_files_from_its_own_origin() {
    let app = TestApp::start().await;
    let (headers, html) = page(&app).await;
    let header = |name: &str| headers[name].to_str().unwrap_or_default().to_owned();
    assert!(header("content-type").starts_with("text/html"));
    // The browser enforces it too: nothing but this origin.
    let policy = header("content-security-policy");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(policy.contains("connect-src 'self';"), "{policy}");

    let urls: Vec<String> = ["src", "href"]
        .iter()
        .flat_map(|attribute| attribute_values(&html, attribute))
        .collect();
    assert!(urls.len() >= 5, "{urls:?}");
    // Relative to the page (so that it works under a proxy's path), never to another
    // origin.
    let relative = |url: &str| !url.starts_with('/') && !url.contains(':');
    for url in &urls {
        assert!(
            relative(url) || url.starts_with("data:"),
            "{url} is not relative to the page"
        );
        assert!(
            !url.contains("http://") && !url.contains("https://"),
            "{url}"
        );
    }
    for url in urls.iter().filter(|url| relative(url)) {
        // The page is /graphql: its relative URLs resolve from the root.
        let response = reqwest::get(format!("{}/{url}", app.url)).await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{url}");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        let expected = if url.ends_with(".js") {
            "text/javascript"
        } else if url.ends_with(".css") {
            "text/css"
        } else {
            panic!("{url}: a file the test does not know")
        };
        assert!(content_type.starts_with(expected), "{url}: {content_type}");
        let cache = response.headers()["cache-control"].to_str().unwrap();
        assert!(cache.contains("max-age=31536000"), "{url}: {cache}");
        let body = response.bytes().await.unwrap();
        assert!(body.len() > 500, "{url}: {} bytes", body.len());
    }
    for unknown in [
        "/graphiql/nope.js",
        "/graphiql/graphiql-0.0.1.min.js",
        "/graphiql/..%2FCargo.toml",
    ] {
        assert_eq!(app.get(unknown).await.0, 404, "{unknown}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_default_tabs_are_the_operations_of_examples_playground_graphql() {
    let app = TestApp::start().await;
    let (_, html) = page(&app).await;
    let shown: Vec<(String, String)> = tabs(&html)
        .iter()
        .map(|tab| operation(tab["query"].as_str().expect("a query")))
        .collect();
    let in_file: Vec<(String, String)> = OPERATIONS
        .lines()
        .filter(|line| {
            ["query", "mutation", "subscription"]
                .iter()
                .any(|k| line.starts_with(k))
        })
        .map(operation)
        .collect();
    assert_eq!(shown, in_file);
    let names: Vec<&str> = shown.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "SignIn",
            "FindAccount",
            "AddContact",
            "InviteUser",
            "ChangeRole",
            "RevokeAccess",
            "SendNotification",
            "ApiTokens",
            "ContactEvents"
        ]
    );
    for tab in tabs(&html) {
        assert!(variables(&tab).is_object(), "{tab}");
        assert!(tab["query"].as_str().unwrap().starts_with("# "), "{tab}");
    }
    app.stop().await;
}

/// What an administrator does on the playground of a fresh portal, each tab as
/// written: `SignIn` sets the session cookie, which the page's same-origin POSTs
/// carry, and with which its WebSocket (same origin, nothing in `connection_init`)
/// signs in. Every operation runs without an error: it parses, validates against the
/// schema, its placeholder variables coerce (inside an input object that shows only
/// as the field reads them, hence "no error at all") and name what the portal holds.
#[tokio::test]
async fn every_tab_runs_as_written_once_signed_in_on_the_playground() {
    let app = TestApp::start().await;
    let (_, html) = page(&app).await;
    let tabs = tabs(&html);
    // The staff user and the account the placeholders name.
    let sign_in = tab(&tabs, "SignIn");
    let credentials = variables(sign_in);
    app.server
        .domain
        .auth()
        .create_staff(
            credentials["email"].as_str().unwrap(),
            credentials["password"].as_str().unwrap(),
            "Ada",
            "Admin",
        )
        .await
        .expect("staff user");
    let owner = app
        .register("Acme Ltd", "ann@acme.test", "ann's long password")
        .await;
    assert_eq!(app.current_account(&owner).await, "1", "the first account");

    let origin = app.config.http.public_url.to_string();
    let origin = origin.trim_end_matches('/');
    let r = app
        .gql_with_headers(
            &[("origin", origin)],
            sign_in["query"].as_str().unwrap(),
            credentials,
        )
        .await
        .ok();
    assert_eq!(r.at("login.viewer.isStaff"), true);
    let cookie = r
        .set_cookie
        .iter()
        .find(|c| c.starts_with("clientele_session="))
        .and_then(|c| c.split(';').next())
        .expect("login sets the session cookie")
        .to_owned();
    let browser = [("cookie", cookie.as_str()), ("origin", origin)];

    for tab in &tabs {
        let query = tab["query"].as_str().unwrap();
        let (kind, name) = operation(query);
        if kind == "subscription" || name == "SignIn" {
            continue;
        }
        let r = app.gql_with_headers(&browser, query, variables(tab)).await;
        assert!(r.body.get("errors").is_none(), "{name}: {}", r.body);
        if name == "FindAccount" {
            assert_eq!(r.at("accounts.nodes.0.name"), "Acme Ltd");
        }
    }

    // GraphiQL's socket: the cookie signs it in; then a contact added shows.
    let add = tab(&tabs, "AddContact");
    let mut another = variables(add);
    another["input"]["email"] = json!("live.event@example.com");
    for tab in &tabs {
        let query = tab["query"].as_str().unwrap();
        if operation(query).0 != "subscription" {
            continue;
        }
        let mut socket = WsClient::connect(&app.url, TRANSPORT_WS, &browser)
            .await
            .expect("socket opens");
        assert_eq!(socket.init(json!({})).await["type"], "connection_ack");
        app.listen(&mut socket, "1", query, variables(tab)).await;
        let r = app
            .gql_with_headers(&browser, add["query"].as_str().unwrap(), another.clone())
            .await
            .ok();
        let event = socket.next_event("1").await;
        assert_eq!(event["contactEvents"]["kind"], "CREATED", "{event}");
        assert_eq!(event["contactEvents"]["contactId"], *r.at("addContact.id"));
    }
    app.stop().await;
}
