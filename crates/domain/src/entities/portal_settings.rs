use sea_orm::entity::prelude::*;

/// The portal operator's settings: a single row with id 1, absent until first changed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "portal_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub allow_client_contact_management: bool,
    pub invitation_ttl_hours: i32,
    /// Keys the decoy credential ids of passkey sign-ins begun for an email with no
    /// passkey: made once, never shown.
    pub passkey_decoy_key: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
