//! Whether an audit entry's actor was staff: a client's administrator reads their
//! account's audit log, and the portal operator's people (their emails, their internal
//! addresses) are not theirs to see.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    ActorIsStaff,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditLog::Table)
                    .add_column(boolean(AuditLog::ActorIsStaff).default(false))
                    .to_owned(),
            )
            .await?;
        // Entries written before: an actor who is staff now was staff then, as far as
        // anyone can tell (staff users are made by operators, not promoted).
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE audit_log SET actor_is_staff = TRUE WHERE actor_user_id IN (SELECT id FROM users WHERE is_staff = TRUE)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditLog::Table)
                    .drop_column(AuditLog::ActorIsStaff)
                    .to_owned(),
            )
            .await
    }
}
