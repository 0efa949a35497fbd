//! Retention: what has expired is not kept for ever. Sessions (and API tokens),
//! invitations that were never accepted, password-reset links and passkey ceremonies
//! are deleted once they have been over for the retention period (`RETENTION_DAYS`,
//! 30 by default). Every instance sweeps; each batch is a conditional delete, so two
//! instances sweeping at once delete each row once between them.

use chrono::Duration;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::entities::invitation::InvitationStatus;
use crate::entities::{invitation, passkey_challenge, password_reset, session};
use crate::{Domain, Result};

/// Rows deleted per statement: a large backlog goes in steps, none holding the
/// database for long.
const BATCH: u64 = 500;

/// What one purge deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub invitations: u64,
    pub password_resets: u64,
    pub passkey_ceremonies: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.sessions + self.invitations + self.password_resets + self.passkey_ceremonies
    }
}

pub struct RetentionService<'a> {
    domain: &'a Domain,
}

impl Domain {
    pub fn retention(&self) -> RetentionService<'_> {
        RetentionService { domain: self }
    }
}

impl RetentionService<'_> {
    /// Deletes what has been over for longer than the retention period: a session past
    /// its absolute end or unused past its idle timeout, an invitation expired or
    /// revoked (an accepted one is the membership's history), a reset link past its
    /// hour; and passkey ceremonies past their five minutes.
    pub async fn purge(&self) -> Result<Purged> {
        let now = self.domain.now();
        let config = self.domain.config();
        let cutoff = now - to_chrono(config.retention);
        let idle = to_chrono(config.session_idle_timeout);
        let session_over = Expr::col(session::Column::ExpiresAt).lt(cutoff).or(
            // A person's session ends unused after the idle timeout (a token does not).
            Expr::col(session::Column::ApiTokenName).is_null().and(
                Expr::expr(
                    Expr::col(session::Column::LastSeenAt)
                        .if_null(Expr::col(session::Column::CreatedAt)),
                )
                .lt(cutoff - idle),
            ),
        );
        let sessions = self
            .in_batches(|| {
                session::Entity::delete_many().filter(
                    session::Column::Id.in_subquery(
                        Query::select()
                            .column(session::Column::Id)
                            .from(session::Entity)
                            .cond_where(session_over.clone())
                            .limit(BATCH)
                            .to_owned(),
                    ),
                )
            })
            .await?;
        let invitations = self
            .in_batches(|| {
                invitation::Entity::delete_many().filter(
                    invitation::Column::Id.in_subquery(
                        Query::select()
                            .column(invitation::Column::Id)
                            .from(invitation::Entity)
                            .and_where(Expr::col(invitation::Column::ExpiresAt).lt(cutoff))
                            .and_where(
                                Expr::col(invitation::Column::Status)
                                    .ne(InvitationStatus::Accepted),
                            )
                            .limit(BATCH)
                            .to_owned(),
                    ),
                )
            })
            .await?;
        let password_resets = self
            .in_batches(|| {
                password_reset::Entity::delete_many().filter(
                    password_reset::Column::Id.in_subquery(
                        Query::select()
                            .column(password_reset::Column::Id)
                            .from(password_reset::Entity)
                            .and_where(Expr::col(password_reset::Column::ExpiresAt).lt(cutoff))
                            .limit(BATCH)
                            .to_owned(),
                    ),
                )
            })
            .await?;
        let passkey_ceremonies = passkey_challenge::Entity::delete_many()
            .filter(passkey_challenge::Column::ExpiresAt.lt(now))
            .exec(self.domain.db())
            .await?
            .rows_affected;
        Ok(Purged {
            sessions,
            invitations,
            password_resets,
            passkey_ceremonies,
        })
    }

    /// Runs the delete `batch` makes until one deletes less than a whole batch; how
    /// many rows went.
    async fn in_batches<E: EntityTrait>(
        &self,
        batch: impl Fn() -> sea_orm::DeleteMany<E>,
    ) -> Result<u64> {
        let mut deleted = 0;
        loop {
            let gone = batch().exec(self.domain.db()).await?.rows_affected;
            deleted += gone;
            if gone < BATCH {
                return Ok(deleted);
            }
        }
    }
}

fn to_chrono(duration: std::time::Duration) -> Duration {
    Duration::from_std(duration).unwrap_or(Duration::days(30))
}
