//! Passwords: checking the current one, changing it, and resetting it from an emailed
//! link. A new password ends the user's other sessions.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::AuthService;
use crate::audit::{AuditAction, AuditActor, AuditRecord};
use crate::change::Change;
use crate::emails::{self, Email};
use crate::entities::{password_reset, session, user};
use crate::events::Notice;
use crate::outbox::Outgoing;
use crate::throttle::Rule;
use crate::{Actor, DomainError, RequestMeta, Result, store, tokens, validate};

const BAD_RESET_LINK: &str = "this password reset link is invalid or has expired";

impl AuthService<'_> {
    /// Changes the actor's password after checking the current one; every other session
    /// of theirs ends.
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> Result<()> {
        validate::new_password("newPassword", new)?;
        self.verify_password(actor, current).await?;
        let hash = self.domain.passwords().hash(new).await?;

        let user_id = actor.user_id;
        let mut change = Change::begin(self.domain).await?;
        store::users::set_password(&change, user_id, hash).await?;
        // The other sessions end; API tokens are not sessions of the person: they stay.
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::Id.ne(actor.session_id))
            .filter(session::Column::ApiTokenName.is_null())
            .exec(change.conn())
            .await?;
        change.notify(Notice::AccessChanged { user_id });
        super::security_notices::send(
            &mut change,
            &actor.email,
            &actor.first_name,
            super::security_notices::SecurityNotice::PasswordChanged,
        )
        .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::UserChangePassword).target("user", user_id),
            )
            .await
    }

    /// Emails a reset link if the address belongs to a user. Answers the same, at once,
    /// whether or not it does: the work happens in the background so neither the
    /// answer nor its timing reveals which emails have logins.
    ///
    /// Throttled per email and per client address, whether or not the email has a
    /// login, so the throttle reveals nothing either.
    pub async fn request_password_reset(&self, email: &str, meta: RequestMeta) -> Result<()> {
        // Only the shape is checked here; it says nothing about who has a login.
        validate::plain("email", email, validate::MAX_EMAIL_LEN)?;
        let email = email.trim().to_owned();
        self.domain
            .throttle()
            .spend_each(&[
                (Rule::ResetRequestsPerEmail, &email),
                (Rule::ResetRequestsPerAddress, meta.address()),
            ])
            .await?;
        let domain = self.domain.clone();
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
        let now = self.domain.now();
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
            .email(Outgoing::transactional(
                &user.email,
                None,
                Email::PasswordReset(emails::PasswordReset {
                    first_name: user.first_name.clone(),
                    link: format!("{}/reset-password/{token}", self.domain.config().public_url),
                    ttl_minutes: ttl.as_secs() / 60,
                }),
            ))
            .await?;
        change
            .commit(
                AuditActor::user(user.id, &user.email, meta),
                AuditRecord::new(AuditAction::UserRequestPasswordReset).target("user", user.id),
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
            .filter(|r| r.used_at.is_none() && r.expires_at > self.domain.now())
            .ok_or_else(bad_link)?;
        let hash = self.domain.passwords().hash(new).await?;

        let mut change = Change::begin(self.domain).await?;
        // Claim the link; of two concurrent uses, only one sees it unused.
        let claimed = password_reset::Entity::update_many()
            .col_expr(
                password_reset::Column::UsedAt,
                Expr::value(self.domain.now()),
            )
            .filter(password_reset::Column::Id.eq(reset.id))
            .filter(password_reset::Column::UsedAt.is_null())
            .exec(change.conn())
            .await?;
        if claimed.rows_affected != 1 {
            return Err(bad_link());
        }
        store::users::set_password(&change, reset.user_id, hash).await?;
        // A reset recovers a lost or taken password: every session ends, and every API
        // token with them (a change of password keeps the tokens).
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(reset.user_id))
            .exec(change.conn())
            .await?;
        let user = user::Entity::find_by_id(reset.user_id)
            .one(change.conn())
            .await?
            .ok_or_else(bad_link)?;
        change.notify(Notice::AccessChanged { user_id: user.id });
        super::security_notices::send(
            &mut change,
            &user.email,
            &user.first_name,
            super::security_notices::SecurityNotice::PasswordChanged,
        )
        .await?;
        change
            .commit(
                AuditActor::user(user.id, &user.email, &meta),
                AuditRecord::new(AuditAction::UserResetPassword).target("user", user.id),
            )
            .await
    }
}
