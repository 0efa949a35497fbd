//! Contacts: the people on file under an account (their cards and roles, here), what
//! may be done to whom ([`rules`]), and whether they may sign in ([`portal_access`]).

mod add;
mod expiry;
mod portal_access;
mod rules;
mod update;

use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::access::{Access, authorize_change};
pub use crate::address::Address;
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::entities::{account, contact};
use crate::events;
use crate::events::EventKind;
use crate::pagination::{self, Order, Page, PageArgs};
use crate::permissions::{Permission, Role};
use crate::scope::Scope;
use crate::{Actor, Domain, DomainError, Result, store, validate};
use rules::check_removable;

/// What `addContact` asks for.
#[derive(Clone, Debug)]
pub struct NewContact {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub relationship: Option<String>,
    pub address: Option<Address>,
    pub role: Role,
    pub permissions: Option<Vec<Permission>>,
    pub portal_access: bool,
    pub password: Option<String>,
    pub send_invite: bool,
    pub notification_preferences: Option<Vec<String>>,
    /// Temporary access: when the contact's portal access ends by itself.
    pub access_expires_at: Option<DateTime<Utc>>,
    /// Scoped access: the services and domains they look after (`None`: the whole
    /// account).
    pub scope: Option<Scope>,
}

/// What `updateContact` changes: `None` leaves a field as it is; for the optional text
/// fields `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct ContactChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub company_name: Option<Option<String>>,
    pub relationship: Option<Option<String>>,
    pub address: Option<Address>,
    pub role: Option<Role>,
    pub permissions: Option<Vec<Permission>>,
    pub notification_preferences: Option<Vec<String>>,
    /// `Some(Some(at))` sets or moves the end of temporary access, `Some(None)` makes
    /// the access permanent.
    pub access_expires_at: Option<Option<DateTime<Utc>>>,
    /// `Some(Some(scope))` limits the contact to those services and domains,
    /// `Some(None)` gives them the whole account.
    pub scope: Option<Option<Scope>>,
}

/// A temporary access's end must be ahead (and before the year 10000, which every
/// database orders as it should), and the owner's access is never temporary.
pub(crate) fn check_access_expiry(
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    is_primary: bool,
) -> Result<()> {
    match at {
        Some(at) if at <= now => Err(DomainError::bad_input(
            "accessExpiresAt",
            "the end of temporary access must be in the future",
        )),
        Some(at) if at.year() > 9999 => Err(DomainError::bad_input(
            "accessExpiresAt",
            "the end of temporary access must be before the year 10000",
        )),
        Some(_) if is_primary => Err(DomainError::bad_input(
            "accessExpiresAt",
            "the owner's access cannot be temporary",
        )),
        _ => Ok(()),
    }
}

pub struct ContactService<'a> {
    pub(crate) domain: &'a Domain,
}

impl<'a> ContactService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// Removes a contact for good, after checking the actor's password. Their login link
    /// goes with it: the person's sessions stop working in this account at once.
    pub async fn remove(
        &self,
        actor: &Actor,
        contact_id: i64,
        current_password: &str,
    ) -> Result<i64> {
        let (mut change, contact) = self
            .begin_removal(actor, contact_id, current_password)
            .await?;
        take_off_account(&change, &contact).await?;
        events::scrub_contact(change.conn(), contact.id).await?;
        change.event(EventKind::Removed, &contact).await?;
        change.access_changed(contact.user_id);
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::ContactRemove)
                    .account(contact.account_id)
                    .target("contact", contact.id)
                    .details(json!({
                        "name": format!("{} {}", contact.first_name, contact.last_name),
                        "email": contact.email,
                    })),
            )
            .await?;
        Ok(contact.id)
    }

    /// The door of removing a contact, and of erasing one: MANAGE_CONTACTS, never the
    /// owner, never someone holding more than the actor, and the actor's password.
    /// Checked before the password is hashed, and again inside the change it returns,
    /// with the contact as it is there.
    pub(crate) async fn begin_removal(
        &self,
        actor: &Actor,
        contact_id: i64,
        current_password: &str,
    ) -> Result<(Change<'a>, contact::Model)> {
        let (contact, access) = self
            .load(
                self.domain.db(),
                actor,
                contact_id,
                Permission::ManageContacts,
            )
            .await?;
        check_removable(&access, &contact)?;
        self.domain
            .auth()
            .verify_password(actor, current_password)
            .await?;
        let (change, access, contact) =
            Change::on_contact(self.domain, actor, contact_id, Permission::ManageContacts).await?;
        check_removable(&access, &contact)?;
        Ok((change, contact))
    }

    /// A page of the account's contacts, primary first then by age (MANAGE_CONTACTS).
    pub async fn list(&self, access: &Access, args: PageArgs) -> Result<Page<contact::Model>> {
        access.require(Permission::ManageContacts)?;
        pagination::page(
            self.domain.db(),
            store::contacts::of_account(access.account_id()),
            contact::Column::Id,
            args,
            Order::OldestFirst,
        )
        .await
    }

    /// The account of a contact the actor can see (else `NotFound`).
    pub async fn account_of(&self, actor: &Actor, contact_id: i64) -> Result<i64> {
        let contact = contact::Entity::find_by_id(contact_id)
            .one(self.domain.db())
            .await?
            .ok_or(DomainError::NotFound("contact"))?;
        self.domain
            .access(actor, contact.account_id, "contact")
            .await?;
        Ok(contact.account_id)
    }

    /// The contact and the actor's access to its account for a change needing
    /// `permission`, read on `conn`; another account's contact is `NotFound`.
    pub(crate) async fn load(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        contact_id: i64,
        permission: Permission,
    ) -> Result<(contact::Model, Access)> {
        let contact = contact::Entity::find_by_id(contact_id)
            .one(conn)
            .await?
            .ok_or(DomainError::NotFound("contact"))?;
        let access =
            authorize_change(conn, actor, contact.account_id, permission, "contact").await?;
        Ok((contact, access))
    }
}

/// Deletes a contact card inside `change` (removal and erasure): conditional, so no
/// interleaving deletes the account's owner; it stops being the billing contact and
/// their login's sessions leave the account.
pub(crate) async fn take_off_account(change: &Change<'_>, contact: &contact::Model) -> Result<()> {
    // Conditional, so no interleaving can delete the account's owner.
    let deleted = contact::Entity::delete_many()
        .filter(contact::Column::Id.eq(contact.id))
        .filter(contact::Column::IsPrimary.eq(false))
        .exec(change.conn())
        .await?;
    if deleted.rows_affected != 1 {
        return Err(DomainError::conflict(
            "the contact changed meanwhile; reload and try again",
        ));
    }
    account::Entity::update_many()
        .col_expr(
            account::Column::BillingContactId,
            Expr::value(Option::<i64>::None),
        )
        .filter(account::Column::Id.eq(contact.account_id))
        .filter(account::Column::BillingContactId.eq(contact.id))
        .exec(change.conn())
        .await?;
    if let Some(user_id) = contact.user_id {
        store::sessions::end_membership(change.conn(), user_id, contact.account_id).await?;
    }
    Ok(())
}

/// The optional text of a contact card, checked: trimmed, bounded, single-line.
#[derive(Clone)]
struct CardFields {
    phone: Option<String>,
    company_name: Option<String>,
    relationship: Option<String>,
    address: Address,
}

impl CardFields {
    fn checked(
        phone: Option<String>,
        company_name: Option<String>,
        relationship: Option<String>,
        address: Option<Address>,
    ) -> Result<Self> {
        Ok(Self {
            phone: validate::optional_line("phone", phone.as_deref(), validate::MAX_PHONE_LEN)?,
            company_name: validate::optional_line(
                "companyName",
                company_name.as_deref(),
                validate::MAX_NAME_LEN,
            )?,
            relationship: validate::optional_line(
                "relationship",
                relationship.as_deref(),
                validate::MAX_NAME_LEN,
            )?,
            address: address
                .map(Address::checked)
                .transpose()?
                .unwrap_or_default(),
        })
    }

    fn apply(self, model: &mut contact::ActiveModel) {
        model.phone = Set(self.phone);
        model.company_name = Set(self.company_name);
        model.relationship = Set(self.relationship);
        self.address.apply(model);
    }
}
