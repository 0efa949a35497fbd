use sea_orm::entity::prelude::*;

/// A kind of email a contact may receive: six built in, more defined by staff.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_categories")]
pub struct Model {
    /// `INVOICE`, `SCHEDULING`…: what preferences and `sendNotification` name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub label: String,
    /// The `permissions::Role` names whose contacts receive it by default.
    pub default_roles: Json,
    pub built_in: bool,
    /// Where it is listed: built-ins first, then staff's in the order defined.
    pub position: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
