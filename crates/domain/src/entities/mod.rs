//! sea-orm entities, one per table. Rows, not rules: the rules live in the services.

pub mod account;
pub mod audit_entry;
pub mod contact;
pub mod domain_name;
pub mod email;
pub mod event;
pub mod event_sequence;
pub mod invitation;
pub mod invoice;
pub mod password_reset;
pub mod portal_settings;
pub mod service;
pub mod session;
pub mod ticket;
pub mod ticket_reply;
pub mod user;
