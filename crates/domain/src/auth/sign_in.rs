//! The one way in. Every path that yields a session — `login`, `register`,
//! `acceptInvitation`, and a passkey's `finishPasskeyLogin` (single sign-on when it
//! comes) — proves who the person is with [`AuthService::prove`] (a passkey: its own
//! proof in `passkeys`, under the same [`Attempt`]) and opens the session with [`open_session`],
//! so each applies the same checks: the password, the second factor when the user has
//! one, the sign-in throttles, and the new-sign-in email. Every other check of a
//! credential (a current password, a second-factor code) goes through
//! [`AuthService::verify_password`] or [`AuthService::verify_second_factor`], which
//! spend the same throttle buckets: a stolen session cannot guess a password through
//! `changePassword` that `login` would have stopped.

use crate::change::Change;
use crate::entities::user;
use crate::stats::SignIn;
use crate::store::sessions::SignedIn;
use crate::throttle::Rule;
use crate::{Actor, Domain, DomainError, RequestMeta, Result, store};

use super::AuthService;
use super::security_notices::{self, SecurityNotice};

/// What a person gives to prove who they are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Proof<'a> {
    pub password: &'a str,
    /// A code from their authenticator app, or a recovery code (needed when the user
    /// has two-factor sign-in on).
    pub totp_code: Option<&'a str>,
}

/// One check of a credential under the sign-in throttles (per login and per client
/// address). Spent before the check, so guesses sent in parallel are counted too;
/// given back when the check passes, so only failures count.
pub(super) struct Attempt<'d> {
    domain: &'d Domain,
    login: String,
    address: String,
}

impl<'d> Attempt<'d> {
    /// Spends one failed sign-in of `login` from `meta`'s address, or answers
    /// RATE_LIMITED.
    pub(super) async fn begin(
        domain: &'d Domain,
        login: String,
        meta: &RequestMeta,
    ) -> Result<Self> {
        let attempt = Self {
            domain,
            login,
            address: meta.address().to_owned(),
        };
        domain.throttle().spend_each(&attempt.spends()).await?;
        Ok(attempt)
    }

    fn spends(&self) -> [(Rule, &str); 2] {
        [
            (Rule::SignInFailuresPerEmail, self.login.as_str()),
            (Rule::SignInFailuresPerAddress, self.address.as_str()),
        ]
    }

    /// The credential was right: the attempt does not count.
    pub(super) async fn passed(self) {
        self.domain.throttle().refund_each(&self.spends()).await;
    }
}

/// Whose failed sign-ins a check counts: the login's own (by id, however its email was
/// typed: the database may match `İan@…` to `ian@…`), or, when no login has the email,
/// the email as typed.
pub(super) fn throttled_login(user: Option<&user::Model>, typed_email: &str) -> String {
    match user {
        Some(user) => format!("user:{}", user.id),
        None => typed_email.trim().to_lowercase(),
    }
}

impl AuthService<'_> {
    /// Proves who is signing in: `user`'s password (`None` when no login has the email
    /// typed: the check costs the same, and fails), then their second factor when they
    /// have one — one attempt under the sign-in throttles. A wrong password answers
    /// `wrong()`; a missing or wrong code, UNAUTHENTICATED with reason TOTP_REQUIRED.
    pub(crate) async fn prove(
        &self,
        user: Option<user::Model>,
        typed_email: &str,
        proof: Proof<'_>,
        meta: &RequestMeta,
        wrong: impl FnOnce() -> DomainError,
    ) -> Result<user::Model> {
        let stats = self.domain.stats();
        let attempt = match Attempt::begin(
            self.domain,
            throttled_login(user.as_ref(), typed_email),
            meta,
        )
        .await
        {
            Ok(attempt) => attempt,
            Err(refused) => {
                stats.sign_in(SignIn::Throttled);
                return Err(refused);
            }
        };
        let verified = self
            .domain
            .passwords()
            .verify(
                proof.password,
                user.as_ref().map(|u| u.password_hash.as_str()),
            )
            .await?;
        let user = match user {
            Some(user) if verified => user,
            _ => {
                stats.sign_in(SignIn::Failed);
                return Err(wrong());
            }
        };
        if let Err(err) = self.second_factor(&user, proof.totp_code).await {
            stats.sign_in(SignIn::Failed);
            return Err(err);
        }
        attempt.passed().await;
        stats.sign_in(SignIn::Succeeded);
        Ok(user)
    }

    /// Checks the signed-in actor's current password, for an operation that asks for
    /// it (changing it, removing a contact, transferring ownership, turning two-factor
    /// sign-in on or off): one attempt under the sign-in throttles. Wrong:
    /// BAD_USER_INPUT on `currentPassword`.
    pub async fn verify_password(&self, actor: &Actor, password: &str) -> Result<user::Model> {
        let user = self.user(actor).await?;
        let attempt =
            Attempt::begin(self.domain, throttled_login(Some(&user), ""), &actor.meta).await?;
        if !self
            .domain
            .passwords()
            .verify(password, Some(&user.password_hash))
            .await?
        {
            return Err(DomainError::bad_input(
                "currentPassword",
                "the current password is incorrect",
            ));
        }
        attempt.passed().await;
        Ok(user)
    }

    /// Checks a code from the signed-in actor's authenticator app (or a recovery code)
    /// for an operation that asks for one: one attempt under the sign-in throttles.
    /// Wrong: BAD_USER_INPUT on `code`.
    pub(crate) async fn verify_second_factor(
        &self,
        actor: &Actor,
        user: &user::Model,
        code: &str,
    ) -> Result<()> {
        let attempt =
            Attempt::begin(self.domain, throttled_login(Some(user), ""), &actor.meta).await?;
        self.second_factor(user, Some(code))
            .await
            .map_err(|_| DomainError::bad_input("code", "the code is wrong or was used already"))?;
        attempt.passed().await;
        Ok(())
    }

    /// Checks a code from a secret being enrolled (`confirmTotp`): one attempt under
    /// the sign-in throttles, like any other code. The step it was right for, or
    /// BAD_USER_INPUT on `code`.
    pub(crate) async fn verify_enrolment_code(
        &self,
        actor: &Actor,
        user: &user::Model,
        check: impl FnOnce() -> Option<i64>,
    ) -> Result<i64> {
        let attempt =
            Attempt::begin(self.domain, throttled_login(Some(user), ""), &actor.meta).await?;
        let step = check().ok_or_else(|| DomainError::bad_input("code", "the code is wrong"))?;
        attempt.passed().await;
        Ok(step)
    }
}

/// Opens a session for `user`, who proved who they are, in `change`: placed in
/// `current_account_id`, and, from a device they have not used before (their first
/// ever excepted), a new-sign-in email. `passkey_id`: the passkey they proved it with.
pub(crate) async fn open_session(
    change: &mut Change<'_>,
    user: &user::Model,
    current_account_id: Option<i64>,
    meta: RequestMeta,
    passkey_id: Option<i64>,
) -> Result<SignedIn> {
    if security_notices::unseen_device(change, user.id, &meta).await? {
        security_notices::send(
            change,
            &user.email,
            &user.first_name,
            SecurityNotice::NewSignIn(&meta),
        )
        .await?;
    }
    store::sessions::open(
        change.conn(),
        user,
        current_account_id,
        change.now(),
        change.session_ttl(),
        meta,
        passkey_id,
    )
    .await
}

/// Opens a session for `user` (see [`open_session`]) placed in their account when they
/// have exactly one; with several, they pick one with `switchAccount`.
pub(crate) async fn placed_session(
    change: &mut Change<'_>,
    user: &user::Model,
    meta: RequestMeta,
    passkey_id: Option<i64>,
) -> Result<SignedIn> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let memberships = crate::entities::contact::Entity::find()
        .filter(crate::entities::contact::Column::UserId.eq(user.id))
        .all(change.conn())
        .await?;
    let current = match memberships.as_slice() {
        [only] => Some(only.account_id),
        _ => None,
    };
    open_session(change, user, current, meta, passkey_id).await
}
