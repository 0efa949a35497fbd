//! `/graphql` over HTTP, as the GraphQL Foundation's "GraphQL over HTTP" spec says
//! (and its `graphql-http` audit checks), with the SPEC's CSRF rule.
//!
//! - The response's media type follows `Accept`: `application/graphql-response+json`
//!   when asked for, else `application/json` (also for `*/*` or no `Accept`); 406 when
//!   neither is acceptable.
//! - Under `application/graphql-response+json` a request that fails before execution
//!   (its document does not parse or validate, its variables do not coerce, its
//!   operation cannot be chosen) is 400 with no `data`; under `application/json` it is
//!   200, also without `data` (the GraphQL spec: no `data` before execution begins).
//! - POST takes `application/json` (any other JSON `+json` type too, utf-8 only); a
//!   body that is not a JSON object, a `query` that is not a string, or `variables`
//!   that are not an object is 400; no `Content-Type` or an unknown one is 415.
//! - CSRF: `text/plain`, form and multipart bodies are what a foreign page can post
//!   without a preflight, so they run only with a bearer token or a non-empty
//!   `X-Clientele-CSRF` header; otherwise 400 before anything runs (this also stops a
//!   form from signing a browser in: login CSRF).
//! - GET runs queries from `query`, `variables` (URL-encoded JSON) and `operationName`,
//!   never mutations (405 with `Allow: POST`); a browser asking for `text/html` gets
//!   the GraphiQL playground instead (`AppState::graphiql`, the server's), unless there
//!   is none (introspection off): then the request is answered as any other GET.

use async_graphql::http::MultipartOptions;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Request, Response as GqlResponse, Variables};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::request::RequestContext;
use crate::state::AppState;

/// The media type of the GraphQL over HTTP spec.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
/// The header that marks a non-JSON body as sent by the portal's own code.
const CSRF_HEADER: &str = "x-clientele-csrf";

/// How the client wants the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MediaType {
    GraphQLResponse,
    Json,
}

impl MediaType {
    fn as_str(self) -> &'static str {
        match self {
            Self::GraphQLResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// One entry of an `Accept` header: the media range and its `q`.
fn accepted(header: &str) -> Vec<(String, f32)> {
    header
        .split(',')
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let range = parts.next()?.trim().to_ascii_lowercase();
            if range.is_empty() {
                return None;
            }
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((range, q))
        })
        .collect()
}

/// The response media type `Accept` asks for (none: `application/json`), or `None`
/// when it accepts neither of ours.
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    let mut best: Option<(MediaType, f32)> = None;
    for (range, q) in accepted(accept) {
        let candidate = match range.as_str() {
            GRAPHQL_RESPONSE => MediaType::GraphQLResponse,
            "application/json" | "application/*" | "*/*" => MediaType::Json,
            _ => continue,
        };
        // Ties go to the first listed, as the client ordered them.
        if q > 0.0 && best.is_none_or(|(_, best_q)| q > best_q) {
            best = Some((candidate, q));
        }
    }
    best.map(|(media, _)| media)
}

/// Whether `Accept` prefers an HTML page (a browser opening the URL).
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accepted(accept)
                .first()
                .is_some_and(|(range, _)| range == "text/html")
        })
}

/// A refusal before GraphQL: a status and a plain-text reason (not a GraphQL
/// response, so never `application/graphql-response+json`).
fn refuse(status: StatusCode, reason: &str) -> Response {
    (status, reason.to_owned()).into_response()
}

fn not_acceptable() -> Response {
    refuse(
        StatusCode::NOT_ACCEPTABLE,
        "this endpoint answers application/graphql-response+json or application/json",
    )
}

/// `GET /graphql`: GraphiQL for a browser, else a query from the URL.
pub async fn get(
    State(state): State<AppState>,
    caller: RequestContext,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    if let Some(page) = state.graphiql
        && wants_html(&headers)
    {
        return page();
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let request = match form_request(query.as_bytes()) {
        Ok(request) => request,
        Err(reason) => return refuse(StatusCode::BAD_REQUEST, &reason),
    };
    // A persisted query's text first: what is refused over GET is what it would run.
    let mut request = match state.admit(request) {
        Ok(request) => request,
        Err(error) => return answer(GqlResponse::from_errors(vec![error]), media, true),
    };
    if operation_type(&mut request) == Some(OperationType::Mutation) {
        let mut response = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations are sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(&state, caller, request, media).await
}

/// A POST body's kind, from its `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ContentType {
    /// `application/json`, or any `application/…+json`.
    Json,
    /// The bodies a foreign page can post without a preflight (CSRF's concern).
    Form,
    Multipart,
    Text,
}

impl ContentType {
    /// The kind of `header`, or 415's reason: none, not utf-8, or not one we read.
    fn of(header: Option<&str>) -> Result<Self, &'static str> {
        const SEND_JSON: &str = "send the request as Content-Type: application/json";
        let mut params = header.ok_or(SEND_JSON)?.split(';');
        let essence = params
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let utf8 = params
            .filter_map(|p| p.trim().strip_prefix("charset="))
            .all(|c| c.trim_matches('"').eq_ignore_ascii_case("utf-8"));
        if !utf8 {
            return Err("only utf-8 is accepted");
        }
        match essence.as_str() {
            "application/json" => Ok(Self::Json),
            e if e.starts_with("application/") && e.ends_with("+json") => Ok(Self::Json),
            "application/x-www-form-urlencoded" => Ok(Self::Form),
            "multipart/form-data" => Ok(Self::Multipart),
            "text/plain" => Ok(Self::Text),
            _ => Err(SEND_JSON),
        }
    }

    /// A "simple" body (CORS): one a foreign page can post without asking first.
    fn is_simple(self) -> bool {
        self != Self::Json
    }
}

/// `POST /graphql`.
pub async fn post(
    State(state): State<AppState>,
    caller: RequestContext,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    // Kept as sent: a multipart boundary is case-sensitive.
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let kind = match ContentType::of(content_type) {
        Ok(kind) => kind,
        Err(reason) => return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, reason),
    };
    // The header must say something: an empty one is what a careless proxy or client
    // library sends, and proves nothing.
    let csrf_header = headers
        .get(CSRF_HEADER)
        .is_some_and(|value| !value.as_bytes().trim_ascii().is_empty());
    if kind.is_simple() && caller.bearer.is_none() && !csrf_header {
        return refuse(
            StatusCode::BAD_REQUEST,
            "a request that is not application/json needs an Authorization header or a non-empty X-Clientele-CSRF",
        );
    }
    let request = match read_body(kind, content_type, body).await {
        Ok(request) => request,
        Err(reason) => return refuse(StatusCode::BAD_REQUEST, &reason),
    };
    match state.admit(request) {
        Ok(request) => execute(&state, caller, request, media).await,
        Err(error) => answer(GqlResponse::from_errors(vec![error]), media, true),
    }
}

/// The GraphQL request a POST body of `kind` holds, or 400's reason.
async fn read_body(
    kind: ContentType,
    content_type: Option<&str>,
    body: Bytes,
) -> Result<Request, String> {
    match kind {
        ContentType::Form => form_request(&body),
        ContentType::Multipart => {
            let reader = futures_util::io::Cursor::new(body.to_vec());
            async_graphql::http::receive_body(content_type, reader, MultipartOptions::default())
                .await
                .map_err(|err| format!("invalid multipart request: {err}"))
        }
        ContentType::Json | ContentType::Text => json_request(&body),
    }
}

/// A GraphQL-over-HTTP request from URL-encoded parameters (a GET's query string, a
/// form body): `query`, `operationName`, and `variables` and `extensions` as JSON text.
fn form_request(encoded: &[u8]) -> Result<Request, String> {
    let mut params = serde_json::Map::new();
    for (name, value) in url::form_urlencoded::parse(encoded) {
        let value = match name.as_ref() {
            "variables" | "extensions" => {
                serde_json::from_str(&value).map_err(|e| format!("{name} is not JSON: {e}"))?
            }
            _ => Value::String(value.into_owned()),
        };
        params.insert(name.into_owned(), value);
    }
    request_from(params)
}

/// A GraphQL-over-HTTP request from a JSON body.
fn json_request(body: &[u8]) -> Result<Request, String> {
    if body.is_empty() {
        return Err("the request has no body".into());
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let Value::Object(params) = value else {
        return Err("the body must be a JSON object (batches are not supported)".into());
    };
    request_from(params)
}

/// The request the parameters describe, each checked for shape.
pub(crate) fn request_from(mut params: serde_json::Map<String, Value>) -> Result<Request, String> {
    let query = match params.remove("query") {
        Some(Value::String(query)) => query,
        None | Some(Value::Null) => String::new(),
        Some(_) => return Err("query must be a string".into()),
    };
    let operation_name = match params.remove("operationName") {
        Some(Value::String(name)) => Some(name),
        None | Some(Value::Null) => None,
        Some(_) => return Err("operationName must be a string".into()),
    };
    let variables = match params.remove("variables") {
        Some(value @ Value::Object(_)) => Variables::from_json(value),
        None | Some(Value::Null) => Variables::default(),
        Some(_) => return Err("variables must be an object".into()),
    };
    let extensions: async_graphql::Extensions = match params.remove("extensions") {
        Some(value @ Value::Object(_)) => {
            serde_json::from_value(value).map_err(|e| format!("extensions: {e}"))?
        }
        None | Some(Value::Null) => Default::default(),
        Some(_) => return Err("extensions must be an object".into()),
    };
    if query.is_empty() && extensions.0.is_empty() {
        return Err("the request has no query".into());
    }
    let mut request = Request::new(query).variables(variables);
    request.operation_name = operation_name;
    request.extensions = extensions;
    Ok(request)
}

/// The type of the operation a request would run, if its document parses and names one.
/// The document stays in the request: execution does not parse it again.
fn operation_type(request: &mut Request) -> Option<OperationType> {
    let operation_name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    match (&document.operations, operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    }
}

/// Resolves the caller, runs the request and answers in `media`.
async fn execute(
    state: &AppState,
    caller: RequestContext,
    request: Request,
    media: MediaType,
) -> Response {
    let auth = match api::authenticate(&state.domain, caller.token(), caller.meta.clone()).await {
        Ok(auth) => auth,
        Err(err) => return answer(api::error_response(err), media, true),
    };
    // The request's span (and so its trace) says which operation it ran.
    if let Some(name) = request.operation_name.as_deref() {
        tracing::Span::current().record("operation", name);
    }
    let request = api::prepare_request(request, &state.domain, auth);
    let response = state.api.execute(request).await;
    // What refuses a request before it runs (it does not parse or validate, its
    // variables do not coerce, it asks too much) is the client's, coded BAD_USER_INPUT,
    // and stands outside every field. A resolver that panicked also fails the whole
    // operation, but execution had begun: `data` is null.
    let before_execution = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(api::is_request_error);
    answer(response, media, before_execution)
}

/// A response to a request that failed before execution: errors, and no `data`.
#[derive(serde::Serialize)]
struct RequestErrors<'a> {
    errors: &'a [async_graphql::ServerError],
}

/// Writes a GraphQL response: without `data` when it failed before execution, and
/// then, under `application/graphql-response+json`, as a 400.
fn answer(mut response: GqlResponse, media: MediaType, before_execution: bool) -> Response {
    // Headers resolvers set (the session cookie), as they are: the same `http` types.
    let headers = std::mem::take(&mut response.http_headers);
    // Written straight from the response, so keys keep the selection's order.
    let body = if before_execution {
        serde_json::to_string(&RequestErrors {
            errors: &response.errors,
        })
    } else {
        serde_json::to_string(&response)
    };
    let body = match body {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(%err, "a GraphQL response did not serialize");
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal server error");
        }
    };
    let status = if before_execution && media == MediaType::GraphQLResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut http = (status, body).into_response();
    let out = http.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.as_str()),
    );
    for (name, value) in headers.iter() {
        out.append(name, value.clone());
    }
    http
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn accept_picks_the_highest_ranked_of_ours() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("*/*")), Some(MediaType::Json));
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json"
            )),
            Some(MediaType::GraphQLResponse)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Some(MediaType::Json)
        );
        assert_eq!(negotiate(&accept("text/html")), None);
        assert_eq!(negotiate(&accept("application/json;q=0")), None);
        assert!(wants_html(&accept(
            "text/html,application/xhtml+xml,*/*;q=0.8"
        )));
        assert!(!wants_html(&accept("application/json")));
    }

    #[test]
    fn json_bodies_are_checked_for_shape() {
        assert!(json_request(br#"{"query": "{ a }"}"#).is_ok());
        for bad in [
            &b""[..],
            b"NONSENSE",
            b"[]",
            br#"{"query": 1}"#,
            br#"{"qeury": "{ a }"}"#,
            br#"{"query": "{ a }", "variables": [7]}"#,
            br#"{"query": "{ a }", "operationName": 2}"#,
        ] {
            assert!(
                json_request(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn content_types_are_read_by_their_essence_and_charset() {
        use ContentType::*;
        for (header, kind) in [
            ("application/json", Json),
            ("Application/JSON; charset=UTF-8", Json),
            ("application/graphql-response+json", Json),
            ("application/x-www-form-urlencoded", Form),
            ("multipart/form-data; boundary=X", Multipart),
            ("text/plain;charset=\"utf-8\"", Text),
        ] {
            assert_eq!(ContentType::of(Some(header)), Ok(kind), "{header}");
        }
        for bad in [
            None,
            Some("application/xml"),
            Some("application/json; charset=latin1"),
        ] {
            assert!(ContentType::of(bad).is_err(), "{bad:?}");
        }
        assert!(!Json.is_simple() && Form.is_simple() && Text.is_simple());
    }
}
