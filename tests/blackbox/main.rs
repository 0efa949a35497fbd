//! Black-box tests, run against the embedded default or, with `DATABASE_URL` set to a
//! PostgreSQL server, against PostgreSQL.

mod accounts;
mod authorization_matrix;
mod billing;
mod contacts;
mod field_errors;
mod http;
mod invitations;
mod live;
mod mail;
mod password_reset;
mod registration;
mod schema;
mod sessions;
mod tickets;
