//! Users and their sessions: registration, login, authentication of a token, logout,
//! switching accounts. Passwords (change, reset) and staff users have their own files.

mod passwords;
mod staff;

pub use staff::StaffBootstrap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::audit::AuditRecord;
use crate::change::Change;
use crate::entities::{contact, session, user};
use crate::events::EventKind;
use crate::events::Notice;
use crate::permissions::Role;
use crate::stats::SignIn;
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
            &notifications::defaults_for(change.conn(), Role::Owner).await?,
        )
        .await?;
        change.event(EventKind::Created, &owner).await?;
        let signed_in = store::sessions::open(
            change.conn(),
            &user,
            Some(account.id),
            self.domain.now(),
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
    ///
    /// Failed sign-ins are throttled per email and per client address: each attempt
    /// spends before the password is hashed (so parallel guesses are counted too) and a
    /// successful one gives its spends back.
    pub async fn login(&self, email: &str, password: &str, meta: RequestMeta) -> Result<SignedIn> {
        validate::plain("email", email, validate::MAX_EMAIL_LEN)?;
        let email = email.trim();
        let spends = [
            (Rule::SignInFailuresPerEmail, email),
            (Rule::SignInFailuresPerAddress, meta.address()),
        ];
        let throttle = self.domain.throttle();
        if let Err(refused) = throttle.spend_each(&spends).await {
            self.domain.stats().sign_in(SignIn::Throttled);
            return Err(refused);
        }
        let user = store::users::find_by_email(self.domain.db(), email).await?;
        let verified = self
            .domain
            .passwords()
            .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
            .await?;
        let user = match user {
            Some(user) if verified => user,
            _ => {
                self.domain.stats().sign_in(SignIn::Failed);
                return Err(DomainError::Unauthenticated(BAD_CREDENTIALS.into()));
            }
        };
        throttle.refund_each(&spends).await;
        self.domain.stats().sign_in(SignIn::Succeeded);

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
            self.domain.now(),
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
        signed_in_as(found, meta, self.domain.now()).map(|(actor, _)| actor)
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
        signed_in_as(found, meta, self.domain.now())
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
}

/// The actor of a session found with its user, if it has not expired.
fn signed_in_as(
    found: Option<(session::Model, Option<user::Model>)>,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<(Actor, DateTime<Utc>)> {
    match found {
        Some((session, Some(user))) if session.expires_at > now => Ok((
            Actor {
                user_id: user.id,
                email: user.email,
                first_name: user.first_name,
                last_name: user.last_name,
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
