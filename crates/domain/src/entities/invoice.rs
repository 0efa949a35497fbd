use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    #[sea_orm(unique)]
    pub number: String,
    pub status: InvoiceStatus,
    /// Decimal text, e.g. "120.50".
    pub total: String,
    /// ISO 4217 code, e.g. "EUR".
    pub currency: String,
    pub due_date: Date,
    pub paid_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InvoiceStatus {
    #[sea_orm(string_value = "UNPAID")]
    Unpaid,
    #[sea_orm(string_value = "PAID")]
    Paid,
    #[sea_orm(string_value = "OVERDUE")]
    Overdue,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

impl InvoiceStatus {
    /// The statuses of an invoice that still wants paying: what `payInvoice` accepts
    /// and what reminders are sent for.
    pub const OPEN: [Self; 2] = [Self::Unpaid, Self::Overdue];
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
