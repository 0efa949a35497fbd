//! Passkeys (WebAuthn): a user's credentials, the ceremonies under way (stored, so any
//! instance finishes what another began; each used once), the handle their
//! authenticators know them by, and which sessions a passkey opened (those count as
//! two-factor sign-ins).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    PasskeyHandle,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    PasskeyId,
}

#[derive(DeriveIden)]
enum Passkeys {
    Table,
    Id,
    UserId,
    Name,
    CredentialId,
    Credential,
    Counter,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum PasskeyChallenges {
    Table,
    Id,
    UserId,
    Purpose,
    State,
    ExpiresAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Passkeys::Table)
                    .col(big_pk_auto(Passkeys::Id))
                    .col(big_integer(Passkeys::UserId))
                    .col(string(Passkeys::Name))
                    // base64url of the credential id: one user's, never two.
                    .col(string_uniq(Passkeys::CredentialId))
                    // The public key and flags, as webauthn-rs serialises them.
                    .col(json(Passkeys::Credential))
                    // The signature counter, apart so that raising it is a conditional
                    // write (a counter that goes back refuses the sign-in).
                    .col(big_integer(Passkeys::Counter).default(0))
                    .col(timestamp_with_time_zone(Passkeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(Passkeys::LastUsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_passkeys_user")
                            .from(Passkeys::Table, Passkeys::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PasskeyChallenges::Table)
                    .col(string(PasskeyChallenges::Id).primary_key())
                    // Registration: who registers; sign-in: whose email was given.
                    .col(big_integer_null(PasskeyChallenges::UserId))
                    .col(string(PasskeyChallenges::Purpose))
                    .col(json(PasskeyChallenges::State))
                    .col(timestamp_with_time_zone(PasskeyChallenges::ExpiresAt))
                    .col(timestamp_with_time_zone(PasskeyChallenges::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_null(Users::PasskeyHandle))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(big_integer_null(Sessions::PasskeyId))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in [
            "CREATE INDEX ix_passkeys_user ON passkeys (user_id, id)",
            "CREATE UNIQUE INDEX ux_users_passkey_handle ON users (passkey_handle)",
            "CREATE INDEX ix_passkey_challenges_expiry ON passkey_challenges (expires_at)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX ux_users_passkey_handle")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(Sessions::PasskeyId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::PasskeyHandle)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PasskeyChallenges::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Passkeys::Table).to_owned())
            .await?;
        Ok(())
    }
}
