//! Security emails: transactional, to the person concerned, whatever their notification
//! preferences — a sign-in from a device never seen before, a password change,
//! two-factor sign-in turned off, temporary access ending tomorrow. One template
//! (`security_notice`), one kind per case.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::change::Change;
use crate::emails::{self, Email};
use crate::entities::known_device;
use crate::outbox::Outgoing;
use crate::{RequestMeta, Result, tokens};

pub(crate) enum SecurityNotice<'a> {
    NewSignIn(&'a RequestMeta),
    PasswordChanged,
    TwoFactorOff {
        by_staff: bool,
    },
    TwoFactorOn,
    AccessEnding {
        account_name: &'a str,
        at: DateTime<Utc>,
    },
    /// An API token was made for them (by them), on an account.
    ApiTokenCreated {
        account_name: &'a str,
        name: &'a str,
    },
    /// One of their API tokens was revoked (by them or a contact manager).
    ApiTokenRevoked {
        account_name: &'a str,
        name: &'a str,
    },
    PasskeyAdded {
        name: &'a str,
    },
    PasskeyRemoved {
        name: &'a str,
    },
    /// A sign-in with this passkey was refused: its counter went back (a clone?).
    PasskeyCloned {
        name: &'a str,
        meta: &'a RequestMeta,
    },
}

/// Queues `notice` to `to` in `change`.
pub(crate) async fn send(
    change: &mut Change<'_>,
    to: &str,
    first_name: &str,
    notice: SecurityNotice<'_>,
) -> Result<()> {
    let when = |at: DateTime<Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut email = emails::SecurityNotice {
        kind: "",
        first_name: first_name.to_owned(),
        at: when(change.now()),
        ip: String::new(),
        user_agent: String::new(),
        by_staff: false,
        account_name: String::new(),
        token_name: String::new(),
    };
    email.kind = match notice {
        SecurityNotice::NewSignIn(meta) => {
            email.ip = meta.ip.as_deref().unwrap_or("unknown").to_owned();
            email.user_agent = meta.user_agent.as_deref().unwrap_or("unknown").to_owned();
            "new_sign_in"
        }
        SecurityNotice::PasswordChanged => "password_changed",
        SecurityNotice::TwoFactorOff { by_staff } => {
            email.by_staff = by_staff;
            "two_factor_off"
        }
        SecurityNotice::TwoFactorOn => "two_factor_on",
        SecurityNotice::AccessEnding { account_name, at } => {
            email.account_name = account_name.to_owned();
            email.at = when(at);
            "access_ending"
        }
        SecurityNotice::ApiTokenCreated { account_name, name } => {
            email.account_name = account_name.to_owned();
            email.token_name = name.to_owned();
            "api_token_created"
        }
        SecurityNotice::ApiTokenRevoked { account_name, name } => {
            email.account_name = account_name.to_owned();
            email.token_name = name.to_owned();
            "api_token_revoked"
        }
        SecurityNotice::PasskeyAdded { name } => {
            email.token_name = name.to_owned();
            "passkey_added"
        }
        SecurityNotice::PasskeyRemoved { name } => {
            email.token_name = name.to_owned();
            "passkey_removed"
        }
        SecurityNotice::PasskeyCloned { name, meta } => {
            email.token_name = name.to_owned();
            email.ip = meta.ip.as_deref().unwrap_or("unknown").to_owned();
            "passkey_cloned"
        }
    };
    change
        .email(Outgoing::transactional(
            to,
            None,
            Email::SecurityNotice(email),
        ))
        .await
}

/// Records the device (client address and user agent) `user_id` signs in from; whether
/// it is one they have not used before, when they have used others (a first sign-in is
/// nobody's surprise).
pub(crate) async fn unseen_device(
    change: &Change<'_>,
    user_id: i64,
    meta: &RequestMeta,
) -> Result<bool> {
    let device = tokens::hash(&format!(
        "{}\n{}",
        meta.ip.as_deref().unwrap_or_default(),
        meta.user_agent.as_deref().unwrap_or_default()
    ));
    let inserted = known_device::Entity::insert(known_device::ActiveModel {
        user_id: Set(user_id),
        device_hash: Set(device),
        created_at: Set(change.now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            known_device::Column::UserId,
            known_device::Column::DeviceHash,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(change.conn())
    .await?;
    if inserted == 0 {
        return Ok(false); // a known device: the usual sign-in costs one statement
    }
    // New: worth telling unless it is the only one (their first sign-in).
    let known = known_device::Entity::find()
        .filter(known_device::Column::UserId.eq(user_id))
        .count(change.conn())
        .await?;
    Ok(known > 1)
}
