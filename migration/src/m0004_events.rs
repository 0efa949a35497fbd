//! The event log behind live subscriptions: one row per contact or invitation change,
//! written in the change's transaction. Its id is the event's cursor.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    AccountId,
    Stream,
    Kind,
    SubjectId,
    Snapshot,
    OccurredAt,
}

/// One row whose lock every event writer takes first, so event ids commit in order
/// and a reader that has seen id N will never later find a committed id below N.
#[derive(DeriveIden)]
enum EventSequence {
    Table,
    Id,
    LastId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_pk_auto(Events::Id))
                    .col(big_integer(Events::AccountId))
                    .col(string(Events::Stream))
                    .col(string(Events::Kind))
                    .col(big_integer(Events::SubjectId))
                    // The contact or invitation as the change left it (null once removed),
                    // so streams and replays show each event's own state without a query.
                    .col(json_null(Events::Snapshot))
                    .col(timestamp_with_time_zone(Events::OccurredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventSequence::Table)
                    .col(integer(EventSequence::Id).primary_key())
                    .col(big_integer(EventSequence::LastId).default(0))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in [
            "INSERT INTO event_sequence (id, last_id) VALUES (1, 0)",
            "CREATE INDEX ix_events_account ON events (account_id, id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventSequence::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}
