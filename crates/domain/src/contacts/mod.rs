//! Contacts: the people on file under an account (their cards and roles, here), what
//! may be done to whom ([`rules`]), and whether they may sign in ([`portal_access`]).

mod expiry;
mod portal_access;
mod rules;

use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::access::{Access, authorize_change};
pub use crate::address::Address;
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::entities::{account, contact};
use crate::events;
use crate::events::EventKind;
use crate::notifications::PREFERENCES;
use crate::pagination::{self, Order, Page, PageArgs};
use crate::permissions::{Permission, Role};
use crate::store::contacts::EMAIL_TAKEN_IN_ACCOUNT;
use crate::{Actor, Domain, DomainError, Result, notifications, store, validate};
use portal_access::NewLogin;
use rules::{check_removable, plan_role_change};

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

    /// Adds a contact. With portal access and no password, a strong password is
    /// generated and emailed to them. The role given must be within the actor's own
    /// permissions.
    pub async fn add(
        &self,
        actor: &Actor,
        account_id: i64,
        input: NewContact,
    ) -> Result<contact::Model> {
        let first_name = validate::name("firstName", &input.first_name)?;
        let last_name = validate::name("lastName", &input.last_name)?;
        let email = validate::optional_email("email", input.email.as_deref())?;
        let card = CardFields::checked(
            input.phone,
            input.company_name,
            input.relationship,
            input.address,
        )?;
        let (role, custom) = crate::permissions::assignable(input.role, input.permissions, None)?;
        check_access_expiry(input.access_expires_at, self.domain.now(), false)?;
        let granted = crate::permissions::effective(role, &custom);
        // A login (or an invitation to one) is a grant, bounded by the granter's own
        // access; a card alone grants nothing.
        let grants_login = input.portal_access || input.send_invite;
        let bounded = |access: &Access| -> Result<Option<DateTime<Utc>>> {
            access.may_grant(&granted)?;
            if grants_login {
                access.bound_grant(input.access_expires_at)
            } else {
                Ok(input.access_expires_at)
            }
        };
        // Checked before any hashing, and again inside the transaction.
        bounded(
            &authorize_change(
                self.domain.db(),
                actor,
                account_id,
                Permission::ManageContacts,
                "account",
            )
            .await?,
        )?;
        let preferences = input
            .notification_preferences
            .map(|keys| notifications::shaped_keys(PREFERENCES, keys))
            .transpose()?;
        // sendInvite: the contact gets portal access by accepting an emailed invitation
        // instead of a generated password.
        let invite = input.send_invite;
        if invite && email.is_none() {
            return Err(DomainError::bad_input(
                "email",
                "an invitation needs an email address",
            ));
        }
        if invite && input.password.is_some() {
            return Err(DomainError::bad_input(
                "password",
                "an invited contact sets their own password",
            ));
        }
        let login = match (input.portal_access && !invite, &email) {
            (false, _) => None,
            (true, None) => {
                return Err(DomainError::bad_input(
                    "email",
                    "portal access needs an email address",
                ));
            }
            (true, Some(_)) => {
                Some(NewLogin::prepare(self.domain, account_id, input.password).await?)
            }
        };

        let (mut change, access) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::ManageContacts,
            "account",
        )
        .await?;
        let access_expires_at = bounded(&access)?;
        let preferences = match preferences {
            Some(keys) => notifications::receivable(
                PREFERENCES,
                notifications::known_keys(change.conn(), PREFERENCES, keys).await?,
                &granted,
            )?,
            None => notifications::defaults_for(change.conn(), role, &granted).await?,
        };
        let user = match (login, &email) {
            (Some(login), Some(email)) => Some(
                login
                    .create(&mut change, account_id, email, &first_name, &last_name)
                    .await?,
            ),
            _ => None,
        };
        let now = self.domain.now();
        let mut model = contact::ActiveModel {
            account_id: Set(account_id),
            user_id: Set(user.as_ref().map(|u| u.id)),
            access_granted_at: Set(user.as_ref().map(|_| now)),
            first_name: Set(first_name.clone()),
            last_name: Set(last_name),
            email: Set(email.clone()),
            role: Set(role),
            permissions: Set(crate::permissions::to_json(&custom)),
            notification_preferences: Set(json!(preferences)),
            is_primary: Set(false),
            access_expires_at: Set(access_expires_at),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        card.apply(&mut model);
        let contact =
            crate::error::on_conflict(model.insert(change.conn()).await, EMAIL_TAKEN_IN_ACCOUNT)?;
        if let (true, Some(email)) = (invite, &email) {
            let invitation = self
                .domain
                .invitations()
                .create_on(
                    &mut change,
                    actor,
                    account_id,
                    email,
                    role,
                    &custom,
                    Some(contact.id),
                )
                .await?;
            change
                .also_audit(actor.into(), crate::invitations::sent_record(&invitation))
                .await?;
        }
        change.event(EventKind::Created, &contact).await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::ContactAdd)
                    .account(account_id)
                    .target("contact", contact.id)
                    .details(json!({ "role": role.as_str(), "portalAccess": user.is_some() })),
            )
            .await?;
        Ok(contact)
    }

    /// Edits a contact's card, role or preferences. Nobody changes their own role, nor
    /// gives one beyond their own permissions, nor touches someone who holds more.
    pub async fn update(
        &self,
        actor: &Actor,
        contact_id: i64,
        changes: ContactChanges,
    ) -> Result<contact::Model> {
        // Everything that needs no database is checked first.
        let first_name = changes
            .first_name
            .map(|v| validate::name("firstName", &v))
            .transpose()?;
        let last_name = changes
            .last_name
            .map(|v| validate::name("lastName", &v))
            .transpose()?;
        let email = changes
            .email
            .map(|e| validate::optional_email("email", e.as_deref()))
            .transpose()?;
        let phone = validate::optional_change("phone", changes.phone, validate::MAX_PHONE_LEN)?;
        let company_name =
            validate::optional_change("companyName", changes.company_name, validate::MAX_NAME_LEN)?;
        let relationship = validate::optional_change(
            "relationship",
            changes.relationship,
            validate::MAX_NAME_LEN,
        )?;
        let address = changes.address.map(Address::checked).transpose()?;
        let preferences = changes
            .notification_preferences
            .map(|keys| notifications::shaped_keys(PREFERENCES, keys))
            .transpose()?;
        let role_change = (changes.role, changes.permissions);

        let (mut change, access, contact) =
            Change::on_contact(self.domain, actor, contact_id, Permission::ManageContacts).await?;
        let new_role = plan_role_change(&access, &contact, role_change)?;
        let old = (contact.role, crate::permissions::of_contact(&contact));
        let new = match &new_role {
            Some((role, custom)) => (*role, crate::permissions::effective(*role, custom)),
            None => old.clone(),
        };
        let preferences = match preferences {
            Some(keys) => Some(notifications::receivable(
                PREFERENCES,
                notifications::known_keys(change.conn(), PREFERENCES, keys).await?,
                &new.1,
            )?),
            // Preferences that were the old role's defaults follow the role; the rest
            // lose what the new role cannot see.
            None if new_role.is_some() => {
                notifications::after_role_change(
                    change.conn(),
                    &contact.notification_preferences,
                    (old.0, &old.1),
                    (new.0, &new.1),
                )
                .await?
            }
            None => None,
        };
        let mut model: contact::ActiveModel = contact.clone().into();
        let mut changed: Vec<&str> = Vec::new();
        if let Some((role, custom)) = new_role {
            model.role = Set(role);
            model.permissions = Set(crate::permissions::to_json(&custom));
            changed.push("role");
        }
        if let Some(first) = first_name {
            model.first_name = Set(first);
            changed.push("firstName");
        }
        if let Some(last) = last_name {
            model.last_name = Set(last);
            changed.push("lastName");
        }
        if let Some(email) = email {
            if email.is_none() && contact.user_id.is_some() {
                return Err(DomainError::bad_input(
                    "email",
                    "a contact with portal access needs an email address",
                ));
            }
            model.email = Set(email);
            changed.push("email");
        }
        for (value, column, name) in [
            (phone, &mut model.phone, "phone"),
            (company_name, &mut model.company_name, "companyName"),
            (relationship, &mut model.relationship, "relationship"),
        ] {
            if let Some(value) = value {
                *column = Set(value);
                changed.push(name);
            }
        }
        if let Some(address) = address {
            address.apply(&mut model);
            changed.push("address");
        }
        if let Some(preferences) = preferences {
            model.notification_preferences = Set(json!(preferences));
            changed.push("notificationPreferences");
        }
        if let Some(at) = changes.access_expires_at {
            // A temporary member does not extend their own access.
            if access.is_own(contact.id) && !access.is_staff() {
                return Err(DomainError::forbidden(
                    "you cannot change when your own access ends",
                ));
            }
            access.may_manage(&contact)?;
            check_access_expiry(at, self.domain.now(), contact.is_primary)?;
            if at.is_none()
                && contact.user_id.is_some()
                && let Some(own) = access.access_ends()
            {
                return Err(DomainError::bad_input(
                    "accessExpiresAt",
                    format!(
                        "your own access ends at {}; you cannot make someone's access permanent",
                        own.to_rfc3339()
                    ),
                ));
            }
            let at = access.bound_grant(at)?;
            // Extending it starts a new warning the day before.
            model.access_expires_at = Set(at);
            model.access_expiry_warned_at = Set(None);
            changed.push("accessExpiresAt");
        }
        model.updated_at = Set(self.domain.now());
        let updated =
            crate::error::on_conflict(model.update(change.conn()).await, EMAIL_TAKEN_IN_ACCOUNT)?;
        change.event(EventKind::Updated, &updated).await?;
        change.access_changed(contact.user_id);
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::ContactUpdate)
                    .account(contact.account_id)
                    .target("contact", contact.id)
                    .details(json!({ "changed": changed })),
            )
            .await?;
        Ok(updated)
    }

    /// Removes a contact for good, after checking the actor's password. Their login link
    /// goes with it: the person's sessions stop working in this account at once.
    pub async fn remove(
        &self,
        actor: &Actor,
        contact_id: i64,
        current_password: &str,
    ) -> Result<i64> {
        // Checked before the password is hashed, and again inside the transaction.
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

        let (mut change, access, contact) =
            Change::on_contact(self.domain, actor, contact_id, Permission::ManageContacts).await?;
        check_removable(&access, &contact)?;
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

/// The optional text of a contact card, checked: trimmed, bounded, single-line.
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
