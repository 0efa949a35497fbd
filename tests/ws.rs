//! A GraphQL-over-WebSocket test client for both subprotocols.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Message, http::HeaderValue};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const TRANSPORT_WS: &str = "graphql-transport-ws";
pub const LEGACY_WS: &str = "graphql-ws";

/// The first error's code in a message: an `error` (its payload is the list of
/// errors) or a `next` that carries errors.
pub fn error_code(message: &Value) -> Option<&str> {
    let errors = if message["type"] == "error" && message["payload"].is_array() {
        &message["payload"]
    } else {
        &message["payload"]["errors"]
    };
    errors[0]["extensions"]["code"].as_str()
}

pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    protocol: &'static str,
}

/// What the server said next.
#[derive(Debug)]
pub enum Incoming {
    Message(Value),
    Closed(Option<u16>),
    Silent,
}

impl WsClient {
    /// Opens `/graphql/ws` on the server at `http_url` with a subprotocol and headers.
    pub async fn connect(
        http_url: &str,
        protocol: &'static str,
        headers: &[(&str, &str)],
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let mut request =
            format!("{}/graphql/ws", http_url.replacen("http", "ws", 1)).into_client_request()?;
        request
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_static(protocol));
        for (name, value) in headers {
            request.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                    .unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Self { stream, protocol })
    }

    /// Opens `/graphql/ws` naming no subprotocol at all.
    pub async fn connect_without_protocol(
        http_url: &str,
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let request =
            format!("{}/graphql/ws", http_url.replacen("http", "ws", 1)).into_client_request()?;
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Self {
            stream,
            protocol: TRANSPORT_WS,
        })
    }

    /// Opens `/graphql/ws` offering `offer` as the whole `Sec-WebSocket-Protocol` value
    /// (e.g. two protocols); returns the client, speaking the protocol the server chose,
    /// and that choice as the handshake's response header said it.
    pub async fn connect_offering(
        http_url: &str,
        offer: &str,
    ) -> Result<(Self, Option<String>), tokio_tungstenite::tungstenite::Error> {
        let mut request =
            format!("{}/graphql/ws", http_url.replacen("http", "ws", 1)).into_client_request()?;
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_str(offer).expect("header value"),
        );
        let (stream, response) = tokio_tungstenite::connect_async(request).await?;
        let chosen = response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let protocol = match chosen.as_deref() {
            Some(LEGACY_WS) => LEGACY_WS,
            _ => TRANSPORT_WS,
        };
        Ok((Self { stream, protocol }, chosen))
    }

    /// Sends `connection_init` and returns the answer (`connection_ack`, or a close).
    pub async fn init(&mut self, payload: Value) -> Value {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match self.next(Duration::from_secs(5)).await {
            Incoming::Message(message) => message,
            Incoming::Closed(code) => json!({ "type": "closed", "code": code }),
            Incoming::Silent => json!({ "type": "silent" }),
        }
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.protocol == TRANSPORT_WS {
            "subscribe"
        } else {
            "start"
        };
        self.send(json!({ "id": id, "type": kind, "payload": { "query": query, "variables": variables } })).await;
    }

    /// Like [`WsClient::subscribe`], for a socket the server may have closed already:
    /// returns whether the message went out.
    pub async fn try_subscribe(&mut self, id: &str, query: &str, variables: Value) -> bool {
        let kind = if self.protocol == TRANSPORT_WS {
            "subscribe"
        } else {
            "start"
        };
        let message = json!({ "id": id, "type": kind, "payload": { "query": query, "variables": variables } });
        self.stream
            .send(Message::Text(message.to_string().into()))
            .await
            .is_ok()
    }

    /// Sends `text` as it is, in a text frame.
    pub async fn send_raw(&mut self, text: &str) {
        self.stream
            .send(Message::Text(text.to_owned().into()))
            .await
            .expect("socket send");
    }

    /// Sends `bytes` in a binary frame.
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream
            .send(Message::Binary(bytes.to_vec().into()))
            .await
            .expect("socket send");
    }

    /// The next message as it came, without answering pings: for protocol tests.
    pub async fn next_raw(&mut self, wait: Duration) -> Incoming {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return Incoming::Silent,
                Ok(None) | Ok(Some(Err(_))) => return Incoming::Closed(None),
                Ok(Some(Ok(frame))) => frame,
            };
            match frame {
                Message::Text(text) => {
                    return Incoming::Message(serde_json::from_str(&text).expect("JSON message"));
                }
                Message::Close(frame) => return Incoming::Closed(frame.map(|f| f.code.into())),
                _ => continue,
            }
        }
    }

    pub async fn send(&mut self, message: Value) {
        self.stream
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("socket send");
    }

    /// The next protocol message, skipping keep-alives (and answering the server's
    /// `ping`), within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Incoming {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_raw(left).await {
                Incoming::Message(value) => match value["type"].as_str() {
                    Some("ka" | "pong") => continue,
                    Some("ping") => self.send(json!({ "type": "pong" })).await,
                    _ => return Incoming::Message(value),
                },
                other => return other,
            }
        }
    }

    /// The next event's payload for subscription `id`; panics on anything else.
    pub async fn next_event(&mut self, id: &str) -> Value {
        match self.next(Duration::from_secs(10)).await {
            Incoming::Message(message) => {
                let data_type = if self.protocol == TRANSPORT_WS {
                    "next"
                } else {
                    "data"
                };
                assert_eq!(
                    message["type"], data_type,
                    "expected an event, got {message}"
                );
                assert_eq!(message["id"], id, "{message}");
                assert!(message["payload"]["errors"].is_null(), "{message}");
                message["payload"]["data"].clone()
            }
            other => panic!("expected an event for {id}, got {other:?}"),
        }
    }

    /// Waits for a WebSocket ping frame from the server.
    /// A `ping` and its `pong`: everything sent on this socket before has been handled
    /// by the server (it reads a socket's messages in order).
    pub async fn round_trip(&mut self) {
        self.send(json!({"type": "ping"})).await;
        match self.next_raw(Duration::from_secs(2)).await {
            Incoming::Message(m) if m["type"] == "pong" => {}
            other => panic!("expected the pong, got {other:?}"),
        }
    }

    pub async fn expect_ping(&mut self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(Message::Ping(_)))) => return,
                Ok(Some(Ok(_))) => continue,
                other => panic!("no ping within {within:?}: {other:?}"),
            }
        }
    }

    /// Asserts nothing arrives for a while.
    pub async fn expect_silence(&mut self, wait: Duration) {
        match self.next(wait).await {
            Incoming::Silent => {}
            other => panic!("expected silence, got {other:?}"),
        }
    }

    /// The code of the `error` the server ended (or refused) operation `id` with. In
    /// graphql-transport-ws that is an `error` message whose payload is the list of
    /// errors, and nothing follows it; the legacy protocol says it with a `data` of
    /// errors, then `complete`.
    pub async fn expect_error(&mut self, id: &str) -> String {
        let message = match self.next(Duration::from_secs(10)).await {
            Incoming::Message(message) => message,
            other => panic!("expected an error for {id}, got {other:?}"),
        };
        assert_eq!(message["id"], id, "{message}");
        if self.protocol == TRANSPORT_WS {
            assert_eq!(message["type"], "error", "{message}");
            assert!(message["payload"].is_array(), "{message}");
        } else {
            assert_eq!(message["type"], "data", "{message}");
            self.expect_complete(id, Duration::from_secs(2)).await;
        }
        error_code(&message)
            .unwrap_or_else(|| panic!("no code in {message}"))
            .to_owned()
    }

    /// Reads until the server closes the socket, within `wait`: the messages before
    /// the close, and its close code. Panics if the socket stays open.
    pub async fn until_closed(&mut self, wait: Duration) -> (Vec<Value>, Option<u16>) {
        let deadline = tokio::time::Instant::now() + wait;
        let mut messages = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Incoming::Message(message) => messages.push(message),
                Incoming::Closed(code) => return (messages, code),
                Incoming::Silent => {
                    panic!("the socket was still open after {wait:?}; got {messages:?}")
                }
            }
        }
    }

    /// Waits for the server to complete subscription `id` (the stream ended).
    pub async fn expect_complete(&mut self, id: &str, within: Duration) {
        match self.next(within).await {
            Incoming::Message(message) => {
                assert_eq!(
                    message["type"], "complete",
                    "expected complete, got {message}"
                );
                assert_eq!(message["id"], id);
            }
            other => panic!("expected {id} to complete, got {other:?}"),
        }
    }
}
