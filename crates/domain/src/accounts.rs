//! Accounts and memberships: who belongs where.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::audit::AuditRecord;
use crate::change::Change;
use crate::entities::{account, contact, user};
use crate::events::EventKind;
use crate::notifications::Notification;
use crate::throttle::Rule;

use crate::permissions::{Permission, Role};
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
        self.domain
            .throttle()
            .spend_each(&[(Rule::AccountsOpenedPerAddress, actor.meta.address())])
            .await?;
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
            &crate::notifications::defaults_for(change.conn(), Role::Owner).await?,
        )
        .await?;
        change.event(EventKind::Created, &owner).await?;
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
        Ok(self
            .domain
            .access(actor, account_id, "account")
            .await?
            .account)
    }

    /// The owner's (or staff's) security settings of the account: whether its members
    /// must sign in with two factors. Turning it on needs the owner's own second factor
    /// first (they would lock themselves out otherwise).
    pub async fn set_security(
        &self,
        actor: &Actor,
        account_id: i64,
        require_two_factor: bool,
    ) -> Result<account::Model> {
        let (change, _) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::TransferOwnership,
            "account",
        )
        .await?;
        if require_two_factor && !actor.two_factor && !actor.is_staff {
            return Err(DomainError::forbidden_until(
                "TWO_FACTOR_REQUIRED",
                "turn on two-factor sign-in for yourself first (enrollTotp)",
            ));
        }
        let account = sea_orm::ActiveModelTrait::update(
            account::ActiveModel {
                id: sea_orm::Set(account_id),
                require_two_factor: sea_orm::Set(require_two_factor),
                updated_at: sea_orm::Set(Utc::now()),
                ..Default::default()
            },
            change.conn(),
        )
        .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new("account.set_security")
                    .account(account_id)
                    .target("account", account_id),
            )
            .await?;
        Ok(account)
    }

    /// Makes another contact with portal access the account's owner; the previous owner
    /// stays on as ADMIN. Needs the actor's password. The account's GENERAL recipients
    /// hear of it.
    pub async fn transfer_ownership(
        &self,
        actor: &Actor,
        contact_id: i64,
        current_password: &str,
    ) -> Result<account::Model> {
        let (target, _) = self
            .domain
            .contacts()
            .load(
                self.domain.db(),
                actor,
                contact_id,
                Permission::TransferOwnership,
            )
            .await?;
        check_new_owner(&target)?;
        self.domain
            .auth()
            .check_actor_password(actor, current_password)
            .await?;

        let (mut change, _, target) = Change::on_contact(
            self.domain,
            actor,
            contact_id,
            Permission::TransferOwnership,
        )
        .await?;
        check_new_owner(&target)?;
        let now = Utc::now();
        let previous_owner = contact::Entity::find()
            .filter(contact::Column::AccountId.eq(target.account_id))
            .filter(contact::Column::IsPrimary.eq(true))
            .one(change.conn())
            .await?;
        // Demote first: the partial unique index allows one primary at a time.
        contact::Entity::update_many()
            .col_expr(contact::Column::IsPrimary, Expr::value(false))
            .col_expr(contact::Column::Role, Expr::value(Role::Admin.as_str()))
            .col_expr(contact::Column::Permissions, Expr::value(json!([])))
            .col_expr(contact::Column::UpdatedAt, Expr::value(now))
            .filter(contact::Column::AccountId.eq(target.account_id))
            .filter(contact::Column::IsPrimary.eq(true))
            .exec(change.conn())
            .await?;
        // Promote only a contact that still has its login: exactly one row, or nothing.
        let promoted = contact::Entity::update_many()
            .col_expr(contact::Column::IsPrimary, Expr::value(true))
            .col_expr(contact::Column::Role, Expr::value(Role::Owner.as_str()))
            .col_expr(contact::Column::Permissions, Expr::value(json!([])))
            .col_expr(contact::Column::UpdatedAt, Expr::value(now))
            .filter(contact::Column::Id.eq(target.id))
            .filter(contact::Column::UserId.is_not_null())
            .exec(change.conn())
            .await?;
        if promoted.rows_affected != 1 {
            return Err(DomainError::conflict(
                "the new owner changed meanwhile; reload and try again",
            ));
        }
        let account = account::Entity::find_by_id(target.account_id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("account"))?;
        // Both cards changed: the former owner is ADMIN now, the new one OWNER.
        let changed_ids = previous_owner.iter().map(|p| p.id).chain([target.id]);
        for changed in contact::Entity::find()
            .filter(contact::Column::Id.is_in(changed_ids))
            .order_by_asc(contact::Column::Id)
            .all(change.conn())
            .await?
        {
            change.event(EventKind::Updated, &changed).await?;
        }
        // Both people's permissions changed.
        for person in previous_owner.iter().chain([&target]) {
            change.access_changed(person.user_id);
        }
        change
            .notify_contacts(account_updated(account.id, "owner", Some(&target)))
            .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new("account.transfer_ownership")
                    .account(account.id)
                    .target("contact", target.id),
            )
            .await?;
        Ok(account)
    }

    /// Names the contact printed on the account's invoices, or clears it; the account's
    /// GENERAL recipients hear of a change.
    pub async fn set_billing_contact(
        &self,
        actor: &Actor,
        account_id: i64,
        contact_id: Option<i64>,
    ) -> Result<account::Model> {
        let (mut change, _) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::ManageAccount,
            "account",
        )
        .await?;
        let billing_contact = match contact_id {
            Some(contact_id) => Some(
                contact::Entity::find_by_id(contact_id)
                    .filter(contact::Column::AccountId.eq(account_id))
                    .one(change.conn())
                    .await?
                    .ok_or(DomainError::NotFound("contact"))?,
            ),
            None => None,
        };
        let previous = account::Entity::find_by_id(account_id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("account"))?
            .billing_contact_id;
        account::Entity::update_many()
            .col_expr(account::Column::BillingContactId, Expr::value(contact_id))
            .col_expr(account::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(account::Column::Id.eq(account_id))
            .exec(change.conn())
            .await?;
        let mut record = AuditRecord::new("account.set_billing_contact").account(account_id);
        if let Some(id) = contact_id {
            record = record.target("contact", id);
        }
        let account = account::Entity::find_by_id(account_id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("account"))?;
        if previous != contact_id {
            change
                .notify_contacts(account_updated(
                    account_id,
                    "billing_contact",
                    billing_contact.as_ref(),
                ))
                .await?;
        }
        change.commit(actor.into(), record).await?;
        Ok(account)
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

    /// The owner and the billing contact of each account (given with its
    /// `billing_contact_id`), in one query for all of them.
    pub async fn key_contacts(
        &self,
        accounts: &[(i64, Option<i64>)],
    ) -> Result<HashMap<i64, KeyContacts>> {
        let account_ids = accounts.iter().map(|(id, _)| *id);
        let billing_ids = accounts.iter().filter_map(|(_, billing)| *billing);
        let rows = contact::Entity::find()
            .filter(
                Condition::any()
                    .add(
                        contact::Column::AccountId
                            .is_in(account_ids)
                            .and(contact::Column::IsPrimary.eq(true)),
                    )
                    .add(contact::Column::Id.is_in(billing_ids)),
            )
            .all(self.domain.db())
            .await?;
        let mut found: HashMap<i64, KeyContacts> = HashMap::new();
        for &(account_id, billing_id) in accounts {
            let of_account = |c: &&contact::Model| c.account_id == account_id;
            found.insert(
                account_id,
                KeyContacts {
                    owner: rows
                        .iter()
                        .filter(of_account)
                        .find(|c| c.is_primary)
                        .cloned(),
                    billing: billing_id.and_then(|id| {
                        rows.iter().filter(of_account).find(|c| c.id == id).cloned()
                    }),
                },
            );
        }
        Ok(found)
    }
}

/// The people an account names: its owner (primary contact) and its billing contact.
#[derive(Clone, Debug, Default)]
pub struct KeyContacts {
    pub owner: Option<contact::Model>,
    pub billing: Option<contact::Model>,
}

/// An account's email about a change to it (`account_updated`, GENERAL): what changed
/// (`owner`, `billing_contact`) and who it names now, if anyone.
fn account_updated(
    account_id: i64,
    what: &str,
    contact: Option<&contact::Model>,
) -> Notification<'static> {
    Notification {
        account_id,
        category: "GENERAL",
        template: "account_updated",
        data: json!({
            "change": what,
            "contact": contact.map(|c| json!({ "name": format!("{} {}", c.first_name, c.last_name) })),
        }),
        amounts: None,
        author: None,
    }
}

fn check_new_owner(target: &contact::Model) -> Result<()> {
    if target.is_primary {
        return Err(DomainError::bad_input(
            "contactId",
            "this contact already owns the account",
        ));
    }
    if target.user_id.is_none() {
        return Err(DomainError::bad_input(
            "contactId",
            "the new owner needs portal access",
        ));
    }
    Ok(())
}
