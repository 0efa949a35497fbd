use sea_orm::entity::prelude::*;

/// One event for one endpoint: written in the transaction of the change it announces,
/// delivered afterwards by the webhook worker.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub endpoint_id: i64,
    pub account_id: i64,
    pub event_type: String,
    /// `webhook-id`: unique per event and endpoint, the same on every retry, so a
    /// receiver deduplicates.
    #[sea_orm(unique)]
    pub message_id: String,
    /// The event's data as the change left it; what a delivery carries of it is
    /// decided when it is sent, by what the endpoint's creator may see then.
    pub payload: Json,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When the worker may (next) try it; while a worker holds it, the end of its lease.
    pub next_attempt_at: DateTimeUtc,
    pub last_response_status: Option<i32>,
    /// The first KiB of the last response.
    pub last_response_body: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Answered 2xx.
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    /// Out of attempts, or its endpoint was disabled.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
