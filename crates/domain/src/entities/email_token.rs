use sea_orm::entity::prelude::*;

/// The token in a notification email's unsubscribe and preferences links. It acts on
/// one contact's preferences, and only while the contact's email is still `email`.
/// Only the SHA-256 of the token is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub contact_id: i64,
    pub email: String,
    /// The category of the email that carried the token: what one-click unsubscribe
    /// removes.
    pub category: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
