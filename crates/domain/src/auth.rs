//! Users, sessions and passwords: registration, login, logout, switching accounts,
//! password change and reset, and staff users.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::json;

use crate::accounts::insert_with_owner;
use crate::audit::{self, AuditActor, AuditRecord};
use crate::entities::{contact, password_reset, session, user};
use crate::events::Notice;
use crate::outbox::Outgoing;
use crate::{Actor, Domain, DomainError, RequestMeta, Result, tokens, validate};

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

/// A new session: the token is shown to the client once and never stored.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub actor: Actor,
}

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

        let txn = self.domain.db().begin().await?;
        let user =
            insert_user(&txn, &email, &password_hash, &first_name, &last_name, false).await?;
        let (account, _) = insert_with_owner(&txn, &account_name, &user).await?;
        let signed_in = self
            .open_session(&txn, &user, Some(account.id), meta)
            .await?;
        audit::record(
            &txn,
            (&signed_in.actor).into(),
            AuditRecord::new("account.register")
                .account(account.id)
                .target("user", user.id),
        )
        .await?;
        txn.commit().await?;
        self.domain.publish(&[Notice::Logged {
            account_id: account.id,
        }]);
        Ok(signed_in)
    }

    /// Checks credentials and opens a session. A user with exactly one account is placed
    /// in it; with several, they pick one with `switch_account`.
    pub async fn login(&self, email: &str, password: &str, meta: RequestMeta) -> Result<SignedIn> {
        let user = find_user_by_email(self.domain.db(), email.trim()).await?;
        let verified = self
            .domain
            .passwords()
            .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
            .await?;
        let user = match user {
            Some(user) if verified => user,
            _ => return Err(DomainError::Unauthenticated(BAD_CREDENTIALS.into())),
        };

        let txn = self.domain.db().begin().await?;
        let memberships = contact::Entity::find()
            .filter(contact::Column::UserId.eq(user.id))
            .all(&txn)
            .await?;
        let current = match memberships.as_slice() {
            [only] => Some(only.account_id),
            _ => None,
        };
        let signed_in = self.open_session(&txn, &user, current, meta).await?;
        audit::record(
            &txn,
            (&signed_in.actor).into(),
            AuditRecord::new("session.login"),
        )
        .await?;
        txn.commit().await?;
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
        let txn = self.domain.db().begin().await?;
        session::Entity::delete_by_id(actor.session_id)
            .exec(&txn)
            .await?;
        audit::record(&txn, actor.into(), AuditRecord::new("session.logout")).await?;
        txn.commit().await?;
        self.domain.publish(&[Notice::AccessChanged {
            user_id: actor.user_id,
        }]);
        Ok(())
    }

    /// Places the session in another of the user's accounts (staff: any account).
    pub async fn switch_account(&self, actor: &Actor, account_id: i64) -> Result<Actor> {
        let account = self.domain.accounts().visible(actor, account_id).await?;
        let txn = self.domain.db().begin().await?;
        session::Entity::update_many()
            .col_expr(session::Column::CurrentAccountId, Expr::value(account.id))
            .filter(session::Column::Id.eq(actor.session_id))
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            actor.into(),
            AuditRecord::new("session.switch_account").account(account.id),
        )
        .await?;
        txn.commit().await?;
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

        let txn = self.domain.db().begin().await?;
        set_password(&txn, user.id, hash).await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user.id))
            .filter(session::Column::Id.ne(actor.session_id))
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            actor.into(),
            AuditRecord::new("user.change_password").target("user", user.id),
        )
        .await?;
        txn.commit().await?;
        self.domain
            .publish(&[Notice::AccessChanged { user_id: user.id }]);
        Ok(())
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
    pub fn request_password_reset(&self, email: &str, meta: RequestMeta) {
        let domain = self.domain.clone();
        let email = email.trim().to_owned();
        tokio::spawn(async move {
            if let Err(err) = domain.auth().send_reset_link(&email, &meta).await {
                tracing::error!(error = %err, "could not queue a password reset email");
            }
        });
    }

    async fn send_reset_link(&self, email: &str, meta: &RequestMeta) -> Result<()> {
        let Some(user) = find_user_by_email(self.domain.db(), email).await? else {
            return Ok(());
        };
        let (token, token_hash) = tokens::generate();
        let now = Utc::now();
        let ttl = self.domain.config().password_reset_ttl;
        let txn = self.domain.db().begin().await?;
        password_reset::ActiveModel {
            token_hash: Set(token_hash),
            user_id: Set(user.id),
            created_at: Set(now),
            expires_at: Set(now + Duration::from_std(ttl).unwrap_or(Duration::hours(1))),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        self.domain
            .queue_email(
                &txn,
                Outgoing {
                    to: &user.email,
                    account_id: None,
                    category: None,
                    template: "password_reset",
                    data: json!({
                        "first_name": user.first_name,
                        "link": format!("{}/reset-password/{token}", self.domain.config().public_url),
                        "ttl_minutes": ttl.as_secs() / 60,
                    }),
                },
            )
            .await?;
        audit::record(
            &txn,
            AuditActor::user(user.id, &user.email, meta),
            AuditRecord::new("user.request_password_reset").target("user", user.id),
        )
        .await?;
        txn.commit().await?;
        self.domain.wake_mailer();
        Ok(())
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

        let txn = self.domain.db().begin().await?;
        // Claim the link; of two concurrent uses, only one sees it unused.
        let claimed = password_reset::Entity::update_many()
            .col_expr(password_reset::Column::UsedAt, Expr::value(Utc::now()))
            .filter(password_reset::Column::Id.eq(reset.id))
            .filter(password_reset::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            return Err(bad_link());
        }
        set_password(&txn, reset.user_id, hash).await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(reset.user_id))
            .exec(&txn)
            .await?;
        let user = user::Entity::find_by_id(reset.user_id)
            .one(&txn)
            .await?
            .ok_or_else(bad_link)?;
        audit::record(
            &txn,
            AuditActor::user(user.id, &user.email, &meta),
            AuditRecord::new("user.reset_password").target("user", user.id),
        )
        .await?;
        txn.commit().await?;
        self.domain
            .publish(&[Notice::AccessChanged { user_id: user.id }]);
        Ok(())
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
        let txn = self.domain.db().begin().await?;
        let user = insert_user(&txn, &email, &hash, &first_name, &last_name, true).await?;
        audit::record(
            &txn,
            AuditActor::default(),
            AuditRecord::new("user.create_staff").target("user", user.id),
        )
        .await?;
        txn.commit().await?;
        Ok(user)
    }

    /// Creates the staff user from ADMIN_EMAIL/ADMIN_PASSWORD unless that email has a
    /// login already. Returns whether it created one.
    pub async fn ensure_staff(&self, email: &str, password: &str) -> Result<bool> {
        if find_user_by_email(self.domain.db(), email).await?.is_some() {
            return Ok(false);
        }
        match self
            .create_staff(email, password, "Portal", "Administrator")
            .await
        {
            Ok(_) => Ok(true),
            // Another instance starting at the same moment created it first.
            Err(DomainError::Conflict(_)) => Ok(false),
            Err(err) => Err(err),
        }
    }

    pub(crate) async fn open_session(
        &self,
        conn: &impl ConnectionTrait,
        user: &user::Model,
        current_account_id: Option<i64>,
        meta: RequestMeta,
    ) -> Result<SignedIn> {
        let (token, token_hash) = tokens::generate();
        let now = Utc::now();
        let ttl =
            Duration::from_std(self.domain.config().session_ttl).unwrap_or(Duration::days(30));
        let session = session::ActiveModel {
            token_hash: Set(token_hash),
            user_id: Set(user.id),
            current_account_id: Set(current_account_id),
            ip_address: Set(meta.ip.clone()),
            user_agent: Set(meta.user_agent.clone()),
            created_at: Set(now),
            expires_at: Set(now + ttl),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        Ok(SignedIn {
            token,
            expires_at: session.expires_at,
            actor: Actor {
                user_id: user.id,
                email: user.email.clone(),
                is_staff: user.is_staff,
                session_id: session.id,
                current_account_id,
                meta,
            },
        })
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

/// Case-insensitive lookup, matching the `lower(email)` unique index.
pub(crate) async fn find_user_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(crate::entities::email_is(user::Column::Email, email))
        .one(conn)
        .await?)
}

pub(crate) async fn insert_user(
    conn: &impl ConnectionTrait,
    email: &str,
    password_hash: &str,
    first_name: &str,
    last_name: &str,
    is_staff: bool,
) -> Result<user::Model> {
    let now = Utc::now();
    let inserted = user::ActiveModel {
        email: Set(email.to_owned()),
        password_hash: Set(password_hash.to_owned()),
        first_name: Set(first_name.to_owned()),
        last_name: Set(last_name.to_owned()),
        is_staff: Set(is_staff),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await;
    crate::error::on_conflict(inserted, "a user with this email already exists")
}

async fn set_password(conn: &impl ConnectionTrait, user_id: i64, hash: String) -> Result<()> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}
