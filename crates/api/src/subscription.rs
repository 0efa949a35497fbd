//! Live subscriptions: contact and invitation events of an account (MANAGE_CONTACTS),
//! or of every account (staff). `after` replays from the event log, then the stream
//! goes live with no gap and no duplicate at the seam. A member's replay starts no
//! earlier than their access did; staff replay everything.
//!
//! A stream the server ends says why, as its last item: FORBIDDEN when its subscriber
//! lost the right to it (contact removed, role lowered, access revoked),
//! UNAUTHENTICATED when their session ended, RESUBSCRIBE when they fell too far behind
//! to be kept (dropped, not buffered: they resubscribe from their last cursor). The
//! WebSocket sends that item as the subscription's `error` message.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, ID, Subscription};
use chrono::{DateTime, Utc};
use domain::access::Access;
use domain::entities::event::{self, EventStream};
use domain::permissions::Permission;
use domain::{Actor, Domain, DomainError, access, events};
use futures_util::stream::{self, BoxStream};
use futures_util::{Stream, StreamExt};
use live::{Live, LiveFeed};
use tokio::sync::{OwnedSemaphorePermit, broadcast, watch};

use crate::context::{actor, domain};
use crate::error::{ApiError, ApiResult, parse_id};
use crate::handoff::{Handoff, LiveItem, RenderOne, StreamSlots, Visibility};
use crate::types::{ContactEvent, InvitationEvent, Membership};
use crate::user_streams::{UserStream, UserStreams};

const REPLAY_BATCH: u64 = 200;

#[derive(Default)]
pub struct Subscription;

/// Live streams, over the WebSocket at `/graphql/ws`. A stream the server ends says
/// why in its last message: FORBIDDEN when the subscriber lost the right to it,
/// UNAUTHENTICATED when their session ended, RESUBSCRIBE when they fell too far behind
/// (resubscribe from the last cursor: nothing is missed).
#[Subscription]
impl Subscription {
    /// Contact changes of an account (null: every account, staff only). Needs
    /// MANAGE_CONTACTS on the account.
    async fn contact_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account whose events to follow; null: every account (staff only).")]
        account_id: Option<ID>,
        #[graphql(
            desc = "A cursor (an event's `cursor`, or `Account.eventsCursor`): the events since are replayed first. Left out: only new events."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<LiveStream<ContactEvent>> {
        Ok(open(ctx, account_id, after, EventStream::Contact, ContactEvent).await?)
    }

    /// The viewer's own membership in an account (any member): as it is now, then again
    /// each time it changes (role, permissions, scope, end of access), so a page can
    /// show what the member may see as it changes. Ends FORBIDDEN when they are no
    /// longer a member, UNAUTHENTICATED when their session ends.
    async fn membership_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "One of the viewer's accounts.")] account_id: ID,
    ) -> async_graphql::Result<LiveStream<Membership>> {
        Ok(watch_membership(ctx, account_id).await?)
    }

    /// Invitation changes of an account (null: every account, staff only). Needs
    /// MANAGE_CONTACTS on the account.
    async fn invitation_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account whose events to follow; null: every account (staff only).")]
        account_id: Option<ID>,
        #[graphql(
            desc = "A cursor (an event's `cursor`, or `Account.eventsCursor`): the events since are replayed first. Left out: only new events."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<LiveStream<InvitationEvent>> {
        Ok(open(
            ctx,
            account_id,
            after,
            EventStream::Invitation,
            InvitationEvent,
        )
        .await?)
    }
}

type LiveStream<T> = BoxStream<'static, async_graphql::Result<T>>;

/// A subscription's stream of `item`s. On a WebSocket, its listener is handed over to
/// be rendered once per group (the gateway's fan-out) and async-graphql gets nothing;
/// when rendering one event for such a group, that event is all there is.
async fn open<T: Send + 'static>(
    ctx: &Context<'_>,
    account_id: Option<ID>,
    after: Option<String>,
    log: EventStream,
    item: fn(Arc<event::Model>) -> T,
) -> ApiResult<LiveStream<T>> {
    if let Some(RenderOne(one)) = ctx.data_opt::<RenderOne>() {
        return Ok(stream::iter([answer(one.clone(), item)]).boxed());
    }
    let listener = Listener::open(ctx, account_id, after, log).await?;
    if let Some(handoff) = ctx.data_opt::<Handoff>() {
        handoff.put(listener.visibility.clone(), listener.events().boxed());
        return Ok(stream::empty().boxed());
    }
    Ok(listener.events().map(move |one| answer(one, item)).boxed())
}

/// What of a membership the viewer is shown: when it changes, they are told.
fn shown(access: &Access) -> impl PartialEq + use<> {
    let mut permissions = access.effective();
    permissions.sort_unstable();
    (
        access.role(),
        permissions,
        access.scope().cloned(),
        access.access_ends(),
        access.restriction(),
    )
}

/// `membershipChanges`: the membership now, then after each change to the viewer's
/// access (told by the live feed, on every instance) or at each periodic re-check.
/// Session validity is the domain's to decide, as for every stream.
async fn watch_membership(ctx: &Context<'_>, account_id: ID) -> ApiResult<LiveStream<Membership>> {
    let actor = actor(ctx)?.clone();
    let domain = domain(ctx).clone();
    let account_id = parse_id(&account_id, "account")?;
    let first = domain.access(&actor, account_id, "account").await?;
    let connection = ctx.data_opt::<Arc<dyn StreamSlots>>();
    let slot = connection.map(|c| c.take_slot()).transpose()?;
    let user_slot = ctx.data_unchecked::<UserStreams>().take(actor.user_id)?;
    let mut ended = connection.map(|c| c.ended());
    let mut live = ctx.data_unchecked::<LiveFeed>().subscribe();
    let recheck_every = ctx
        .data_unchecked::<crate::ApiConfig>()
        .limits
        .stream_recheck;
    let items = async_stream::stream! {
        let _slots = (slot, user_slot);
        let mut last = shown(&first);
        yield Ok(Membership(first));
        let mut recheck = tokio::time::interval(recheck_every);
        recheck.reset();
        loop {
            tokio::select! {
                received = live.recv() => match received {
                    Ok(Live::AccessChanged { user_id }) if user_id == actor.user_id => {}
                    Ok(_) => continue,
                    // A notice missed may have been this viewer's: read again.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = recheck.tick() => {}
                _ = session_ended(ended.as_mut()) => {
                    yield Err(ApiError(session_ended_error()).into());
                    return;
                }
            }
            let read = async {
                domain.auth().resume(actor.session_id, actor.meta.clone()).await?;
                domain.access(&actor, account_id, "account").await
            };
            match Box::pin(read).await {
                Ok(access) => {
                    let now = shown(&access);
                    if now != last {
                        last = now;
                        yield Ok(Membership(access));
                    }
                }
                Err(DomainError::NotFound(_)) => {
                    yield Err(ApiError(DomainError::forbidden("you are no longer a member of this account")).into());
                    return;
                }
                Err(err) => {
                    yield Err(ApiError(err).into());
                    return;
                }
            }
        }
    };
    Ok(items.boxed())
}

/// One item of a live stream, as async-graphql takes it.
fn answer<T>(one: LiveItem, item: fn(Arc<event::Model>) -> T) -> async_graphql::Result<T> {
    one.map(item).map_err(|err| ApiError(err).into())
}

/// One open stream: who listens to what, from where.
struct Listener {
    domain: Domain,
    actor: Actor,
    account_id: Option<i64>,
    /// The listener's own contact in the account: changes to it may end the stream.
    own_contact: Option<i64>,
    stream: EventStream,
    /// What the replay reads: this account's (or every) events of this stream, from
    /// when the subscriber's access began.
    filter: events::Filter,
    cursor: i64,
    live: broadcast::Receiver<Live>,
    /// Set when the connection's session ends (none outside a WebSocket connection).
    connection_ended: Option<watch::Receiver<bool>>,
    /// What the subscriber sees of a payload.
    visibility: Visibility,
    /// How often the stream re-checks the subscriber's right to it while idle.
    recheck_every: Duration,
    _slot: Option<OwnedSemaphorePermit>,
    /// One of the user's subscriptions on this instance.
    _user_slot: UserStream,
}

impl Listener {
    async fn open(
        ctx: &Context<'_>,
        account_id: Option<ID>,
        after: Option<String>,
        stream: EventStream,
    ) -> ApiResult<Self> {
        let actor = actor(ctx)?.clone();
        let domain = domain(ctx).clone();
        let account_id = account_id.map(|id| parse_id(&id, "account")).transpose()?;
        let (own_contact, since, visibility) = audience(&domain, &actor, account_id).await?;
        let connection = ctx.data_opt::<Arc<dyn StreamSlots>>();
        let slot = connection.map(|c| c.take_slot()).transpose()?;
        let user_slot = ctx.data_unchecked::<UserStreams>().take(actor.user_id)?;
        // Listen before reading the log, so nothing committed in between is missed.
        let live = ctx.data_unchecked::<LiveFeed>().subscribe();
        let latest = domain.events().latest().await?;
        let cursor = match after {
            Some(after) => parse_cursor(&after, latest)?,
            None => latest,
        };
        Ok(Self {
            domain,
            actor,
            account_id,
            own_contact,
            stream,
            filter: events::Filter {
                account_id,
                stream: Some(stream),
                since,
            },
            cursor,
            live,
            connection_ended: connection.map(|c| c.ended()),
            visibility,
            recheck_every: ctx
                .data_unchecked::<crate::ApiConfig>()
                .limits
                .stream_recheck,
            _slot: slot,
            _user_slot: user_slot,
        })
    }

    fn wants(&self, event: &event::Model) -> bool {
        event.stream == self.stream && self.account_id.is_none_or(|id| id == event.account_id)
    }

    /// Whether the subscriber may still listen: session alive (else UNAUTHENTICATED),
    /// and still staff or a member with MANAGE_CONTACTS (else FORBIDDEN, whatever
    /// hides the account now).
    async fn still_allowed(&self) -> Result<(), DomainError> {
        self.domain
            .auth()
            .resume(self.actor.session_id, self.actor.meta.clone())
            .await?;
        let allowed = match self.account_id {
            Some(id) => {
                match self
                    .domain
                    .require(&self.actor, id, Permission::ManageContacts, "account")
                    .await
                {
                    Ok(_) => true,
                    Err(DomainError::Internal(detail)) => {
                        return Err(DomainError::Internal(detail));
                    }
                    Err(_) => false,
                }
            }
            None => self.actor.is_staff,
        };
        if allowed {
            Ok(())
        } else {
            Err(DomainError::forbidden(
                "you no longer have access to these events",
            ))
        }
    }

    /// The events, then (when the server ends the stream) why it ended.
    fn events(mut self) -> impl Stream<Item = LiveItem> + Send + 'static {
        async_stream::stream! {
            // Replay what the subscriber missed, from the log.
            loop {
                if self.connection_ended.as_ref().is_some_and(|ended| *ended.borrow()) {
                    yield Err(session_ended_error());
                    return;
                }
                // Database reads are boxed: inline, they would size the state every
                // idle stream keeps.
                let rows = match Box::pin(self.domain.events().read(self.cursor, self.filter, REPLAY_BATCH)).await {
                    Ok(rows) => rows,
                    Err(err) => {
                        yield Err(err);
                        return;
                    }
                };
                let full = rows.len() as u64 == REPLAY_BATCH;
                for row in rows {
                    self.cursor = row.id;
                    yield Ok(Arc::new(row));
                }
                if !full {
                    break;
                }
            }
            // Then live, skipping what the replay already gave.
            let mut recheck = tokio::time::interval(self.recheck_every);
            recheck.reset();
            loop {
                let check = tokio::select! {
                    received = self.live.recv() => match received {
                        Ok(Live::Event(event)) => {
                            if event.id <= self.cursor {
                                continue;
                            }
                            self.cursor = event.id;
                            let about_me = event.stream == EventStream::Contact && Some(event.subject_id) == self.own_contact;
                            if about_me && let Err(err) = Box::pin(self.still_allowed()).await {
                                yield Err(err);
                                return;
                            }
                            if self.wants(&event) {
                                yield Ok(event);
                            }
                            false
                        }
                        Ok(Live::AccessChanged { user_id }) => user_id == self.actor.user_id,
                        // Too slow: dropped rather than buffered without limit. The client
                        // resubscribes with its last cursor and misses nothing.
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            yield Err(DomainError::Resubscribe(
                                "this stream fell behind and was dropped; subscribe again from your last cursor".into(),
                            ));
                            return;
                        }
                        // The server is stopping.
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    _ = recheck.tick() => true,
                    _ = session_ended(self.connection_ended.as_mut()) => {
                        yield Err(session_ended_error());
                        return;
                    }
                };
                if check && let Err(err) = Box::pin(self.still_allowed()).await {
                    yield Err(err);
                    return;
                }
            }
        }
    }
}

/// Why the streams of a connection whose session ended stop.
fn session_ended_error() -> DomainError {
    DomainError::Unauthenticated("your session ended".into())
}

/// Resolves when the connection's session has ended; never outside a connection.
async fn session_ended(ended: Option<&mut watch::Receiver<bool>>) {
    match ended {
        // An error means the connection is gone, which ends the stream too.
        Some(ended) => {
            let _ = ended.wait_for(|ended| *ended).await;
        }
        None => std::future::pending().await,
    }
}

/// A client's `after`: a cursor this log has handed out, i.e. from 0 to the newest
/// event. Anything else (not a number, negative, from the future) is refused, rather
/// than waiting silently for events that will never come.
fn parse_cursor(after: &str, latest: i64) -> ApiResult<i64> {
    match after.parse::<i64>() {
        Ok(cursor) if (0..=latest).contains(&cursor) => Ok(cursor),
        _ => Err(ApiError(DomainError::bad_input(
            "after",
            "not a cursor from this stream",
        ))),
    }
}

/// Who listens, as the stream sees them: their own contact on the account, the moment
/// their membership began (none for staff or the all-accounts stream), and what they
/// see of a payload.
async fn audience(
    domain: &Domain,
    actor: &Actor,
    account_id: Option<i64>,
) -> ApiResult<(Option<i64>, Option<DateTime<Utc>>, Visibility)> {
    Ok(match account_id {
        Some(id) => {
            let access = domain
                .require(actor, id, Permission::ManageContacts, "account")
                .await?;
            // What happened before a member joined is not theirs to see.
            let own = access.own_contact()?;
            let since = match own {
                Some(contact) if !access.is_staff() => Some(contact.member_since()),
                _ => None,
            };
            let mut permissions = access.effective();
            permissions.sort_unstable();
            let visibility = Visibility {
                staff: access.is_staff(),
                permissions,
            };
            (own.map(|c| c.id), since, visibility)
        }
        None => {
            access::require_staff(actor)?;
            let visibility = Visibility {
                staff: true,
                permissions: Vec::new(),
            };
            (None, None, visibility)
        }
    })
}
