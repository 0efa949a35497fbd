use async_graphql::{Context, Object};

use crate::context::{actor, domain};
use crate::error::ApiResult;
use crate::types::Account;

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account; the signed-in user becomes its owner.
    async fn create_account(&self, ctx: &Context<'_>, name: String) -> ApiResult<Account> {
        Ok(Account(
            domain(ctx).accounts().create(actor(ctx)?, &name).await?,
        ))
    }
}
