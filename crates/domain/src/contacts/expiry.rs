//! Temporary access ending by itself. Every instance sweeps every few seconds
//! (`ContactService::end_expired_access`); each contact whose time has come loses its
//! login link in a change of its own, claimed by a conditional write so that of several
//! instances sweeping at once exactly one ends it, audits it (`contact.access_expired`)
//! and tells the account's GENERAL recipients. The card stays; the member's sessions
//! leave the account and their open streams close, on every instance.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::ContactService;
use crate::access::lock_account;
use crate::audit::{AuditAction, AuditActor, AuditRecord};
use crate::auth::security_notices::{self, SecurityNotice};
use crate::change::Change;
use crate::emails::{self, Email};
use crate::entities::{account, contact};
use crate::events::EventKind;
use crate::notifications::{Concerns, Notification};
use crate::{DomainError, Result, store};

/// Contacts ended per sweep at most; the rest wait for the next one.
const BATCH: u64 = 100;

impl ContactService<'_> {
    /// Ends every temporary access whose time has come; returns how many this call
    /// ended (another instance may have ended some of those it found).
    pub async fn end_expired_access(&self) -> Result<usize> {
        let now = self.domain.now();
        let due = contact::Entity::find()
            .filter(contact::Column::AccessExpiresAt.lte(now))
            .filter(contact::Column::UserId.is_not_null())
            .limit(BATCH)
            .all(self.domain.db())
            .await?;
        let mut ended = 0;
        for found in due {
            if self.end_access(found, now).await? {
                ended += 1;
            }
        }
        Ok(ended)
    }

    /// Warns, once, each holder of temporary access that ends within a day; returns
    /// how many this call warned.
    pub async fn warn_expiring_access(&self) -> Result<usize> {
        let now = self.domain.now();
        let soon = now + chrono::Duration::days(1);
        let due = contact::Entity::find()
            .filter(contact::Column::AccessExpiresAt.gt(now))
            .filter(contact::Column::AccessExpiresAt.lte(soon))
            .filter(contact::Column::AccessExpiryWarnedAt.is_null())
            .filter(contact::Column::UserId.is_not_null())
            .filter(contact::Column::Email.is_not_null())
            .limit(BATCH)
            .all(self.domain.db())
            .await?;
        let mut warned = 0;
        for found in due {
            let (Some(email), Some(ends)) = (&found.email, found.access_expires_at) else {
                continue;
            };
            let mut change = Change::begin(self.domain).await?;
            // Once, whichever instance gets there first.
            let claimed = contact::Entity::update_many()
                .col_expr(contact::Column::AccessExpiryWarnedAt, Expr::value(now))
                .filter(contact::Column::Id.eq(found.id))
                .filter(contact::Column::AccessExpiryWarnedAt.is_null())
                .filter(contact::Column::AccessExpiresAt.eq(ends))
                .exec(change.conn())
                .await?;
            if claimed.rows_affected != 1 {
                continue;
            }
            let account = account::Entity::find_by_id(found.account_id)
                .one(change.conn())
                .await?
                .ok_or(DomainError::NotFound("account"))?;
            security_notices::send(
                &mut change,
                email,
                &found.first_name,
                SecurityNotice::AccessEnding {
                    account_name: &account.name,
                    at: ends,
                },
            )
            .await?;
            change
                .commit(
                    AuditActor::system(),
                    AuditRecord::new(AuditAction::ContactAccessExpiryWarned)
                        .account(found.account_id)
                        .target("contact", found.id),
                )
                .await?;
            warned += 1;
        }
        Ok(warned)
    }

    async fn end_access(
        &self,
        found: contact::Model,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        let Some(user_id) = found.user_id else {
            return Ok(false);
        };
        let mut change = Change::begin(self.domain).await?;
        lock_account(change.conn(), found.account_id).await?;
        // Still due and still this login's: the claim. Someone may have extended it, or
        // another instance ended it, meanwhile.
        let claimed = contact::Entity::update_many()
            .col_expr(contact::Column::UserId, Expr::value(Option::<i64>::None))
            .col_expr(contact::Column::UpdatedAt, Expr::value(now))
            .filter(contact::Column::Id.eq(found.id))
            .filter(contact::Column::UserId.eq(user_id))
            .filter(contact::Column::AccessExpiresAt.lte(now))
            .exec(change.conn())
            .await?;
        if claimed.rows_affected != 1 {
            return Ok(false);
        }
        let ended = contact::Entity::find_by_id(found.id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("contact"))?;
        store::sessions::end_membership(change.conn(), user_id, ended.account_id).await?;
        change.event(EventKind::PortalAccessChanged, &ended).await?;
        change.access_changed(Some(user_id));
        change
            .notify_contacts(Notification {
                account_id: ended.account_id,
                category: "GENERAL",
                email: Email::AccountUpdated(emails::AccountUpdated {
                    change: "access_expired",
                    contact: Some(emails::Named {
                        name: format!("{} {}", ended.first_name, ended.last_name),
                    }),
                }),
                amounts: None,
                author: None,
                concerns: Concerns::Account,
            })
            .await?;
        change
            .commit(
                AuditActor::system(),
                AuditRecord::new(AuditAction::ContactAccessExpired)
                    .account(ended.account_id)
                    .target("contact", ended.id),
            )
            .await?;
        Ok(true)
    }
}
