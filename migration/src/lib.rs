//! Database migrations, shared by SQLite (the embedded default) and PostgreSQL.
//!
//! One file per migration; never edit one that has shipped, add a new one.

pub use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_billing;
mod m0003_invitations;
mod m0004_events;
mod m0005_access_granted_at;
mod m0006_notifications;
mod m0007_account_security;
mod m0008_two_factor;
mod m0009_temporary_access;
mod m0010_known_devices;
mod m0011_audit_actor_staff;
mod m0012_known_roles;
mod m0013_scoped_access;
mod m0014_api_tokens;
mod m0015_webhooks;
mod m0016_webhook_endpoint_lease;
mod m0017_passkeys;
mod m0018_passkey_decoys;
mod m0019_email_recipients_settled;
mod m0020_export_links;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_billing::Migration),
            Box::new(m0003_invitations::Migration),
            Box::new(m0004_events::Migration),
            Box::new(m0005_access_granted_at::Migration),
            Box::new(m0006_notifications::Migration),
            Box::new(m0007_account_security::Migration),
            Box::new(m0008_two_factor::Migration),
            Box::new(m0009_temporary_access::Migration),
            Box::new(m0010_known_devices::Migration),
            Box::new(m0011_audit_actor_staff::Migration),
            Box::new(m0012_known_roles::Migration),
            Box::new(m0013_scoped_access::Migration),
            Box::new(m0014_api_tokens::Migration),
            Box::new(m0015_webhooks::Migration),
            Box::new(m0016_webhook_endpoint_lease::Migration),
            Box::new(m0017_passkeys::Migration),
            Box::new(m0018_passkey_decoys::Migration),
            Box::new(m0019_email_recipients_settled::Migration),
            Box::new(m0020_export_links::Migration),
        ]
    }
}
