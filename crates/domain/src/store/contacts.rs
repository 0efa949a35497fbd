//! Contact rows: the people on file, and the links that make users members.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select, Set,
};
use serde_json::json;

use super::Writer;
use crate::entities::{contact, user};
use crate::permissions::{Permission, Role};
use crate::{DomainError, Result};

pub(crate) const EMAIL_TAKEN_IN_ACCOUNT: &str =
    "a contact with this email already exists in this account";

/// The contacts of one account.
pub(crate) fn of_account(account_id: i64) -> Select<contact::Entity> {
    contact::Entity::find().filter(contact::Column::AccountId.eq(account_id))
}

/// A contact of `account_id`, read on `conn`; any other is `NotFound`.
pub(crate) async fn in_account(
    conn: &impl ConnectionTrait,
    account_id: i64,
    contact_id: i64,
) -> Result<contact::Model> {
    of_account(account_id)
        .filter(contact::Column::Id.eq(contact_id))
        .one(conn)
        .await?
        .ok_or(DomainError::NotFound("contact"))
}

/// Inserts the contact that makes `user` a member of `account_id` with `role`, receiving
/// the notification categories `preferences`.
pub(crate) async fn insert_linked(
    change: &impl Writer,
    account_id: i64,
    user: &user::Model,
    (role, custom): (Role, &[Permission]),
    preferences: &[String],
    is_primary: bool,
) -> Result<contact::Model> {
    let now = change.now();
    let inserted = contact::ActiveModel {
        account_id: Set(account_id),
        user_id: Set(Some(user.id)),
        access_granted_at: Set(Some(now)),
        first_name: Set(user.first_name.clone()),
        last_name: Set(user.last_name.clone()),
        email: Set(Some(user.email.clone())),
        role: Set(role),
        permissions: Set(crate::permissions::to_json(custom)),
        notification_preferences: Set(json!(preferences)),
        is_primary: Set(is_primary),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(change.conn())
    .await;
    crate::error::on_conflict(inserted, EMAIL_TAKEN_IN_ACCOUNT)
}
