//! What roles guard: invoices, services, domains, tickets and their replies, and the
//! account's billing contact.
//!
//! Money is stored as decimal text ("120.50"), parsed with rust_decimal in the domain:
//! exact, and the same on SQLite (which has no decimal type) and PostgreSQL.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    BillingContactId,
}

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    AccountId,
    Number,
    Status,
    Total,
    Currency,
    DueDate,
    PaidAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
    AccountId,
    ProductName,
    Status,
    Username,
    Password,
    RecurringAmount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Domains {
    Table,
    Id,
    AccountId,
    Name,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    AccountId,
    Subject,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TicketReplies {
    Table,
    Id,
    TicketId,
    Body,
    AuthorName,
    AuthorEmail,
    AuthorUserId,
    Badge,
    CreatedAt,
}

fn owned_by_account(table: impl IntoIden + 'static, name: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, Alias::new("account_id"))
        .to(Accounts::Table, Accounts::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // No foreign key: SQLite cannot add one to an existing table. The contact
        // service clears it when it removes that contact.
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(big_integer_null(Accounts::BillingContactId))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invoices::Table)
                    .col(big_pk_auto(Invoices::Id))
                    .col(big_integer(Invoices::AccountId))
                    .col(string(Invoices::Number))
                    .col(string(Invoices::Status))
                    .col(string(Invoices::Total))
                    .col(string(Invoices::Currency))
                    .col(date(Invoices::DueDate))
                    .col(timestamp_with_time_zone_null(Invoices::PaidAt))
                    .col(timestamp_with_time_zone(Invoices::CreatedAt))
                    .col(timestamp_with_time_zone(Invoices::UpdatedAt))
                    .foreign_key(&mut owned_by_account(
                        Invoices::Table,
                        "fk_invoices_account",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Services::Table)
                    .col(big_pk_auto(Services::Id))
                    .col(big_integer(Services::AccountId))
                    .col(string(Services::ProductName))
                    .col(string(Services::Status))
                    .col(string_null(Services::Username))
                    .col(string_null(Services::Password))
                    .col(string_null(Services::RecurringAmount))
                    .col(timestamp_with_time_zone(Services::CreatedAt))
                    .col(timestamp_with_time_zone(Services::UpdatedAt))
                    .foreign_key(&mut owned_by_account(
                        Services::Table,
                        "fk_services_account",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Domains::Table)
                    .col(big_pk_auto(Domains::Id))
                    .col(big_integer(Domains::AccountId))
                    .col(string(Domains::Name))
                    .col(date(Domains::ExpiresAt))
                    .col(timestamp_with_time_zone(Domains::CreatedAt))
                    .foreign_key(&mut owned_by_account(Domains::Table, "fk_domains_account"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tickets::Table)
                    .col(big_pk_auto(Tickets::Id))
                    .col(big_integer(Tickets::AccountId))
                    .col(string(Tickets::Subject))
                    .col(string(Tickets::Status))
                    .col(timestamp_with_time_zone(Tickets::CreatedAt))
                    .col(timestamp_with_time_zone(Tickets::UpdatedAt))
                    .foreign_key(&mut owned_by_account(Tickets::Table, "fk_tickets_account"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TicketReplies::Table)
                    .col(big_pk_auto(TicketReplies::Id))
                    .col(big_integer(TicketReplies::TicketId))
                    .col(text(TicketReplies::Body))
                    .col(string(TicketReplies::AuthorName))
                    .col(string_null(TicketReplies::AuthorEmail))
                    .col(big_integer_null(TicketReplies::AuthorUserId))
                    .col(string(TicketReplies::Badge))
                    .col(timestamp_with_time_zone(TicketReplies::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ticket_replies_ticket")
                            .from(TicketReplies::Table, TicketReplies::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        for sql in [
            "CREATE UNIQUE INDEX ux_invoices_number ON invoices (number)",
            "CREATE INDEX ix_invoices_account ON invoices (account_id, id)",
            "CREATE INDEX ix_services_account ON services (account_id, id)",
            "CREATE INDEX ix_domains_account ON domains (account_id, id)",
            "CREATE INDEX ix_tickets_account ON tickets (account_id, id)",
            "CREATE INDEX ix_ticket_replies_ticket ON ticket_replies (ticket_id, id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TicketReplies::Table.into_iden(),
            Tickets::Table.into_iden(),
            Domains::Table.into_iden(),
            Services::Table.into_iden(),
            Invoices::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Accounts::BillingContactId)
                    .to_owned(),
            )
            .await
    }
}
