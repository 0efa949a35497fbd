use crate::directives::{PersonOnly, one_per_request, person_only};
use async_graphql::{Context, ID, InputObject, Object};
use domain::auth::{Registration, SignedIn};

use crate::ApiConfig;
use crate::context::{actor, auth, domain, signed_in};
use crate::error::{ApiResult, parse_id};
use crate::types::{AuthPayload, TotpEnrollment, Viewer};

#[derive(Default)]
pub struct SessionMutation;

/// A new account with its owner: their login and their primary contact card.
#[derive(InputObject)]
pub struct RegisterInput {
    /// The account's name (a business, a household).
    pub account_name: String,
    /// The owner's given name.
    pub first_name: String,
    /// The owner's family name.
    pub last_name: String,
    /// The owner's email, to sign in with; not already a login's.
    pub email: String,
    /// The owner's password: 10 to 256 characters, not one of the 10,000 most common.
    pub password: String,
}

#[Object]
impl SessionMutation {
    /// Creates an account, its owner's login and primary contact, and signs in.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn register(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and its owner.")] input: RegisterInput,
    ) -> ApiResult<AuthPayload> {
        let registration = Registration {
            account_name: input.account_name,
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email,
            password: input.password,
        };
        let signed_in = domain(ctx)
            .auth()
            .register(registration, auth(ctx).meta().clone())
            .await?;
        Ok(session_payload(ctx, signed_in))
    }

    /// Wrong password and unknown email get the same answer. With two-factor sign-in
    /// on, a right password without `totpCode` (a code from the app, or a recovery
    /// code), or with a wrong one, is UNAUTHENTICATED with reason TOTP_REQUIRED.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The login's email (any case).")] email: String,
        #[graphql(desc = "The login's password.")] password: String,
        #[graphql(
            desc = "With two-factor sign-in on: a code from the authenticator app, or a recovery code (each works once)."
        )]
        totp_code: Option<String>,
    ) -> ApiResult<AuthPayload> {
        let signed_in = domain(ctx)
            .auth()
            .login(
                &email,
                &password,
                totp_code.as_deref(),
                auth(ctx).meta().clone(),
            )
            .await?;
        Ok(session_payload(ctx, signed_in))
    }

    /// Starts two-factor enrolment (needs the current password): a new secret for an
    /// authenticator app, shown this once. It is on after `confirmTotp`, and the user is
    /// told by email.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn enroll_totp(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's current password.")] current_password: String,
    ) -> ApiResult<TotpEnrollment> {
        let enrolment = domain(ctx)
            .auth()
            .enroll_totp(actor(ctx)?, &current_password)
            .await?;
        Ok(TotpEnrollment {
            secret: enrolment.secret,
            otpauth_uri: enrolment.uri,
        })
    }

    /// Turns two-factor sign-in on with a code from the app; answers ten single-use
    /// recovery codes, shown this once.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn confirm_totp(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A current code from the authenticator app.")] code: String,
    ) -> ApiResult<Vec<String>> {
        Ok(domain(ctx).auth().confirm_totp(actor(ctx)?, &code).await?)
    }

    /// Turns two-factor sign-in off: needs the current password and a code (or
    /// recovery code).
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn disable_totp(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's current password.")] current_password: String,
        #[graphql(desc = "A code from the authenticator app, or a recovery code.")] code: String,
    ) -> ApiResult<bool> {
        domain(ctx)
            .auth()
            .disable_totp(actor(ctx)?, &current_password, &code)
            .await?;
        Ok(true)
    }

    /// Staff: turns a user's two-factor sign-in off (lost device and codes); audited.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn reset_two_factor(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user whose second factor to turn off.")] user_id: ID,
    ) -> ApiResult<bool> {
        let user_id = parse_id(&user_id, "user")?;
        domain(ctx)
            .auth()
            .reset_two_factor(actor(ctx)?, user_id)
            .await?;
        Ok(true)
    }

    /// Ends this session (other sessions of the user stay).
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn logout(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        domain(ctx).auth().logout(signed_in(ctx)?).await?;
        ctx.append_http_header(
            "set-cookie",
            ctx.data_unchecked::<ApiConfig>().session_cookie.clear(),
        );
        Ok(true)
    }

    /// Ends one of the viewer's own sessions (`viewer.sessions`): its token stops
    /// working and its WebSockets close.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn revoke_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session's id (`viewer.sessions`).")] id: ID,
    ) -> ApiResult<bool> {
        let id = parse_id(&id, "session")?;
        domain(ctx).auth().revoke_session(actor(ctx)?, id).await?;
        Ok(true)
    }

    /// Staff: ends every session of a user; answers how many there were.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn revoke_user_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user whose sessions end.")] user_id: ID,
    ) -> ApiResult<i32> {
        let user_id = parse_id(&user_id, "user")?;
        let ended = domain(ctx)
            .auth()
            .revoke_user_sessions(actor(ctx)?, user_id)
            .await?;
        Ok(i32::try_from(ended).unwrap_or(i32::MAX))
    }

    /// Places the session in one of the viewer's accounts (staff: any account).
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn switch_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to work in.")] account_id: ID,
    ) -> ApiResult<Viewer> {
        let account_id = parse_id(&account_id, "account")?;
        Ok(Viewer(
            domain(ctx)
                .auth()
                .switch_account(actor(ctx)?, account_id)
                .await?,
        ))
    }

    /// Always true: the answer does not say whether the email has a login.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The login's email: if it has one, a reset link is emailed to it.")]
        email: String,
    ) -> ApiResult<bool> {
        domain(ctx)
            .auth()
            .request_password_reset(&email, auth(ctx).meta().clone())
            .await?;
        Ok(true)
    }

    /// Sets a new password from an emailed link; every session of the user ends.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The token from the emailed link (`{PUBLIC_URL}/reset-password/{token}`): it works once, within an hour."
        )]
        token: String,
        #[graphql(
            desc = "The new password: 10 to 256 characters, not one of the 10,000 most common."
        )]
        new_password: String,
    ) -> ApiResult<bool> {
        domain(ctx)
            .auth()
            .reset_password(&token, &new_password, auth(ctx).meta().clone())
            .await?;
        Ok(true)
    }

    /// Changes the viewer's password; their other sessions end.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The viewer's current password.")] current_password: String,
        #[graphql(
            desc = "The new password: 10 to 256 characters, not one of the 10,000 most common."
        )]
        new_password: String,
    ) -> ApiResult<bool> {
        domain(ctx)
            .auth()
            .change_password(signed_in(ctx)?, &current_password, &new_password)
            .await?;
        Ok(true)
    }
}

/// The payload of a new session, and its cookie for browsers.
pub(crate) fn session_payload(ctx: &Context<'_>, signed_in: SignedIn) -> AuthPayload {
    let max_age = (signed_in.expires_at - domain(ctx).clock().now())
        .num_seconds()
        .max(0);
    ctx.append_http_header(
        "set-cookie",
        ctx.data_unchecked::<ApiConfig>()
            .session_cookie
            .set(&signed_in.token, max_age),
    );
    AuthPayload {
        token: signed_in.token,
        expires_at: signed_in.expires_at,
        password_change_required: signed_in.actor.password_change_required,
        viewer: Viewer(signed_in.actor),
    }
}
