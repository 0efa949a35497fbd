//! Accounts and memberships: who belongs where.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::audit::AuditRecord;
use crate::change::Change;
use crate::entities::{account, contact, user};
use crate::permissions::Role;
use crate::{Actor, Domain, DomainError, Result, store, validate};

pub struct AccountService<'a> {
    domain: &'a Domain,
}

/// A user's place in an account: the account and the contact that links them.
#[derive(Clone, Debug)]
pub struct Membership {
    pub account: account::Model,
    pub contact: contact::Model,
}

impl<'a> AccountService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// Creates an account whose owner (primary contact) is the signed-in user.
    pub async fn create(&self, actor: &Actor, name: &str) -> Result<account::Model> {
        let name = validate::name("name", name)?;
        let mut change = Change::begin(self.domain).await?;
        let owner = user::Entity::find_by_id(actor.user_id)
            .one(change.conn())
            .await?
            .ok_or_else(|| {
                DomainError::Unauthenticated("the signed-in user no longer exists".into())
            })?;
        let (account, owner) = store::accounts::insert_with_owner(
            change.conn(),
            &name,
            &owner,
            &crate::notifications::defaults_for(Role::Owner),
        )
        .await?;
        change.event(crate::events::CREATED, &owner).await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new("account.create")
                    .account(account.id)
                    .target("account", account.id),
            )
            .await?;
        Ok(account)
    }

    /// Every account the user is a member of, by name.
    pub async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>> {
        let rows = contact::Entity::find()
            .filter(contact::Column::UserId.eq(user_id))
            .find_also_related(account::Entity)
            .order_by_asc(account::Column::Name)
            .order_by_asc(account::Column::Id)
            .all(self.domain.db())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(contact, account)| {
                Some(Membership {
                    account: account?,
                    contact,
                })
            })
            .collect())
    }

    /// An account the actor may see: one they belong to, or any for staff. Anything
    /// else is `NotFound`, so other accounts' ids reveal nothing.
    pub async fn visible(&self, actor: &Actor, account_id: i64) -> Result<account::Model> {
        self.domain.access(actor, account_id, "account").await?;
        account::Entity::find_by_id(account_id)
            .one(self.domain.db())
            .await?
            .ok_or(DomainError::NotFound("account"))
    }

    /// A page of the account's email history, newest first (callers check VIEW_EMAILS).
    pub async fn emails(
        &self,
        account_id: i64,
        args: crate::pagination::PageArgs,
    ) -> Result<crate::pagination::Page<crate::entities::email::Model>> {
        crate::outbox::list(self.domain.db(), account_id, args).await
    }

    /// A page of the account's audit log, newest first (callers check VIEW_AUDIT_LOG).
    pub async fn audit_log(
        &self,
        account_id: i64,
        args: crate::pagination::PageArgs,
    ) -> Result<crate::pagination::Page<crate::entities::audit_entry::Model>> {
        crate::audit::list(self.domain.db(), account_id, args).await
    }

    /// Staff: every account, optionally those whose name contains `search`.
    pub async fn list(
        &self,
        actor: &Actor,
        search: Option<&str>,
        args: crate::pagination::PageArgs,
    ) -> Result<crate::pagination::Page<account::Model>> {
        use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
        crate::access::require_staff(actor)?;
        let mut select = account::Entity::find();
        if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
            validate::plain("search", search, validate::MAX_NAME_LEN)?;
            // `%` and `_` are literal here; ESCAPE is spelled out because SQLite has no
            // default escape character (PostgreSQL's is the backslash).
            let pattern = format!(
                "%{}%",
                search
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            select = select.filter(
                Func::lower(Expr::col(account::Column::Name))
                    .like(LikeExpr::new(pattern).escape('\\')),
            );
        }
        crate::pagination::page(
            self.domain.db(),
            select,
            account::Column::Id,
            args,
            crate::pagination::Order::OldestFirst,
        )
        .await
    }

    /// The primary contact of each account, for batched loading.
    pub async fn owners(&self, account_ids: &[i64]) -> Result<HashMap<i64, contact::Model>> {
        let rows = contact::Entity::find()
            .filter(contact::Column::AccountId.is_in(account_ids.iter().copied()))
            .filter(contact::Column::IsPrimary.eq(true))
            .all(self.domain.db())
            .await?;
        Ok(rows.into_iter().map(|c| (c.account_id, c)).collect())
    }
}
