//! Portal access: a contact card gets a login (its own password, or a generated one
//! that is emailed), or loses it while the card stays. One function provisions a login,
//! whether `addContact` or `setPortalAccess` asks.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use super::ContactService;
use crate::access::Access;
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::entities::{account, contact, user};
use crate::events::EventKind;
use crate::throttle::Rule;

use crate::emails::{self, Email};
use crate::outbox::Outgoing;
use crate::permissions::Permission;
use crate::{Actor, Domain, DomainError, Result, store, tokens, validate};

const LOGIN_EXISTS: &str =
    "this email already has a login; invite them to the account instead (inviteUser)";

/// A login about to be made: its password, hashed before any transaction begins.
pub(crate) struct NewLogin {
    password: String,
    /// Generated here, so it is emailed to the person.
    generated: bool,
    hash: String,
}

impl NewLogin {
    /// The password chosen by whoever adds the contact, or a generated one. Called once
    /// the actor may grant logins on `account_id`; each grant counts against the
    /// account's throttle (a generated password is emailed: an account hands out only
    /// so many).
    pub(crate) async fn prepare(
        domain: &Domain,
        account_id: i64,
        chosen: Option<String>,
    ) -> Result<Self> {
        let (password, generated) = match chosen {
            Some(password) => {
                validate::new_password("password", &password)?;
                (password, false)
            }
            None => (tokens::generate_password(), true),
        };
        domain
            .throttle()
            .spend_each(&[(Rule::PortalGrantsPerAccount, &account_id.to_string())])
            .await?;
        let hash = domain.passwords().hash(&password).await?;
        Ok(Self {
            password,
            generated,
            hash,
        })
    }

    /// Creates the login for `email` as part of `change`, and emails a generated
    /// password. An email that already has a login is never linked silently: CONFLICT
    /// (that person joins by accepting an invitation).
    pub(crate) async fn create(
        self,
        change: &mut Change<'_>,
        account_id: i64,
        email: &str,
        first_name: &str,
        last_name: &str,
    ) -> Result<user::Model> {
        if store::users::find_by_email(change.conn(), email)
            .await?
            .is_some()
        {
            return Err(DomainError::conflict(LOGIN_EXISTS));
        }
        let user = crate::error::reword_conflict(
            store::users::insert(change, email, &self.hash, first_name, last_name, false).await,
            LOGIN_EXISTS,
        )?;
        if !self.generated {
            return Ok(user);
        }
        queue_generated_password(change, account_id, first_name, email, &self.password).await?;
        // The emailed password is temporary: its owner chooses their own at first
        // sign-in (OWASP ASVS 6.4.1).
        Ok(user::ActiveModel {
            id: Set(user.id),
            password_change_required: Set(true),
            ..Default::default()
        }
        .update(change.conn())
        .await?)
    }
}

impl ContactService<'_> {
    /// Gives a contact a login (a generated password, emailed) or takes it away (the
    /// contact card stays).
    pub async fn set_portal_access(
        &self,
        actor: &Actor,
        contact_id: i64,
        enabled: bool,
    ) -> Result<contact::Model> {
        // Checked before a password is generated and hashed, and again in the change.
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
        let login = match enabled {
            true if contact.email.is_none() => {
                return Err(DomainError::bad_input(
                    "contactId",
                    "portal access needs an email address on the contact",
                ));
            }
            true => Some(NewLogin::prepare(self.domain, contact.account_id, None).await?),
            false => None,
        };

        let (mut change, access, contact) =
            Change::on_contact(self.domain, actor, contact_id, Permission::ManageContacts).await?;
        check_access_change(&access, &contact, enabled)?;
        if enabled == contact.user_id.is_some() {
            // Someone else did it meanwhile.
            return Ok(contact);
        }
        let (updated, action) = match login {
            Some(login) => (
                self.link(&mut change, &access, &contact, login).await?,
                AuditAction::ContactPortalAccessGrant,
            ),
            None => (
                unlink(&change, &contact).await?,
                AuditAction::ContactPortalAccessRevoke,
            ),
        };
        change
            .event(EventKind::PortalAccessChanged, &updated)
            .await?;
        change.access_changed(contact.user_id);
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

    /// Gives `contact` a new login (its generated password emailed). Access given
    /// again does not carry over an end that passed; one still ahead stays, and none
    /// lasts beyond the granter's own.
    async fn link(
        &self,
        change: &mut Change<'_>,
        access: &Access,
        contact: &contact::Model,
        login: NewLogin,
    ) -> Result<contact::Model> {
        let email = contact
            .email
            .as_deref()
            .ok_or_else(|| DomainError::conflict("the contact's email was removed meanwhile"))?;
        let user = login
            .create(
                change,
                contact.account_id,
                email,
                &contact.first_name,
                &contact.last_name,
            )
            .await?;
        let now = change.now();
        let mut model: contact::ActiveModel = contact.clone().into();
        model.user_id = Set(Some(user.id));
        model.access_granted_at = Set(Some(now));
        if !contact.is_primary {
            let ahead = contact.access_expires_at.filter(|at| *at > now);
            model.access_expires_at = Set(access.clamp_grant(ahead));
            model.access_expiry_warned_at = Set(None);
        }
        model.updated_at = Set(now);
        Ok(model.update(change.conn()).await?)
    }
}

/// Takes `contact`'s login away (the card stays): their sessions leave the account.
async fn unlink(change: &Change<'_>, contact: &contact::Model) -> Result<contact::Model> {
    let mut model: contact::ActiveModel = contact.clone().into();
    model.user_id = Set(None);
    model.updated_at = Set(change.now());
    let updated = model.update(change.conn()).await?;
    if let Some(user_id) = contact.user_id {
        store::sessions::end_membership(change.conn(), user_id, contact.account_id).await?;
    }
    Ok(updated)
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
        .email(Outgoing::transactional(
            email,
            Some(account_id),
            Email::GeneratedPassword(emails::GeneratedPassword {
                first_name: first_name.to_owned(),
                account_name,
                email: email.to_owned(),
                password: password.to_owned(),
            }),
        ))
        .await
}
