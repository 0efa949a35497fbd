use sea_orm::entity::prelude::*;

/// A billable party: owns contacts, invoices, services, domains and tickets.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// The contact whose name and address are printed on invoices.
    pub billing_contact_id: Option<i64>,
    /// Members without two-factor sign-in are refused here (TWO_FACTOR_REQUIRED).
    pub require_two_factor: bool,
    /// Members may create API tokens (the owner may forbid them).
    pub allow_api_tokens: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::contact::Entity")]
    Contacts,
}

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contacts.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
