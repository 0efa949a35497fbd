use sea_orm::entity::prelude::*;

/// An emailed link giving an email address access to an account with a role. Only the
/// SHA-256 of its token is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    /// The existing contact that accepting gives a login to (`sendPortalInvite`).
    pub contact_id: Option<i64>,
    pub email: String,
    /// Never OWNER.
    pub role: crate::permissions::Role,
    /// The permission names of a CUSTOM role.
    pub permissions: Json,
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Stored status; a PENDING one past `expires_at` reads as EXPIRED.
    pub status: InvitationStatus,
    pub expires_at: DateTimeUtc,
    /// Temporary access, carried to the contact on acceptance.
    pub access_expires_at: Option<DateTimeUtc>,
    /// Scoped access, carried to the contact on acceptance (`None`: the whole account).
    pub scope: Option<crate::scope::Scope>,
    pub invited_by_user_id: Option<i64>,
    pub accepted_by_user_id: Option<i64>,
    pub accepted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InvitationStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "REVOKED")]
    Revoked,
    #[sea_orm(string_value = "EXPIRED")]
    Expired,
}

impl Model {
    /// The status a client sees: PENDING turns EXPIRED when its time is up.
    pub fn effective_status(&self, now: DateTimeUtc) -> InvitationStatus {
        match self.status {
            InvitationStatus::Pending if self.expires_at <= now => InvitationStatus::Expired,
            status => status,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
