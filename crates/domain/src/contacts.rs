//! Contacts: the people on file under an account, their roles, portal access and the
//! account's ownership.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::access::{Access, authorize_change};
pub use crate::address::Address;
use crate::audit::AuditRecord;
use crate::change::Change;
use crate::entities::{account, contact, user};
use crate::events::{self, Notice};
use crate::outbox::Outgoing;
use crate::pagination::{self, Order, Page, PageArgs};
use crate::permissions::{Permission, Role};
use crate::store::contacts::EMAIL_TAKEN_IN_ACCOUNT;
use crate::{Actor, Domain, DomainError, Result, notifications, store, tokens, validate};

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
}

pub struct ContactService<'a> {
    domain: &'a Domain,
}

const LOGIN_EXISTS: &str =
    "this email already has a login; invite them to the account instead (inviteUser)";

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
        let granted = crate::permissions::effective(role, &custom);
        // Checked before any hashing, and again inside the transaction.
        authorize_change(
            self.domain.db(),
            actor,
            account_id,
            Permission::ManageContacts,
            "account",
        )
        .await?
        .may_grant(&granted)?;
        let preferences = match input.notification_preferences {
            Some(keys) => notifications::validate_keys(self.domain.db(), keys).await?,
            None => notifications::defaults_for(role),
        };
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
                let (password, generated) = match input.password {
                    Some(password) => {
                        validate::new_password("password", &password)?;
                        (password, false)
                    }
                    None => (tokens::generate_password(), true),
                };
                let hash = self.domain.passwords().hash(&password).await?;
                Some((password, generated, hash))
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
        access.may_grant(&granted)?;
        let user = match (&login, &email) {
            (Some((_, _, hash)), Some(email)) => {
                if store::users::find_by_email(change.conn(), email)
                    .await?
                    .is_some()
                {
                    return Err(DomainError::conflict(LOGIN_EXISTS));
                }
                Some(crate::error::reword_conflict(
                    store::users::insert(
                        change.conn(),
                        email,
                        hash,
                        &first_name,
                        &last_name,
                        false,
                    )
                    .await,
                    LOGIN_EXISTS,
                )?)
            }
            _ => None,
        };
        let now = Utc::now();
        let mut model = contact::ActiveModel {
            account_id: Set(account_id),
            user_id: Set(user.as_ref().map(|u| u.id)),
            first_name: Set(first_name.clone()),
            last_name: Set(last_name),
            email: Set(email.clone()),
            role: Set(role.as_str().to_owned()),
            permissions: Set(crate::permissions::to_json(&custom)),
            notification_preferences: Set(json!(preferences)),
            is_primary: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        card.apply(&mut model);
        let contact =
            crate::error::on_conflict(model.insert(change.conn()).await, EMAIL_TAKEN_IN_ACCOUNT)?;
        if let (Some((password, true, _)), Some(email)) = (&login, &email) {
            queue_generated_password(&mut change, account_id, &first_name, email, password).await?;
        }
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
        change.event(events::CREATED, &contact).await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new("contact.add")
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
        let preferences = match changes.notification_preferences {
            Some(keys) => Some(notifications::validate_keys(self.domain.db(), keys).await?),
            None => None,
        };
        let role_change = (changes.role, changes.permissions);

        let (mut change, access, contact) =
            Change::on_contact(self.domain, actor, contact_id, Permission::ManageContacts).await?;
        let new_role = plan_role_change(&access, &contact, role_change)?;
        let mut model: contact::ActiveModel = contact.clone().into();
        let mut changed: Vec<&str> = Vec::new();
        if let Some((role, custom)) = new_role {
            model.role = Set(role.as_str().to_owned());
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
        model.updated_at = Set(Utc::now());
        let updated =
            crate::error::on_conflict(model.update(change.conn()).await, EMAIL_TAKEN_IN_ACCOUNT)?;
        change.event(events::UPDATED, &updated).await?;
        notify_access_changed(&mut change, contact.user_id);
        change
            .commit(
                actor.into(),
                AuditRecord::new("contact.update")
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
        self.check_actor_password(actor, current_password).await?;

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
        change.event(events::REMOVED, &contact).await?;
        notify_access_changed(&mut change, contact.user_id);
        change
            .commit(
                actor.into(),
                AuditRecord::new("contact.remove")
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

    /// Gives a contact a login (a generated password, emailed) or takes it away (the
    /// contact card stays).
    pub async fn set_portal_access(
        &self,
        actor: &Actor,
        contact_id: i64,
        enabled: bool,
    ) -> Result<contact::Model> {
        let (contact, access) = self
            .load(
                self.domain.db(),
                actor,
                contact_id,
                Permission::ManageContacts,
            )
            .await?;
        check_access_change(&access, &contact, enabled)?;
        if enabled == contact.user_id.is_some() {
            return Ok(contact);
        }
        let login = if enabled {
            contact.email.as_ref().ok_or_else(|| {
                DomainError::bad_input(
                    "contactId",
                    "portal access needs an email address on the contact",
                )
            })?;
            let password = tokens::generate_password();
            let hash = self.domain.passwords().hash(&password).await?;
            Some((password, hash))
        } else {
            None
        };

        let (mut change, access, contact) =
            Change::on_contact(self.domain, actor, contact_id, Permission::ManageContacts).await?;
        check_access_change(&access, &contact, enabled)?;
        if enabled == contact.user_id.is_some() {
            // Someone else did it meanwhile.
            return Ok(contact);
        }
        let email = match (&login, &contact.email) {
            (Some(_), None) => {
                return Err(DomainError::conflict(
                    "the contact's email was removed meanwhile",
                ));
            }
            (_, email) => email.clone(),
        };
        let user_id = match (&login, &email) {
            (Some((_, hash)), Some(email)) => {
                if store::users::find_by_email(change.conn(), email)
                    .await?
                    .is_some()
                {
                    return Err(DomainError::conflict(LOGIN_EXISTS));
                }
                let user = crate::error::reword_conflict(
                    store::users::insert(
                        change.conn(),
                        email,
                        hash,
                        &contact.first_name,
                        &contact.last_name,
                        false,
                    )
                    .await,
                    LOGIN_EXISTS,
                )?;
                Some(user.id)
            }
            _ => None,
        };
        let mut model: contact::ActiveModel = contact.clone().into();
        model.user_id = Set(user_id);
        model.updated_at = Set(Utc::now());
        let updated = model.update(change.conn()).await?;
        match (&login, &email, contact.user_id) {
            (Some((password, _)), Some(email), _) => {
                queue_generated_password(
                    &mut change,
                    contact.account_id,
                    &contact.first_name,
                    email,
                    password,
                )
                .await?;
            }
            (None, _, Some(old_user)) => {
                store::sessions::end_membership(change.conn(), old_user, contact.account_id).await?
            }
            _ => {}
        }
        let action = if enabled {
            "contact.portal_access.grant"
        } else {
            "contact.portal_access.revoke"
        };
        change
            .event(events::PORTAL_ACCESS_CHANGED, &updated)
            .await?;
        notify_access_changed(&mut change, contact.user_id);
        change
            .commit(
                actor.into(),
                AuditRecord::new(action)
                    .account(contact.account_id)
                    .target("contact", contact.id),
            )
            .await?;
        Ok(updated)
    }

    /// Makes another contact with portal access the account's owner; the previous owner
    /// stays on as ADMIN. Needs the actor's password.
    pub async fn transfer_ownership(
        &self,
        actor: &Actor,
        contact_id: i64,
        current_password: &str,
    ) -> Result<account::Model> {
        let (target, _) = self
            .load(
                self.domain.db(),
                actor,
                contact_id,
                Permission::TransferOwnership,
            )
            .await?;
        check_new_owner(&target)?;
        self.check_actor_password(actor, current_password).await?;

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
            change.event(events::UPDATED, &changed).await?;
        }
        // Both people's permissions changed.
        for person in previous_owner.iter().chain([&target]) {
            notify_access_changed(&mut change, person.user_id);
        }
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

    /// Names the contact printed on the account's invoices, or clears it.
    pub async fn set_billing_contact(
        &self,
        actor: &Actor,
        account_id: i64,
        contact_id: Option<i64>,
    ) -> Result<account::Model> {
        let (change, _) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::ManageAccount,
            "account",
        )
        .await?;
        if let Some(contact_id) = contact_id {
            contact::Entity::find_by_id(contact_id)
                .filter(contact::Column::AccountId.eq(account_id))
                .one(change.conn())
                .await?
                .ok_or(DomainError::NotFound("contact"))?;
        }
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
        change.commit(actor.into(), record).await?;
        Ok(account)
    }

    /// A page of the account's contacts, primary first then by age.
    pub async fn list(&self, account_id: i64, args: PageArgs) -> Result<Page<contact::Model>> {
        pagination::page(
            self.domain.db(),
            store::contacts::of_account(account_id),
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

    /// Contacts by id, for batched loading.
    pub async fn by_ids(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, contact::Model>> {
        let rows = contact::Entity::find()
            .filter(contact::Column::Id.is_in(ids.iter().copied()))
            .all(self.domain.db())
            .await?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
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

    async fn check_actor_password(&self, actor: &Actor, password: &str) -> Result<()> {
        let user = user::Entity::find_by_id(actor.user_id)
            .one(self.domain.db())
            .await?
            .ok_or_else(|| {
                DomainError::Unauthenticated("the signed-in user no longer exists".into())
            })?;
        self.domain.auth().check_password(&user, password).await
    }
}

/// Emails a generated password to the contact it was made for.
async fn queue_generated_password(
    change: &mut Change<'_>,
    account_id: i64,
    first_name: &str,
    email: &str,
    password: &str,
) -> Result<()> {
    let account_name = account::Entity::find_by_id(account_id)
        .one(change.conn())
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    change
        .email(Outgoing {
            to: email,
            account_id: Some(account_id),
            category: None,
            template: "generated_password",
            data: json!({
                "first_name": first_name,
                "account_name": account_name,
                "email": email,
                "password": password,
            }),
        })
        .await
}

/// A change to a contact with a login: that user's open streams re-check their access.
fn notify_access_changed(change: &mut Change<'_>, user_id: Option<i64>) {
    if let Some(user_id) = user_id {
        change.notify(Notice::AccessChanged { user_id });
    }
}

/// What an update may do to `contact`'s role for this actor: the new role and custom
/// list, or `None` when the update leaves the role alone. The rules, in order: nobody
/// touches a contact who holds more than they do; the primary contact stays OWNER;
/// nobody re-roles themselves; the new role must be assignable and within what the
/// actor holds.
fn plan_role_change(
    access: &Access,
    contact: &contact::Model,
    (role, permissions): (Option<Role>, Option<Vec<Permission>>),
) -> Result<Option<(Role, Vec<Permission>)>> {
    access.may_manage(contact)?;
    if role.is_none() && permissions.is_none() {
        return Ok(None);
    }
    if contact.is_primary {
        if role.is_some_and(|r| r != Role::Owner) {
            return Err(DomainError::bad_input(
                "role",
                "the primary contact is the account's OWNER; transfer ownership to change that",
            ));
        }
        return Ok(Some((Role::Owner, Vec::new())));
    }
    let current = crate::permissions::role_named(&contact.role);
    let (role, custom) =
        crate::permissions::assignable(role.unwrap_or(current), permissions, Some(current))?;
    // A form that sends the role it shows changes nothing, even on one's own card.
    let mut current_custom = crate::permissions::from_json(&contact.permissions);
    current_custom.sort();
    if (role, &custom) == (current, &current_custom) {
        return Ok(None);
    }
    if access.is_own(contact.id) && !access.is_staff {
        return Err(DomainError::forbidden(
            "you cannot change your own role or permissions",
        ));
    }
    access.may_grant(&crate::permissions::effective(role, &custom))?;
    Ok(Some((role, custom)))
}

fn check_removable(access: &Access, contact: &contact::Model) -> Result<()> {
    if contact.is_primary {
        return Err(DomainError::bad_input(
            "id",
            "the primary contact cannot be removed; transfer ownership first",
        ));
    }
    access.may_manage(contact)
}

/// Granting access gives the contact's role, so the same "not beyond your own" rule
/// holds both ways.
fn check_access_change(access: &Access, contact: &contact::Model, enabled: bool) -> Result<()> {
    if !enabled && contact.is_primary {
        return Err(DomainError::bad_input(
            "enabled",
            "the primary contact keeps portal access",
        ));
    }
    access.may_manage(contact)
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
