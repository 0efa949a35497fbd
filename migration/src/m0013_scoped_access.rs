//! Scoped access: a membership (and the invitation that makes one) may be limited to
//! some services and domains of its account, kept as `{"services": [...], "domains":
//! [...]}` (null: the whole account). A ticket may be about one service or domain, and
//! remembers who opened it: a scoped member sees the tickets they opened and those
//! about what they look after.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Scope,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Scope,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    ServiceId,
    DomainId,
    OpenedByUserId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Contacts::Table)
                    .add_column(json_null(Contacts::Scope))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .add_column(json_null(Invitations::Scope))
                    .to_owned(),
            )
            .await?;
        for column in [
            Tickets::ServiceId,
            Tickets::DomainId,
            Tickets::OpenedByUserId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .add_column(big_integer_null(column))
                        .to_owned(),
                )
                .await?;
        }
        // Who opened a ticket is who wrote its first message.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE tickets SET opened_by_user_id = (SELECT r.author_user_id FROM ticket_replies r \
                 WHERE r.ticket_id = tickets.id ORDER BY r.id LIMIT 1)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Tickets::ServiceId,
            Tickets::DomainId,
            Tickets::OpenedByUserId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .drop_column(Invitations::Scope)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Contacts::Table)
                    .drop_column(Contacts::Scope)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
