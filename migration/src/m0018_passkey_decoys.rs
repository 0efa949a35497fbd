//! The key of the decoy credential ids a passkey sign-in names for an email with no
//! passkeys (or no login), so the answer does not tell which emails have one. Made once,
//! on first use, kept with the portal's settings.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PortalSettings {
    Table,
    PasskeyDecoyKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PortalSettings::Table)
                    .add_column(string_null(PortalSettings::PasskeyDecoyKey))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PortalSettings::Table)
                    .drop_column(PortalSettings::PasskeyDecoyKey)
                    .to_owned(),
            )
            .await
    }
}
