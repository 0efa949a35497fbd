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
    pub kind: EventKind,
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

/// What happened, stored as its name. The first four are contact events, the last four
/// invitation events; `Subject::KINDS` keeps each stream to its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum EventKind {
    #[sea_orm(string_value = "CREATED")]
    Created,
    #[sea_orm(string_value = "UPDATED")]
    Updated,
    #[sea_orm(string_value = "REMOVED")]
    Removed,
    #[sea_orm(string_value = "PORTAL_ACCESS_CHANGED")]
    PortalAccessChanged,
    #[sea_orm(string_value = "SENT")]
    Sent,
    #[sea_orm(string_value = "RESENT")]
    Resent,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "REVOKED")]
    Revoked,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
