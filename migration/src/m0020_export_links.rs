//! Export links: the single-use links a data export (`requestDataExport`) or an
//! account export (`exportAccount`) is emailed as. Only the token's SHA-256 is stored;
//! a link goes with its login (or account), and the retention sweep deletes it once
//! over.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExportLinks {
    Table,
    Id,
    TokenHash,
    UserId,
    AccountId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExportLinks::Table)
                    .col(big_pk_auto(ExportLinks::Id))
                    .col(string_uniq(ExportLinks::TokenHash))
                    .col(big_integer(ExportLinks::UserId))
                    .col(big_integer_null(ExportLinks::AccountId))
                    .col(timestamp_with_time_zone(ExportLinks::CreatedAt))
                    .col(timestamp_with_time_zone(ExportLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ExportLinks::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_export_links_user")
                            .from(ExportLinks::Table, ExportLinks::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_export_links_account")
                            .from(ExportLinks::Table, ExportLinks::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ExportLinks::Table).to_owned())
            .await
    }
}
