//! Accounts, users, contacts, sessions, password resets, portal settings, the audit log
//! and the email outbox.
//!
//! Case-insensitive uniqueness (login emails, contact emails within an account) and
//! "exactly one primary contact per account" are enforced by indexes, so that two
//! concurrent requests cannot both win. Expression and partial indexes are written in
//! SQL that SQLite and PostgreSQL both understand.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    FirstName,
    LastName,
    IsStaff,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    AccountId,
    UserId,
    FirstName,
    LastName,
    Email,
    Phone,
    CompanyName,
    Relationship,
    AddressLine1,
    AddressLine2,
    City,
    Region,
    PostalCode,
    Country,
    Role,
    Permissions,
    NotificationPreferences,
    IsPrimary,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CurrentAccountId,
    IpAddress,
    UserAgent,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum PortalSettings {
    Table,
    Id,
    AllowClientContactManagement,
    InvitationTtlHours,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    AccountId,
    ActorUserId,
    ActorEmail,
    Action,
    TargetType,
    TargetId,
    IpAddress,
    Details,
    OccurredAt,
}

#[derive(DeriveIden)]
enum Emails {
    Table,
    Id,
    AccountId,
    ToAddresses,
    Subject,
    BodyText,
    BodyHtml,
    Category,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
    SentAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(big_pk_auto(Accounts::Id))
                    .col(string(Accounts::Name))
                    .col(timestamp_with_time_zone(Accounts::CreatedAt))
                    .col(timestamp_with_time_zone(Accounts::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(string(Users::Email))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::FirstName))
                    .col(string(Users::LastName))
                    .col(boolean(Users::IsStaff).default(false))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(big_pk_auto(Contacts::Id))
                    .col(big_integer(Contacts::AccountId))
                    .col(big_integer_null(Contacts::UserId))
                    .col(string(Contacts::FirstName))
                    .col(string(Contacts::LastName))
                    .col(string_null(Contacts::Email))
                    .col(string_null(Contacts::Phone))
                    .col(string_null(Contacts::CompanyName))
                    .col(string_null(Contacts::Relationship))
                    .col(string_null(Contacts::AddressLine1))
                    .col(string_null(Contacts::AddressLine2))
                    .col(string_null(Contacts::City))
                    .col(string_null(Contacts::Region))
                    .col(string_null(Contacts::PostalCode))
                    .col(string_null(Contacts::Country))
                    .col(string(Contacts::Role))
                    .col(json(Contacts::Permissions))
                    .col(json(Contacts::NotificationPreferences))
                    .col(boolean(Contacts::IsPrimary).default(false))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_contacts_account",
                        (Contacts::Table, Contacts::AccountId),
                        (Accounts::Table, Accounts::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_contacts_user",
                        (Contacts::Table, Contacts::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(big_pk_auto(Sessions::Id))
                    .col(string_uniq(Sessions::TokenHash))
                    .col(big_integer(Sessions::UserId))
                    .col(big_integer_null(Sessions::CurrentAccountId))
                    .col(string_null(Sessions::IpAddress))
                    .col(string_null(Sessions::UserAgent))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(&mut fk(
                        "fk_sessions_user",
                        (Sessions::Table, Sessions::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_sessions_account",
                        (Sessions::Table, Sessions::CurrentAccountId),
                        (Accounts::Table, Accounts::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PasswordResets::Table)
                    .col(big_pk_auto(PasswordResets::Id))
                    .col(string_uniq(PasswordResets::TokenHash))
                    .col(big_integer(PasswordResets::UserId))
                    .col(timestamp_with_time_zone(PasswordResets::CreatedAt))
                    .col(timestamp_with_time_zone(PasswordResets::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordResets::UsedAt))
                    .foreign_key(&mut fk(
                        "fk_password_resets_user",
                        (PasswordResets::Table, PasswordResets::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PortalSettings::Table)
                    .col(integer(PortalSettings::Id).primary_key())
                    .col(boolean(PortalSettings::AllowClientContactManagement).default(true))
                    .col(integer(PortalSettings::InvitationTtlHours).default(168))
                    .col(timestamp_with_time_zone(PortalSettings::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        // The audit log has no foreign keys on purpose: entries outlive the people and
        // contacts they mention.
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(big_integer_null(AuditLog::AccountId))
                    .col(big_integer_null(AuditLog::ActorUserId))
                    .col(string_null(AuditLog::ActorEmail))
                    .col(string(AuditLog::Action))
                    .col(string_null(AuditLog::TargetType))
                    .col(string_null(AuditLog::TargetId))
                    .col(string_null(AuditLog::IpAddress))
                    .col(json_null(AuditLog::Details))
                    .col(timestamp_with_time_zone(AuditLog::OccurredAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Emails::Table)
                    .col(big_pk_auto(Emails::Id))
                    .col(big_integer_null(Emails::AccountId))
                    .col(json(Emails::ToAddresses))
                    .col(string(Emails::Subject))
                    .col(text(Emails::BodyText))
                    .col(text(Emails::BodyHtml))
                    .col(string_null(Emails::Category))
                    .col(string(Emails::Status))
                    .col(integer(Emails::Attempts).default(0))
                    .col(timestamp_with_time_zone(Emails::NextAttemptAt))
                    .col(text_null(Emails::LastError))
                    .col(timestamp_with_time_zone(Emails::CreatedAt))
                    .col(timestamp_with_time_zone_null(Emails::SentAt))
                    .foreign_key(&mut fk(
                        "fk_emails_account",
                        (Emails::Table, Emails::AccountId),
                        (Accounts::Table, Accounts::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        for sql in [
            // Login emails are unique whatever their case.
            "CREATE UNIQUE INDEX ux_users_email ON users (lower(email))",
            // Contact emails are unique within an account, whatever their case; contacts
            // without email are allowed (NULLs are distinct).
            "CREATE UNIQUE INDEX ux_contacts_account_email ON contacts (account_id, lower(email))",
            // One membership per person per account.
            "CREATE UNIQUE INDEX ux_contacts_account_user ON contacts (account_id, user_id)",
            // At most one primary contact per account (code keeps it at exactly one).
            "CREATE UNIQUE INDEX ux_contacts_primary ON contacts (account_id) WHERE is_primary",
            "CREATE INDEX ix_contacts_user ON contacts (user_id)",
            "CREATE INDEX ix_sessions_user ON sessions (user_id)",
            "CREATE INDEX ix_password_resets_user ON password_resets (user_id)",
            "CREATE INDEX ix_audit_log_account ON audit_log (account_id, id)",
            "CREATE INDEX ix_emails_due ON emails (status, next_attempt_at)",
            "CREATE INDEX ix_emails_account ON emails (account_id, id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Emails::Table.into_iden(),
            AuditLog::Table.into_iden(),
            PortalSettings::Table.into_iden(),
            PasswordResets::Table.into_iden(),
            Sessions::Table.into_iden(),
            Contacts::Table.into_iden(),
            Users::Table.into_iden(),
            Accounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
