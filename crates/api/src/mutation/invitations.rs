use crate::directives::{PersonOnly, one_per_request, person_only};
use async_graphql::{Context, ID, InputObject, Object};
use domain::invitations::{Acceptance, NewInvitation};

use crate::context::{RequestAuth, actor, auth, domain};
use crate::error::{ApiResult, parse_id};
use crate::mutation::session::session_payload;
use crate::types::enums::{Permission, Role};
use crate::types::{AuthPayload, Invitation, ScopeInput};

#[derive(Default)]
pub struct InvitationMutation;

/// Who is invited, and what accepting gives them.
#[derive(InputObject)]
pub struct InviteUserInput {
    /// The address to invite (a new person, or an existing login's email).
    pub email: String,
    /// Never OWNER.
    pub role: Role,
    /// For the CUSTOM role.
    pub permissions: Option<Vec<Permission>>,
    /// Temporary access: the membership accepting gives ends then, by itself.
    pub access_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Scoped access: the membership accepting gives is limited to these services and
    /// domains (none of the account-wide permissions then).
    pub scope: Option<ScopeInput>,
}

/// For a new login: name and password. An existing login signs in first, or proves
/// itself here as `login` does: its `password`, and `totpCode` when it has two-factor
/// sign-in on.
#[derive(InputObject, Default)]
pub struct AcceptInvitationInput {
    /// A new login's given name.
    pub first_name: Option<String>,
    /// A new login's family name.
    pub last_name: Option<String>,
    /// A new login's password (10 to 256 characters, not one of the most common); an
    /// existing login's current one, unless already signed in as it.
    pub password: Option<String>,
    /// A code from the authenticator app, or a recovery code (an existing login with
    /// two-factor sign-in; without it: UNAUTHENTICATED, reason TOTP_REQUIRED).
    pub totp_code: Option<String>,
}

#[Object]
impl InvitationMutation {
    /// Invites an email to an account (MANAGE_CONTACTS). An email with a pending
    /// invitation is a CONFLICT: resend that one instead. At most 50 per account per day.
    async fn invite_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to invite to.")] account_id: ID,
        #[graphql(desc = "Who, with what role.")] input: InviteUserInput,
    ) -> ApiResult<Invitation> {
        let account_id = parse_id(&account_id, "account")?;
        let new = NewInvitation {
            email: input.email,
            role: input.role.into(),
            permissions: input
                .permissions
                .map(|l| l.into_iter().map(Into::into).collect()),
            access_expires_at: input.access_expires_at,
            scope: input.scope.map(ScopeInput::parse).transpose()?,
        };
        Ok(Invitation(
            domain(ctx)
                .invitations()
                .invite(actor(ctx)?, account_id, new)
                .await?,
        ))
    }

    /// Invites an existing contact (with an email and no login yet) to the portal. Needs
    /// MANAGE_CONTACTS.
    async fn send_portal_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact's id.")] contact_id: ID,
    ) -> ApiResult<Invitation> {
        let contact_id = parse_id(&contact_id, "contact")?;
        Ok(Invitation(
            domain(ctx)
                .invitations()
                .send_portal_invite(actor(ctx)?, contact_id)
                .await?,
        ))
    }

    /// Sends a pending invitation again: new link, new expiry; the old link dies. Needs
    /// MANAGE_CONTACTS.
    async fn resend_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation's id.")] id: ID,
    ) -> ApiResult<Invitation> {
        let id = parse_id(&id, "invitation")?;
        Ok(Invitation(
            domain(ctx).invitations().resend(actor(ctx)?, id).await?,
        ))
    }

    /// Withdraws a pending invitation. Needs MANAGE_CONTACTS.
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation's id.")] id: ID,
    ) -> ApiResult<Invitation> {
        let id = parse_id(&id, "invitation")?;
        Ok(Invitation(
            domain(ctx).invitations().revoke(actor(ctx)?, id).await?,
        ))
    }

    /// Accepts an invitation and signs in, placed in the invited account. An existing
    /// login is checked as `login` checks it (password, second factor, throttles). An
    /// invitation whose sender can no longer give what it gives (removed, lowered,
    /// access ended) no longer holds (BAD_USER_INPUT on `token`).
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The token from the emailed link (`{PUBLIC_URL}/invite/{token}`): it works once, until the invitation expires."
        )]
        token: String,
        #[graphql(desc = "Name and password for a new login, or an existing login's proof.")]
        input: Option<AcceptInvitationInput>,
    ) -> ApiResult<AuthPayload> {
        let input = input.unwrap_or_default();
        let signed_in_as = match auth(ctx) {
            RequestAuth::SignedIn(actor) => Some(actor),
            _ => None,
        };
        let acceptance = Acceptance {
            first_name: input.first_name,
            last_name: input.last_name,
            password: input.password,
            totp_code: input.totp_code,
        };
        let (signed_in, _) = domain(ctx)
            .invitations()
            .accept(&token, signed_in_as, acceptance, auth(ctx).meta().clone())
            .await?;
        Ok(session_payload(ctx, signed_in))
    }
}
