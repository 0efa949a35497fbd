use sea_orm::entity::prelude::*;

/// A login identity. One user may be a member (through a contact) of many accounts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique whatever its case (a `lower(email)` index).
    pub email: String,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    pub is_staff: bool,
    /// The password was generated (and emailed): the user must choose their own before
    /// anything but `viewer`, `changePassword` and `logout`.
    pub password_change_required: bool,
    /// The TOTP secret (base32) once two-factor sign-in is on. Never returned or logged
    /// after enrolment.
    pub totp_secret: Option<String>,
    /// A secret enrolled but not yet confirmed with a code.
    pub totp_pending_secret: Option<String>,
    /// The last 30-second step a code was accepted for: a code works once.
    pub totp_last_step: Option<i64>,
    /// The random handle (a UUID) this user's passkeys know them by: not their id, not
    /// their email. Made at their first passkey.
    pub passkey_handle: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::contact::Entity")]
    Contacts,
    #[sea_orm(has_many = "super::session::Entity")]
    Sessions,
}

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contacts.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
