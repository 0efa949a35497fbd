//! Black-box tests, run against the embedded default or, with `DATABASE_URL` set to a
//! PostgreSQL server, against PostgreSQL.

mod abuse;
mod accounts;
mod authorization_matrix;
mod billing;
mod contacts;
mod demo;
mod faults;
mod field_errors;
mod grants;
mod graphql_over_http;
mod hostile;
mod http;
mod input_rules;
mod invitations;
mod limits;
mod live;
mod live_sessions;
mod mail;
mod notification_preferences;
mod notifications;
mod password_reset;
mod persisted_operations;
mod playground;
mod races;
mod registration;
mod reminders;
mod schema;
mod security_emails;
mod sessions;
mod statement_count;
mod temporary_access;
mod throttles;
mod tickets;
mod two_factor;
mod ws_protocol;
