use async_graphql::{Context, ID, Object};

use crate::context::{actor, domain};
use crate::error::{ApiResult, parse_id};
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

    /// The owner's security settings (needs TRANSFER_OWNERSHIP, which only the owner
    /// holds): with `requireTwoFactor`, members who have not
    /// turned on two-factor sign-in are refused on this account (FORBIDDEN, reason
    /// TWO_FACTOR_REQUIRED) until they do; their other accounts are not affected.
    /// Turning it on needs the owner's own two-factor sign-in.
    async fn set_account_security(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        require_two_factor: bool,
    ) -> ApiResult<Account> {
        let account_id = parse_id(&account_id, "account")?;
        Ok(Account(
            domain(ctx)
                .accounts()
                .set_security(actor(ctx)?, account_id, require_two_factor)
                .await?,
        ))
    }
}
