//! Sessions: one row per sign-in, found by the SHA-256 of its token.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use crate::entities::{contact, session, user};
use crate::{Actor, RequestMeta, Result, tokens};

/// A new session: the token is shown to the client once and never stored.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub actor: Actor,
}

/// Opens a session of `user` from `now` lasting `ttl`, placed in `current_account_id`;
/// `passkey_id`: the passkey it was opened with (a two-factor sign-in).
pub(crate) async fn open(
    conn: &impl ConnectionTrait,
    user: &user::Model,
    current_account_id: Option<i64>,
    now: DateTime<Utc>,
    ttl: std::time::Duration,
    meta: RequestMeta,
    passkey_id: Option<i64>,
) -> Result<SignedIn> {
    let (token, token_hash) = tokens::generate();
    let ttl = Duration::from_std(ttl).unwrap_or(Duration::days(30));
    let session = session::ActiveModel {
        token_hash: Set(token_hash),
        user_id: Set(user.id),
        current_account_id: Set(current_account_id),
        ip_address: Set(meta.ip.clone()),
        user_agent: Set(meta.user_agent.clone()),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        passkey_id: Set(passkey_id),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(SignedIn {
        token,
        expires_at: session.expires_at,
        actor: Actor {
            user_id: user.id,
            email: user.email.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            is_staff: user.is_staff,
            password_change_required: user.password_change_required,
            two_factor: user.totp_secret.is_some(),
            passkey_session: passkey_id.is_some(),
            session_id: session.id,
            current_account_id,
            meta,
            api_token: None,
        },
    })
}

/// How stale a session's last use may be before a request writes it again.
pub(crate) const TOUCH_EVERY: Duration = Duration::minutes(1);

/// Records that session `id` was used at `now` (an API token: also from where, `ip`),
/// unless a request of the last minute already did.
pub(crate) async fn touch(
    conn: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<()> {
    let mut update =
        session::Entity::update_many().col_expr(session::Column::LastSeenAt, Expr::value(now));
    if let Some(ip) = ip {
        update = update.col_expr(session::Column::IpAddress, Expr::value(ip));
    }
    update
        .filter(session::Column::Id.eq(id))
        .filter(
            sea_orm::Condition::any()
                .add(session::Column::LastSeenAt.is_null())
                .add(session::Column::LastSeenAt.lt(now - TOUCH_EVERY)),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// The live sessions of `user_id` (not expired, not idle past `idle`; not API tokens),
/// most recently used first.
pub(crate) async fn of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
    idle: Duration,
) -> Result<Vec<session::Model>> {
    let mut sessions: Vec<_> = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::ApiTokenName.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .all(conn)
        .await?
        .into_iter()
        .filter(|s| s.last_seen_at.unwrap_or(s.created_at) + idle > now)
        .collect();
    sessions.sort_by_key(|s| std::cmp::Reverse(s.last_seen_at.unwrap_or(s.created_at)));
    Ok(sessions)
}

/// After a user's membership in `account_id` ended: their API tokens there end; if it
/// was their last and they are not staff, every session of theirs ends; otherwise
/// sessions placed in that account are taken out of it (they keep their other accounts).
pub(crate) async fn end_membership(
    conn: &impl ConnectionTrait,
    user_id: i64,
    account_id: i64,
) -> Result<()> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::CurrentAccountId.eq(account_id))
        .filter(session::Column::ApiTokenName.is_not_null())
        .exec(conn)
        .await?;
    let remaining = contact::Entity::find()
        .filter(contact::Column::UserId.eq(user_id))
        .count(conn)
        .await?;
    let is_staff = user::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .is_some_and(|u| u.is_staff);
    if remaining == 0 && !is_staff {
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(conn)
            .await?;
    } else {
        session::Entity::update_many()
            .col_expr(
                session::Column::CurrentAccountId,
                Expr::value(Option::<i64>::None),
            )
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::CurrentAccountId.eq(account_id))
            .exec(conn)
            .await?;
    }
    Ok(())
}
