use async_graphql::{Context, ID, Object};
use domain::accounts::AccountSecurity;

use crate::context::{actor, domain};
use crate::directives::{PersonOnly, person_only};
use crate::error::{ApiResult, parse_id};
use crate::types::Account;

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account; the signed-in user becomes its owner.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account's name (a business, a household).")] name: String,
    ) -> ApiResult<Account> {
        Ok(Account(
            domain(ctx).accounts().create(actor(ctx)?, &name).await?,
        ))
    }

    /// The owner's security settings (needs TRANSFER_OWNERSHIP, which only the owner
    /// holds); a setting left out stays as it is. With `requireTwoFactor`, members who
    /// have not turned on two-factor sign-in are refused on this account (FORBIDDEN,
    /// reason TWO_FACTOR_REQUIRED) until they do; their other accounts are not
    /// affected; turning it on needs the owner's own two-factor sign-in. With
    /// `allowApiTokens: false`, members may not create API tokens, and every token of
    /// the account is revoked.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn set_account_security(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] account_id: ID,
        #[graphql(desc = "Whether members must sign in with two factors to use the account.")]
        require_two_factor: Option<bool>,
        #[graphql(desc = "Whether members may create API tokens for the account.")]
        allow_api_tokens: Option<bool>,
    ) -> ApiResult<Account> {
        let account_id = parse_id(&account_id, "account")?;
        let settings = AccountSecurity {
            require_two_factor,
            allow_api_tokens,
        };
        Ok(Account(
            domain(ctx)
                .accounts()
                .set_security(actor(ctx)?, account_id, settings)
                .await?,
        ))
    }
}
