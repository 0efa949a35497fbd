//! Users and their sessions: registration, login, authentication of a token, logout,
//! switching accounts. Passwords (change, reset) and staff users have their own files.

mod passkeys;
mod passwords;
pub(crate) mod security_notices;
pub(crate) mod sign_in;
mod staff;
mod two_factor;

pub use passkeys::PasskeyCeremony;
pub use staff::StaffBootstrap;
pub use two_factor::Enrolment;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::api_tokens::ApiTokenGrant;
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::entities::{session, user};
use crate::events::EventKind;
use crate::events::Notice;
use crate::permissions::{Permission, Role};
use crate::throttle::Rule;
use crate::{
    Actor, Domain, DomainError, RequestMeta, Result, notifications, store, tokens, validate,
};

/// One answer for every failed login, whether or not the email exists.
const BAD_CREDENTIALS: &str = "invalid email or password";

pub struct AuthService<'a> {
    domain: &'a Domain,
}

/// What `register` asks for.
#[derive(Clone, Debug)]
pub struct Registration {
    pub account_name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub password: String,
}

pub use crate::store::sessions::SignedIn;

impl<'a> AuthService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// Creates a user, their account and its primary contact in one transaction, and
    /// signs them in.
    pub async fn register(&self, input: Registration, meta: RequestMeta) -> Result<SignedIn> {
        let account_name = validate::name("accountName", &input.account_name)?;
        let first_name = validate::name("firstName", &input.first_name)?;
        let last_name = validate::name("lastName", &input.last_name)?;
        let email = validate::email("email", &input.email)?;
        validate::new_password("password", &input.password)?;
        self.domain
            .throttle()
            .spend_each(&[(Rule::AccountsOpenedPerAddress, meta.address())])
            .await?;
        let password_hash = self.domain.passwords().hash(&input.password).await?;

        let mut change = Change::begin(self.domain).await?;
        let user = store::users::insert(
            &change,
            &email,
            &password_hash,
            &first_name,
            &last_name,
            false,
        )
        .await?;
        let (account, owner) = store::accounts::insert_with_owner(
            &change,
            &account_name,
            &user,
            &notifications::defaults_for(change.conn(), Role::Owner, &Permission::ALL).await?,
        )
        .await?;
        change.event(EventKind::Created, &owner).await?;
        let signed_in =
            sign_in::open_session(&mut change, &user, Some(account.id), meta, None).await?;
        change
            .commit(
                (&signed_in.actor).into(),
                AuditRecord::new(AuditAction::AccountRegister)
                    .account(account.id)
                    .target("user", user.id),
            )
            .await?;
        Ok(signed_in)
    }

    /// Checks credentials and opens a session (see [`sign_in`]). A user with exactly
    /// one account is placed in it; with several, they pick one with `switch_account`.
    ///
    /// Failed sign-ins are throttled per login and per client address. With two-factor
    /// sign-in on, a right password also needs `totp_code` (or a recovery code); a
    /// missing or wrong code counts as a failed sign-in.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        totp_code: Option<&str>,
        meta: RequestMeta,
    ) -> Result<SignedIn> {
        validate::plain("email", email, validate::MAX_EMAIL_LEN)?;
        let email = email.trim();
        let found = store::users::find_by_email(self.domain.db(), email).await?;
        let proof = sign_in::Proof {
            password,
            totp_code,
        };
        let user = self
            .prove(found, email, proof, &meta, || {
                DomainError::Unauthenticated(BAD_CREDENTIALS.into())
            })
            .await?;

        let mut change = Change::begin(self.domain).await?;
        let signed_in = sign_in::placed_session(&mut change, &user, meta, None).await?;
        change
            .commit(
                (&signed_in.actor).into(),
                AuditRecord::new(AuditAction::SessionLogin),
            )
            .await?;
        Ok(signed_in)
    }

    /// The actor behind a session token. An unknown or expired token is
    /// `Unauthenticated`, never anonymous: the client must learn its token is dead.
    pub async fn authenticate(&self, token: &str, meta: RequestMeta) -> Result<Actor> {
        // An API token's checksum is checked before anything is read: a mistyped one
        // costs the database nothing.
        if token.starts_with(tokens::API_TOKEN_PREFIX) && !tokens::is_api_token(token) {
            return Err(api_token_revoked());
        }
        let found = session::Entity::find()
            .filter(session::Column::TokenHash.eq(tokens::hash(token)))
            .find_also_related(user::Entity)
            .one(self.domain.db())
            .await?;
        let actor = match self.live(found, meta, true).await {
            Ok((actor, _)) => actor,
            // A dead API token says so in a way its script can act on.
            Err(DomainError::Unauthenticated(_)) if token.starts_with(tokens::API_TOKEN_PREFIX) => {
                return Err(api_token_revoked());
            }
            Err(other) => return Err(other),
        };
        // Each token has a request rate of its own.
        if let Some(grant) = &actor.api_token {
            self.domain
                .throttle()
                .spend_each(&[(Rule::ApiTokenRequests, &grant.id.to_string())])
                .await?;
        }
        Ok(actor)
    }

    /// A session re-read by id, for a connection that outlives a request (a WebSocket
    /// authenticates each operation with it): the actor as they are now, and when the
    /// session expires. Ended or expired: `Unauthenticated`.
    pub async fn resume(
        &self,
        session_id: i64,
        meta: RequestMeta,
    ) -> Result<(Actor, DateTime<Utc>)> {
        let found = session::Entity::find_by_id(session_id)
            .find_also_related(user::Entity)
            .one(self.domain.db())
            .await?;
        // Not a use: a socket re-reads its session for every operation and every few
        // seconds while it is open, and ten thousand dashboards writing their last use
        // in the same minute would stall the database.
        self.live(found, meta, false).await
    }

    /// The actor of a session found with its user, if it has neither expired nor gone
    /// unused for `session_idle_timeout`, and when it will end if unused. Its last use
    /// is written (when `used`) at most once a minute (one conditional write, whichever
    /// request of the minute gets there first).
    async fn live(
        &self,
        found: Option<(session::Model, Option<user::Model>)>,
        meta: RequestMeta,
        used: bool,
    ) -> Result<(Actor, DateTime<Utc>)> {
        let ended = || {
            DomainError::Unauthenticated(
                "the session is invalid or has expired; sign in again".into(),
            )
        };
        let Some((session, Some(user))) = found else {
            return Err(ended());
        };
        let api_token = ApiTokenGrant::of(&session);
        let now = self.domain.now();
        // An API token ends at its own time only; a session also when left unused.
        let idle = match api_token {
            Some(_) => chrono::Duration::MAX,
            None => chrono::Duration::from_std(self.domain.config().session_idle_timeout)
                .unwrap_or(chrono::Duration::days(14)),
        };
        let ends_after = |last_seen: DateTime<Utc>| {
            session.expires_at.min(
                last_seen
                    .checked_add_signed(idle)
                    .unwrap_or(session.expires_at),
            )
        };
        let mut last_seen = session.last_seen_at.unwrap_or(session.created_at);
        if ends_after(last_seen) <= now {
            return Err(ended());
        }
        // A token's first use is news (it says the token works); then, as a session's,
        // at most once a minute.
        let first_use = api_token.is_some() && session.last_seen_at.is_none();
        if used && (first_use || now - last_seen >= store::sessions::TOUCH_EVERY) {
            let ip = api_token.as_ref().and(meta.ip.as_deref());
            store::sessions::touch(self.domain.db(), session.id, now, ip).await?;
            last_seen = now;
        }
        let ends = ends_after(last_seen);
        Ok((
            Actor {
                user_id: user.id,
                email: user.email,
                first_name: user.first_name,
                last_name: user.last_name,
                // A token acts as a member, never with staff's powers.
                is_staff: user.is_staff && api_token.is_none(),
                password_change_required: user.password_change_required,
                two_factor: user.totp_secret.is_some(),
                passkey_session: session.passkey_id.is_some(),
                session_id: session.id,
                current_account_id: session.current_account_id,
                meta,
                api_token,
            },
            ends,
        ))
    }

    /// The actor's live sessions, most recently used first.
    pub async fn sessions(&self, actor: &Actor) -> Result<Vec<session::Model>> {
        let idle = chrono::Duration::from_std(self.domain.config().session_idle_timeout)
            .unwrap_or(chrono::Duration::days(14));
        store::sessions::of_user(self.domain.db(), actor.user_id, self.domain.now(), idle).await
    }

    /// Ends one of the actor's own sessions (another's is NOT_FOUND). Its token dies and
    /// its WebSockets close, on every instance.
    pub async fn revoke_session(&self, actor: &Actor, session_id: i64) -> Result<()> {
        let mut change = Change::begin(self.domain).await?;
        let ended = session::Entity::delete_many()
            .filter(session::Column::Id.eq(session_id))
            .filter(session::Column::UserId.eq(actor.user_id))
            // Tokens are revoked as tokens (`revokeApiToken`).
            .filter(session::Column::ApiTokenName.is_null())
            .exec(change.conn())
            .await?;
        if ended.rows_affected == 0 {
            return Err(DomainError::NotFound("session"));
        }
        change.notify(Notice::AccessChanged {
            user_id: actor.user_id,
        });
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::SessionRevoke).target("session", session_id),
            )
            .await
    }

    /// Staff: ends every session of a user; how many there were.
    pub async fn revoke_user_sessions(&self, actor: &Actor, user_id: i64) -> Result<u64> {
        if !actor.is_staff {
            return Err(DomainError::forbidden(
                "only staff can end another user's sessions",
            ));
        }
        let mut change = Change::begin(self.domain).await?;
        user::Entity::find_by_id(user_id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("user"))?;
        let ended = session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(change.conn())
            .await?;
        change.notify(Notice::AccessChanged { user_id });
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::SessionRevokeAll).target("user", user_id),
            )
            .await?;
        Ok(ended.rows_affected)
    }

    /// Ends the actor's session (only this one).
    pub async fn logout(&self, actor: &Actor) -> Result<()> {
        let mut change = Change::begin(self.domain).await?;
        session::Entity::delete_by_id(actor.session_id)
            .exec(change.conn())
            .await?;
        change.notify(Notice::AccessChanged {
            user_id: actor.user_id,
        });
        change
            .commit(actor.into(), AuditRecord::new(AuditAction::SessionLogout))
            .await
    }

    /// The signed-in actor's user row, as it is now.
    pub(crate) async fn user(&self, actor: &Actor) -> Result<user::Model> {
        user::Entity::find_by_id(actor.user_id)
            .one(self.domain.db())
            .await?
            .ok_or_else(|| {
                DomainError::Unauthenticated("the signed-in user no longer exists".into())
            })
    }

    /// Places the session in another of the user's accounts (staff: any account).
    pub async fn switch_account(&self, actor: &Actor, account_id: i64) -> Result<Actor> {
        let account = self
            .domain
            .access(actor, account_id, "account")
            .await?
            .account()
            .clone();
        let change = Change::begin(self.domain).await?;
        session::Entity::update_many()
            .col_expr(session::Column::CurrentAccountId, Expr::value(account.id))
            .filter(session::Column::Id.eq(actor.session_id))
            .exec(change.conn())
            .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::SessionSwitchAccount).account(account.id),
            )
            .await?;
        Ok(Actor {
            current_account_id: Some(account.id),
            ..actor.clone()
        })
    }
}

/// UNAUTHENTICATED with reason API_TOKEN_REVOKED: an API token that is unknown, expired
/// or revoked (its member may have lost the account, or the account forbids tokens).
fn api_token_revoked() -> DomainError {
    DomainError::WithReason {
        code: crate::ErrorCode::Unauthenticated,
        reason: crate::Reason::ApiTokenRevoked,
        message: "this API token is unknown, expired or revoked".into(),
    }
}
