use async_graphql::{Context, ID, Json, Object};

use super::session::session_payload;
use crate::context::{actor, auth, domain};
use crate::directives::{PersonOnly, one_per_request, person_only};
use crate::error::{ApiResult, parse_id};
use crate::types::{AuthPayload, Passkey, PasskeyCeremony};

#[derive(Default)]
pub struct PasskeyMutation;

#[Object]
impl PasskeyMutation {
    /// Starts registering a passkey for the signed-in user: with `currentPassword`, or
    /// within ten minutes of signing in (else BAD_USER_INPUT on `currentPassword`).
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn begin_passkey_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The user's current password; not needed within ten minutes of signing in."
        )]
        current_password: Option<String>,
    ) -> ApiResult<PasskeyCeremony> {
        let ceremony = domain(ctx)
            .auth()
            .begin_passkey_registration(actor(ctx)?, current_password.as_deref())
            .await?;
        Ok(ceremony.into())
    }

    /// Finishes the registration begun last with what `navigator.credentials.create`
    /// answered (its binary fields as base64url), kept as `name`. The user is emailed.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn finish_passkey_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A name to know the passkey by (e.g. \"Work laptop\").")] name: String,
        #[graphql(
            desc = "The credential `navigator.credentials.create` answered, as JSON, binary fields as base64url."
        )]
        credential: Json<serde_json::Value>,
    ) -> ApiResult<Passkey> {
        let added = domain(ctx)
            .auth()
            .finish_passkey_registration(actor(ctx)?, &name, credential.0)
            .await?;
        Ok(Passkey(added))
    }

    /// Starts a passkey sign-in: with `email`, that login's passkeys are offered;
    /// without, whichever the browser holds for this site (discoverable passkeys). Each
    /// client address may begin 60 a minute (then RATE_LIMITED).
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn begin_passkey_login(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The login's email; left out: any passkey the browser holds for this site."
        )]
        email: Option<String>,
    ) -> ApiResult<PasskeyCeremony> {
        let ceremony = domain(ctx)
            .auth()
            .begin_passkey_login(email.as_deref(), auth(ctx).meta())
            .await?;
        Ok(ceremony.into())
    }

    /// Signs in with what `navigator.credentials.get` answered, as `login` does (the
    /// session, its cookie, the account it is placed in), with no password: a passkey
    /// sign-in is a two-factor sign-in. Refused: UNAUTHENTICATED (counted as a failed
    /// sign-in); a ceremony unknown, used or expired: BAD_USER_INPUT on `challengeId`.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn finish_passkey_login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The `challengeId` of `beginPasskeyLogin`'s answer.")] challenge_id: ID,
        #[graphql(
            desc = "The assertion `navigator.credentials.get` answered, as JSON, binary fields as base64url."
        )]
        credential: Json<serde_json::Value>,
    ) -> ApiResult<AuthPayload> {
        let signed_in = domain(ctx)
            .auth()
            .finish_passkey_login(&challenge_id, credential.0, auth(ctx).meta().clone())
            .await?;
        Ok(session_payload(ctx, signed_in))
    }

    /// Renames one of the signed-in user's passkeys.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn rename_passkey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The passkey's id (`viewer.passkeys`).")] id: ID,
        #[graphql(desc = "Its new name.")] name: String,
    ) -> ApiResult<Passkey> {
        let id = parse_id(&id, "passkey")?;
        let renamed = domain(ctx)
            .auth()
            .rename_passkey(actor(ctx)?, id, &name)
            .await?;
        Ok(Passkey(renamed))
    }

    /// Removes one of the signed-in user's passkeys (their current password checked);
    /// they are emailed. Returns its id.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn remove_passkey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The passkey's id (`viewer.passkeys`).")] id: ID,
        #[graphql(desc = "The user's current password.")] current_password: String,
    ) -> ApiResult<ID> {
        let passkey = parse_id(&id, "passkey")?;
        domain(ctx)
            .auth()
            .remove_passkey(actor(ctx)?, passkey, &current_password)
            .await?;
        Ok(id)
    }
}
