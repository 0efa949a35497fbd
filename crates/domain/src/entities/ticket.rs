use sea_orm::entity::prelude::*;

/// A support ticket.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub subject: String,
    pub status: TicketStatus,
    /// The service the ticket is about, if any.
    pub service_id: Option<i64>,
    /// The domain the ticket is about, if any.
    pub domain_id: Option<i64>,
    /// Who opened it (a scoped member sees the tickets they opened).
    pub opened_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum TicketStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Staff replied last.
    #[sea_orm(string_value = "ANSWERED")]
    Answered,
    /// The customer replied last.
    #[sea_orm(string_value = "CUSTOMER_REPLY")]
    CustomerReply,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
