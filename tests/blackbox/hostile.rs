//! The hostile-request suite: requests made to break a server (malformed bodies, huge
//! inputs, nesting and alias bombs, bad cursors and ids, floods, slow clients), sent
//! through the public API only. Each is refused with a 4xx or a coded GraphQL error,
//! never a 5xx; none leaves anything half-written; the server serves on.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clientele_tests::fixtures::{ADD, CONTACT_EVENTS, OWNER_PASSWORD, Portal};
use clientele_tests::ws::{Incoming, error_code};
use clientele_tests::{TestApp, WsClient, wait_until};
use reqwest::RequestBuilder as Request;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const GQL_RESPONSE: &str = "application/graphql-response+json";
const CONTACTS: &str = "query($a: ID!, $n: Int, $c: String) {
  account(id: $a) { contacts(first: $n, after: $c) { totalCount edges { cursor } } } }";

/// What a hostile request must get.
enum Expect {
    /// This status, before any GraphQL ran.
    Status(u16),
    /// Refused before execution (GraphQL over HTTP): 400, this code, no `data` key.
    Refused(&'static str),
    /// Execution began: 200, `data` present with `null` at this JSON pointer under
    /// `data` (`""` is `data` itself), this code.
    Null(&'static str, &'static str),
}

fn post_as(app: &TestApp, content_type: &str, body: impl Into<reqwest::Body>) -> Request {
    reqwest::Client::new()
        .post(format!("{}/graphql", app.url))
        .header(CONTENT_TYPE, content_type)
        .header(ACCEPT, GQL_RESPONSE)
        .body(body)
}

fn post(app: &TestApp, body: impl Into<reqwest::Body>) -> Request {
    post_as(app, "application/json", body)
}

fn gql(app: &TestApp, query: &str, variables: Value) -> Request {
    let body = json!({ "query": query, "variables": variables });
    post(app, body.to_string())
}

/// The status and body of the answer to `request`.
async fn send(request: Request) -> Result<(u16, String), String> {
    let response = request
        .send()
        .await
        .map_err(|e| format!("no answer: {:?}", e.without_url()))?;
    let status = response.status().as_u16();
    Ok((status, response.text().await.unwrap_or_default()))
}

/// The status and body of the answer to `bytes`, sent as they are on a new connection;
/// an error unless the server answers and closes the connection within 5 seconds.
async fn send_raw(addr: SocketAddr, bytes: &[u8]) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    // The server may answer and close before it has read everything.
    let _ = stream.write_all(bytes).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer));
    if read.await.is_err() {
        return Err("not answered and closed within 5 s".into());
    }
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    match head.split(' ').nth(1).and_then(|s| s.parse().ok()) {
        Some(status) => Ok((status, body.to_owned())),
        None => Err(format!("not an HTTP answer: {head:?}")),
    }
}

/// A raw JSON POST with more `headers` (each ending in CRLF) and `body`.
fn raw_post(headers: &str, body: &str) -> Vec<u8> {
    format!("POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{headers}\r\n{body}")
        .into_bytes()
}

/// Why `answer` breaks `expect`, if it does.
fn verdict(answer: Result<(u16, String), String>, expect: &Expect) -> Result<(), String> {
    let (status, text) = answer?;
    let shown: String = text.chars().take(400).collect();
    let fail = |why: &str| Err(format!("{why}; got {status}: {shown}"));
    if status >= 500 {
        return fail("a 5xx");
    }
    let (code, null_at) = match *expect {
        Expect::Status(wanted) if status == wanted => return Ok(()),
        Expect::Status(wanted) => return fail(&format!("wanted {wanted}")),
        Expect::Refused(code) => (code, None),
        Expect::Null(code, path) => (code, Some(path)),
    };
    let Ok(body) = serde_json::from_str::<Value>(&text) else {
        return fail("not JSON");
    };
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    if errors.is_empty() || errors.iter().any(|e| !e["extensions"]["code"].is_string()) {
        return fail("errors, each with extensions.code");
    }
    if errors[0]["extensions"]["code"] != code {
        return fail(&format!("wanted {code}"));
    }
    match null_at {
        None if status != 400 || body.get("data").is_some() => fail("400 and no `data`"),
        Some(path)
            if status != 200 || body.pointer(&format!("/data{path}")) != Some(&Value::Null) =>
        {
            fail(&format!("200 and `data` with null at {path:?}"))
        }
        _ => Ok(()),
    }
}

/// Everything a hostile request could have written to, as the owners and staff see it.
async fn state(app: &TestApp, owners: &[(&str, &str)], staff: &str) -> Value {
    let mut seen = Vec::new();
    for (token, account) in owners {
        let r = app
            .gql_as(
                token,
                "query($a: ID!) { viewer { user { email firstName lastName } }
                  account(id: $a) { name contacts(first: 100) { totalCount nodes {
                    firstName lastName email notificationPreferences } }
                  tickets { totalCount } invitations { nodes { email } } auditLog { totalCount } } }",
                json!({ "a": account }),
            )
            .await
            .ok();
        seen.push(r.body["data"].clone());
    }
    let r = app
        .gql_as(staff, "{ accounts { totalCount } }", json!({}))
        .await
        .ok();
    seen.push(r.body["data"].clone());
    Value::Array(seen)
}

/// A second account, the target of cross-account requests.
async fn other_co(app: &TestApp) -> Portal<'_> {
    Portal::new(app)
        .named("Other Co")
        .owner("owner@other.test")
        .await
}

/// The server is well: health, a plain query, and a signed-in one.
async fn healthy(app: &TestApp, token: &str) {
    assert_eq!(app.get("/healthz").await, (200, "ok".into()));
    let r = app.gql_as(token, "{ viewer { isStaff } }", json!({})).await;
    assert_eq!(r.ok().at("viewer.isStaff"), false);
}

#[tokio::test]
async fn hostile_http_requests_are_refused_cleanly_and_write_nothing() {
    let app = TestApp::start().await;
    let Portal {
        owner: token,
        account,
        ..
    } = Portal::acme(&app).await;
    let Portal {
        owner: other,
        account: other_account,
        ..
    } = other_co(&app).await;
    let staff = app.staff().await;
    let foreign = app.add_card(&other, &other_account, "Theirs").await;
    let owners = [
        (token.as_str(), account.as_str()),
        (other.as_str(), other_account.as_str()),
    ];
    let before = state(&app, &owners, &staff).await;

    let url = format!("{}/graphql", app.url);
    let bearer = |request: Request| request.bearer_auth(&token);
    let add = |input: Value| bearer(gql(&app, ADD, json!({ "a": account, "i": input })));
    let contacts =
        |n: Value, c: Value| bearer(gql(&app, CONTACTS, json!({ "a": account, "n": n, "c": c })));
    let register = |name: &str, email: &str| {
        gql(
            &app,
            "mutation($i: RegisterInput!) { register(input: $i) { token } }",
            json!({ "i": { "accountName": name, "firstName": "F", "lastName": "L",
                "email": email, "password": OWNER_PASSWORD } }),
        )
    };
    let nested = |open: &str, inner: &str, close: &str| {
        format!("{}{inner}{}", open.repeat(1000), close.repeat(1000))
    };
    let aliases: String = (0..10_000).map(|i| format!("a{i}: __typename ")).collect();
    let introspection_bomb = format!(
        "{{ __schema {{ types {{ {}name{} }} }} }}",
        "fields { type { ".repeat(10),
        " } }".repeat(10)
    );
    let viewer = || gql(&app, "{ viewer { isStaff } }", json!({}));
    let typename = r#"{"query":"{ __typename }"}"#;
    let ten_mb = "x".repeat(10 * 1024 * 1024);
    let long = "x".repeat(200_000);
    let batch = format!("[{}]", vec![typename; 2000].join(","));

    use Expect::{Null, Refused, Status};
    let bad = "BAD_USER_INPUT";
    let cases: Vec<(&str, Request, Expect)> = vec![
        // The body.
        ("malformed JSON", post(&app, r#"{"query": "{ __typename }""#), Status(400)),
        ("invalid UTF-8 body", post(&app, b"{\"query\": \"{ \xff\xfe }\"}".to_vec()), Status(400)),
        ("overlong UTF-8 in the body", post(&app, b"{\"query\": \"{ __typename \xc0\xaf }\"}".to_vec()), Status(400)),
        ("empty body", post(&app, ""), Status(400)),
        ("body not an object", post(&app, "\"{ __typename }\""), Status(400)),
        ("query not a string", post(&app, r#"{"query": ["{ __typename }"]}"#), Status(400)),
        ("variables not an object", post(&app, r#"{"query": "{ __typename }", "variables": "{}"}"#), Status(400)),
        ("batch of 2,000 operations", post(&app, batch), Status(400)),
        ("10 MB string in variables", gql(&app, "query($s: String) { __typename }", json!({ "s": ten_mb })), Status(413)),
        ("1,000-deep JSON in variables", post(&app, format!(r#"{{"query": "query($v: [Int]) {{ __typename }}", "variables": {{"v": {}}}}}"#, nested("[", "1", "]"))), Status(400)),
        ("1,000-deep JSON objects in variables", post(&app, format!(r#"{{"query": "{{ __typename }}", "variables": {{"v": {}}}}}"#, nested(r#"{"a":"#, "1", "}"))), Status(400)),
        ("number out of range in variables", post(&app, r#"{"query": "query($n: Int) { __typename }", "variables": {"n": 1e400}}"#), Status(400)),
        // The HTTP envelope.
        ("no Content-Type", reqwest::Client::new().post(&url).body(typename), Status(415)),
        ("Content-Type text/xml", post_as(&app, "text/xml", typename), Status(415)),
        ("charset latin1", post_as(&app, "application/json; charset=latin1", typename), Status(415)),
        ("Accept text/xml only", reqwest::Client::new().post(&url).header(CONTENT_TYPE, "application/json").header(ACCEPT, "text/xml").body(typename), Status(406)),
        ("text/plain with the session cookie (CSRF)", post_as(&app, "text/plain", typename).header(COOKIE, format!("clientele_session={token}")), Status(400)),
        ("a mutation over GET", reqwest::Client::new().get(&url).query(&[("query", "mutation { logout }")]), Status(405)),
        ("PUT", reqwest::Client::new().put(&url).body("{}"), Status(405)),
        ("garbage bearer token", viewer().bearer_auth("garbage"), Null("UNAUTHENTICATED", "/viewer")),
        ("64 KB bearer token", viewer().bearer_auth("A".repeat(64 * 1024)), Null("UNAUTHENTICATED", "/viewer")),
        ("1 MB Authorization header", viewer().bearer_auth("A".repeat(1 << 20)), Status(431)),
        ("overlong UTF-8 in Authorization", viewer().header(AUTHORIZATION, reqwest::header::HeaderValue::from_bytes(b"Bearer \xc0\xaf\xe0\x80\xaf").unwrap()), Null("UNAUTHENTICATED", "/viewer")),
        ("garbage persisted-query hash", post(&app, r#"{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "zz"}}}"#), Refused(bad)),
        // The document.
        ("1,000-deep selections", gql(&app, &nested("{ a ", "", "}"), json!({})), Refused(bad)),
        ("1,000-deep list literal", gql(&app, &format!("{{ __type(name: {}) {{ name }} }}", nested("[", "\"Query\"", "]")), json!({})), Refused(bad)),
        ("introspection depth bomb", gql(&app, &introspection_bomb, json!({})), Refused(bad)),
        ("10,000 aliases", gql(&app, &format!("{{ {aliases} }}"), json!({})), Refused(bad)),
        ("fragment cycle", gql(&app, "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", json!({})), Refused(bad)),
        ("directive on an unknown field", gql(&app, "{ nope @skip(if: false) }", json!({})), Refused(bad)),
        ("unknown directive", gql(&app, "{ viewer @evil { isStaff } }", json!({})), Refused(bad)),
        ("NUL byte in the document", gql(&app, "{ __typename \u{0} }", json!({})), Refused(bad)),
        ("duplicate operation names", post(&app, json!({ "query": "query A { __typename } query A { viewer { isStaff } }", "operationName": "A" }).to_string()), Refused(bad)),
        ("unknown operation name", post(&app, json!({ "query": "query A { __typename }", "operationName": "B" }).to_string()), Refused(bad)),
        ("NUL byte in the operation name", post(&app, json!({ "query": "query A { __typename }", "operationName": "A\u{0}" }).to_string()), Refused(bad)),
        ("huge integer literal", bearer(gql(&app, "query($a: ID!) { account(id: $a) { contacts(first: 99999999999999999999999999) { totalCount } } }", json!({ "a": account }))), Refused(bad)),
        ("a subscription over HTTP", bearer(gql(&app, CONTACT_EVENTS, json!({ "a": account }))), Refused(bad)),
        // The variables.
        ("string for an Int", contacts(json!("ten"), Value::Null), Refused(bad)),
        ("Int past 32 bits", contacts(json!(1_u64 << 40), Value::Null), Refused(bad)),
        ("list for an input object", bearer(gql(&app, ADD, json!({ "a": account, "i": [1, 2] }))), Refused(bad)),
        ("unknown enum value", add(json!({ "firstName": "F", "lastName": "L", "role": "GOD" })), Refused(bad)),
        ("NUL byte in a variable", add(json!({ "firstName": "Ann\u{0}", "lastName": "L", "role": "BILLING" })), Null(bad, "")),
        ("200,000-character name", add(json!({ "firstName": long, "lastName": "L", "role": "BILLING" })), Null(bad, "")),
        ("overlong contact email", add(json!({ "firstName": "F", "lastName": "L", "role": "BILLING", "email": format!("{long}@acme.test") })), Null(bad, "")),
        ("50,000-item list", add(json!({ "firstName": "F", "lastName": "L", "role": "BILLING", "notificationPreferences": vec!["x"; 50_000] })), Null(bad, "")),
        ("overlong email at registration", register("Long", &format!("{long}@acme.test")), Null(bad, "")),
        ("overlong account name at registration", register(&long, "long@acme.test"), Null(bad, "")),
        ("overlong email at login", gql(&app, "mutation($e: String!) { login(email: $e, password: \"whatever pass\") { token } }", json!({ "e": format!("{long}@acme.test") })), Null(bad, "")),
        // Cursors, pages and ids.
        ("garbage cursor", contacts(Value::Null, json!("garbage")), Null(bad, "/account/contacts")),
        ("cursor past 64 bits", contacts(Value::Null, json!("99999999999999999999")), Null(bad, "/account/contacts")),
        ("negative first", contacts(json!(-1), Value::Null), Null(bad, "/account/contacts")),
        ("huge first", contacts(json!(i32::MAX), Value::Null), Null(bad, "/account/contacts")),
        ("garbage id", bearer(gql(&app, "{ account(id: \"Q29udGFjdDox!!\") { name } }", json!({}))), Null("NOT_FOUND", "/account")),
        ("another account's contact id", bearer(gql(&app, "mutation($c: ID!) { updateContact(id: $c, input: { firstName: \"Pwned\" }) { id } }", json!({ "c": foreign }))), Null("NOT_FOUND", "")),
        ("another account's id", bearer(gql(&app, "mutation($a: ID!) { switchAccount(accountId: $a) { isStaff } }", json!({ "a": other_account }))), Null("NOT_FOUND", "")),
        ("a contact's id as an invoice id", bearer(gql(&app, "mutation($c: ID!) { payInvoice(id: $c) { id } }", json!({ "c": foreign }))), Null("NOT_FOUND", "")),
    ];
    // What reqwest will not send: broken HTTP, on a raw connection.
    let long_get =
        |n: usize| format!("GET /graphql?q={} HTTP/1.1\r\n\r\n", "x".repeat(n)).into_bytes();
    let chunked = "Transfer-Encoding: chunked\r\n";
    let raw_cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("not HTTP at all", b"GARBAGE\r\n\r\n".to_vec(), Status(400)),
        ("70 KB request line", long_get(70_000), Status(414)),
        ("1 MB request line", long_get(1 << 20), Status(431)),
        (
            "two Content-Lengths",
            raw_post("Content-Length: 26\r\nContent-Length: 5\r\n", typename),
            Status(400),
        ),
        (
            "a chunk size that is no number",
            raw_post(chunked, "zz\r\n{}\r\n0\r\n\r\n"),
            Status(400),
        ),
        (
            "NUL byte in a header",
            raw_post("X-Evil: a\0b\r\nContent-Length: 26\r\n", typename),
            Status(400),
        ),
        // RFC 9112 §6.3: refused, or read by Transfer-Encoding alone and the connection
        // closed after it (as send_raw checks).
        (
            "Content-Length and chunked",
            raw_post(
                &format!("Content-Length: 5\r\n{chunked}"),
                &format!("1a\r\n{typename}\r\n0\r\n\r\n"),
            ),
            Status(200),
        ),
    ];
    let kinds = cases.len() + raw_cases.len();
    let mut failures = Vec::new();
    for (what, request, expect) in cases {
        if let Err(why) = verdict(send(request).await, &expect) {
            failures.push(format!("{what}: {why}"));
        }
    }
    for (what, bytes, expect) in raw_cases {
        if let Err(why) = verdict(send_raw(app.server.addr, &bytes).await, &expect) {
            failures.push(format!("{what}: {why}"));
        }
    }
    // A cursor from the future is a page past the end: empty, not an error (the
    // total is the whole list's: the owner's own contact).
    let r = app
        .gql_as(&token, CONTACTS, json!({ "a": account, "c": "999999999" }))
        .await
        .ok();
    assert_eq!(
        r.at("account.contacts"),
        &json!({ "totalCount": 1, "edges": [] })
    );
    assert_eq!(
        state(&app, &owners, &staff).await,
        before,
        "nothing written"
    );
    healthy(&app, &token).await;
    assert!(
        failures.is_empty(),
        "{} of {kinds} hostile requests were mishandled:\n{}",
        failures.len(),
        failures.join("\n")
    );

    app.stop().await;
}

/// A `subscribe` message.
fn subscribe(id: &str, query: &str, variables: Value) -> Value {
    json!({ "type": "subscribe", "id": id, "payload": { "query": query, "variables": variables } })
}

#[tokio::test]
async fn hostile_socket_messages_end_their_operation_or_their_socket_only() {
    let app = TestApp::start().await;
    let Portal {
        owner: token,
        account,
        ..
    } = Portal::acme(&app).await;
    let Portal {
        account: other_account,
        ..
    } = other_co(&app).await;
    let now = app.newest_cursor().await;

    // What the protocol cannot read ends the socket, with the code that says why.
    for (what, pad) in [("10 MB of variables", 10 << 20), ("100 KB", 100 * 1024)] {
        let mut socket = app.socket(Some(&token)).await;
        // The server may close while the message is still going out.
        let variables = json!({ "a": account, "pad": "x".repeat(pad) });
        socket.try_subscribe("1", CONTACT_EVENTS, variables).await;
        let (_, code) = socket.until_closed(Duration::from_secs(10)).await;
        assert_eq!(code, Some(1009), "{what}");
    }
    let deep = format!(
        r#"{{"type":"subscribe","id":"1","payload":{{"query":"{{ __typename }}","variables":{{"v":{}1{}}}}}}}"#,
        "[".repeat(1000),
        "]".repeat(1000)
    );
    for (what, message) in [
        ("1,000-deep JSON", deep.as_str()),
        (
            "a NUL byte in the type",
            r#"{"type":"subscr\u0000ibe","id":"1"}"#,
        ),
    ] {
        let mut socket = app.socket(Some(&token)).await;
        socket.send_raw(message).await;
        let (_, code) = socket.until_closed(Duration::from_secs(10)).await;
        assert_eq!(code, Some(4400), "{what}");
    }

    // What the protocol reads but GraphQL refuses ends that operation, coded.
    let mut socket = app.socket(Some(&token)).await;
    let events = |a: &str, after: Value| json!({ "query": CONTACT_EVENTS, "variables": { "a": a, "after": after } });
    let deep = format!("subscription {}{}", "{ a ".repeat(1000), "}".repeat(1000));
    let aliases: String = (0..3_000).map(|i| format!("a{i}: __typename ")).collect();
    let bad = "BAD_USER_INPUT";
    let cases = [
        ("garbage cursor", events(&account, json!("garbage")), bad),
        ("future cursor", events(&account, json!("99999999")), bad),
        ("negative cursor", events(&account, json!("-5")), bad),
        ("wrong variable type", events(&account, json!([1])), bad),
        ("garbage id", events("x\u{0}y", json!(now)), "NOT_FOUND"),
        (
            "another account",
            events(&other_account, json!(now)),
            "NOT_FOUND",
        ),
        ("1,000-deep selections", json!({ "query": deep }), bad),
        (
            "3,000 aliases",
            json!({ "query": format!("{{ {aliases} }}") }),
            bad,
        ),
        (
            "unknown operation",
            json!({ "query": "subscription A { __typename }", "operationName": "B" }),
            bad,
        ),
    ];
    for (i, (what, payload, code)) in cases.into_iter().enumerate() {
        let id = format!("op{i}");
        socket
            .send(json!({ "type": "subscribe", "id": id, "payload": payload }))
            .await;
        assert_eq!(socket.expect_error(&id).await, code, "{what}");
    }
    // The socket still serves.
    socket
        .send(subscribe("fine", "{ viewer { isStaff } }", json!({})))
        .await;
    match socket.next(Duration::from_secs(5)).await {
        Incoming::Message(m) => assert_eq!(m["payload"]["data"]["viewer"]["isStaff"], false, "{m}"),
        other => panic!("{other:?}"),
    }
    healthy(&app, &token).await;
    app.stop().await;
}

/// Reads `socket` until it is quiet for a second: the codes of the errors and the
/// number of events.
async fn drain(socket: &mut WsClient) -> (Vec<String>, usize) {
    let (mut refused, mut events) = (Vec::new(), 0);
    while let Incoming::Message(m) = socket.next(Duration::from_millis(1500)).await {
        match m["type"].as_str() {
            Some("next") => events += 1,
            _ => refused.push(error_code(&m).unwrap_or("uncoded").to_owned()),
        }
    }
    (refused, events)
}

#[tokio::test]
async fn a_flood_of_subscribe_messages_holds_only_the_connections_share() {
    let app = TestApp::start().await;
    let Portal {
        owner: token,
        account,
        ..
    } = Portal::acme(&app).await;
    let limit = app.config.limits.subscriptions_per_connection;
    let now = app.newest_cursor().await;
    let mut socket = app.socket(Some(&token)).await;
    let flood = 500;
    let variables = json!({ "a": account, "after": now });
    for i in 0..flood {
        let message = subscribe(&i.to_string(), CONTACT_EVENTS, variables.clone());
        socket.send(message).await;
    }
    let (refused, events) = drain(&mut socket).await;
    assert_eq!(events, 0);
    assert_eq!(refused.len(), flood - limit, "{refused:?}");
    assert!(
        refused.iter().all(|code| code == "RATE_LIMITED"),
        "{refused:?}"
    );
    // The ones held are live, once each.
    app.add_card(&token, &account, "Flood").await;
    assert_eq!(drain(&mut socket).await, (vec![], limit));
    healthy(&app, &token).await;
    app.stop().await;
}

#[tokio::test]
async fn a_user_subscribing_over_many_connections_holds_only_their_share() {
    let app = TestApp::start_with(|c| c.limits.subscriptions_per_user = 3).await;
    let Portal {
        owner: token,
        account,
        ..
    } = Portal::acme(&app).await;
    let now = json!({ "a": account, "after": app.newest_cursor().await });
    let mut sockets = Vec::new();
    for _ in 0..4 {
        let mut socket = app.socket(Some(&token)).await;
        for id in ["1", "2"] {
            socket
                .send(subscribe(id, CONTACT_EVENTS, now.clone()))
                .await;
        }
        sockets.push(socket);
    }
    let mut refused = Vec::new();
    for socket in &mut sockets {
        refused.extend(drain(socket).await.0);
    }
    assert_eq!(refused, ["RATE_LIMITED"; 5]);
    app.add_card(&token, &account, "Many").await;
    let mut events = 0;
    for socket in &mut sockets {
        events += drain(socket).await.1;
    }
    assert_eq!(events, 3);
    // Gone connections give their places back: three fit again. Each replays the one
    // newest event, then goes quiet. The server learns of a close when it reaches it,
    // which nothing tells the client: refused until then, the subscribe is tried again.
    drop(sockets);
    let newest: i64 = app.newest_cursor().await.parse().unwrap();
    let last = json!({ "a": account, "after": (newest - 1).to_string() });
    let mut socket = app.socket(Some(&token)).await;
    let (mut held, mut attempt) = (0, 0);
    wait_until(
        async || {
            attempt += 1;
            socket
                .send(subscribe(
                    &attempt.to_string(),
                    CONTACT_EVENTS,
                    last.clone(),
                ))
                .await;
            match socket.next(Duration::from_secs(5)).await {
                Incoming::Message(m) if m["type"] == "next" => held += 1,
                Incoming::Message(m) => assert_eq!(error_code(&m), Some("RATE_LIMITED"), "{m}"),
                other => panic!("{other:?}"),
            }
            (held == 3).then_some(())
        },
        "three places given back",
    )
    .await;
    healthy(&app, &token).await;
    app.stop().await;
}

/// How long this test's server lets a client take over its headers or its body
/// (`Limits::header_time`, `Limits::body_time`; seconds in production), and the slack
/// allowed past it before the connection must be closed.
const SLOW_CLIENT_TIME: Duration = Duration::from_secs(2);
const SLOW_CLIENT_LIMIT: Duration = Duration::from_secs(4);

/// Connects, sends `head`, then drips `drip` one byte every 200 ms, repeating it for as
/// long as the server listens. Returns how long the server took to close the
/// connection, or `None` if it was still open well past [`SLOW_CLIENT_LIMIT`].
async fn drip(addr: SocketAddr, head: String, drip: &'static [u8]) -> Option<Duration> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(head.as_bytes()).await.ok()?;
    let (mut read, mut write) = stream.into_split();
    let closed = async {
        let mut buf = [0; 1024];
        // An answer (a 408, say) may come first; the close is what counts.
        while read.read(&mut buf).await.is_ok_and(|n| n > 0) {}
    };
    let dripping = async {
        for byte in drip.iter().cycle() {
            // The slow client: a byte every 200 ms.
            tokio::time::sleep(Duration::from_millis(200)).await;
            if write.write_all(&[*byte]).await.is_err() {
                break;
            }
        }
        std::future::pending::<()>().await;
    };
    let cut_off = async {
        tokio::select! {
            _ = closed => Some(started.elapsed()),
            _ = dripping => None,
        }
    };
    // A bound, not a wait: past it, the server never closed the connection.
    tokio::time::timeout(SLOW_CLIENT_LIMIT + Duration::from_secs(3), cut_off)
        .await
        .ok()
        .flatten()
}

#[tokio::test]
async fn slow_header_and_slow_body_clients_are_cut_off_while_others_are_served() {
    let app = TestApp::start_with(|c| {
        c.limits.header_time = SLOW_CLIENT_TIME;
        c.limits.body_time = SLOW_CLIENT_TIME;
    })
    .await;
    let Portal { owner: token, .. } = Portal::acme(&app).await;
    let addr = app.server.addr;
    let request_line = "POST /graphql HTTP/1.1\r\nHost: localhost\r\n";
    let mut slow = Vec::new();
    for _ in 0..10 {
        slow.push(tokio::spawn(drip(
            addr,
            format!("{request_line}X-Slow: "),
            b"abcdefgh",
        )));
        slow.push(tokio::spawn(drip(
            addr,
            format!("{request_line}Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"query\": \""),
            b"          ",
        )));
    }
    // Meanwhile everyone else is served, promptly: a well-behaved client comes every
    // half second (its own pace) while the slow ones hold their connections.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let started = Instant::now();
        healthy(&app, &token).await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a well-behaved client answers promptly beside the slow ones: {:?}",
            started.elapsed()
        );
    }
    let mut late = Vec::new();
    for (i, client) in slow.into_iter().enumerate() {
        let closed = client.await.expect("the client ran");
        if closed.is_none_or(|after| after > SLOW_CLIENT_LIMIT) {
            let what = ["slow headers", "a slow body"][i % 2];
            late.push(format!("{what}: closed after {closed:?}"));
        }
    }
    assert!(
        late.is_empty(),
        "not cut off within {SLOW_CLIENT_LIMIT:?}: {late:#?}"
    );
    healthy(&app, &token).await;
    app.stop().await;
}
