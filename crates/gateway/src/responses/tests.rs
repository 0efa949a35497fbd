//! Codes, nulls and the operation span, on a small schema of its own.

use std::io;
use std::sync::{Mutex, PoisonError};

use async_graphql::{EmptyMutation, Object, Schema, Subscription, Value, Variables};
use domain::DomainError;
use futures_util::Stream;
use serde_json::json;

use super::*;
use api::scalars::Date;
use api::{ApiError, ApiResult};

struct Query;

#[Object]
impl Query {
    async fn ok(&self) -> i32 {
        1
    }

    async fn thing(&self) -> Thing {
        Thing
    }

    async fn echo(&self, n: i32) -> i32 {
        n
    }

    async fn year(&self, day: Date) -> String {
        day.0.format("%Y").to_string()
    }

    async fn broken(&self) -> ApiResult<i32> {
        Err(ApiError(DomainError::Internal(
            "the disk is on fire".into(),
        )))
    }

    async fn missing(&self) -> ApiResult<i32> {
        Err(ApiError::not_found("thing"))
    }

    async fn panics(&self) -> i32 {
        a_bug()
    }
}

/// A resolver's bug.
fn a_bug() -> i32 {
    panic!("a bug")
}

struct Thing;

#[Object]
impl Thing {
    async fn fails(&self) -> async_graphql::Result<Option<i32>> {
        Err("no".into())
    }

    async fn must(&self) -> async_graphql::Result<i32> {
        Err("no".into())
    }

    async fn year(&self, day: Date) -> Option<String> {
        Some(day.0.format("%Y").to_string())
    }
}

struct Events;

#[Subscription]
impl Events {
    async fn things(&self) -> impl Stream<Item = Thing> {
        futures_util::stream::iter([Thing, Thing])
    }

    async fn bug(&self) -> impl Stream<Item = i32> {
        futures_util::stream::iter([1, 2]).map(|n| if n == 2 { panic!("a bug") } else { n })
    }

    async fn years(&self, from: Date) -> impl Stream<Item = String> {
        futures_util::stream::iter([from.0.format("%Y").to_string()])
    }
}

fn schema() -> Schema<Query, EmptyMutation, Events> {
    Schema::new(Query, EmptyMutation, Events)
}

fn types() -> FieldTypes {
    FieldTypes::from_sdl(&schema().sdl()).expect("SDL parses")
}

async fn exec(request: impl Into<Request>) -> Response {
    execute(
        &schema(),
        &types(),
        &Limits::default(),
        &Default::default(),
        request.into(),
    )
    .await
}

fn exec_stream(request: impl Into<Request>) -> BoxStream<'static, Response> {
    execute_stream(
        &schema(),
        Arc::new(types()),
        Limits::default(),
        None,
        request.into(),
        Default::default(),
    )
}

/// The codes of a response's errors, in order.
fn codes(response: &Response) -> Vec<&str> {
    response
        .errors
        .iter()
        .map(|e| match code(e) {
            Some(Value::String(code)) => code.as_str(),
            _ => "none",
        })
        .collect()
}

async fn run(query: &str, variables: serde_json::Value) -> Response {
    let request = Request::new(query).variables(Variables::from_json(variables));
    exec(request).await
}

#[tokio::test]
async fn a_query_response_gets_codes_and_nulls() {
    let response = exec("{ ok thing { fails } }").await;
    assert_eq!(codes(&response), ["INTERNAL_SERVER_ERROR"]);
    assert_eq!(
        response.data.into_json().expect("JSON"),
        json!({ "ok": 1, "thing": { "fails": null } })
    );

    let response = exec("{ ok thing { must } }").await;
    assert_eq!(response.data, Value::Null, "thing: Thing! is non-null");
    assert_eq!(response.errors.len(), 1);
}

#[tokio::test]
async fn every_subscription_event_gets_its_nulls() {
    let events: Vec<Response> = exec_stream("subscription { things { fails } }")
        .collect()
        .await;
    assert_eq!(events.len(), 2);
    for event in events {
        assert_eq!(
            event.data.into_json().expect("JSON"),
            json!({ "things": { "fails": null } })
        );
    }
}

#[tokio::test]
async fn a_query_that_does_not_parse_is_bad_user_input() {
    let response = run("{ ok thing { ", json!({})).await;
    assert_eq!(codes(&response), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn a_query_naming_no_such_field_is_bad_user_input() {
    let response = run("{ ok noSuchField }", json!({})).await;
    assert_eq!(codes(&response), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn an_unknown_operation_name_is_bad_user_input() {
    let request = Request::new("query A { ok }").operation_name("B");
    let response = exec(request).await;
    assert_eq!(codes(&response), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn a_variable_of_the_wrong_type_is_bad_user_input() {
    // Refused by validation, which checks variables against built-in types.
    let response = run("query($n: Int!) { echo(n: $n) }", json!({ "n": "x" })).await;
    assert_eq!(codes(&response), ["BAD_USER_INPUT"]);
    // Refused by our scalar when the field runs, so the error has a path.
    let response = run(
        "query($d: Date!) { ok thing { year(day: $d) } }",
        json!({ "d": "soon" }),
    )
    .await;
    assert_eq!(codes(&response), ["BAD_USER_INPUT"]);
    assert!(!response.errors[0].path.is_empty(), "{:?}", response.errors);
    assert_eq!(
        response.data.into_json().expect("JSON"),
        json!({ "ok": 1, "thing": { "year": null } })
    );
}

#[tokio::test]
async fn a_literal_argument_of_the_wrong_type_is_bad_user_input() {
    // Refused by validation.
    let response = run(r#"{ echo(n: "x") }"#, json!({})).await;
    assert_eq!(codes(&response), ["BAD_USER_INPUT"]);
    // Refused by our scalar when the field runs; inside a fragment too.
    let response = run(
        r#"{ ok ...Y } fragment Y on Query { year(day: "soon") }"#,
        json!({}),
    )
    .await;
    assert_eq!(codes(&response), ["BAD_USER_INPUT"]);
    assert!(!response.errors[0].path.is_empty(), "{:?}", response.errors);
}

#[tokio::test]
async fn a_subscription_argument_of_the_wrong_type_is_bad_user_input() {
    let request = Request::new("subscription($d: Date!) { years(from: $d) }")
        .variables(Variables::from_json(json!({ "d": "soon" })));
    let events: Vec<Response> = exec_stream(request).collect().await;
    assert_eq!(events.len(), 1);
    assert_eq!(codes(&events[0]), ["BAD_USER_INPUT"]);
    assert!(
        !events[0].errors[0].path.is_empty(),
        "{:?}",
        events[0].errors
    );
}

#[tokio::test]
async fn resolver_errors_keep_their_code_or_are_internal() {
    let response = run("{ thing { fails } missing broken }", json!({})).await;
    let mut codes = codes(&response);
    codes.sort_unstable();
    assert_eq!(
        codes,
        [
            "INTERNAL_SERVER_ERROR",
            "INTERNAL_SERVER_ERROR",
            "NOT_FOUND"
        ]
    );
    let broken = response
        .errors
        .iter()
        .find(|e| e.path.len() == 1 && e.message.contains("internal"));
    assert_eq!(
        broken.map(|e| e.message.as_str()),
        Some("internal server error"),
        "the detail stays in the log"
    );
}

/// Collects what a test's subscriber writes.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl io::Write for Log {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

/// What this test binary logs. One global subscriber: a scoped one (`with_subscriber`)
/// races with the other tests' threads over tracing's callsite caches, and then sees
/// the event without its span now and then.
fn global_log() -> &'static Log {
    static LOG: std::sync::OnceLock<Log> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log = Log::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer({
                let log = log.clone();
                move || log.clone()
            })
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        log
    })
}

#[tokio::test]
async fn an_internal_error_is_logged_with_its_cause_and_operation() {
    let log = global_log();
    let response = exec("query Dashboard { ok broken }").await;
    assert_eq!(codes(&response), ["INTERNAL_SERVER_ERROR"]);
    let text = log.text();
    let line = text
        .lines()
        .find(|line| line.contains("internal error") && line.contains("operation=Dashboard"))
        .unwrap_or_else(|| panic!("no internal error logged in Dashboard's span: {text}"));
    assert!(line.contains("the disk is on fire"), "{line}");
    assert!(
        line.contains("graphql{operation=Dashboard kind=query}"),
        "{line}"
    );
}

#[tokio::test]
async fn a_resolver_that_panics_fails_its_own_request_only() {
    let response = exec("{ ok panics }").await;
    assert_eq!(codes(&response), ["INTERNAL_SERVER_ERROR"]);
    assert_eq!(response.errors[0].message, "internal server error");
    // The next request runs as usual.
    let response = exec("{ ok }").await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    // A stream that panics ends with the error.
    let responses: Vec<Response> = exec_stream("subscription { bug }").collect().await;
    assert_eq!(responses.len(), 2);
    assert!(responses[0].errors.is_empty());
    assert_eq!(codes(&responses[1]), ["INTERNAL_SERVER_ERROR"]);
}
