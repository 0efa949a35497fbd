//! Retention: what has expired is not kept for ever. Sessions (and API tokens),
//! invitations that were never accepted, password-reset and export links, and passkey ceremonies
//! are deleted once they have been over for the retention period (`RETENTION_DAYS`,
//! 30 by default), and in the email history older than that, the addresses of people no
//! longer in the account become pseudonyms. Every instance sweeps; each batch is a conditional delete, so two
//! instances sweeping at once delete each row once between them.

use chrono::Duration;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::entities::invitation::InvitationStatus;
use crate::entities::{export_link, invitation, passkey_challenge, password_reset, session};
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
    pub export_links: u64,
    pub passkey_ceremonies: u64,
    /// Emails past the retention period whose recipients were settled (the addresses
    /// of people no longer in the account pseudonymised).
    pub emails_settled: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.sessions
            + self.invitations
            + self.password_resets
            + self.export_links
            + self.passkey_ceremonies
            + self.emails_settled
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
    /// hour, an export link past its day; and passkey ceremonies past their five
    /// minutes.
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
        let export_links = self
            .in_batches(|| {
                export_link::Entity::delete_many().filter(
                    export_link::Column::Id.in_subquery(
                        Query::select()
                            .column(export_link::Column::Id)
                            .from(export_link::Entity)
                            .and_where(Expr::col(export_link::Column::ExpiresAt).lt(cutoff))
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
        let emails_settled = self.settle_recipients(cutoff).await?;
        Ok(Purged {
            sessions,
            invitations,
            password_resets,
            export_links,
            passkey_ceremonies,
            emails_settled,
        })
    }

    /// The email history older than `cutoff`: each address that is no longer a contact
    /// of the email's account (nor, for an email of no account, a login) becomes
    /// `erased-<hash>@invalid`, the same for the same address, so the history still
    /// shows how many people an email went to and which went to the same one. Each email
    /// is settled once (a conditional write); how many were.
    async fn settle_recipients(&self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<u64> {
        use std::collections::{HashMap, HashSet};

        use crate::entities::{contact, email, user};
        use sea_orm::{QueryOrder, QuerySelect};
        let db = self.domain.db();
        let mut settled = 0;
        loop {
            let batch = email::Entity::find()
                .filter(email::Column::RecipientsSettled.eq(false))
                .filter(email::Column::CreatedAt.lt(cutoff))
                // One still to be sent keeps its addresses.
                .filter(email::Column::Status.ne(email::EmailStatus::Queued))
                .order_by_asc(email::Column::Id)
                .limit(BATCH)
                .all(db)
                .await?;
            let addresses_of = |sent: &email::Model| -> Vec<String> {
                serde_json::from_value(sent.to_addresses.clone()).unwrap_or_default()
            };
            let mut present: HashMap<Option<i64>, HashSet<String>> = HashMap::new();
            for sent in &batch {
                let Some(account_id) = sent.account_id else {
                    continue;
                };
                if present.contains_key(&sent.account_id) {
                    continue;
                }
                let emails: Vec<Option<String>> = contact::Entity::find()
                    .select_only()
                    .column(contact::Column::Email)
                    .filter(contact::Column::AccountId.eq(account_id))
                    .into_tuple()
                    .all(db)
                    .await?;
                let known = emails.into_iter().flatten().map(|e| e.to_lowercase());
                present.insert(sent.account_id, known.collect());
            }
            // An email of no account (a security notice) went to a login: of the batch's
            // such addresses, the ones that still are one.
            let unattached: HashSet<String> = batch
                .iter()
                .filter(|sent| sent.account_id.is_none())
                .flat_map(addresses_of)
                .map(|a| a.to_lowercase())
                .collect();
            if !unattached.is_empty() {
                let logins: Vec<String> = user::Entity::find()
                    .select_only()
                    .column(user::Column::Email)
                    .filter(
                        Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(
                            user::Column::Email,
                        )))
                        .is_in(unattached),
                    )
                    .into_tuple()
                    .all(db)
                    .await?;
                present.insert(None, logins.into_iter().map(|e| e.to_lowercase()).collect());
            }
            for sent in &batch {
                let nobody = HashSet::new();
                let known = present.get(&sent.account_id).unwrap_or(&nobody);
                let kept: Vec<String> = addresses_of(sent)
                    .into_iter()
                    .map(|address| {
                        if known.contains(&address.to_lowercase()) || address.ends_with("@invalid")
                        {
                            address
                        } else {
                            pseudonym(&address)
                        }
                    })
                    .collect();
                settled += email::Entity::update_many()
                    .col_expr(
                        email::Column::ToAddresses,
                        Expr::value(serde_json::json!(kept)),
                    )
                    .col_expr(email::Column::RecipientsSettled, Expr::value(true))
                    .filter(email::Column::Id.eq(sent.id))
                    .filter(email::Column::RecipientsSettled.eq(false))
                    .exec(db)
                    .await?
                    .rows_affected;
            }
            if (batch.len() as u64) < BATCH {
                return Ok(settled);
            }
        }
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

/// `erased-<first 12 hex of SHA-256 of the address, lower-cased>@invalid`: the same
/// person, the same pseudonym; no way back to the address.
pub fn pseudonym(address: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(address.trim().to_lowercase().as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("erased-{hex}@invalid")
}
