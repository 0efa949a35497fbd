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

/// Rows whose `column`, read as text (a JSON column too), holds `needle` in any case: a
/// coarse first pass, whose rows the caller checks exactly.
pub(crate) fn holds_text(
    column: impl sea_orm::ColumnTrait,
    needle: &str,
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
    Expr::expr(Func::lower(Func::cast_as(
        Expr::col(column),
        Alias::new("TEXT"),
    )))
    .like(format!("%{}%", needle.to_lowercase()))
}

pub(crate) mod accounts;
pub(crate) mod contacts;
pub(crate) mod sessions;
pub(crate) mod settings;
pub(crate) mod users;
