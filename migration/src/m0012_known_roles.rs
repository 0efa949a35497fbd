//! Roles are read as a closed set: a name this version does not know is an error, no
//! longer silently CUSTOM. Rows written with such a name (by hand, or by a version
//! that had another role) become what they meant until now: CUSTOM with their own
//! permission list.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KNOWN: &str = "('OWNER', 'ADMIN', 'BILLING', 'TECHNICAL', 'CUSTOM')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in ["contacts", "invitations"] {
            db.execute_unprepared(&format!(
                "UPDATE {table} SET role = 'CUSTOM' WHERE role NOT IN {KNOWN}"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Nothing to undo: the names it changed meant CUSTOM already.
        Ok(())
    }
}
