//! Exports (SPEC "Personal data"): a person's copy of everything held about them
//! (`requestDataExport`), and an account's records for its manager (`exportAccount`).
//!
//! Both are asked for through the API (the door: a signed-in person, throttled) and
//! answered by email with a single-use link that lives 24 hours. The link's download
//! (`GET /exports/{token}`) takes it in one conditional write, checks again that its
//! login may still have what it names, then builds the document as it is sent
//! ([`document`]): nothing is stored but the link's hash.

pub mod document;

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::access::{Access, standing_on};
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::emails::{self, Email};
use crate::entities::{export_link, user};
use crate::outbox::Outgoing;
use crate::permissions::Permission;
use crate::throttle::Rule;
use crate::{Actor, Domain, DomainError, Result, tokens};

/// How long an export link works.
pub const LINK_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// What an opened link exports.
#[derive(Debug)]
pub enum Export {
    /// Everything held about this login.
    Personal(Box<user::Model>),
    /// An account's records, for a login that still manages it.
    Account(Box<Access>),
}

pub struct ExportService<'a> {
    domain: &'a Domain,
}

impl Domain {
    pub fn exports(&self) -> ExportService<'_> {
        ExportService { domain: self }
    }
}

impl ExportService<'_> {
    /// Emails the signed-in person a link to a copy of their personal data.
    pub async fn request_personal(&self, actor: &Actor) -> Result<()> {
        self.spend(actor).await?;
        let change = Change::begin(self.domain).await?;
        self.send_link(change, actor, None).await
    }

    /// Emails the actor (MANAGE_ACCOUNT) a link to the account's records.
    pub async fn request_account(&self, actor: &Actor, account_id: i64) -> Result<()> {
        // The permission before the throttle: a refusal spends nothing.
        self.domain
            .access(actor, account_id, "account")
            .await?
            .require(Permission::ManageAccount)?;
        self.spend(actor).await?;
        let (change, access) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::ManageAccount,
            "account",
        )
        .await?;
        access.require(Permission::ManageAccount)?;
        self.send_link(change, actor, Some(access.account())).await
    }

    async fn spend(&self, actor: &Actor) -> Result<()> {
        self.domain
            .throttle()
            .spend_each(&[(Rule::ExportsPerUser, &actor.user_id.to_string())])
            .await
    }

    async fn send_link(
        &self,
        mut change: Change<'_>,
        actor: &Actor,
        account: Option<&crate::entities::account::Model>,
    ) -> Result<()> {
        let (token, token_hash) = tokens::generate();
        let now = self.domain.now();
        export_link::ActiveModel {
            token_hash: Set(token_hash),
            user_id: Set(actor.user_id),
            account_id: Set(account.map(|a| a.id)),
            created_at: Set(now),
            expires_at: Set(now + Duration::from_std(LINK_TTL).unwrap_or(Duration::hours(24))),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(change.conn())
        .await?;
        change
            .email(Outgoing::transactional(
                &actor.email,
                account.map(|a| a.id),
                Email::DataExport(emails::DataExport {
                    first_name: actor.first_name.clone(),
                    account_name: account.map(|a| a.name.clone()),
                    link: format!("{}/exports/{token}", self.domain.config().public_url),
                    ttl_hours: LINK_TTL.as_secs() / 3600,
                }),
            ))
            .await?;
        let record = match account {
            Some(account) => AuditRecord::new(AuditAction::AccountExport).account(account.id),
            None => AuditRecord::new(AuditAction::UserRequestDataExport),
        };
        change
            .commit(actor.into(), record.target("user", actor.user_id))
            .await
    }

    /// Takes the link of `token`: once, within its 24 hours (else NOT_FOUND, the same
    /// for a link used, expired or never made). Its login must still exist, and for an
    /// account's export still manage the account (else FORBIDDEN).
    pub async fn open(&self, token: &str) -> Result<Export> {
        let db = self.domain.db();
        let now = self.domain.now();
        let link = export_link::Entity::find()
            .filter(export_link::Column::TokenHash.eq(tokens::hash(token)))
            .one(db)
            .await?
            .ok_or(DomainError::NotFound("export link"))?;
        let taken = export_link::Entity::update_many()
            .col_expr(export_link::Column::UsedAt, Expr::value(now))
            .filter(export_link::Column::Id.eq(link.id))
            .filter(export_link::Column::UsedAt.is_null())
            .filter(export_link::Column::ExpiresAt.gt(now))
            .exec(db)
            .await?;
        if taken.rows_affected != 1 {
            return Err(DomainError::NotFound("export link"));
        }
        let login = user::Entity::find_by_id(link.user_id)
            .one(db)
            .await?
            .ok_or(DomainError::NotFound("export link"))?;
        match link.account_id {
            None => Ok(Export::Personal(Box::new(login))),
            Some(account_id) => {
                let access = standing_on(db, &login, account_id)
                    .await?
                    .filter(|access| access.has(Permission::ManageAccount))
                    .ok_or_else(|| crate::access::forbidden(Permission::ManageAccount))?;
                Ok(Export::Account(Box::new(access)))
            }
        }
    }
}
