//! Temporary access: a contact's portal access (or an invitation's, carried to the
//! contact on acceptance) may end at a set time, by itself; the day before, its holder
//! is warned once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contacts {
    Table,
    AccessExpiresAt,
    AccessExpiryWarnedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    AccessExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [Contacts::AccessExpiresAt, Contacts::AccessExpiryWarnedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Contacts::Table)
                        .add_column(timestamp_with_time_zone_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .add_column(timestamp_with_time_zone_null(Invitations::AccessExpiresAt))
                    .to_owned(),
            )
            .await?;
        // The sweep that ends access reads only the contacts whose time is set.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_contacts_access_expires ON contacts (access_expires_at) WHERE access_expires_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_contacts_access_expires")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .drop_column(Invitations::AccessExpiresAt)
                    .to_owned(),
            )
            .await?;
        for column in [Contacts::AccessExpiresAt, Contacts::AccessExpiryWarnedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Contacts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
