use sea_orm::entity::prelude::*;

/// One audited action. No foreign keys: entries outlive the people they mention, so the
/// actor's email is copied as it was at the time.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub actor_email: Option<String>,
    /// The actor was one of the portal operator's staff.
    pub actor_is_staff: bool,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip_address: Option<String>,
    /// What it was done through, when not a person's session: `token:<name>`.
    pub via: Option<String>,
    pub details: Option<Json>,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
