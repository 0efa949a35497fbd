//! Users, sessions and passwords: registration, login, logout, switching accounts,
//! password change and reset, and staff users.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::audit::{AuditActor, AuditRecord};
use crate::change::Change;
use crate::entities::{contact, password_reset, session, user};
use crate::events::EventKind;
use crate::events::Notice;
use crate::outbox::Outgoing;
use crate::permissions::Role;
use crate::{
    Actor, Domain, DomainError, RequestMeta, Result, notifications, store, tokens, validate,
};

/// One answer for every failed login, whether or not the email exists.
const BAD_CREDENTIALS: &str = "invalid email or password";
const BAD_RESET_LINK: &str = "this password reset link is invalid or has expired";

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

/// What start-up did with ADMIN_EMAIL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffBootstrap {
    Created,
    AlreadyStaff,
    /// The email belongs to a client's login: no staff user was made, nobody promoted.
    TakenByClient,
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
        let password_hash = self.domain.passwords().hash(&input.password).await?;

        let mut change = Change::begin(self.domain).await?;
        let user = store::users::insert(
            change.conn(),
            &email,
            &password_hash,
            &first_name,
            &last_name,
            false,
        )
        .await?;
        let (account, owner) = store::accounts::insert_with_owner(
            change.conn(),
            &account_name,
            &user,
            &notifications::defaults_for(Role::Owner),
        )
        .await?;
        change.event(EventKind::Created, &owner).await?;
        let signed_in = store::sessions::open(
            change.conn(),
            &user,
            Some(account.id),
            self.domain.config().session_ttl,
            meta,
        )
        .await?;
        change
            .commit(
                (&signed_in.actor).into(),
                AuditRecord::new("account.register")
                    .account(account.id)
                    .target("user", user.id),
            )
            .await?;
        Ok(signed_in)
    }

    /// Checks credentials and opens a session. A user with exactly one account is placed
    /// in it; with several, they pick one with `switch_account`.
    pub async fn login(&self, email: &str, password: &str, meta: RequestMeta) -> Result<SignedIn> {
        validate::plain("email", email, validate::MAX_EMAIL_LEN)?;
        let user = store::users::find_by_email(self.domain.db(), email.trim()).await?;
        let verified = self
            .domain
            .passwords()
            .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
            .await?;
        let user = match user {
            Some(user) if verified => user,
            _ => return Err(DomainError::Unauthenticated(BAD_CREDENTIALS.into())),
        };

        let change = Change::begin(self.domain).await?;
        let memberships = contact::Entity::find()
            .filter(contact::Column::UserId.eq(user.id))
            .all(change.conn())
            .await?;
        let current = match memberships.as_slice() {
            [only] => Some(only.account_id),
            _ => None,
        };
        let signed_in = store::sessions::open(
            change.conn(),
            &user,
            current,
            self.domain.config().session_ttl,
            meta,
        )
        .await?;
        change
            .commit((&signed_in.actor).into(), AuditRecord::new("session.login"))
            .await?;
        Ok(signed_in)
    }

    /// The actor behind a session token. An unknown or expired token is
    /// `Unauthenticated`, never anonymous: the client must learn its token is dead.
    pub async fn authenticate(&self, token: &str, meta: RequestMeta) -> Result<Actor> {
        let found = session::Entity::find()
            .filter(session::Column::TokenHash.eq(tokens::hash(token)))
            .find_also_related(user::Entity)
            .one(self.domain.db())
            .await?;
        signed_in_as(found, meta).map(|(actor, _)| actor)
    }

    /// Whether a session still exists and has not expired (long-lived streams re-check).
    pub async fn session_alive(&self, session_id: i64) -> Result<bool> {
        let session = session::Entity::find_by_id(session_id)
            .one(self.domain.db())
            .await?;
        Ok(session.is_some_and(|s| s.expires_at > Utc::now()))
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
        signed_in_as(found, meta)
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
            .commit(actor.into(), AuditRecord::new("session.logout"))
            .await
    }

    /// Places the session in another of the user's accounts (staff: any account).
    pub async fn switch_account(&self, actor: &Actor, account_id: i64) -> Result<Actor> {
        let account = self.domain.accounts().visible(actor, account_id).await?;
        let change = Change::begin(self.domain).await?;
        session::Entity::update_many()
            .col_expr(session::Column::CurrentAccountId, Expr::value(account.id))
            .filter(session::Column::Id.eq(actor.session_id))
            .exec(change.conn())
            .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new("session.switch_account").account(account.id),
            )
            .await?;
        Ok(Actor {
            current_account_id: Some(account.id),
            ..actor.clone()
        })
    }

    /// Changes the actor's password after checking the current one; every other session
    /// of theirs ends.
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> Result<()> {
        validate::new_password("newPassword", new)?;
        let user = user::Entity::find_by_id(actor.user_id)
            .one(self.domain.db())
            .await?
            .ok_or_else(|| {
                DomainError::Unauthenticated("the signed-in user no longer exists".into())
            })?;
        self.check_password(&user, current).await?;
        let hash = self.domain.passwords().hash(new).await?;

        let mut change = Change::begin(self.domain).await?;
        store::users::set_password(change.conn(), user.id, hash).await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user.id))
            .filter(session::Column::Id.ne(actor.session_id))
            .exec(change.conn())
            .await?;
        change.notify(Notice::AccessChanged { user_id: user.id });
        change
            .commit(
                actor.into(),
                AuditRecord::new("user.change_password").target("user", user.id),
            )
            .await
    }

    /// Fails with `BadInput` on `currentPassword` unless `password` is the signed-in
    /// actor's (removing a contact, transferring ownership).
    pub async fn check_actor_password(&self, actor: &Actor, password: &str) -> Result<()> {
        let user = user::Entity::find_by_id(actor.user_id)
            .one(self.domain.db())
            .await?
            .ok_or_else(|| {
                DomainError::Unauthenticated("the signed-in user no longer exists".into())
            })?;
        self.check_password(&user, password).await
    }

    /// Fails with `BadInput` on `currentPassword` unless `password` is the user's.
    pub async fn check_password(&self, user: &user::Model, password: &str) -> Result<()> {
        if self
            .domain
            .passwords()
            .verify(password, Some(&user.password_hash))
            .await?
        {
            Ok(())
        } else {
            Err(DomainError::bad_input(
                "currentPassword",
                "the current password is incorrect",
            ))
        }
    }

    /// Emails a reset link if the address belongs to a user. Answers the same, at once,
    /// whether or not it does: the work happens in the background so neither the
    /// answer nor its timing reveals which emails have logins.
    pub fn request_password_reset(&self, email: &str, meta: RequestMeta) -> Result<()> {
        // Only the shape is checked here; it says nothing about who has a login.
        validate::plain("email", email, validate::MAX_EMAIL_LEN)?;
        let domain = self.domain.clone();
        let email = email.trim().to_owned();
        tokio::spawn(async move {
            if let Err(err) = domain.auth().send_reset_link(&email, &meta).await {
                tracing::error!(error = %err, "could not queue a password reset email");
            }
        });
        Ok(())
    }

    async fn send_reset_link(&self, email: &str, meta: &RequestMeta) -> Result<()> {
        let Some(user) = store::users::find_by_email(self.domain.db(), email).await? else {
            return Ok(());
        };
        let (token, token_hash) = tokens::generate();
        let now = Utc::now();
        let ttl = self.domain.config().password_reset_ttl;
        let mut change = Change::begin(self.domain).await?;
        password_reset::ActiveModel {
            token_hash: Set(token_hash),
            user_id: Set(user.id),
            created_at: Set(now),
            expires_at: Set(now + Duration::from_std(ttl).unwrap_or(Duration::hours(1))),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(change.conn())
        .await?;
        change
            .email(Outgoing {
                to: &user.email,
                account_id: None,
                category: None,
                template: "password_reset",
                data: json!({
                    "first_name": user.first_name,
                    "link": format!("{}/reset-password/{token}", self.domain.config().public_url),
                    "ttl_minutes": ttl.as_secs() / 60,
                }),
            })
            .await?;
        change
            .commit(
                AuditActor::user(user.id, &user.email, meta),
                AuditRecord::new("user.request_password_reset").target("user", user.id),
            )
            .await
    }

    /// Sets a new password from a reset link. The link works once, within its lifetime;
    /// every session of the user ends.
    pub async fn reset_password(&self, token: &str, new: &str, meta: RequestMeta) -> Result<()> {
        validate::new_password("newPassword", new)?;
        let bad_link = || DomainError::bad_input("token", BAD_RESET_LINK);
        let reset = password_reset::Entity::find()
            .filter(password_reset::Column::TokenHash.eq(tokens::hash(token)))
            .one(self.domain.db())
            .await?
            .filter(|r| r.used_at.is_none() && r.expires_at > Utc::now())
            .ok_or_else(bad_link)?;
        let hash = self.domain.passwords().hash(new).await?;

        let mut change = Change::begin(self.domain).await?;
        // Claim the link; of two concurrent uses, only one sees it unused.
        let claimed = password_reset::Entity::update_many()
            .col_expr(password_reset::Column::UsedAt, Expr::value(Utc::now()))
            .filter(password_reset::Column::Id.eq(reset.id))
            .filter(password_reset::Column::UsedAt.is_null())
            .exec(change.conn())
            .await?;
        if claimed.rows_affected != 1 {
            return Err(bad_link());
        }
        store::users::set_password(change.conn(), reset.user_id, hash).await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(reset.user_id))
            .exec(change.conn())
            .await?;
        let user = user::Entity::find_by_id(reset.user_id)
            .one(change.conn())
            .await?
            .ok_or_else(bad_link)?;
        change.notify(Notice::AccessChanged { user_id: user.id });
        change
            .commit(
                AuditActor::user(user.id, &user.email, &meta),
                AuditRecord::new("user.reset_password").target("user", user.id),
            )
            .await
    }

    /// Adds a staff user (`clientele create-staff`). An email already in use is a conflict.
    pub async fn create_staff(
        &self,
        email: &str,
        password: &str,
        first_name: &str,
        last_name: &str,
    ) -> Result<user::Model> {
        let email = validate::email("email", email)?;
        let first_name = validate::name("firstName", first_name)?;
        let last_name = validate::name("lastName", last_name)?;
        validate::new_password("password", password)?;
        let hash = self.domain.passwords().hash(password).await?;
        let change = Change::begin(self.domain).await?;
        let user =
            store::users::insert(change.conn(), &email, &hash, &first_name, &last_name, true)
                .await?;
        change
            .commit(
                AuditActor::default(),
                AuditRecord::new("user.create_staff").target("user", user.id),
            )
            .await?;
        Ok(user)
    }

    /// Creates the staff user from ADMIN_EMAIL/ADMIN_PASSWORD unless that email has a
    /// login already. A client's login with that email is never promoted silently.
    pub async fn ensure_staff(&self, email: &str, password: &str) -> Result<StaffBootstrap> {
        let existing = |user: Option<user::Model>| match user {
            Some(user) if user.is_staff => StaffBootstrap::AlreadyStaff,
            _ => StaffBootstrap::TakenByClient,
        };
        if let Some(user) = store::users::find_by_email(self.domain.db(), email).await? {
            return Ok(existing(Some(user)));
        }
        match self
            .create_staff(email, password, "Portal", "Administrator")
            .await
        {
            Ok(_) => Ok(StaffBootstrap::Created),
            // Another instance starting at the same moment created it first.
            Err(DomainError::Conflict(_)) => Ok(existing(
                store::users::find_by_email(self.domain.db(), email).await?,
            )),
            Err(err) => Err(err),
        }
    }

    /// The user behind an id (e.g. for `viewer.user`).
    pub async fn user(&self, user_id: i64) -> Result<user::Model> {
        user::Entity::find_by_id(user_id)
            .one(self.domain.db())
            .await?
            .ok_or(DomainError::NotFound("user"))
    }
}

/// The actor of a session found with its user, if it has not expired.
fn signed_in_as(
    found: Option<(session::Model, Option<user::Model>)>,
    meta: RequestMeta,
) -> Result<(Actor, DateTime<Utc>)> {
    match found {
        Some((session, Some(user))) if session.expires_at > Utc::now() => Ok((
            Actor {
                user_id: user.id,
                email: user.email,
                is_staff: user.is_staff,
                session_id: session.id,
                current_account_id: session.current_account_id,
                meta,
            },
            session.expires_at,
        )),
        _ => Err(DomainError::Unauthenticated(
            "the session is invalid or has expired; sign in again".into(),
        )),
    }
}
