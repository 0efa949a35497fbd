//! `/graphql/ws`: GraphQL subscriptions over WebSocket, in both subprotocols
//! (`graphql-transport-ws` and the legacy `graphql-ws`), speaking exactly the one the
//! handshake agreed on.
//!
//! Authentication comes from the `connection_init` payload, or from the session cookie
//! when the upgrade's Origin is the portal's own (a cookie alone must not let another
//! site open a socket in the user's name), and is checked again at every operation.
//! A socket lives only as long as its session: when the session ends (logout, a
//! password change or reset, removal, expiry; on any instance) its streams complete
//! and the socket closes with code 4403. The server pings every
//! `events.ping_interval` (20 s by default), which also finds dead peers. Message size
//! and subscriptions per connection come from `Config::limits`.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use api::{SessionState, WsConnection};
use async_graphql::http::{WebSocket as GraphQLWebSocket, WebSocketProtocols, WsMessage};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use domain::{DomainError, RequestMeta};
use futures_util::future::{Fuse, FusedFuture};
use futures_util::stream::SplitSink;
use futures_util::{FutureExt, SinkExt, Stream, StreamExt, future};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use crate::request::RequestContext;
use crate::state::AppState;

/// The close code for "your session ended". graphql-ws clients treat 4403 (Forbidden)
/// as fatal, so they do not reconnect with the dead token.
const SESSION_ENDED: u16 = 4403;
/// How often an open socket re-reads its session when nothing told it to: the safety
/// net for an access notice lost while Redis was away.
const SESSION_RECHECK: Duration = Duration::from_secs(60);
/// When a session check failed (the database is away), when to try again.
const CHECK_RETRY: Duration = Duration::from_secs(5);
/// How long the streams of an ended session get to send their `complete`.
const DRAIN_LIMIT: Duration = Duration::from_secs(1);
/// How long a closing socket waits for the client's close frame.
const CLOSE_REPLY_LIMIT: Duration = Duration::from_secs(1);

pub(crate) async fn upgrade(
    State(state): State<AppState>,
    caller: RequestContext,
    upgrade: WebSocketUpgrade,
) -> Response {
    // A browser sends the cookie to any site's socket: only the portal's own pages may
    // sign in with it.
    let cookie_token = caller.cookie.filter(|_| caller.same_origin);
    let meta = caller.meta;
    let upgrade = upgrade.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS);
    // Speak the subprotocol the handshake answers with (axum picks the first of ours the
    // client offers); graphql-transport-ws when the client names none.
    let protocol = upgrade
        .selected_protocol()
        .and_then(|p| p.to_str().ok())
        .and_then(|p| WebSocketProtocols::from_str(p).ok())
        .unwrap_or(WebSocketProtocols::GraphQLWS);
    let max_message = state.limits.ws_message_bytes;
    upgrade
        .max_message_size(max_message)
        .max_frame_size(max_message)
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
    let connection = WsConnection::new(meta, state.limits.subscriptions_per_connection);
    let mut graphql = GraphQLWebSocket::new(state.schema.clone(), input, protocol)
        .on_connection_init({
            let domain = state.domain.clone();
            let connection = connection.clone();
            move |payload| async move {
                api::websocket_connection(&domain, &payload, cookie_token.as_deref(), &connection)
                    .await
            }
        });
    let legacy = protocol == WebSocketProtocols::SubscriptionsTransportWS;
    let mut ping = tokio::time::interval(state.ws_ping);
    ping.reset();
    let mut recheck = tokio::time::interval(SESSION_RECHECK);
    recheck.reset();
    let mut access = state.live.access_changes();
    // Fires when the session expires (armed once connection_init has read it).
    let expiry = tokio::time::sleep(SESSION_RECHECK);
    tokio::pin!(expiry);
    let mut armed_for: Option<Instant> = None;
    // The session check under way, if any. It runs beside the socket's streams, never
    // instead of them: they may hold the database connection it needs (SQLite has one).
    let check = Fuse::terminated();
    tokio::pin!(check);
    let mut shutdown = state.shutdown.clone();
    loop {
        if connection.expires_at() != armed_for {
            armed_for = connection.expires_at();
            if let Some(at) = armed_for {
                expiry.as_mut().reset(at);
            }
        }
        let start_check = tokio::select! {
            outgoing = graphql.next() => {
                match outgoing {
                    Some(WsMessage::Text(text)) => {
                        if sink.send(Message::Text(text.into())).await.is_err() {
                            break;
                        }
                    }
                    Some(WsMessage::Close(code, reason)) => {
                        let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                        await_close_reply(&mut graphql).await;
                        break;
                    }
                    None => break,
                }
                false
            }
            _ = ping.tick() => {
                // The legacy protocol has its own keep-alive message; both get a ping frame.
                if legacy && sink.send(Message::Text(r#"{"type":"ka"}"#.into())).await.is_err() {
                    break;
                }
                if sink.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
                false
            }
            notice = access.recv() => match notice {
                Ok(user_id) => connection.user_id() == Some(user_id),
                // Notices were missed; any of them may have been about this user.
                Err(RecvError::Lagged(_)) => connection.user_id().is_some(),
                // The feed is gone: the server is stopping.
                Err(RecvError::Closed) => break,
            },
            _ = &mut expiry, if armed_for.is_some() => {
                // Not again until the check below re-arms it.
                expiry.as_mut().reset(Instant::now() + SESSION_RECHECK);
                true
            }
            _ = recheck.tick() => connection.user_id().is_some(),
            _ = connection.check_requested() => true,
            checked = &mut check => {
                match checked {
                    Ok(SessionState::Ended) => {
                        close_for_ended_session(&mut graphql, &mut sink, &connection).await;
                        break;
                    }
                    Ok(SessionState::AliveUntil(at)) => {
                        armed_for = Some(at);
                        expiry.as_mut().reset(at);
                    }
                    Ok(SessionState::Anonymous) => {}
                    Err(err) => {
                        tracing::warn!(error = %err, "could not re-check a WebSocket's session; trying again");
                        expiry.as_mut().reset(Instant::now() + CHECK_RETRY);
                    }
                }
                false
            }
            _ = shutdown.changed() => {
                let _ = sink.send(Message::Close(Some(CloseFrame { code: 1001, reason: "server shutting down".into() }))).await;
                break;
            }
        };
        // One check at a time; a trigger during one is answered by it.
        if start_check && check.is_terminated() {
            let (connection, domain) = (connection.clone(), state.domain.clone());
            let pending: SessionCheck =
                Box::pin(async move { connection.check_session(&domain).await });
            check.set(pending.fuse());
        }
    }
}

/// A re-read of a socket's session, running beside its streams.
type SessionCheck = Pin<Box<dyn Future<Output = Result<SessionState, DomainError>> + Send>>;

/// Ends a socket whose session ended: every stream completes first (the client sees
/// each subscription finish, as when access is lost), then the socket closes with 4403.
async fn close_for_ended_session(
    graphql: &mut (impl Stream<Item = WsMessage> + Unpin),
    sink: &mut SplitSink<WebSocket, Message>,
    connection: &WsConnection,
) {
    connection.end_streams();
    let drained = connection.streams_ended();
    tokio::pin!(drained);
    let limit = tokio::time::sleep(DRAIN_LIMIT);
    tokio::pin!(limit);
    loop {
        tokio::select! {
            // A stream's `complete` is produced in the same poll that frees its slot, so
            // forwarding first means every `complete` is sent before the close.
            biased;
            outgoing = graphql.next() => match outgoing {
                Some(WsMessage::Text(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Some(WsMessage::Close(..)) | None => break,
            },
            _ = &mut drained => break,
            _ = &mut limit => break,
        }
    }
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code: SESSION_ENDED,
            reason: "session ended".into(),
        })))
        .await;
    await_close_reply(graphql).await;
}

/// After sending a close frame, reads (and drops) what the client still sends until it
/// answers with its own close, for a moment at most. Dropping a socket with unread
/// input makes the kernel reset the connection, and a client then loses the close
/// frame (and its code) that was already on its way.
async fn await_close_reply(graphql: &mut (impl Stream<Item = WsMessage> + Unpin)) {
    let _ = tokio::time::timeout(CLOSE_REPLY_LIMIT, async {
        while graphql.next().await.is_some() {}
    })
    .await;
}
