//! Rows have one home: the reads and writes of users, sessions, contacts, accounts and settings
//! that more than one service needs. Depends on the entities only; services depend on
//! this and on `permissions`, never on each other's internals.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;

/// What a write of the store needs: the transaction it is part of and the moment it is
/// made (the domain's clock). A change provides both; the store needs no more of it.
pub(crate) trait Writer {
    fn conn(&self) -> &DatabaseTransaction;
    fn now(&self) -> DateTime<Utc>;
}

pub(crate) mod accounts;
pub(crate) mod contacts;
pub(crate) mod sessions;
pub(crate) mod settings;
pub(crate) mod users;
