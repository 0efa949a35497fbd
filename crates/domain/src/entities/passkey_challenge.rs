use sea_orm::entity::prelude::*;

/// A passkey ceremony under way: begun on one instance, finished on any, once, within
/// five minutes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "passkey_challenges")]
pub struct Model {
    /// Random, handed to the client (`challengeId`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Registration: who registers. Sign-in: whose email was given, if one was.
    pub user_id: Option<i64>,
    /// `register`, `sign_in` (any passkey) or `sign_in_as` (`user_id`'s only; none
    /// when it is null: the email given has no login).
    pub purpose: String,
    /// webauthn-rs's state of the ceremony.
    pub state: Json,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
