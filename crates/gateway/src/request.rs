//! What every request brings, read once by one extractor for GraphQL, the WebSocket
//! upgrade and the plain HTTP routes: where it comes from (the client's address, see
//! [`crate::client_address`]; its user agent), its
//! session token (bearer header or cookie), and whether it comes from the portal's own
//! origin. And how a plain HTTP route answers a domain error.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{DomainError, RequestMeta};

use crate::state::AppState;

/// The caller's side of one request.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub meta: RequestMeta,
    /// `Authorization: Bearer …`.
    pub bearer: Option<String>,
    /// The session cookie.
    pub cookie: Option<String>,
    /// Whether `Origin` is PUBLIC_URL's (browsers send it on WebSocket upgrades and
    /// cross-origin requests).
    pub same_origin: bool,
}

impl RequestContext {
    /// The session token: the bearer token first, else the cookie.
    pub fn token(&self) -> Option<&str> {
        self.bearer.as_deref().or(self.cookie.as_deref())
    }
}

impl FromRequestParts<AppState> for RequestContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let headers = &parts.headers;
        let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let meta = RequestMeta {
            ip: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| state.trusted_proxies.client(peer.ip(), headers))
                .map(|client| client.to_string()),
            user_agent: text(header::USER_AGENT).map(str::to_owned),
        };
        Ok(Self {
            meta,
            // A header that is there but holds no usable bearer token (another scheme,
            // bytes that are not text) is a bad credential, never anonymity: it
            // authenticates as an empty token, which no session has.
            bearer: headers.get(header::AUTHORIZATION).map(|value| {
                value
                    .to_str()
                    .ok()
                    .and_then(api::bearer_token)
                    .unwrap_or_default()
                    .to_owned()
            }),
            cookie: state.session_cookie.read(
                headers
                    .get_all(header::COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok()),
            ),
            same_origin: text(header::ORIGIN)
                .is_some_and(|origin| origin.trim_end_matches('/') == state.public_origin),
        })
    }
}

/// A domain error as a plain HTTP answer (routes outside GraphQL): the status of its
/// code and a message for people; an internal error's cause goes to the log only.
pub fn plain_error(err: &DomainError, route: &str) -> Response {
    if let DomainError::Internal(detail) = err {
        tracing::error!(%detail, route, "internal error");
    }
    let status =
        StatusCode::from_u16(err.code().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, err.public_message()).into_response()
}
