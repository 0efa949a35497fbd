//! Rows have one home: the reads and writes of users, sessions, contacts, accounts and settings
//! that more than one service needs. Depends on the entities only; services depend on
//! this and on `permissions`, never on each other's internals.

pub(crate) mod accounts;
pub(crate) mod contacts;
pub(crate) mod sessions;
pub(crate) mod settings;
pub(crate) mod users;
