use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::access::{self, Access};
use domain::{Actor, DomainError, settings};

use super::enums::{self, Permission, Role};
use super::{Account, Contact};
use crate::context::domain;
use crate::error::ApiResult;
use crate::loaders::{RequestLoader, access_to};

/// A login identity.
pub struct User {
    id: i64,
    email: String,
    first_name: String,
    last_name: String,
}

impl User {
    /// The signed-in user as their session read them (no second query).
    fn of(actor: &Actor) -> Self {
        Self {
            id: actor.user_id,
            email: actor.email.clone(),
            first_name: actor.first_name.clone(),
            last_name: actor.last_name.clone(),
        }
    }
}

/// A login identity: one email and one set of credentials for every account the user
/// belongs to. Shown to the user themselves (`viewer.user`).
#[Object]
impl User {
    /// The user's id (`userId` in staff mutations).
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// The email the user signs in with (unique, compared ignoring case).
    async fn email(&self) -> &str {
        &self.email
    }

    /// Given name.
    async fn first_name(&self) -> &str {
        &self.first_name
    }

    /// Family name.
    async fn last_name(&self) -> &str {
        &self.last_name
    }
}

/// The signed-in user, their accounts and the account their session is in.
pub struct Viewer(pub Actor);

/// The signed-in user as they see themselves: who they are, their accounts, the
/// account their session is in and what they may do there. Only ever their own.
#[Object]
impl Viewer {
    /// The signed-in user.
    async fn user(&self) -> User {
        User::of(&self.0)
    }

    /// One of the portal's staff: they see every account and pass every permission
    /// check.
    async fn is_staff(&self) -> bool {
        self.0.is_staff
    }

    /// Two-factor sign-in is on.
    async fn two_factor_enabled(&self) -> bool {
        self.0.two_factor
    }

    /// The user's signed-in sessions, most recently used first (`revokeSession` ends
    /// one).
    async fn sessions(&self, ctx: &Context<'_>) -> ApiResult<Vec<Session>> {
        let sessions = domain(ctx).auth().sessions(&self.0).await?;
        Ok(sessions
            .into_iter()
            .map(|row| Session {
                current: row.id == self.0.session_id,
                row,
            })
            .collect())
    }

    /// The user's passkeys, oldest first (`removePasskey` ends one).
    async fn passkeys(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::Passkey>> {
        let passkeys = domain(ctx).auth().passkeys(&self.0).await?;
        Ok(passkeys.into_iter().map(super::Passkey).collect())
    }

    /// The user's API tokens, newest first (`revokeApiToken` ends one).
    async fn api_tokens(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::ApiToken>> {
        let tokens = domain(ctx).api_tokens().mine(&self.0).await?;
        Ok(tokens.into_iter().map(super::ApiToken).collect())
    }

    /// Every account this user belongs to.
    async fn memberships(&self, ctx: &Context<'_>) -> ApiResult<Vec<Membership>> {
        let memberships = domain(ctx).accounts().memberships(&self.0).await?;
        Ok(memberships.into_iter().map(Membership).collect())
    }

    /// The account the session is placed in; null until `switchAccount` for a user
    /// with several accounts.
    async fn current_account(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        // Membership may have ended since the session was placed there.
        Ok(self.placed(ctx).await?.map(Account))
    }

    /// The viewer's permissions in the current account (all of them for staff); none
    /// while they must change their password, or the account requires a second factor
    /// they have not turned on.
    async fn permissions(&self, ctx: &Context<'_>) -> ApiResult<Vec<Permission>> {
        let placed = self.placed(ctx).await?;
        Ok(enums::permissions(access::current_permissions(
            &self.0,
            placed.as_ref(),
        )))
    }

    /// The password was generated and emailed: until the viewer chooses their own
    /// (`changePassword`), anything but `viewer`, `changePassword` and `logout` is
    /// FORBIDDEN with reason PASSWORD_CHANGE_REQUIRED.
    async fn password_change_required(&self) -> bool {
        self.0.password_change_required
    }
}

impl Viewer {
    /// The viewer's access where their session is placed (shared with `account(id)`
    /// and the guards through the request's loader).
    async fn placed(&self, ctx: &Context<'_>) -> ApiResult<Option<Access>> {
        let Some(account_id) = self.0.current_account_id else {
            return Ok(None);
        };
        if ctx
            .data_unchecked::<RequestLoader>()
            .loader()
            .reads_for(&self.0)
        {
            return access_to(ctx, account_id).await;
        }
        match domain(ctx).access(&self.0, account_id, "account").await {
            Ok(access) => Ok(Some(access)),
            Err(DomainError::NotFound(_)) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }
}

/// The viewer's place in one account, through their access to it (the account comes
/// with it: no second query). While the viewer is restricted there (a password to
/// change, a second factor the account requires), it shows the account's id and name
/// and the role; everything else answers FORBIDDEN with the reason.
pub struct Membership(pub Access);

/// The viewer's place in one of their accounts: their role, permissions, scope and
/// when their access ends. While they are restricted there (a password to change, a
/// second factor the account requires) only the account's id and name and the role
/// are shown; the rest is FORBIDDEN with the reason.
#[Object]
impl Membership {
    /// The account.
    async fn account(&self) -> Account {
        Account(self.0.clone())
    }

    /// The viewer's own contact card in this account.
    async fn contact(&self) -> ApiResult<Contact> {
        let own = self
            .0
            .own_contact()?
            .cloned()
            .ok_or_else(|| DomainError::Internal("a membership without its contact".into()))?;
        Ok(Contact(own))
    }

    /// The viewer's role in the account (shown even while restricted).
    async fn role(&self) -> ApiResult<Role> {
        let role = self
            .0
            .role()
            .ok_or_else(|| DomainError::Internal("a membership without its contact".into()))?;
        Ok(role.into())
    }

    /// Temporary access: when this membership ends by itself (null: permanent).
    async fn access_expires_at(&self) -> ApiResult<Option<DateTime<Utc>>> {
        Ok(self.0.own_contact()?.and_then(|c| c.access_expires_at))
    }

    /// Scoped access: the services and domains the viewer looks after here (null: the
    /// whole account).
    async fn scope(&self) -> ApiResult<Option<super::Scope>> {
        Ok(self.0.usable()?.scope().cloned().map(super::Scope))
    }

    /// What the viewer may do in this account (none while restricted there).
    async fn permissions(&self) -> Vec<Permission> {
        enums::permissions(self.0.effective())
    }
}

/// A new session. The token is shown once; browsers also get it as an HttpOnly cookie.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// The session token, shown only here: send it as `Authorization: Bearer …`
    /// (HTTP) or in `connection_init` (WebSocket).
    pub token: String,
    /// When the session ends however much it is used (30 days after sign-in by
    /// default); unused, it ends sooner.
    pub expires_at: DateTime<Utc>,
    /// The user just signed in: placed in their account if they have exactly one,
    /// else in none until `switchAccount`.
    pub viewer: Viewer,
    /// The password was generated and emailed: choose your own (`changePassword`)
    /// before anything but `viewer` and `logout` works (FORBIDDEN, reason
    /// PASSWORD_CHANGE_REQUIRED).
    pub password_change_required: bool,
}

/// A two-factor secret being enrolled, for an authenticator app.
#[derive(SimpleObject)]
pub struct TotpEnrollment {
    /// Base32, to type in.
    pub secret: String,
    /// `otpauth://totp/…`, to show as a QR code.
    pub otpauth_uri: String,
}

/// One of the viewer's signed-in sessions.
pub struct Session {
    pub(crate) row: domain::entities::session::Model,
    pub(crate) current: bool,
}

/// One of the viewer's signed-in sessions (`viewer.sessions`).
#[Object]
impl Session {
    /// The session's id (`revokeSession`).
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }

    /// When it signed in.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }

    /// When the session was last used (kept to the minute).
    async fn last_seen_at(&self) -> DateTime<Utc> {
        self.row.last_seen_at.unwrap_or(self.row.created_at)
    }

    /// When it ends however much it is used (it ends sooner unused).
    async fn expires_at(&self) -> DateTime<Utc> {
        self.row.expires_at
    }

    /// The client address it signed in from.
    async fn ip_address(&self) -> Option<&str> {
        self.row.ip_address.as_deref()
    }

    /// The `User-Agent` of the client it signed in from.
    async fn user_agent(&self) -> Option<&str> {
        self.row.user_agent.as_deref()
    }

    /// Whether this is the session asking.
    async fn current(&self) -> bool {
        self.current
    }
}

/// The portal's settings, the same for every account; staff change them
/// (`updatePortalSettings`).
#[derive(SimpleObject)]
pub struct PortalSettings {
    /// When false, only staff may add, edit or remove contacts.
    pub allow_client_contact_management: bool,
    /// How long a new invitation's link works, in hours (1 to 8760; default 168, a
    /// week).
    pub invitation_ttl_hours: i32,
}

impl From<settings::PortalSettings> for PortalSettings {
    fn from(s: settings::PortalSettings) -> Self {
        Self {
            allow_client_contact_management: s.allow_client_contact_management,
            invitation_ttl_hours: s.invitation_ttl_hours,
        }
    }
}
