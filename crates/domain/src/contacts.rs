//! Contacts: the people on file under an account, their roles, portal access and the
//! account's ownership.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Select, Set, TransactionTrait,
};
use serde_json::json;

use crate::access::{Access, forbidden};
use crate::audit::{self, AuditRecord};
use crate::auth::{find_user_by_email, insert_user};
use crate::entities::{account, contact, session, user};
use crate::events::{self, Notice};
use crate::outbox::Outgoing;
use crate::pagination::{self, Order, Page, PageArgs};
use crate::permissions::{Permission, Role};
use crate::{Actor, Domain, DomainError, Result, notifications, tokens, validate};

/// A postal address; every part optional.
#[derive(Clone, Debug, Default)]
pub struct Address {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

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

const EMAIL_TAKEN_IN_ACCOUNT: &str = "a contact with this email already exists in this account";
const LOGIN_EXISTS: &str =
    "this email already has a login; invite them to the account instead (inviteUser)";

impl<'a> ContactService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// Adds a contact. With portal access and no password, a strong password is
    /// generated and emailed to them.
    pub async fn add(
        &self,
        actor: &Actor,
        account_id: i64,
        input: NewContact,
    ) -> Result<contact::Model> {
        self.domain
            .require(actor, account_id, Permission::ManageContacts, "account")
            .await?;
        self.check_self_service(actor).await?;
        let first_name = validate::name("firstName", &input.first_name)?;
        let last_name = validate::name("lastName", &input.last_name)?;
        let email = input
            .email
            .as_deref()
            .map(|e| validate::email("email", e))
            .transpose()?;
        let (role, custom) = crate::permissions::assignable(input.role, input.permissions, None)?;
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

        let txn = self.domain.db().begin().await?;
        let user = match (&login, &email) {
            (Some((_, _, hash)), Some(email)) => {
                if find_user_by_email(&txn, email).await?.is_some() {
                    return Err(DomainError::conflict(LOGIN_EXISTS));
                }
                Some(crate::error::reword_conflict(
                    insert_user(&txn, email, hash, &first_name, &last_name, false).await,
                    LOGIN_EXISTS,
                )?)
            }
            _ => None,
        };
        let address = input.address.unwrap_or_default();
        let now = Utc::now();
        let inserted = contact::ActiveModel {
            account_id: Set(account_id),
            user_id: Set(user.as_ref().map(|u| u.id)),
            first_name: Set(first_name.clone()),
            last_name: Set(last_name),
            email: Set(email.clone()),
            phone: Set(clean(input.phone)),
            company_name: Set(clean(input.company_name)),
            relationship: Set(clean(input.relationship)),
            address_line1: Set(clean(address.line1)),
            address_line2: Set(clean(address.line2)),
            city: Set(clean(address.city)),
            region: Set(clean(address.region)),
            postal_code: Set(clean(address.postal_code)),
            country: Set(clean(address.country)),
            role: Set(role.as_str().to_owned()),
            permissions: Set(crate::permissions::to_json(&custom)),
            notification_preferences: Set(json!(preferences)),
            is_primary: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let contact = crate::error::on_conflict(inserted, EMAIL_TAKEN_IN_ACCOUNT)?;
        let mut queued_email = false;
        if let (Some((password, true, _)), Some(email)) = (&login, &email) {
            self.queue_generated_password(&txn, account_id, &first_name, email, password)
                .await?;
            queued_email = true;
        }
        if let (true, Some(email)) = (invite, &email) {
            self.domain
                .invitations()
                .create_on(
                    &txn,
                    actor,
                    account_id,
                    email,
                    role,
                    &custom,
                    Some(contact.id),
                )
                .await?;
            queued_email = true;
        }
        audit::record(
            &txn,
            actor.into(),
            AuditRecord::new("contact.add")
                .account(account_id)
                .target("contact", contact.id)
                .details(json!({ "role": role.as_str(), "portalAccess": user.is_some() })),
        )
        .await?;
        events::record(&txn, events::CREATED, &contact).await?;
        txn.commit().await?;
        self.domain.publish(&[Notice::Logged { account_id }]);
        if queued_email {
            self.domain.wake_mailer();
        }
        Ok(contact)
    }

    /// Edits a contact's card, role or preferences.
    pub async fn update(
        &self,
        actor: &Actor,
        contact_id: i64,
        changes: ContactChanges,
    ) -> Result<contact::Model> {
        let (contact, _) = self
            .resolve(actor, contact_id, Permission::ManageContacts)
            .await?;
        self.check_self_service(actor).await?;
        let current_role = crate::permissions::role_named(&contact.role);
        if contact.is_primary && changes.role.is_some_and(|r| r != Role::Owner) {
            return Err(DomainError::bad_input(
                "role",
                "the primary contact is the account's OWNER; transfer ownership to change that",
            ));
        }
        let mut model: contact::ActiveModel = contact.clone().into();
        let mut changed: Vec<&str> = Vec::new();
        if changes.role.is_some() || changes.permissions.is_some() {
            let requested = changes.role.unwrap_or(current_role);
            let (role, custom) = if contact.is_primary {
                (Role::Owner, Vec::new())
            } else {
                crate::permissions::assignable(requested, changes.permissions, Some(current_role))?
            };
            model.role = Set(role.as_str().to_owned());
            model.permissions = Set(crate::permissions::to_json(&custom));
            changed.push("role");
        }
        if let Some(first) = changes.first_name {
            model.first_name = Set(validate::name("firstName", &first)?);
            changed.push("firstName");
        }
        if let Some(last) = changes.last_name {
            model.last_name = Set(validate::name("lastName", &last)?);
            changed.push("lastName");
        }
        if let Some(email) = changes.email {
            let email = clean(email)
                .map(|e| validate::email("email", &e))
                .transpose()?;
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
            (changes.phone, &mut model.phone, "phone"),
            (changes.company_name, &mut model.company_name, "companyName"),
            (
                changes.relationship,
                &mut model.relationship,
                "relationship",
            ),
        ] {
            if let Some(value) = value {
                *column = Set(clean(value));
                changed.push(name);
            }
        }
        if let Some(address) = changes.address {
            model.address_line1 = Set(clean(address.line1));
            model.address_line2 = Set(clean(address.line2));
            model.city = Set(clean(address.city));
            model.region = Set(clean(address.region));
            model.postal_code = Set(clean(address.postal_code));
            model.country = Set(clean(address.country));
            changed.push("address");
        }
        if let Some(keys) = changes.notification_preferences {
            model.notification_preferences = Set(json!(
                notifications::validate_keys(self.domain.db(), keys).await?
            ));
            changed.push("notificationPreferences");
        }
        model.updated_at = Set(Utc::now());

        let txn = self.domain.db().begin().await?;
        let updated = crate::error::on_conflict(model.update(&txn).await, EMAIL_TAKEN_IN_ACCOUNT)?;
        audit::record(
            &txn,
            actor.into(),
            AuditRecord::new("contact.update")
                .account(contact.account_id)
                .target("contact", contact.id)
                .details(json!({ "changed": changed })),
        )
        .await?;
        events::record(&txn, events::UPDATED, &updated).await?;
        txn.commit().await?;
        self.domain
            .publish(&access_notices(contact.account_id, contact.user_id));
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
        let (contact, _) = self
            .resolve(actor, contact_id, Permission::ManageContacts)
            .await?;
        self.check_self_service(actor).await?;
        if contact.is_primary {
            return Err(DomainError::bad_input(
                "id",
                "the primary contact cannot be removed; transfer ownership first",
            ));
        }
        self.check_actor_password(actor, current_password).await?;

        let txn = self.domain.db().begin().await?;
        contact::Entity::delete_by_id(contact.id).exec(&txn).await?;
        account::Entity::update_many()
            .col_expr(
                account::Column::BillingContactId,
                Expr::value(Option::<i64>::None),
            )
            .filter(account::Column::Id.eq(contact.account_id))
            .filter(account::Column::BillingContactId.eq(contact.id))
            .exec(&txn)
            .await?;
        if let Some(user_id) = contact.user_id {
            end_membership_sessions(&txn, user_id, contact.account_id).await?;
        }
        audit::record(
            &txn,
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
        events::scrub_contact(&txn, contact.id).await?;
        events::record(&txn, events::REMOVED, &contact).await?;
        txn.commit().await?;
        self.domain
            .publish(&access_notices(contact.account_id, contact.user_id));
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
        let (contact, _) = self
            .resolve(actor, contact_id, Permission::ManageContacts)
            .await?;
        self.check_self_service(actor).await?;
        if enabled == contact.user_id.is_some() {
            return Ok(contact);
        }
        if !enabled && contact.is_primary {
            return Err(DomainError::bad_input(
                "enabled",
                "the primary contact keeps portal access",
            ));
        }
        let login = if enabled {
            let email = contact.email.clone().ok_or_else(|| {
                DomainError::bad_input(
                    "contactId",
                    "portal access needs an email address on the contact",
                )
            })?;
            let password = tokens::generate_password();
            let hash = self.domain.passwords().hash(&password).await?;
            Some((email, password, hash))
        } else {
            None
        };

        let txn = self.domain.db().begin().await?;
        let user_id = match &login {
            Some((email, _, hash)) => {
                if find_user_by_email(&txn, email).await?.is_some() {
                    return Err(DomainError::conflict(LOGIN_EXISTS));
                }
                let user = crate::error::reword_conflict(
                    insert_user(
                        &txn,
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
            None => None,
        };
        let mut model: contact::ActiveModel = contact.clone().into();
        model.user_id = Set(user_id);
        model.updated_at = Set(Utc::now());
        let updated = model.update(&txn).await?;
        match (&login, contact.user_id) {
            (Some((email, password, _)), _) => {
                self.queue_generated_password(
                    &txn,
                    contact.account_id,
                    &contact.first_name,
                    email,
                    password,
                )
                .await?;
            }
            (None, Some(old_user)) => {
                end_membership_sessions(&txn, old_user, contact.account_id).await?
            }
            (None, None) => {}
        }
        let action = if enabled {
            "contact.portal_access.grant"
        } else {
            "contact.portal_access.revoke"
        };
        audit::record(
            &txn,
            actor.into(),
            AuditRecord::new(action)
                .account(contact.account_id)
                .target("contact", contact.id),
        )
        .await?;
        events::record(&txn, events::PORTAL_ACCESS_CHANGED, &updated).await?;
        txn.commit().await?;
        self.domain
            .publish(&access_notices(contact.account_id, contact.user_id));
        if enabled {
            self.domain.wake_mailer();
        }
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
            .resolve(actor, contact_id, Permission::TransferOwnership)
            .await?;
        self.check_actor_password(actor, current_password).await?;
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
        let now = Utc::now();
        let txn = self.domain.db().begin().await?;
        let previous_owner = contact::Entity::find()
            .filter(contact::Column::AccountId.eq(target.account_id))
            .filter(contact::Column::IsPrimary.eq(true))
            .one(&txn)
            .await?;
        // Demote first: the partial unique index allows one primary at a time.
        contact::Entity::update_many()
            .col_expr(contact::Column::IsPrimary, Expr::value(false))
            .col_expr(contact::Column::Role, Expr::value(Role::Admin.as_str()))
            .col_expr(contact::Column::Permissions, Expr::value(json!([])))
            .col_expr(contact::Column::UpdatedAt, Expr::value(now))
            .filter(contact::Column::AccountId.eq(target.account_id))
            .filter(contact::Column::IsPrimary.eq(true))
            .exec(&txn)
            .await?;
        contact::Entity::update_many()
            .col_expr(contact::Column::IsPrimary, Expr::value(true))
            .col_expr(contact::Column::Role, Expr::value(Role::Owner.as_str()))
            .col_expr(contact::Column::Permissions, Expr::value(json!([])))
            .col_expr(contact::Column::UpdatedAt, Expr::value(now))
            .filter(contact::Column::Id.eq(target.id))
            .exec(&txn)
            .await?;
        let account = account::Entity::find_by_id(target.account_id)
            .one(&txn)
            .await?
            .ok_or(DomainError::NotFound("account"))?;
        audit::record(
            &txn,
            actor.into(),
            AuditRecord::new("account.transfer_ownership")
                .account(account.id)
                .target("contact", target.id),
        )
        .await?;
        // Both cards changed: the former owner is ADMIN now, the new one OWNER.
        let changed_ids = previous_owner.iter().map(|p| p.id).chain([target.id]);
        for changed in contact::Entity::find()
            .filter(contact::Column::Id.is_in(changed_ids))
            .order_by_asc(contact::Column::Id)
            .all(&txn)
            .await?
        {
            events::record(&txn, events::UPDATED, &changed).await?;
        }
        txn.commit().await?;
        self.domain.publish(&[Notice::Logged {
            account_id: target.account_id,
        }]);
        Ok(account)
    }

    /// Names the contact printed on the account's invoices, or clears it.
    pub async fn set_billing_contact(
        &self,
        actor: &Actor,
        account_id: i64,
        contact_id: Option<i64>,
    ) -> Result<account::Model> {
        self.domain
            .require(actor, account_id, Permission::ManageAccount, "account")
            .await?;
        if let Some(contact_id) = contact_id {
            contact::Entity::find_by_id(contact_id)
                .filter(contact::Column::AccountId.eq(account_id))
                .one(self.domain.db())
                .await?
                .ok_or(DomainError::NotFound("contact"))?;
        }
        let txn = self.domain.db().begin().await?;
        account::Entity::update_many()
            .col_expr(account::Column::BillingContactId, Expr::value(contact_id))
            .col_expr(account::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(account::Column::Id.eq(account_id))
            .exec(&txn)
            .await?;
        let mut record = AuditRecord::new("account.set_billing_contact").account(account_id);
        if let Some(id) = contact_id {
            record = record.target("contact", id);
        }
        audit::record(&txn, actor.into(), record).await?;
        let account = account::Entity::find_by_id(account_id)
            .one(&txn)
            .await?
            .ok_or(DomainError::NotFound("account"))?;
        txn.commit().await?;
        Ok(account)
    }

    /// A page of the account's contacts, primary first then by age.
    pub async fn list(&self, account_id: i64, args: PageArgs) -> Result<Page<contact::Model>> {
        pagination::page(
            self.domain.db(),
            of_account(account_id),
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

    /// The contact and the actor's access to its account, which must include
    /// `permission`; another account's contact is `NotFound`.
    pub(crate) async fn resolve(
        &self,
        actor: &Actor,
        contact_id: i64,
        permission: Permission,
    ) -> Result<(contact::Model, Access)> {
        let contact = contact::Entity::find_by_id(contact_id)
            .one(self.domain.db())
            .await?
            .ok_or(DomainError::NotFound("contact"))?;
        let access = self
            .domain
            .access(actor, contact.account_id, "contact")
            .await?;
        if !access.has(permission) {
            return Err(forbidden(permission));
        }
        Ok((contact, access))
    }

    /// When staff turned client self-service off, only staff manage contacts.
    pub(crate) async fn check_self_service(&self, actor: &Actor) -> Result<()> {
        if actor.is_staff
            || self
                .domain
                .settings()
                .get()
                .await?
                .allow_client_contact_management
        {
            Ok(())
        } else {
            Err(DomainError::forbidden(
                "contact management is reserved to staff on this portal",
            ))
        }
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

    async fn queue_generated_password(
        &self,
        conn: &impl ConnectionTrait,
        account_id: i64,
        first_name: &str,
        email: &str,
        password: &str,
    ) -> Result<()> {
        let account_name = account::Entity::find_by_id(account_id)
            .one(conn)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        self.domain
            .queue_email(
                conn,
                Outgoing {
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
                },
            )
            .await?;
        Ok(())
    }
}

/// Inserts the contact that makes `user` a member of `account_id` with `role`.
pub(crate) async fn insert_linked(
    conn: &impl ConnectionTrait,
    account_id: i64,
    user: &user::Model,
    role: Role,
    custom: &[Permission],
    is_primary: bool,
) -> Result<contact::Model> {
    let now = Utc::now();
    let inserted = contact::ActiveModel {
        account_id: Set(account_id),
        user_id: Set(Some(user.id)),
        first_name: Set(user.first_name.clone()),
        last_name: Set(user.last_name.clone()),
        email: Set(Some(user.email.clone())),
        role: Set(role.as_str().to_owned()),
        permissions: Set(crate::permissions::to_json(custom)),
        notification_preferences: Set(json!(notifications::defaults_for(role))),
        is_primary: Set(is_primary),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await;
    crate::error::on_conflict(inserted, EMAIL_TAKEN_IN_ACCOUNT)
}

fn of_account(account_id: i64) -> Select<contact::Entity> {
    contact::Entity::find().filter(contact::Column::AccountId.eq(account_id))
}

/// A change to a contact: subscribers of the account read the log, and the contact's
/// own user (if any) has their open streams re-check their access.
fn access_notices(account_id: i64, user_id: Option<i64>) -> Vec<Notice> {
    let mut notices = vec![Notice::Logged { account_id }];
    notices.extend(user_id.map(|user_id| Notice::AccessChanged { user_id }));
    notices
}

/// Trims; blank becomes `None`.
fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// After a user's membership in `account_id` ended: if it was their last and they are
/// not staff, every session of theirs ends; otherwise sessions placed in that account
/// are taken out of it (they keep their other accounts).
pub(crate) async fn end_membership_sessions(
    conn: &impl ConnectionTrait,
    user_id: i64,
    account_id: i64,
) -> Result<()> {
    let remaining = contact::Entity::find()
        .filter(contact::Column::UserId.eq(user_id))
        .count(conn)
        .await?;
    let is_staff = user::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .is_some_and(|u| u.is_staff);
    if remaining == 0 && !is_staff {
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(conn)
            .await?;
    } else {
        session::Entity::update_many()
            .col_expr(
                session::Column::CurrentAccountId,
                Expr::value(Option::<i64>::None),
            )
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::CurrentAccountId.eq(account_id))
            .exec(conn)
            .await?;
    }
    Ok(())
}
