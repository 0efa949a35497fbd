//! Mutations, grouped by concern and merged into one root.

mod account;
mod session;

pub use session::SESSION_COOKIE;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Mutation(session::SessionMutation, account::AccountMutation);
