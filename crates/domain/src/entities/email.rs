use sea_orm::entity::prelude::*;

/// The email outbox: written in the transaction of the change that causes the email,
/// delivered afterwards by the mail worker.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "emails")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: Option<i64>,
    /// A JSON array of addresses.
    pub to_addresses: Json,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// The notification category; `None` for transactional emails.
    pub category: Option<String>,
    /// The one-click unsubscribe link (RFC 8058) of a notification email; cleared with
    /// the bodies once delivered, since it carries a token.
    pub unsubscribe_url: Option<String>,
    pub status: EmailStatus,
    pub attempts: i32,
    /// When the worker may (next) try it; while a worker holds it, the end of its lease.
    pub next_attempt_at: DateTimeUtc,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// Past the retention period, the addresses of people no longer in the account
    /// were replaced by pseudonyms (`erased-<hash>@invalid`): done once.
    pub recipients_settled: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum EmailStatus {
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    #[sea_orm(string_value = "SENT")]
    Sent,
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
