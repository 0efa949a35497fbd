//! One WebSocket connection as the API sees it: who it was opened by, the
//! subscriptions it holds, and the checks that keep a dead session from using it.
//!
//! The session is re-read at every operation the connection sends (a `subscribe`),
//! not only at `connection_init`: a socket outlives logout, a password change or
//! expiry, and must not keep acting for a session that has ended. The server closes
//! such a socket too (see `websocket/`); this module gives it what
//! it needs: the session to re-check, and a way to end every stream first.

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Request;
use async_graphql::futures_util::stream::BoxStream;
use chrono::{DateTime, Utc};
use domain::{Actor, Domain, DomainError, RequestMeta};
use futures_util::StreamExt;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;

use crate::Api;
use crate::fanout::{self, Reply, Subscriber};
use api::ApiError;
use api::handoff::{Handoff, StreamSlots};
use api::{Loaders, RequestLoader};
use api::{RequestAuth, authenticate, bearer_token};

/// The session behind a connection, as last read.
#[derive(Clone, Copy, Debug)]
struct SessionRef {
    user_id: i64,
    session_id: i64,
    /// When the session expires, on the monotonic clock (a little after, so a check
    /// then finds it expired).
    expires_at: Instant,
}

/// The outcome of re-reading a connection's session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    /// No one signed in on this connection: nothing to watch.
    Anonymous,
    /// Alive until then (monotonic clock).
    AliveUntil(Instant),
    /// Logged out, revoked or expired.
    Ended,
}

/// A WebSocket connection's shared state. The server's socket task holds one clone,
/// the connection's GraphQL data another; cheap to clone.
#[derive(Clone)]
pub struct WsConnection(Arc<Inner>);

struct Inner {
    /// The upgrade request's address and user agent.
    meta: RequestMeta,
    session: Mutex<Option<SessionRef>>,
    /// One permit per subscription the connection may hold (`Limits`).
    slots: Arc<Semaphore>,
    max_subscriptions: usize,
    /// Set once the connection's session has ended: every stream completes.
    ended: watch::Sender<bool>,
    /// An operation found the session dead: the socket task should check and close.
    check: Notify,
}

impl WsConnection {
    /// A connection being opened by the upgrade request that `meta` describes, which
    /// may hold `max_subscriptions` at once.
    pub fn new(meta: RequestMeta, max_subscriptions: usize) -> Self {
        Self(Arc::new(Inner {
            meta,
            session: Mutex::new(None),
            slots: Arc::new(Semaphore::new(max_subscriptions)),
            max_subscriptions,
            ended: watch::channel(false).0,
            check: Notify::new(),
        }))
    }

    /// The user the connection was opened for, once `connection_init` succeeded.
    pub fn user_id(&self) -> Option<i64> {
        self.session().map(|s| s.user_id)
    }

    /// When the connection's session expires, as last read (monotonic clock).
    pub fn expires_at(&self) -> Option<Instant> {
        self.session().map(|s| s.expires_at)
    }

    /// Re-reads the session from the database (it may have ended on any instance).
    pub async fn check_session(&self, domain: &Domain) -> Result<SessionState, DomainError> {
        let Some(session) = self.session() else {
            return Ok(SessionState::Anonymous);
        };
        match self.read_session(domain, session.session_id).await {
            Ok((_, expires_at)) => Ok(SessionState::AliveUntil(expires_at)),
            Err(DomainError::Unauthenticated(_)) => Ok(SessionState::Ended),
            Err(err) => Err(err),
        }
    }

    /// Reads session `session_id` afresh through the domain's one decider
    /// (`AuthService::resume`; it may have ended on any instance) and keeps it as the
    /// connection's, with its expiry now: who the session's user is now, and when it
    /// expires.
    async fn read_session(
        &self,
        domain: &Domain,
        session_id: i64,
    ) -> Result<(Actor, Instant), DomainError> {
        let (actor, expires_at) = domain
            .auth()
            .resume(session_id, self.0.meta.clone())
            .await?;
        let expires_at = instant_at(expires_at, domain.clock().now());
        self.set_session(SessionRef {
            user_id: actor.user_id,
            session_id,
            expires_at,
        });
        Ok((actor, expires_at))
    }

    /// Completes every subscription stream of the connection (its session ended).
    pub fn end_streams(&self) {
        self.0.ended.send_replace(true);
    }

    /// Resolves once no subscription of the connection is open any more.
    pub async fn streams_ended(&self) {
        // Every open stream holds a slot; all slots free means every stream is gone.
        let _all = self
            .0
            .slots
            .acquire_many(u32::try_from(self.0.max_subscriptions).unwrap_or(u32::MAX))
            .await;
    }

    /// Resolves when an operation found the session dead (the socket should close).
    pub async fn check_requested(&self) {
        self.0.check.notified().await;
    }

    fn session(&self) -> Option<SessionRef> {
        *self
            .0
            .session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn set_session(&self, session: SessionRef) {
        *self
            .0
            .session
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(session);
    }
}

impl StreamSlots for WsConnection {
    /// A subscription slot, or RATE_LIMITED when the connection holds the maximum.
    fn take_slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.0.slots.clone().try_acquire_owned().map_err(|_| {
            ApiError(DomainError::capped(format!(
                "at most {} subscriptions per connection",
                self.0.max_subscriptions
            )))
        })
    }

    /// Follows "the session ended": resolves at once if it already has.
    fn ended(&self) -> watch::Receiver<bool> {
        self.0.ended.subscribe()
    }
}

/// The data of one WebSocket connection, from its `connection_init` payload
/// (`{"authorization": "Bearer …"}`) or, failing that, the session cookie of the
/// upgrade request (which the server only passes on when its Origin is the portal's).
/// A dead token refuses the connection; no token at all makes an anonymous one, whose
/// subscriptions answer UNAUTHENTICATED. `connection` learns the session, to watch it.
pub async fn websocket_connection(
    domain: &Domain,
    payload: &serde_json::Value,
    cookie_token: Option<&str>,
    connection: &WsConnection,
) -> Result<async_graphql::Data, DomainError> {
    let bearer = payload
        .get("authorization")
        .or_else(|| payload.get("Authorization"))
        .and_then(|v| v.as_str())
        .and_then(bearer_token);
    let token = bearer.or(cookie_token);
    let auth = authenticate(domain, token, connection.0.meta.clone()).await?;
    let actor = match &auth {
        RequestAuth::SignedIn(actor) => Some(actor.clone()),
        RequestAuth::Invalid(_, message) => {
            return Err(DomainError::Unauthenticated(message.clone()));
        }
        RequestAuth::Anonymous(_) => None,
    };
    if let Some(actor) = &actor {
        connection.read_session(domain, actor.session_id).await?;
    }
    let mut data = async_graphql::Data::default();
    data.insert(auth);
    data.insert(Loaders::for_connection(domain.clone(), actor));
    data.insert(connection.clone());
    // What the subscriptions' resolvers take from the connection (`api::handoff`).
    data.insert::<Arc<dyn StreamSlots>>(Arc::new(connection.clone()));
    Ok(data)
}

impl Api {
    /// Runs one operation a WebSocket sent, authenticated as HTTP authenticates every
    /// request: the connection's session is re-read, and the operation runs as the
    /// actor it now is, or (session ended) as a dead token would (UNAUTHENTICATED for
    /// anything that needs a user). `data` is the connection's (its `connection_init`).
    ///
    /// A subscription with one root field shares its rendered events with every
    /// subscriber who sent the same and sees the same (see [`crate::fanout`]).
    pub fn execute_operation(
        &self,
        connection: &WsConnection,
        mut request: Request,
        data: Arc<async_graphql::Data>,
    ) -> BoxStream<'static, Reply> {
        let (api, connection) = (self.clone(), connection.clone());
        let shared = fanout::shareable(&mut request).then(|| {
            let template = (
                request.query.clone(),
                request.operation_name.clone(),
                request.variables.clone(),
            );
            (Handoff::default(), template)
        });
        async_stream::stream! {
            // Futures that read the database or execute are boxed: inline, they would
            // size the state every idle subscription keeps.
            let (request, auth) = match Box::pin(connection.operation_data(&api.domain)).await {
                Ok(Some((auth, loaders))) => (request.data(auth.clone()).data(loaders), Some(auth)),
                Ok(None) => (request, None),
                Err(err) => {
                    yield api::error_response(err).into();
                    return;
                }
            };
            let request = match &shared {
                Some((handoff, _)) => request.data(handoff.clone()),
                None => request,
            };
            let mut responses = crate::responses::execute_stream(
                &api.schema,
                api.field_types.clone(),
                api.limits,
                Some(api.stats.clone()),
                request,
                data.clone(),
            );
            while let Some(response) = responses.next().await {
                yield response.into();
            }
            drop(responses);
            let Some((handoff, template)) = shared else {
                return;
            };
            let Some((subscriber, mut items)) =
                Subscriber::join(&api, &handoff, template, auth, data)
            else {
                return;
            };
            while let Some(item) = items.next().await {
                yield Box::pin(subscriber.reply(item)).await;
            }
        }
        .boxed()
    }
}

impl WsConnection {
    /// Who one operation runs as, read fresh, with loaders of its own; `None` for a
    /// connection no one signed in on.
    async fn operation_data(
        &self,
        domain: &Domain,
    ) -> Result<Option<(RequestAuth, RequestLoader)>, DomainError> {
        let Some(session) = self.session() else {
            return Ok(None);
        };
        let auth = match self.read_session(domain, session.session_id).await {
            Ok((actor, _)) => RequestAuth::SignedIn(actor),
            Err(DomainError::Unauthenticated(message)) => {
                // This instance may not have heard that the session ended: close now.
                self.0.check.notify_one();
                RequestAuth::Invalid(self.0.meta.clone(), message)
            }
            Err(err) => return Err(err),
        };
        let actor = auth.actor().cloned();
        Ok(Some((auth, Loaders::for_connection(domain.clone(), actor))))
    }
}

/// The monotonic instant of a wall-clock moment (seen from the domain's `now`), plus a
/// little: a timer set for it fires when the database already sees the moment as past.
fn instant_at(at: DateTime<Utc>, now: DateTime<Utc>) -> Instant {
    let remaining = (at - now).to_std().unwrap_or_default();
    Instant::now() + remaining + std::time::Duration::from_millis(50)
}
