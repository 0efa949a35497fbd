use sea_orm::entity::prelude::*;

/// A reminder that went out. Unique on (kind, subject, date): inserting it is how a
/// reminder run claims the reminder, so each goes out once across runs and instances.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminders_sent")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    /// The invoice's or the domain's id.
    pub subject_id: i64,
    /// The due date or expiry date the reminder was about.
    pub due_on: Date,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
