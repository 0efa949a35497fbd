//! Accounts and memberships: who belongs where.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::access::{Access, access_on};
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::emails::{self, Email};
use crate::entities::{account, contact, session, user};
use crate::events::EventKind;
use crate::notifications::{Concerns, Notification};
use crate::throttle::Rule;

use crate::permissions::{Permission, Role};
use crate::{Actor, Domain, DomainError, Result, store, validate};

/// `setAccountSecurity`'s settings: `None` leaves one as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct AccountSecurity {
    pub require_two_factor: Option<bool>,
    pub allow_api_tokens: Option<bool>,
}

pub struct AccountService<'a> {
    domain: &'a Domain,
}

impl<'a> AccountService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// Creates an account whose owner (primary contact) is the signed-in user.
    pub async fn create(&self, actor: &Actor, name: &str) -> Result<Access> {
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
            &change,
            &name,
            &owner,
            &crate::notifications::defaults_for(change.conn(), Role::Owner, &Permission::ALL)
                .await?,
        )
        .await?;
        change.event(EventKind::Created, &owner).await?;
        let access = access_on(change.conn(), actor, account.id, "account").await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::AccountCreate)
                    .account(account.id)
                    .target("account", account.id),
            )
            .await?;
        Ok(access)
    }

    /// The actor's memberships: their access to every account they belong to, by name.
    pub async fn memberships(&self, actor: &Actor) -> Result<Vec<Access>> {
        crate::access::memberships_on(self.domain.db(), actor).await
    }

    /// The owner's (or staff's) security settings of the account: whether its members
    /// must sign in with two factors, and whether they may use API tokens. Requiring
    /// two factors needs the owner's own second factor first (they would lock
    /// themselves out otherwise); forbidding tokens revokes every one of the account's.
    pub async fn set_security(
        &self,
        actor: &Actor,
        account_id: i64,
        settings: AccountSecurity,
    ) -> Result<Access> {
        actor.person()?;
        let (mut change, _) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::TransferOwnership,
            "account",
        )
        .await?;
        if settings.require_two_factor == Some(true)
            && !actor.signed_in_with_two_factors()
            && !actor.is_staff
        {
            return Err(DomainError::forbidden_until(
                crate::Reason::TwoFactorRequired,
                "turn on two-factor sign-in for yourself first (enrollTotp)",
            ));
        }
        let set = |value: Option<bool>| value.map_or(sea_orm::NotSet, sea_orm::Set);
        sea_orm::ActiveModelTrait::update(
            account::ActiveModel {
                id: sea_orm::Set(account_id),
                require_two_factor: set(settings.require_two_factor),
                allow_api_tokens: set(settings.allow_api_tokens),
                updated_at: sea_orm::Set(self.domain.now()),
                ..Default::default()
            },
            change.conn(),
        )
        .await?;
        if settings.allow_api_tokens == Some(false) {
            session::Entity::delete_many()
                .filter(session::Column::CurrentAccountId.eq(account_id))
                .filter(session::Column::ApiTokenName.is_not_null())
                .exec(change.conn())
                .await?;
        }
        // Members without a second factor hold nothing here now: their open streams
        // re-check at once rather than at their next periodic check.
        let members = contact::Entity::find()
            .filter(contact::Column::AccountId.eq(account_id))
            .filter(contact::Column::UserId.is_not_null())
            .all(change.conn())
            .await?;
        for member in members {
            change.access_changed(member.user_id);
        }
        let access = access_on(change.conn(), actor, account_id, "account").await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::AccountSetSecurity)
                    .account(account_id)
                    .target("account", account_id),
            )
            .await?;
        Ok(access)
    }

    /// Makes another contact with portal access the account's owner; the previous owner
    /// stays on as ADMIN. Needs the actor's password. The account's GENERAL recipients
    /// hear of it.
    pub async fn transfer_ownership(
        &self,
        actor: &Actor,
        contact_id: i64,
        current_password: &str,
    ) -> Result<Access> {
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
            .verify_password(actor, current_password)
            .await?;

        let (mut change, _, target) = Change::on_contact(
            self.domain,
            actor,
            contact_id,
            Permission::TransferOwnership,
        )
        .await?;
        check_new_owner(&target)?;
        move_ownership(&mut change, &target).await?;
        let account = account::Entity::find_by_id(target.account_id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("account"))?;
        change
            .notify_contacts(account_updated(account.id, "owner", Some(&target)))
            .await?;
        let access = access_on(change.conn(), actor, account.id, "account").await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::AccountTransferOwnership)
                    .account(account.id)
                    .target("contact", target.id),
            )
            .await?;
        Ok(access)
    }

    /// Names the contact printed on the account's invoices, or clears it; the account's
    /// GENERAL recipients hear of a change.
    pub async fn set_billing_contact(
        &self,
        actor: &Actor,
        account_id: i64,
        contact_id: Option<i64>,
    ) -> Result<Access> {
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
            .col_expr(account::Column::UpdatedAt, Expr::value(self.domain.now()))
            .filter(account::Column::Id.eq(account_id))
            .exec(change.conn())
            .await?;
        let mut record =
            AuditRecord::new(AuditAction::AccountSetBillingContact).account(account_id);
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
        let access = access_on(change.conn(), actor, account.id, "account").await?;
        change.commit(actor.into(), record).await?;
        Ok(access)
    }

    /// A page of the account's email history, newest first (VIEW_EMAILS).
    pub async fn emails(
        &self,
        access: &Access,
        args: crate::pagination::PageArgs,
    ) -> Result<crate::pagination::Page<crate::entities::email::Model>> {
        access.require(Permission::ViewEmails)?;
        crate::outbox::list(self.domain.db(), access.account_id(), args).await
    }

    /// A page of the account's audit log, newest first (VIEW_AUDIT_LOG).
    pub async fn audit_log(
        &self,
        access: &Access,
        args: crate::pagination::PageArgs,
    ) -> Result<crate::pagination::Page<crate::entities::audit_entry::Model>> {
        access.require(Permission::ViewAuditLog)?;
        crate::audit::list(self.domain.db(), access, args).await
    }

    /// How many accounts the portal holds (tools: `seed-demo` fills only an empty one).
    pub async fn count(&self) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        Ok(account::Entity::find().count(self.domain.db()).await?)
    }

    /// Staff: every account, optionally those whose name contains `search`.
    pub async fn list(
        &self,
        actor: &Actor,
        search: Option<&str>,
        args: crate::pagination::PageArgs,
    ) -> Result<crate::pagination::Page<Access>> {
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
        let page = crate::pagination::page(
            self.domain.db(),
            select,
            account::Column::Id,
            args,
            crate::pagination::Order::OldestFirst,
        )
        .await?;
        page.try_map(|account| crate::access::as_staff(actor, account))
    }

    /// The owner and the billing contact of each account, in one query for all of them.
    pub async fn key_contacts(
        &self,
        accounts: &[KeyContactsOf],
    ) -> Result<HashMap<i64, KeyContacts>> {
        let accounts: Vec<(i64, Option<i64>)> = accounts
            .iter()
            .map(|k| (k.account_id, k.billing_contact_id))
            .collect();
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
        for &(account_id, billing_id) in &accounts {
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

/// Which account's owner and billing contact to read. Made only from an [`Access`]
/// the actor may use, so the batched read has no way around the door.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyContactsOf {
    account_id: i64,
    billing_contact_id: Option<i64>,
}

impl KeyContactsOf {
    pub fn account_id(&self) -> i64 {
        self.account_id
    }
}

impl Access {
    /// The key to read this account's owner and billing contact with, unless the
    /// actor is restricted here.
    pub fn key_contacts_of(&self) -> Result<KeyContactsOf> {
        let account = self.usable()?.account();
        Ok(KeyContactsOf {
            account_id: account.id,
            billing_contact_id: account.billing_contact_id,
        })
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
    what: &'static str,
    contact: Option<&contact::Model>,
) -> Notification<'static> {
    Notification {
        account_id,
        category: "GENERAL",
        email: Email::AccountUpdated(emails::AccountUpdated {
            change: what,
            contact: contact.map(|c| emails::Named {
                name: format!("{} {}", c.first_name, c.last_name),
            }),
        }),
        amounts: None,
        author: None,
        concerns: Concerns::Account,
    }
}

/// Makes `target` the account's primary contact (OWNER) and its primary until now an
/// ADMIN, in `change`: both cards' events, both people's streams told.
async fn move_ownership(change: &mut Change<'_>, target: &contact::Model) -> Result<()> {
    let now = change.now();
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
    // Promote only a contact that still has its login and no end to it: exactly one
    // row, or nothing.
    let promoted = contact::Entity::update_many()
        .col_expr(contact::Column::IsPrimary, Expr::value(true))
        .col_expr(contact::Column::Role, Expr::value(Role::Owner.as_str()))
        .col_expr(contact::Column::Permissions, Expr::value(json!([])))
        .col_expr(contact::Column::UpdatedAt, Expr::value(now))
        .filter(contact::Column::Id.eq(target.id))
        .filter(contact::Column::UserId.is_not_null())
        .filter(contact::Column::AccessExpiresAt.is_null())
        .exec(change.conn())
        .await?;
    if promoted.rows_affected != 1 {
        return Err(DomainError::conflict(
            "the new owner changed meanwhile; reload and try again",
        ));
    }
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
    for person in previous_owner.iter().chain([target]) {
        change.access_changed(person.user_id);
    }
    Ok(())
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
    // The owner's access never ends by itself: ownership does not go to someone
    // whose access will.
    if target.access_expires_at.is_some() {
        return Err(DomainError::bad_input(
            "contactId",
            "this contact's access is temporary; make it permanent first (updateContact with accessExpiresAt: null)",
        ));
    }
    // The owner holds the whole account: ownership does not go to someone limited to
    // part of it.
    if target.scope.is_some() {
        return Err(DomainError::bad_input(
            "contactId",
            "this contact is limited to some services and domains; give them the whole account first (updateContact with scope: null)",
        ));
    }
    Ok(())
}
