//! sea-orm entities, one per table. Rows, not rules: the rules live in the services.

pub mod account;
pub mod audit_entry;
pub mod contact;
pub mod domain_name;
pub mod email;
pub mod email_token;
pub mod event;
pub mod event_sequence;
pub mod export_link;
pub mod invitation;
pub mod invoice;
pub mod known_device;
pub mod notification_category;
pub mod passkey;
pub mod passkey_challenge;
pub mod password_reset;
pub mod portal_settings;
pub mod recovery_code;
pub mod reminder_sent;
pub mod service;
pub mod session;
pub mod ticket;
pub mod ticket_reply;
pub mod user;
pub mod webhook_delivery;
pub mod webhook_endpoint;

/// `lower(column) = lower(value)`: how emails are compared everywhere, matching the
/// case-insensitive unique indexes.
pub(crate) fn email_is(
    column: impl sea_orm::ColumnTrait,
    email: &str,
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    ExprTrait::eq(
        Func::lower(Expr::col(column)),
        Func::lower(Expr::val(email.to_owned())),
    )
}
