//! Account rows.

use sea_orm::{ActiveModelTrait, Set};

use super::Writer;
use crate::Result;
use crate::entities::{account, contact, user};
use crate::permissions::Role;

/// Inserts an account and its primary contact, linked to `owner` with the OWNER role.
pub(crate) async fn insert_with_owner(
    change: &impl Writer,
    name: &str,
    owner: &user::Model,
    preferences: &[String],
) -> Result<(account::Model, contact::Model)> {
    let now = change.now();
    let account = account::ActiveModel {
        name: Set(name.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(change.conn())
    .await?;
    let contact = super::contacts::insert_linked(
        change,
        account.id,
        owner,
        (Role::Owner, &[]),
        preferences,
        true,
    )
    .await?;
    Ok((account, contact))
}
