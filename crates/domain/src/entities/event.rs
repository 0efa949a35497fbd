use sea_orm::entity::prelude::*;

/// One contact or invitation change, in commit order; `id` is the cursor clients
/// resume from.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub stream: EventStream,
    /// CREATED, UPDATED, REMOVED, PORTAL_ACCESS_CHANGED (contacts);
    /// SENT, RESENT, ACCEPTED, REVOKED (invitations).
    pub kind: String,
    /// The contact's or the invitation's id.
    pub subject_id: i64,
    /// The contact or invitation as the change left it; `None` once removed.
    pub snapshot: Option<Json>,
    pub occurred_at: DateTimeUtc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum EventStream {
    #[sea_orm(string_value = "CONTACT")]
    Contact,
    #[sea_orm(string_value = "INVITATION")]
    Invitation,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
