use sea_orm::entity::prelude::*;

/// Where an account's events are POSTed, signed (Standard Webhooks 1.0).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub url: String,
    pub description: Option<String>,
    /// The event type names it receives.
    pub event_types: Json,
    /// `whsec_` + base64 of the signing key.
    pub secret: String,
    /// After a rotation, the secret before it, still signing beside the new one until
    /// `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTimeUtc>,
    pub enabled: bool,
    /// Why it was disabled (by its owner, or after failing for days).
    pub disabled_reason: Option<String>,
    /// Who made it: what its deliveries carry is what they may see, at delivery time.
    pub created_by_user_id: Option<i64>,
    /// Since when its deliveries have failed without one succeeding.
    pub failing_since: Option<DateTimeUtc>,
    /// Until when one worker is sending to it (a lease: its deliveries go out one at a
    /// time, in the order they come due).
    pub sending_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
