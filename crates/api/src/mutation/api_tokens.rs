use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::api_tokens::NewApiToken;

use crate::context::{actor, domain};
use crate::directives::{PersonOnly, one_per_request, person_only};
use crate::error::{ApiResult, parse_id};
use crate::types::enums::Permission;
use crate::types::{ApiToken, CreatedApiToken, ScopeInput};

#[derive(Default)]
pub struct ApiTokenMutation;

/// A new API token: its name, what it may do, where, and until when.
#[derive(InputObject)]
pub struct CreateApiTokenInput {
    /// A name to know it by (at most 200 characters).
    pub name: String,
    /// What it may do: never more than you hold (and only as long as you do).
    pub permissions: Vec<Permission>,
    /// Limits it to these services and domains: never wider than your own scope.
    pub scope: Option<ScopeInput>,
    /// When it ends: 90 days from now when left out, a year at the most.
    pub expires_at: Option<DateTime<Utc>>,
}

#[Object]
impl ApiTokenMutation {
    /// Creates an API token for yourself on one of your accounts (your current password
    /// first). The secret is in this answer only. You are emailed; the audit log names
    /// the token. Not where the account's owner forbids tokens.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account it acts on: one of yours.")] account_id: ID,
        #[graphql(desc = "The token's name, permissions, scope and expiry.")]
        input: CreateApiTokenInput,
        #[graphql(desc = "Your current password.")] current_password: String,
    ) -> ApiResult<CreatedApiToken> {
        let account_id = parse_id(&account_id, "account")?;
        let new = NewApiToken {
            name: input.name,
            permissions: input.permissions.into_iter().map(Into::into).collect(),
            scope: input.scope.map(ScopeInput::parse).transpose()?,
            expires_at: input.expires_at,
        };
        let created = domain(ctx)
            .api_tokens()
            .create(actor(ctx)?, account_id, new, &current_password)
            .await?;
        Ok(CreatedApiToken {
            token: created.token,
            api_token: ApiToken(created.row),
        })
    }

    /// Revokes an API token: your own, or (MANAGE_CONTACTS) one of a member who holds
    /// no more than you. Its next request is UNAUTHENTICATED (reason API_TOKEN_REVOKED)
    /// and its live streams end, on every instance. Its member is emailed.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's id (`viewer.apiTokens`, `Account.apiTokens`).")] id: ID,
    ) -> ApiResult<ApiToken> {
        let id = parse_id(&id, "API token")?;
        Ok(ApiToken(
            domain(ctx).api_tokens().revoke(actor(ctx)?, id).await?,
        ))
    }
}
