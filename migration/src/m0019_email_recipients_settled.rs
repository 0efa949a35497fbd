//! The email history keeps who each email went to; once an email is older than the
//! retention period, the addresses of people no longer in its account are replaced by
//! pseudonyms. `recipients_settled` marks the emails done, so each is looked at once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Emails {
    Table,
    RecipientsSettled,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Emails::Table)
                    .add_column(boolean(Emails::RecipientsSettled).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_emails_unsettled ON emails (recipients_settled, created_at)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_emails_unsettled")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Emails::Table)
                    .drop_column(Emails::RecipientsSettled)
                    .to_owned(),
            )
            .await
    }
}
