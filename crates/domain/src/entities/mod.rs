//! sea-orm entities, one per table. Rows, not rules: the rules live in the services.

pub mod account;
pub mod audit_entry;
pub mod contact;
pub mod email;
pub mod password_reset;
pub mod portal_settings;
pub mod session;
pub mod user;
