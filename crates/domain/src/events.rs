//! The event log: every contact and invitation change is a row written in the same
//! transaction as the change. After the commit, a [`Notice`] goes to the event bus so
//! live subscribers (on every instance) read the new rows. The log is the truth; a lost
//! notice only delays delivery until the next one or the next resync.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, Unchanged,
};

use crate::entities::event;
use crate::entities::event_sequence;
use crate::webhooks::{EventType, data};
use crate::{Domain, DomainError, Result};

/// What a committed change tells the other instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// New rows are in the event log (for this account).
    Logged { account_id: i64 },
    /// A user's sessions ended or their memberships changed: their open streams must
    /// check that they may still listen.
    AccessChanged { user_id: i64 },
}

/// Where notices go after a commit: the event bus (in-process or Redis).
pub trait NoticeSink: Send + Sync {
    fn publish(&self, notice: Notice);
}

/// For tools that change data without anyone listening (the CLI).
pub struct NoListeners;

impl NoticeSink for NoListeners {
    fn publish(&self, _: Notice) {}
}

pub use crate::entities::event::{EventKind, EventStream};

impl EventKind {
    /// The stream an event of this kind belongs to.
    pub fn stream(self) -> EventStream {
        match self {
            Self::Created | Self::Updated | Self::Removed | Self::PortalAccessChanged => {
                EventStream::Contact
            }
            Self::Sent | Self::Resent | Self::Accepted | Self::Revoked => EventStream::Invitation,
        }
    }
}

/// A row whose changes are events: contacts and invitations.
pub(crate) trait Subject: serde::Serialize {
    const STREAM: EventStream;
    fn account_id(&self) -> i64;
    fn subject_id(&self) -> i64;
    /// What the account's webhooks hear of an event of `kind` about this row.
    fn webhook(&self, kind: EventKind) -> (EventType, serde_json::Value);
}

impl Subject for crate::entities::contact::Model {
    const STREAM: EventStream = EventStream::Contact;
    fn account_id(&self) -> i64 {
        self.account_id
    }
    fn subject_id(&self) -> i64 {
        self.id
    }
    fn webhook(&self, kind: EventKind) -> (EventType, serde_json::Value) {
        match kind {
            EventKind::Created => (EventType::ContactCreated, data::contact(self)),
            EventKind::Removed => (EventType::ContactRemoved, data::removed_contact(self)),
            _ => (EventType::ContactUpdated, data::contact(self)),
        }
    }
}

impl Subject for crate::entities::invitation::Model {
    const STREAM: EventStream = EventStream::Invitation;
    fn account_id(&self) -> i64 {
        self.account_id
    }
    fn subject_id(&self) -> i64 {
        self.id
    }
    fn webhook(&self, kind: EventKind) -> (EventType, serde_json::Value) {
        let event = match kind {
            EventKind::Accepted => EventType::InvitationAccepted,
            EventKind::Revoked => EventType::InvitationRevoked,
            _ => EventType::InvitationSent,
        };
        (event, data::invitation(self))
    }
}

/// Appends the event `kind` about `subject` inside the caller's transaction, with the
/// state the change left as its snapshot (none for REMOVED). Locks the sequence row
/// first, so concurrent writers commit their events in id order.
pub(crate) async fn record<S: Subject>(
    conn: &impl ConnectionTrait,
    kind: EventKind,
    subject: &S,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    if kind.stream() != S::STREAM {
        return Err(DomainError::Internal(format!(
            "{kind:?} is not an event of the {:?} stream",
            S::STREAM
        )));
    }
    event_sequence::Entity::update_many()
        .col_expr(
            event_sequence::Column::LastId,
            Expr::col(event_sequence::Column::LastId).add(1),
        )
        .filter(event_sequence::Column::Id.eq(1))
        .exec(conn)
        .await?;
    let snapshot = if kind == EventKind::Removed {
        None
    } else {
        serde_json::to_value(subject).ok()
    };
    let row = event::ActiveModel {
        account_id: Set(subject.account_id()),
        stream: Set(S::STREAM),
        kind: Set(kind),
        subject_id: Set(subject.subject_id()),
        snapshot: Set(snapshot),
        occurred_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// The snapshot fields a removed contact's events keep: who it was, and nothing to
/// reach them by.
const KEPT_AFTER_REMOVAL: [&str; 4] = ["id", "account_id", "first_name", "last_name"];

/// Removal is permanent in the log too: strips the personal data (email, phone,
/// address…) from the snapshots of `contact_id`'s earlier events, inside the removal's
/// transaction. The rows stay, so cursors and history keep their shape.
pub(crate) async fn scrub_contact(conn: &impl ConnectionTrait, contact_id: i64) -> Result<()> {
    let rows = event::Entity::find()
        .filter(event::Column::Stream.eq(EventStream::Contact))
        .filter(event::Column::SubjectId.eq(contact_id))
        .filter(event::Column::Snapshot.is_not_null())
        .all(conn)
        .await?;
    for row in rows {
        let scrubbed = match row.snapshot {
            Some(serde_json::Value::Object(fields)) => Some(serde_json::Value::Object(
                fields
                    .into_iter()
                    .filter(|(name, _)| KEPT_AFTER_REMOVAL.contains(&name.as_str()))
                    .collect(),
            )),
            _ => None,
        };
        event::ActiveModel {
            id: Unchanged(row.id),
            snapshot: Set(scrubbed),
            ..Default::default()
        }
        .update(conn)
        .await?;
    }
    Ok(())
}

/// Which events a [`read`] returns, besides "after the cursor".
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter {
    /// One account's events (none: every account's).
    pub account_id: Option<i64>,
    /// One stream's events (none: both).
    pub stream: Option<EventStream>,
    /// Only events that occurred at or after this moment: a member's replay starts no
    /// earlier than their access did.
    pub since: Option<DateTime<Utc>>,
}

/// Reads of the event log: the live feed's and the subscriptions' replays.
pub struct EventLog<'a> {
    domain: &'a Domain,
}

impl<'a> EventLog<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// Events after `after` that pass `filter`, oldest first, at most `limit`.
    pub async fn read(&self, after: i64, filter: Filter, limit: u64) -> Result<Vec<event::Model>> {
        read(self.domain.db(), after, filter, limit).await
    }

    /// The newest cursor in the log (0 when empty).
    pub async fn latest(&self) -> Result<i64> {
        latest(self.domain.db()).await
    }
}

async fn read(
    conn: &impl ConnectionTrait,
    after: i64,
    filter: Filter,
    limit: u64,
) -> Result<Vec<event::Model>> {
    let mut select = event::Entity::find().filter(event::Column::Id.gt(after));
    if let Some(account_id) = filter.account_id {
        select = select.filter(event::Column::AccountId.eq(account_id));
    }
    if let Some(stream) = filter.stream {
        select = select.filter(event::Column::Stream.eq(stream));
    }
    if let Some(since) = filter.since {
        select = select.filter(event::Column::OccurredAt.gte(since));
    }
    Ok(select
        .order_by_asc(event::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

async fn latest(conn: &impl ConnectionTrait) -> Result<i64> {
    let newest = event::Entity::find()
        .order_by_desc(event::Column::Id)
        .one(conn)
        .await?;
    Ok(newest.map_or(0, |e| e.id))
}

impl Domain {
    /// Tells every instance about committed changes.
    pub(crate) fn publish(&self, notices: &[Notice]) {
        for notice in notices {
            self.notices().publish(*notice);
        }
    }
}
