//! Account rows.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::Result;
use crate::entities::{account, contact, user};
use crate::permissions::Role;

/// Inserts an account and its primary contact, linked to `owner` with the OWNER role.
pub(crate) async fn insert_with_owner(
    conn: &impl ConnectionTrait,
    name: &str,
    owner: &user::Model,
    preferences: &[String],
) -> Result<(account::Model, contact::Model)> {
    let now = Utc::now();
    let account = account::ActiveModel {
        name: Set(name.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let contact = super::contacts::insert_linked(
        conn,
        account.id,
        owner,
        (Role::Owner, &[]),
        preferences,
        true,
    )
    .await?;
    Ok((account, contact))
}
