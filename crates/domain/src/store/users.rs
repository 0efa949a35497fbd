//! Login identities.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::Writer;
use crate::Result;
use crate::entities::{email_is, password_reset, user};

/// Case-insensitive lookup, matching the `lower(email)` unique index.
pub(crate) async fn find_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(email_is(user::Column::Email, email))
        .one(conn)
        .await?)
}

/// A new login; an email already taken (in any case) is a conflict.
pub(crate) async fn insert(
    change: &impl Writer,
    email: &str,
    password_hash: &str,
    first_name: &str,
    last_name: &str,
    is_staff: bool,
) -> Result<user::Model> {
    let now = change.now();
    let inserted = user::ActiveModel {
        email: Set(email.to_owned()),
        password_hash: Set(password_hash.to_owned()),
        first_name: Set(first_name.to_owned()),
        last_name: Set(last_name.to_owned()),
        is_staff: Set(is_staff),
        password_change_required: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(change.conn())
    .await;
    crate::error::on_conflict(inserted, "a user with this email already exists")
}

/// Stores a new password hash, chosen by the user (a generated one no longer needs
/// changing). Every reset link the user still holds dies with the old password: a link
/// mailed before a change must not undo it later.
pub(crate) async fn set_password(change: &impl Writer, user_id: i64, hash: String) -> Result<()> {
    let (conn, now) = (change.conn(), change.now());
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::PasswordChangeRequired, Expr::value(false))
        // A second factor half enrolled under the old password (maybe from a stolen
        // session) does not survive it; one turned on does, as it should.
        .col_expr(
            user::Column::TotpPendingSecret,
            Expr::value(Option::<String>::None),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(now))
        .filter(password_reset::Column::UserId.eq(user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
