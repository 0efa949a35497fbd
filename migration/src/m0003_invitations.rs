//! Invitations: emailed, single-use, expiring links that give an email address access
//! to an account with a role.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    AccountId,
    ContactId,
    Email,
    Role,
    Permissions,
    TokenHash,
    Status,
    ExpiresAt,
    InvitedByUserId,
    AcceptedByUserId,
    AcceptedAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(big_pk_auto(Invitations::Id))
                    .col(big_integer(Invitations::AccountId))
                    // The contact the invitation gives a login to (sendPortalInvite), if any.
                    // No foreign key: acceptance checks it still exists.
                    .col(big_integer_null(Invitations::ContactId))
                    .col(string(Invitations::Email))
                    .col(string(Invitations::Role))
                    .col(json(Invitations::Permissions))
                    .col(string_uniq(Invitations::TokenHash))
                    .col(string(Invitations::Status))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(big_integer_null(Invitations::InvitedByUserId))
                    .col(big_integer_null(Invitations::AcceptedByUserId))
                    .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .col(timestamp_with_time_zone(Invitations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invitations_account")
                            .from(Invitations::Table, Invitations::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in [
            // One pending invitation per (account, email), whatever the case.
            "CREATE UNIQUE INDEX ux_invitations_pending ON invitations (account_id, lower(email)) WHERE status = 'PENDING'",
            "CREATE INDEX ix_invitations_account ON invitations (account_id, id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Invitations::Table).to_owned())
            .await
    }
}
