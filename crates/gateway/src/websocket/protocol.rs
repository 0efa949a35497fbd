//! The two subprotocols of GraphQL over WebSocket as messages: what a client may send,
//! what the server answers, and how a socket is closed.
//!
//! `graphql-transport-ws` is graphql-ws's PROTOCOL.md, followed to the letter: a
//! message that is not one of its messages closes the socket with 4400. The legacy
//! `graphql-ws` (subscriptions-transport-ws) has no close codes of its own; it gets the
//! same ones, and its own message names (`start`, `stop`, `data`, `ka`, …).

use crate::Reply;
use async_graphql::{Request, ServerError};
use serde::Serialize;
use serde_json::Value;

/// The subprotocol a socket speaks, as the handshake agreed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Protocol {
    /// graphql-ws's `graphql-transport-ws`.
    TransportWs,
    /// subscriptions-transport-ws's `graphql-ws` (deprecated, still served).
    Legacy,
}

impl Protocol {
    /// Ours, in order of preference: a client offering both gets the first.
    pub(super) const NAMES: [&'static str; 2] = ["graphql-transport-ws", "graphql-ws"];

    pub(super) fn from_name(name: &str) -> Option<Self> {
        match name {
            "graphql-transport-ws" => Some(Self::TransportWs),
            "graphql-ws" => Some(Self::Legacy),
            _ => None,
        }
    }
}

/// Why the server closes a socket: the close code and its reason. The codes are
/// graphql-ws's (its `CloseCode`), so its client knows which ones not to retry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Close {
    pub(super) code: u16,
    pub(super) reason: String,
}

impl Close {
    /// A message that is not valid in the protocol.
    pub(super) fn bad_request(why: impl std::fmt::Display) -> Self {
        Self::new(4400, format!("Invalid message: {why}"))
    }
    /// A `subscribe` before the connection was acknowledged.
    pub(super) fn unauthorized() -> Self {
        Self::new(4401, "Unauthorized")
    }
    /// `connection_init` refused (a dead token), or the session ended while open.
    pub(super) fn forbidden(why: &str) -> Self {
        Self::new(4403, format!("Forbidden: {why}"))
    }
    /// The handshake named no subprotocol of ours.
    pub(super) fn subprotocol_not_acceptable() -> Self {
        Self::new(4406, "Subprotocol not acceptable")
    }
    /// No `connection_init` within the init timeout.
    pub(super) fn init_timeout() -> Self {
        Self::new(4408, "Connection initialisation timeout")
    }
    /// A `subscribe` reusing the id of a running operation.
    pub(super) fn subscriber_exists(id: &str) -> Self {
        Self::new(4409, format!("Subscriber for {id} already exists"))
    }
    /// A second `connection_init`.
    pub(super) fn too_many_inits() -> Self {
        Self::new(4429, "Too many initialisation requests")
    }
    /// The server could not do what the connection needed (the database was away).
    pub(super) fn internal() -> Self {
        Self::new(4500, "Internal server error")
    }
    /// A message over `limits.ws_message_bytes` (WebSocket's own code).
    pub(super) fn message_too_big() -> Self {
        Self::new(1009, "Message too big")
    }
    /// A frame that breaks WebSocket itself (WebSocket's own code).
    pub(super) fn protocol_error(why: impl std::fmt::Display) -> Self {
        Self::new(1002, format!("Protocol error: {why}"))
    }
    /// The server is shutting down.
    pub(super) fn going_away() -> Self {
        Self::new(1001, "server shutting down")
    }
    /// The client asked to end the connection (legacy `connection_terminate`).
    pub(super) fn normal() -> Self {
        Self::new(1000, "Normal closure")
    }

    fn new(code: u16, reason: impl Into<String>) -> Self {
        let mut reason = reason.into();
        // A close frame carries at most 123 bytes of reason.
        if reason.len() > 123 {
            let mut end = 120;
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            reason.truncate(end);
            reason.push_str("...");
        }
        Self { code, reason }
    }
}

/// A message from the client, in either protocol.
#[derive(Debug)]
pub(super) enum ClientMessage {
    ConnectionInit {
        payload: Value,
    },
    Ping {
        payload: Option<Value>,
    },
    Pong,
    /// `subscribe` (legacy: `start`).
    Subscribe {
        id: String,
        request: Box<Request>,
    },
    /// `complete` (legacy: `stop`).
    Complete {
        id: String,
    },
    /// Legacy only.
    ConnectionTerminate,
}

impl ClientMessage {
    /// Reads one text message, or says what is wrong with it.
    pub(super) fn parse(protocol: Protocol, text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let Value::Object(mut message) = value else {
            return Err("a message is a JSON object".into());
        };
        let kind = match message.remove("type") {
            Some(Value::String(kind)) => kind,
            _ => return Err("a message has a string `type`".into()),
        };
        let legacy = protocol == Protocol::Legacy;
        match kind.as_str() {
            "connection_init" => Ok(Self::ConnectionInit {
                payload: optional_object(&mut message)?.unwrap_or(Value::Null),
            }),
            "ping" if !legacy => Ok(Self::Ping {
                payload: optional_object(&mut message)?,
            }),
            "pong" if !legacy => {
                optional_object(&mut message)?;
                Ok(Self::Pong)
            }
            "subscribe" if !legacy => subscribe(&mut message),
            "start" if legacy => subscribe(&mut message),
            "complete" if !legacy => Ok(Self::Complete {
                id: id(&mut message)?,
            }),
            "stop" if legacy => Ok(Self::Complete {
                id: id(&mut message)?,
            }),
            "connection_terminate" if legacy => Ok(Self::ConnectionTerminate),
            other => Err(format!("unknown message type `{other}`")),
        }
    }
}

fn subscribe(message: &mut serde_json::Map<String, Value>) -> Result<ClientMessage, String> {
    let id = id(message)?;
    let params = match message.remove("payload") {
        Some(Value::Object(params)) => params,
        _ => return Err("`subscribe` has an object `payload`".into()),
    };
    let request = crate::graphql_http::request_from(params)?;
    Ok(ClientMessage::Subscribe {
        id,
        request: Box::new(request),
    })
}

/// An operation's id: a non-empty string.
fn id(message: &mut serde_json::Map<String, Value>) -> Result<String, String> {
    match message.remove("id") {
        Some(Value::String(id)) if !id.is_empty() => Ok(id),
        _ => Err("the message has no `id` (a non-empty string)".into()),
    }
}

/// A `payload` that may be absent or null, and is otherwise an object.
fn optional_object(message: &mut serde_json::Map<String, Value>) -> Result<Option<Value>, String> {
    match message.remove("payload") {
        None | Some(Value::Null) => Ok(None),
        Some(payload @ Value::Object(_)) => Ok(Some(payload)),
        Some(_) => Err("`payload` must be an object".into()),
    }
}

/// A message from the server, named as `protocol` names it.
pub(super) enum ServerMessage<'a> {
    ConnectionAck,
    /// Legacy: `connection_init` refused (then the socket closes).
    ConnectionError {
        message: &'a str,
    },
    /// Legacy keep-alive.
    KeepAlive,
    /// The answer to a `ping`, echoing its payload.
    Pong {
        payload: Option<&'a Value>,
    },
    /// One result of an operation (legacy: `data`).
    Next {
        id: &'a str,
        payload: &'a Reply,
    },
    /// The operation failed or was ended by the server; nothing follows for `id`.
    Error {
        id: &'a str,
        errors: &'a [ServerError],
    },
    Complete {
        id: &'a str,
    },
}

#[derive(Serialize)]
struct Wire<'a, P: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<P>,
}

#[derive(Serialize)]
struct ErrorPayload<'a> {
    message: &'a str,
}

/// A legacy `data` that carries only errors: `{"errors": […]}`.
#[derive(Serialize)]
struct ErrorsPayload<'a> {
    errors: &'a [ServerError],
}

impl ServerMessage<'_> {
    pub(super) fn to_text(&self, protocol: Protocol) -> Result<String, serde_json::Error> {
        let legacy = protocol == Protocol::Legacy;
        let bare = |kind, id| wire::<()>(kind, id, None);
        match *self {
            Self::ConnectionAck => bare("connection_ack", None),
            Self::ConnectionError { message } => {
                wire("connection_error", None, Some(ErrorPayload { message }))
            }
            Self::KeepAlive => bare("ka", None),
            Self::Pong { payload } => wire("pong", None, payload),
            Self::Next { id, payload } => wire(
                if legacy { "data" } else { "next" },
                Some(id),
                Some(payload),
            ),
            // The legacy protocol's `error` is for a start that never ran; an ended
            // stream tells its client with a `data` of errors (a `complete` follows).
            Self::Error { id, errors } if legacy => {
                wire("data", Some(id), Some(ErrorsPayload { errors }))
            }
            Self::Error { id, errors } => wire("error", Some(id), Some(errors)),
            Self::Complete { id } => bare("complete", Some(id)),
        }
    }
}

fn wire<P: Serialize>(
    kind: &str,
    id: Option<&str>,
    payload: Option<P>,
) -> Result<String, serde_json::Error> {
    serde_json::to_string(&Wire { kind, id, payload })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(protocol: Protocol, text: &str) -> Result<ClientMessage, String> {
        ClientMessage::parse(protocol, text)
    }

    #[test]
    fn each_protocol_accepts_only_its_own_messages() {
        use Protocol::{Legacy, TransportWs};
        let subscribe = r#"{"type":"subscribe","id":"1","payload":{"query":"{ me { id } }"}}"#;
        let start = r#"{"type":"start","id":"1","payload":{"query":"{ me { id } }"}}"#;
        assert!(matches!(
            parse(TransportWs, subscribe),
            Ok(ClientMessage::Subscribe { .. })
        ));
        assert!(parse(Legacy, subscribe).is_err());
        assert!(matches!(
            parse(Legacy, start),
            Ok(ClientMessage::Subscribe { .. })
        ));
        assert!(parse(TransportWs, start).is_err());
        assert!(matches!(
            parse(TransportWs, r#"{"type":"complete","id":"1"}"#),
            Ok(ClientMessage::Complete { .. })
        ));
        assert!(matches!(
            parse(Legacy, r#"{"type":"stop","id":"1"}"#),
            Ok(ClientMessage::Complete { .. })
        ));
        assert!(parse(TransportWs, r#"{"type":"connection_terminate"}"#).is_err());
        assert!(parse(Legacy, r#"{"type":"ping"}"#).is_err());
    }

    #[test]
    fn malformed_messages_say_what_is_wrong() {
        let p = Protocol::TransportWs;
        for (text, why) in [
            ("not json", "not JSON"),
            ("[1]", "JSON object"),
            (r#"{"id":"1"}"#, "string `type`"),
            (r#"{"type":"hello"}"#, "unknown message type"),
            (r#"{"type":"subscribe","payload":{"query":"{a}"}}"#, "`id`"),
            (
                r#"{"type":"subscribe","id":"","payload":{"query":"{a}"}}"#,
                "`id`",
            ),
            (r#"{"type":"subscribe","id":"1"}"#, "object `payload`"),
            (
                r#"{"type":"subscribe","id":"1","payload":{"query":1}}"#,
                "query must be a string",
            ),
            (
                r#"{"type":"subscribe","id":"1","payload":{"query":"{a}","variables":[]}}"#,
                "variables must be an object",
            ),
            (
                r#"{"type":"connection_init","payload":"token"}"#,
                "must be an object",
            ),
            (r#"{"type":"complete"}"#, "`id`"),
        ] {
            let err = parse(p, text).expect_err(text);
            assert!(err.contains(why), "{text}: {err}");
        }
        assert!(matches!(
            parse(p, r#"{"type":"connection_init"}"#),
            Ok(ClientMessage::ConnectionInit {
                payload: Value::Null
            })
        ));
        assert!(matches!(
            parse(p, r#"{"type":"connection_init","payload":null}"#),
            Ok(ClientMessage::ConnectionInit { .. })
        ));
    }

    #[test]
    fn a_close_reason_fits_a_close_frame() {
        let close = Close::subscriber_exists(&"x".repeat(300));
        assert!(close.reason.len() <= 123, "{}", close.reason.len());
        assert_eq!(close.code, 4409);
    }

    #[test]
    fn messages_are_named_per_protocol() {
        let response = Reply::from(async_graphql::Response::new(async_graphql::Value::Null));
        let errors = [ServerError::new("gone", None)];
        let text = |m: ServerMessage, p| m.to_text(p).unwrap();
        assert_eq!(
            text(
                ServerMessage::Next {
                    id: "1",
                    payload: &response
                },
                Protocol::TransportWs
            ),
            r#"{"type":"next","id":"1","payload":{"data":null}}"#
        );
        assert_eq!(
            text(
                ServerMessage::Next {
                    id: "1",
                    payload: &response
                },
                Protocol::Legacy
            ),
            r#"{"type":"data","id":"1","payload":{"data":null}}"#
        );
        // A payload rendered once for many sockets is written as it is.
        let shared =
            serde_json::value::RawValue::from_string(r#"{"data":{"n":1}}"#.into()).unwrap();
        assert_eq!(
            text(
                ServerMessage::Next {
                    id: "7",
                    payload: &Reply::Shared(shared.into())
                },
                Protocol::TransportWs
            ),
            r#"{"type":"next","id":"7","payload":{"data":{"n":1}}}"#
        );
        assert_eq!(
            text(
                ServerMessage::Error {
                    id: "1",
                    errors: &errors
                },
                Protocol::TransportWs
            ),
            r#"{"type":"error","id":"1","payload":[{"message":"gone"}]}"#
        );
        assert_eq!(
            text(
                ServerMessage::Error {
                    id: "1",
                    errors: &errors
                },
                Protocol::Legacy
            ),
            r#"{"type":"data","id":"1","payload":{"errors":[{"message":"gone"}]}}"#
        );
        assert_eq!(
            text(ServerMessage::Complete { id: "1" }, Protocol::TransportWs),
            r#"{"type":"complete","id":"1"}"#
        );
        assert_eq!(
            text(ServerMessage::Pong { payload: None }, Protocol::TransportWs),
            r#"{"type":"pong"}"#
        );
        let detail = serde_json::json!({"sent": 1});
        assert_eq!(
            text(
                ServerMessage::Pong {
                    payload: Some(&detail)
                },
                Protocol::TransportWs
            ),
            r#"{"type":"pong","payload":{"sent":1}}"#
        );
    }
}
