//! `/graphql/ws`: GraphQL subscriptions over WebSocket, in both subprotocols
//! (`graphql-transport-ws` and the legacy `graphql-ws`), speaking exactly the one the
//! handshake agreed on.
//!
//! Authentication comes from the `connection_init` payload, or from the session cookie
//! when the upgrade's Origin is the portal's own (a cookie alone must not let another
//! site open a socket in the user's name). The server pings every `ws_ping` (20 s by
//! default), which also finds dead peers.

use std::net::SocketAddr;

use std::str::FromStr;

use async_graphql::http::{WebSocket as GraphQLWebSocket, WebSocketProtocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use domain::RequestMeta;
use futures_util::{SinkExt, StreamExt, future};

use crate::http::{AppState, session_cookie};

pub(crate) async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let origin_ok = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_some_and(|origin| origin.trim_end_matches('/') == state.public_origin);
    let cookie_token = session_cookie(&headers).filter(|_| origin_ok);
    let meta = RequestMeta {
        ip: Some(peer.ip().to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let upgrade = upgrade.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS);
    // Speak the subprotocol the handshake answers with (axum picks the first of ours the
    // client offers); graphql-transport-ws when the client names none.
    let protocol = upgrade
        .selected_protocol()
        .and_then(|p| p.to_str().ok())
        .and_then(|p| WebSocketProtocols::from_str(p).ok())
        .unwrap_or(WebSocketProtocols::GraphQLWS);
    upgrade
        .max_message_size(64 * 1024)
        // Small buffers: most sockets are idle dashboards, and the default 128 KiB read
        // buffer per socket would make ten thousand of them cost over a gigabyte.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| serve(socket, protocol, state, cookie_token, meta))
}

async fn serve(
    socket: WebSocket,
    protocol: WebSocketProtocols,
    state: AppState,
    cookie_token: Option<String>,
    meta: RequestMeta,
) {
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|message| future::ready(message.is_ok()))
        .filter_map(|message| {
            future::ready(match message {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            })
        });
    let domain = state.domain.clone();
    let mut graphql = GraphQLWebSocket::new(state.schema.clone(), input, protocol)
        .on_connection_init(move |payload| {
            let domain = domain.clone();
            let cookie_token = cookie_token.clone();
            let meta = meta.clone();
            async move {
                api::websocket_connection(&domain, &payload, cookie_token.as_deref(), meta).await
            }
        });
    let legacy = protocol == async_graphql::http::WebSocketProtocols::SubscriptionsTransportWS;
    let mut ping = tokio::time::interval(state.ws_ping);
    ping.reset();
    let mut shutdown = state.shutdown.clone();
    loop {
        tokio::select! {
            outgoing = graphql.next() => match outgoing {
                Some(WsMessage::Text(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    break;
                }
                None => break,
            },
            _ = ping.tick() => {
                // The legacy protocol has its own keep-alive message; both get a ping frame.
                if legacy && sink.send(Message::Text(r#"{"type":"ka"}"#.into())).await.is_err() {
                    break;
                }
                if sink.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
            _ = shutdown.changed() => {
                let _ = sink.send(Message::Close(Some(CloseFrame { code: 1001, reason: "server shutting down".into() }))).await;
                break;
            }
        }
    }
}
