//! The audit log: every mutation writes one entry in its own transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;

use crate::access::Access;
use crate::entities::audit_entry;
use crate::{Actor, RequestMeta, Result};

/// Who did it, as recorded: copied, not referenced, so it survives their removal.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditActor<'a> {
    pub user_id: Option<i64>,
    pub email: Option<&'a str>,
    pub ip: Option<&'a str>,
    /// One of the portal operator's staff: a client's administrator does not see who.
    pub is_staff: bool,
}

impl<'a> From<&'a Actor> for AuditActor<'a> {
    fn from(actor: &'a Actor) -> Self {
        Self {
            user_id: Some(actor.user_id),
            email: Some(&actor.email),
            ip: actor.meta.ip.as_deref(),
            is_staff: actor.is_staff,
        }
    }
}

impl<'a> AuditActor<'a> {
    /// The portal itself (a scheduled job: temporary access ending).
    pub fn system() -> AuditActor<'static> {
        AuditActor {
            user_id: None,
            email: None,
            ip: None,
            is_staff: false,
        }
    }

    /// Someone not (yet) signed in, known by the request only.
    pub fn anonymous(meta: &'a RequestMeta) -> Self {
        Self {
            user_id: None,
            email: None,
            ip: meta.ip.as_deref(),
            is_staff: false,
        }
    }

    /// A user identified during the request itself (login, registration, reset).
    pub fn user(user_id: i64, email: &'a str, meta: &'a RequestMeta) -> Self {
        Self {
            user_id: Some(user_id),
            email: Some(email),
            ip: meta.ip.as_deref(),
            is_staff: false,
        }
    }
}

/// What happened.
#[derive(Debug)]
pub struct AuditRecord<'a> {
    /// Dotted verb, e.g. `session.login`, `contact.remove`.
    pub action: &'a str,
    pub account_id: Option<i64>,
    pub target_type: Option<&'a str>,
    pub target_id: Option<i64>,
    pub details: Option<Value>,
}

impl<'a> AuditRecord<'a> {
    pub fn new(action: &'a str) -> Self {
        Self {
            action,
            account_id: None,
            target_type: None,
            target_id: None,
            details: None,
        }
    }

    pub fn account(mut self, account_id: i64) -> Self {
        self.account_id = Some(account_id);
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn target(mut self, kind: &'a str, id: i64) -> Self {
        self.target_type = Some(kind);
        self.target_id = Some(id);
        self
    }
}

pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    actor: AuditActor<'_>,
    record: AuditRecord<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    audit_entry::ActiveModel {
        account_id: Set(record.account_id),
        actor_user_id: Set(actor.user_id),
        actor_email: Set(actor.email.map(str::to_owned)),
        actor_is_staff: Set(actor.is_staff),
        action: Set(record.action.to_owned()),
        target_type: Set(record.target_type.map(str::to_owned)),
        target_id: Set(record.target_id.map(|id| id.to_string())),
        ip_address: Set(actor.ip.map(str::to_owned)),
        details: Set(record.details),
        occurred_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// A page of an account's audit log, newest first, as `access` may see it: to anyone
/// but staff, what staff did shows no email or address of theirs.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    access: &Access,
    args: crate::pagination::PageArgs,
) -> Result<crate::pagination::Page<audit_entry::Model>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let select =
        audit_entry::Entity::find().filter(audit_entry::Column::AccountId.eq(access.account_id()));
    let page = crate::pagination::page(
        conn,
        select,
        audit_entry::Column::Id,
        args,
        crate::pagination::Order::NewestFirst,
    )
    .await?;
    let staff_viewer = access.is_staff();
    page.try_map(|mut entry| {
        if entry.actor_is_staff && !staff_viewer {
            entry.actor_email = None;
            entry.ip_address = None;
        }
        Ok(entry)
    })
}
