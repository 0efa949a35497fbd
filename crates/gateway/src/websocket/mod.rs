//! `/graphql/ws`: GraphQL over WebSocket, in `graphql-transport-ws` (graphql-ws's
//! PROTOCOL.md, to the letter: close codes in [`protocol::Close`]) and the legacy
//! `graphql-ws`, speaking exactly the one the handshake agreed on.
//!
//! The protocol layer is ours; async-graphql only executes. Its own WebSocket closes
//! with 1002/1011 where the protocol names 4400/4401/4403, has no init timeout,
//! accepts a duplicate id, and turns every error into a `next`: it cannot say "this
//! subscription ended because you lost access" apart from "it finished".
//!
//! Authentication comes from the `connection_init` payload, or from the session cookie
//! when the upgrade's Origin is the portal's own (a cookie alone must not let another
//! site open a socket in the user's name), and is checked again at every operation.
//! A socket lives only as long as its session: when the session ends (logout, a
//! password change or reset, removal, expiry; on any instance) each subscription gets
//! an `error` (UNAUTHENTICATED) and the socket closes with 4403. The server pings every
//! `events.ping_interval` (20 s by default), which also finds dead peers. Message size
//! and subscriptions per connection come from `Config::limits`.

mod operations;
mod protocol;
mod watch;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::{SessionState, WsConnection};
use async_graphql::{Data, Request, Response};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use domain::DomainError;
use futures_util::future::FusedFuture;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{FutureExt, SinkExt, StreamExt, stream};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use self::operations::{Frame, Operations};
use self::protocol::{ClientMessage, Close, Protocol, ServerMessage};
use self::watch::Watch;
use crate::request::RequestContext;
use crate::state::AppState;

/// When a session check failed (the database is away), when to try again.
const CHECK_RETRY: Duration = Duration::from_secs(5);
/// How long the streams of an ended session get to send their `error`.
const DRAIN_LIMIT: Duration = Duration::from_secs(1);
/// How long a closing socket waits for the client's close frame.
const CLOSE_REPLY_LIMIT: Duration = Duration::from_secs(1);

pub async fn upgrade(
    State(state): State<AppState>,
    caller: RequestContext,
    upgrade: WebSocketUpgrade,
) -> axum::response::Response {
    // A browser sends the cookie to any site's socket: only the portal's own pages may
    // sign in with it.
    let cookie_token = caller.cookie.filter(|_| caller.same_origin);
    let meta = caller.meta;
    // axum answers with the first of ours the client offers.
    let upgrade = upgrade.protocols(Protocol::NAMES);
    let protocol = upgrade
        .selected_protocol()
        .and_then(|p| p.to_str().ok())
        .and_then(Protocol::from_name);
    let max_message = state.limits.ws_message_bytes;
    upgrade
        .max_message_size(max_message)
        .max_frame_size(max_message)
        // Small buffers: most sockets are idle dashboards, and the default 128 KiB read
        // buffer per socket would make ten thousand of them cost over a gigabyte.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| async move {
            let open = state.websockets_open.clone();
            open.inc();
            let (sink, input) = socket.split();
            let mut socket = Socket {
                sink,
                input,
                protocol: protocol.unwrap_or(Protocol::TransportWs),
                connection: WsConnection::new(meta, state.limits.subscriptions_per_connection),
                state,
                cookie_token,
                init_received: false,
                data: None,
                operations: Operations::default(),
            };
            match protocol {
                Some(_) => socket.serve().await,
                None => socket.close(Close::subprotocol_not_acceptable()).await,
            }
            open.dec();
        })
}

/// One socket: its two halves, what the protocol has agreed so far, and its operations.
struct Socket {
    sink: SplitSink<WebSocket, Message>,
    input: SplitStream<WebSocket>,
    protocol: Protocol,
    state: AppState,
    connection: WsConnection,
    /// The session cookie, when the upgrade came from the portal's own origin.
    cookie_token: Option<String>,
    /// A second `connection_init` closes the socket (4429).
    init_received: bool,
    /// The connection's data, once `connection_init` was acknowledged.
    data: Option<Arc<Data>>,
    operations: Operations,
}

/// What woke the socket.
enum SocketEvent {
    Input(Option<Message>),
    Frame(String, Frame),
    Ping,
    /// Something may have ended the session: re-read it.
    CheckSession,
    Checked(Result<SessionState, DomainError>),
    InitTimeout,
    /// The peer is gone, or the server is stopping.
    Stop(Option<Close>),
    Nothing,
}

/// The peer went away while the server was writing to it.
struct Gone;

/// What the socket does after reacting to an event.
enum Flow {
    Continue,
    Close(Close),
    /// The peer is gone, or the session ended (its streams told): nothing more to send.
    End,
}

impl Socket {
    async fn serve(&mut self) {
        let mut watch = Watch::new(&self.state);
        loop {
            if self.connection.expires_at() != watch.armed_for
                && let Some(at) = self.connection.expires_at()
            {
                watch.expire_at(at);
            }
            let event = self.next_event(&mut watch).await;
            match self.react(event, &mut watch).await {
                Flow::Continue => {}
                Flow::Close(close) => {
                    self.close(close).await;
                    return;
                }
                Flow::End => return,
            }
        }
    }

    /// The next thing the socket must react to.
    async fn next_event(&mut self, watch: &mut Watch) -> SocketEvent {
        tokio::select! {
            message = self.input.next() => match message {
                Some(Ok(message)) => SocketEvent::Input(Some(message)),
                Some(Err(err)) => SocketEvent::Stop(read_failure(err)),
                None => SocketEvent::Input(None),
            },
            (id, frame) = self.operations.next() => SocketEvent::Frame(id, frame),
            _ = watch.ping.tick() => SocketEvent::Ping,
            _ = &mut watch.init_timeout, if !self.init_received => SocketEvent::InitTimeout,
            notice = watch.access.recv() => match notice {
                Ok(user_id) if self.connection.user_id() == Some(user_id) => SocketEvent::CheckSession,
                Ok(_) => SocketEvent::Nothing,
                // Notices were missed; any of them may have been about this user.
                Err(RecvError::Lagged(_)) => SocketEvent::CheckSession,
                // The feed is gone: the server is stopping.
                Err(RecvError::Closed) => SocketEvent::Stop(Some(Close::going_away())),
            },
            _ = &mut watch.expiry, if watch.armed_for.is_some() => {
                // Not again until the check re-arms it.
                watch.expiry.as_mut().reset(Instant::now() + self.state.limits.session_recheck);
                SocketEvent::CheckSession
            }
            _ = watch.recheck.tick() => SocketEvent::CheckSession,
            _ = self.connection.check_requested() => SocketEvent::CheckSession,
            checked = &mut watch.check => SocketEvent::Checked(checked),
            _ = watch.shutdown.changed() => SocketEvent::Stop(Some(Close::going_away())),
        }
    }

    async fn react(&mut self, event: SocketEvent, watch: &mut Watch) -> Flow {
        let outcome = match event {
            // Boxed: an idle socket's task is as large as the largest future it awaits
            // inline, and `connection_init`'s reads of the database would make every
            // idle socket carry their size.
            SocketEvent::Input(Some(message)) => Box::pin(self.receive(message)).await,
            // The peer closed the connection or it broke.
            SocketEvent::Input(None) => return Flow::End,
            SocketEvent::Frame(id, frame) => self.forward(&id, frame).await.map(|()| None),
            SocketEvent::Ping => self.ping().await.map(|()| None),
            SocketEvent::InitTimeout => Ok(Some(Close::init_timeout())),
            SocketEvent::CheckSession => {
                // One check at a time; a trigger during one is answered by it.
                if self.connection.user_id().is_some() && watch.check.is_terminated() {
                    let (connection, domain) = (self.connection.clone(), self.state.domain.clone());
                    let pending: SessionCheck =
                        Box::pin(async move { connection.check_session(&domain).await });
                    watch.check.set(pending.fuse());
                }
                Ok(None)
            }
            SocketEvent::Checked(Ok(SessionState::Ended)) => {
                Box::pin(self.end_session()).await;
                return Flow::End;
            }
            SocketEvent::Checked(Ok(SessionState::AliveUntil(at))) => {
                watch.expire_at(at);
                Ok(None)
            }
            SocketEvent::Checked(Ok(SessionState::Anonymous)) | SocketEvent::Nothing => Ok(None),
            SocketEvent::Checked(Err(err)) => {
                tracing::warn!(error = %err, "could not re-check a WebSocket's session; trying again");
                watch.expiry.as_mut().reset(Instant::now() + CHECK_RETRY);
                Ok(None)
            }
            SocketEvent::Stop(close) => Ok(close),
        };
        match outcome {
            Ok(None) => Flow::Continue,
            Ok(Some(close)) => Flow::Close(close),
            Err(Gone) => Flow::End,
        }
    }

    /// Acts on one message from the client; `Some` closes the socket.
    async fn receive(&mut self, message: Message) -> Result<Option<Close>, Gone> {
        let text = match message {
            Message::Text(text) => text.to_string(),
            Message::Binary(bytes) => match String::from_utf8(bytes.to_vec()) {
                Ok(text) => text,
                Err(_) => return Ok(Some(Close::bad_request("not UTF-8 text"))),
            },
            // Ping, pong and close frames are the WebSocket's own business.
            _ => return Ok(None),
        };
        let message = match ClientMessage::parse(self.protocol, &text) {
            Ok(message) => message,
            Err(why) => return Ok(Some(Close::bad_request(why))),
        };
        match message {
            ClientMessage::ConnectionInit { payload } => self.init(payload).await,
            ClientMessage::Ping { payload } => self
                .send(ServerMessage::Pong {
                    payload: payload.as_ref(),
                })
                .await
                .map(|()| None),
            ClientMessage::Pong => Ok(None),
            ClientMessage::Subscribe { id, request } => Ok(self.subscribe(id, *request)),
            ClientMessage::Complete { id } => {
                let was_running = self.operations.stop(&id);
                // The legacy protocol confirms a `stop`; graphql-transport-ws does not
                // answer a `complete`.
                if was_running && self.protocol == Protocol::Legacy {
                    self.send(ServerMessage::Complete { id: &id }).await?;
                }
                Ok(None)
            }
            ClientMessage::ConnectionTerminate => Ok(Some(Close::normal())),
        }
    }

    /// `connection_init`: signs the connection in, or refuses it (4403).
    async fn init(&mut self, payload: serde_json::Value) -> Result<Option<Close>, Gone> {
        if self.init_received {
            return Ok(Some(Close::too_many_inits()));
        }
        self.init_received = true;
        // The payload's keys, never its values: they hold the session token.
        let keys: Vec<&str> = payload
            .as_object()
            .map(|payload| payload.keys().map(String::as_str).collect())
            .unwrap_or_default();
        tracing::trace!(?keys, "connection_init");
        let signed_in = crate::websocket_connection(
            &self.state.domain,
            &payload,
            self.cookie_token.as_deref(),
            &self.connection,
        )
        .await;
        match signed_in {
            Ok(data) => {
                self.data = Some(Arc::new(data));
                self.send(ServerMessage::ConnectionAck).await?;
                Ok(None)
            }
            Err(err) => {
                if let DomainError::Internal(detail) = &err {
                    tracing::error!(%detail, "could not check a WebSocket's connection_init");
                }
                let message = err.public_message();
                if self.protocol == Protocol::Legacy {
                    self.send(ServerMessage::ConnectionError { message: &message })
                        .await?;
                }
                Ok(Some(match err {
                    DomainError::Internal(_) => Close::internal(),
                    _ => Close::forbidden(&message),
                }))
            }
        }
    }

    /// `subscribe`: runs the operation, unless the protocol forbids it here.
    fn subscribe(&mut self, id: String, request: Request) -> Option<Close> {
        let Some(data) = self.data.clone() else {
            return Some(Close::unauthorized());
        };
        if self.operations.contains(&id) {
            match self.protocol {
                Protocol::TransportWs => return Some(Close::subscriber_exists(&id)),
                // subscriptions-transport-ws replaces the running one.
                Protocol::Legacy => {
                    self.operations.stop(&id);
                }
            }
        }
        // Queries and mutations run over the socket too: without a bound, one socket
        // could start any number at once.
        let max = self.state.limits.subscriptions_per_connection;
        let responses = if self.operations.len() >= max {
            refused(api::error_response(DomainError::capped(format!(
                "at most {max} operations at once per connection"
            ))))
        } else {
            match self.state.admit(request) {
                Ok(request) => self
                    .state
                    .api
                    .execute_operation(&self.connection, request, data),
                Err(error) => refused(Response::from_errors(vec![error])),
            }
        };
        self.operations.start(id, responses);
        None
    }

    /// Sends what an operation says next.
    async fn forward(&mut self, id: &str, frame: Frame) -> Result<(), Gone> {
        match frame {
            Frame::Next(response) => {
                self.send(ServerMessage::Next {
                    id,
                    payload: &response,
                })
                .await
            }
            Frame::Error(errors) => {
                self.send(ServerMessage::Error {
                    id,
                    errors: &errors,
                })
                .await?;
                // The legacy protocol says it with `data`, and then completes.
                if self.protocol == Protocol::Legacy {
                    self.send(ServerMessage::Complete { id }).await?;
                }
                Ok(())
            }
            Frame::Complete => self.send(ServerMessage::Complete { id }).await,
        }
    }

    /// The keep-alive: a ping frame (answered by the browser itself), and the legacy
    /// protocol's `ka` message.
    async fn ping(&mut self) -> Result<(), Gone> {
        if self.protocol == Protocol::Legacy {
            self.send(ServerMessage::KeepAlive).await?;
        }
        self.sink
            .send(Message::Ping(Vec::new().into()))
            .await
            .map_err(|_| Gone)
    }

    async fn send(&mut self, message: ServerMessage<'_>) -> Result<(), Gone> {
        let text = match message.to_text(self.protocol) {
            Ok(text) => text,
            Err(err) => {
                tracing::error!(%err, "a WebSocket message did not serialize");
                return Ok(());
            }
        };
        self.sink
            .send(Message::Text(text.into()))
            .await
            .map_err(|_| Gone)
    }

    /// Ends a socket whose session ended: every subscription gets its `error`
    /// (UNAUTHENTICATED) first, as when access is lost, then the socket closes (4403).
    async fn end_session(&mut self) {
        let connection = self.connection.clone();
        connection.end_streams();
        let drained = connection.streams_ended();
        tokio::pin!(drained);
        let limit = tokio::time::sleep(DRAIN_LIMIT);
        tokio::pin!(limit);
        loop {
            let frame = tokio::select! {
                // A stream's last frame is produced in the same poll that frees its
                // slot, so forwarding first means every `error` is sent before the close.
                biased;
                (id, frame) = self.operations.next() => Some((id, frame)),
                _ = &mut drained => None,
                _ = &mut limit => None,
            };
            let Some((id, frame)) = frame else { break };
            if self.forward(&id, frame).await.is_err() {
                return;
            }
        }
        self.close(Close::forbidden("session ended")).await;
    }

    /// Sends the close frame, then reads (and drops) what the client still sends until
    /// it answers with its own close, for a moment at most. Dropping a socket with
    /// unread input makes the kernel reset the connection, and a client then loses the
    /// close frame (and its code) that was already on its way.
    async fn close(&mut self, close: Close) {
        tracing::debug!(code = close.code, reason = %close.reason, "closing a WebSocket");
        let frame = CloseFrame {
            code: close.code,
            reason: close.reason.into(),
        };
        if self.sink.send(Message::Close(Some(frame))).await.is_err() {
            return;
        }
        let input = &mut self.input;
        let _ = tokio::time::timeout(CLOSE_REPLY_LIMIT, async {
            while let Some(Ok(_)) = input.next().await {}
        })
        .await;
    }
}

/// How to close a socket whose read failed: 1009 for a message over the size limit,
/// 1002 for a broken frame; nothing when the connection itself is gone.
fn read_failure(err: axum::Error) -> Option<Close> {
    use tungstenite::Error;
    match err.into_inner().downcast::<Error>().map(|err| *err) {
        Ok(Error::Capacity(_)) => Some(Close::message_too_big()),
        Ok(Error::Protocol(why)) => Some(Close::protocol_error(why)),
        _ => None,
    }
}

/// An operation refused before it ran: its one response.
fn refused(response: Response) -> futures_util::stream::BoxStream<'static, crate::Reply> {
    stream::once(async move { response.into() }).boxed()
}

/// A re-read of a socket's session, running beside its streams.
type SessionCheck = Pin<Box<dyn Future<Output = Result<SessionState, DomainError>> + Send>>;
