//! One sender per webhook endpoint: an endpoint's deliveries go out one at a time, in
//! the order they come due, from whichever instance holds the endpoint's lease. The
//! lease is a conditional write on `sending_until`; it lapses by itself when its holder
//! dies.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    SendingUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookEndpoints::Table)
                    .add_column(timestamp_with_time_zone_null(
                        WebhookEndpoints::SendingUntil,
                    ))
                    .to_owned(),
            )
            .await?;
        // What the endpoint's sender takes next: its pending deliveries, due first.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_webhook_deliveries_endpoint_due ON webhook_deliveries (endpoint_id, status, next_attempt_at, id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_webhook_deliveries_endpoint_due")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookEndpoints::Table)
                    .drop_column(WebhookEndpoints::SendingUntil)
                    .to_owned(),
            )
            .await
    }
}
