use sea_orm::entity::prelude::*;

/// One of a user's passkeys (a WebAuthn credential): signs them in without a password.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "passkeys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// What its user calls it ("Laptop", "Phone").
    pub name: String,
    /// base64url of the credential id the authenticator answers with.
    #[sea_orm(unique)]
    pub credential_id: String,
    /// The public key and its flags, as webauthn-rs serialises a `Passkey`.
    pub credential: Json,
    /// The highest signature counter seen: one that goes back refuses the sign-in.
    pub counter: i64,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
