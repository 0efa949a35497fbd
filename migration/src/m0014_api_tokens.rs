//! API tokens: a session its member did not sign in for. A row of `sessions` with a
//! name, a permission list and an optional scope (all three set: it is a token), found,
//! used, expired and revoked as sessions are. The owner may forbid them on an account.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    ApiTokenName,
    ApiTokenPermissions,
    ApiTokenScope,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Via,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    AllowApiTokens,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [
            string_null(Sessions::ApiTokenName),
            json_null(Sessions::ApiTokenPermissions),
            json_null(Sessions::ApiTokenScope),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sessions::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(boolean(Accounts::AllowApiTokens).default(true))
                    .to_owned(),
            )
            .await?;
        // What an entry was done through, when not a person's session: `token:<name>`.
        manager
            .alter_table(
                Table::alter()
                    .table(AuditLog::Table)
                    .add_column(string_null(AuditLog::Via))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditLog::Table)
                    .drop_column(AuditLog::Via)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Accounts::AllowApiTokens)
                    .to_owned(),
            )
            .await?;
        for column in [
            Sessions::ApiTokenScope,
            Sessions::ApiTokenPermissions,
            Sessions::ApiTokenName,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sessions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
