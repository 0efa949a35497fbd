//! The graphql-transport-ws plumbing: the socket's address, the handshake up to
//! `connection_ack`, and messages in and out as JSON.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{Ended, FollowError};

pub(super) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// `http://host:port/` → `ws://host:port/graphql/ws`.
pub(super) fn websocket_url(url: &str) -> Result<String, FollowError> {
    let base = url.trim_end_matches('/');
    if let Some(rest) = base.strip_prefix("http://") {
        Ok(format!("ws://{rest}/graphql/ws"))
    } else if base.starts_with("https://") {
        // reqwest and tokio-tungstenite are built without TLS in this workspace; turning
        // it on for this example would turn it on for every crate that shares them.
        Err(FollowError::BadUrl(format!(
            "{url}: this example speaks plain HTTP only (built without TLS); \
             point --url at the server's own address (BIND)"
        )))
    } else {
        Err(FollowError::BadUrl(format!(
            "{url}: expected http://host:port"
        )))
    }
}

/// Opens the socket and waits for `connection_ack`.
pub(super) async fn open(ws_url: &str, token: &str) -> Result<Socket, Ended> {
    let mut request = ws_url.into_client_request().map_err(Ended::dropped)?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(Ended::dropped)?;
    let init = json!({ "type": "connection_init",
        "payload": { "authorization": format!("Bearer {token}") } });
    send(&mut socket, &init).await.map_err(Ended::dropped)?;
    loop {
        match receive(&mut socket).await {
            Incoming::Message(message) => match message["type"].as_str() {
                Some("connection_ack") => return Ok(socket),
                Some("ping") => {
                    let pong = json!({ "type": "pong" });
                    send(&mut socket, &pong).await.map_err(Ended::dropped)?;
                }
                _ => {}
            },
            Incoming::Closed(Some(4403), reason) => {
                return Err(Ended::SessionOver(format!(
                    "connection_init refused (4403 {reason})"
                )));
            }
            Incoming::Closed(code, reason) => {
                return Err(Ended::dropped(closed(code, &reason)));
            }
            Incoming::Broken(reason) => return Err(Ended::dropped(reason)),
            Incoming::Other => {}
        }
    }
}

/// Ends operation `id` and closes the socket politely, if that is quick; the server
/// copes without it.
pub(super) async fn goodbye(socket: &mut Socket, id: &str) {
    let goodbye = async {
        let _ = send(socket, &json!({ "id": id, "type": "complete" })).await;
        let _ = socket
            .close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            }))
            .await;
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), goodbye).await;
}

pub(super) fn closed(code: Option<u16>, reason: &str) -> String {
    match code {
        Some(code) => format!("closed {code} {reason}").trim_end().to_owned(),
        None => "closed".to_owned(),
    }
}

/// What the socket said next, as the protocol sees it.
pub(super) enum Incoming {
    Message(Value),
    /// A close frame (its code, if any), or the end of the stream.
    Closed(Option<u16>, String),
    Broken(String),
    /// Frames tungstenite answers by itself, binary frames, text that is not JSON.
    Other,
}

pub(super) async fn receive(socket: &mut Socket) -> Incoming {
    match socket.next().await {
        Some(Ok(Message::Text(text))) => match serde_json::from_str(&text) {
            Ok(message) => Incoming::Message(message),
            Err(_) => Incoming::Other,
        },
        Some(Ok(Message::Close(Some(frame)))) => {
            Incoming::Closed(Some(frame.code.into()), frame.reason.to_string())
        }
        Some(Ok(Message::Close(None))) | None => Incoming::Closed(None, String::new()),
        Some(Ok(_)) => Incoming::Other,
        Some(Err(e)) => Incoming::Broken(e.to_string()),
    }
}

pub(super) async fn send(socket: &mut Socket, message: &Value) -> Result<(), tungstenite::Error> {
    socket.send(Message::Text(message.to_string().into())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_is_beside_the_http_endpoint() {
        assert_eq!(
            websocket_url("http://127.0.0.1:8080/").unwrap(),
            "ws://127.0.0.1:8080/graphql/ws"
        );
        assert!(websocket_url("https://portal.example").is_err());
        assert!(websocket_url("portal.example").is_err());
    }
}
