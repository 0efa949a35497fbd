//! Editing a contact: its card, role, preferences and the end of its access. What needs
//! no database is checked first ([`CheckedChanges`]); the rest inside the change, on
//! the contact as it is then.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;

use super::rules::plan_role_change;
use super::{ContactChanges, ContactService, check_access_expiry};
use crate::access::Access;
use crate::address::Address;
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::entities::contact;
use crate::events::EventKind;
use crate::notifications::{self, PREFERENCES};
use crate::permissions::{self, Permission, Role};
use crate::scope::{self, Scope};
use crate::store::contacts::EMAIL_TAKEN_IN_ACCOUNT;
use crate::{Actor, DomainError, Result, validate};

/// `updateContact`'s input, with everything that needs no database checked. `None`
/// leaves a field as it is; for the optional text fields `Some(None)` clears it.
struct CheckedChanges {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<Option<String>>,
    phone: Option<Option<String>>,
    company_name: Option<Option<String>>,
    relationship: Option<Option<String>>,
    address: Option<Address>,
    role: (Option<Role>, Option<Vec<Permission>>),
    /// Category keys as given (shape checked; looked up in the change).
    preferences: Option<Vec<String>>,
    access_expires_at: Option<Option<DateTime<Utc>>>,
    scope: Option<Option<Scope>>,
}

impl CheckedChanges {
    /// Every field is checked, and all their errors are answered together.
    fn of(changes: ContactChanges) -> Result<Self> {
        let name =
            |field, value: Option<String>| value.map(|v| validate::name(field, &v)).transpose();
        let mut fields = validate::Fields::default();
        let first_name = fields.take(name("firstName", changes.first_name))?;
        let last_name = fields.take(name("lastName", changes.last_name))?;
        let email = fields.take(
            changes
                .email
                .map(|e| validate::optional_email("email", e.as_deref()))
                .transpose(),
        )?;
        let phone = fields.take(validate::optional_change(
            "phone",
            changes.phone,
            validate::MAX_PHONE_LEN,
        ))?;
        let company_name = fields.take(validate::optional_change(
            "companyName",
            changes.company_name,
            validate::MAX_NAME_LEN,
        ))?;
        let relationship = fields.take(validate::optional_change(
            "relationship",
            changes.relationship,
            validate::MAX_NAME_LEN,
        ))?;
        let address = fields.take(changes.address.map(Address::checked).transpose())?;
        let preferences = fields.take(
            changes
                .notification_preferences
                .map(|keys| notifications::shaped_keys(PREFERENCES, keys))
                .transpose(),
        )?;
        fields.done()?;
        // Every check passed: each value is there (`flatten` only unwraps them).
        Ok(Self {
            first_name: first_name.flatten(),
            last_name: last_name.flatten(),
            email: email.flatten(),
            phone: phone.flatten(),
            company_name: company_name.flatten(),
            relationship: relationship.flatten(),
            address: address.flatten(),
            role: (changes.role, changes.permissions),
            preferences: preferences.flatten(),
            access_expires_at: changes.access_expires_at,
            scope: changes.scope,
        })
    }
}

/// A contact's row being edited, and the names of the fields changed (audited).
struct Edit {
    model: contact::ActiveModel,
    changed: Vec<&'static str>,
}

impl Edit {
    /// `contact` with the changes set, those checked and those planned in the change.
    fn of(
        contact: &contact::Model,
        checked: CheckedChanges,
        new_role: Option<(Role, Vec<Permission>)>,
        preferences: Option<Vec<String>>,
        ends: Option<Option<DateTime<Utc>>>,
    ) -> Self {
        let mut edit = Edit {
            model: contact.clone().into(),
            changed: Vec::new(),
        };
        edit.set(new_role, "role", |m, (role, custom)| {
            m.role = Set(role);
            m.permissions = Set(permissions::to_json(&custom));
        });
        edit.set(checked.first_name, "firstName", |m, v| {
            m.first_name = Set(v)
        });
        edit.set(checked.last_name, "lastName", |m, v| m.last_name = Set(v));
        edit.set(checked.email, "email", |m, v| m.email = Set(v));
        edit.set(checked.phone, "phone", |m, v| m.phone = Set(v));
        edit.set(checked.company_name, "companyName", |m, v| {
            m.company_name = Set(v)
        });
        edit.set(checked.relationship, "relationship", |m, v| {
            m.relationship = Set(v)
        });
        edit.set(checked.address, "address", |m, v| v.apply(m));
        edit.set(preferences, "notificationPreferences", |m, v| {
            m.notification_preferences = Set(json!(v));
        });
        edit.set(checked.scope, "scope", |m, v| m.scope = Set(v));
        edit.set(ends, "accessExpiresAt", |m, at| {
            m.access_expires_at = Set(at);
            // Moving it starts a new warning the day before.
            m.access_expiry_warned_at = Set(None);
        });
        edit
    }

    fn set<T>(
        &mut self,
        value: Option<T>,
        name: &'static str,
        apply: impl FnOnce(&mut contact::ActiveModel, T),
    ) {
        if let Some(value) = value {
            apply(&mut self.model, value);
            self.changed.push(name);
        }
    }
}

impl ContactService<'_> {
    /// Edits a contact's card, role or preferences. Nobody changes their own role, nor
    /// gives one beyond their own permissions, nor touches someone who holds more.
    pub async fn update(
        &self,
        actor: &Actor,
        contact_id: i64,
        changes: ContactChanges,
    ) -> Result<contact::Model> {
        let mut checked = CheckedChanges::of(changes)?;
        let (mut change, access, contact) =
            Change::on_contact(self.domain, actor, contact_id, Permission::ManageContacts).await?;
        let new_role = plan_role_change(&access, &contact, checked.role.clone())?;
        check_scope(
            change.conn(),
            &access,
            &contact,
            new_role.as_ref(),
            checked.scope.as_ref(),
        )
        .await?;
        if checked.email == Some(None) && contact.user_id.is_some() {
            return Err(DomainError::bad_input(
                "email",
                "a contact with portal access needs an email address",
            ));
        }
        let preferences = preferences_after(
            change.conn(),
            &contact,
            new_role.as_ref(),
            checked.preferences.take(),
        )
        .await?;
        let ends = checked
            .access_expires_at
            .take()
            .map(|at| self.access_end(&access, &contact, at))
            .transpose()?;

        let mut edit = Edit::of(&contact, checked, new_role, preferences, ends);
        edit.model.updated_at = Set(self.domain.now());
        let updated = crate::error::on_conflict(
            edit.model.update(change.conn()).await,
            EMAIL_TAKEN_IN_ACCOUNT,
        )?;
        change.event(EventKind::Updated, &updated).await?;
        change.access_changed(contact.user_id);
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::ContactUpdate)
                    .account(contact.account_id)
                    .target("contact", contact.id)
                    .details(json!({ "changed": edit.changed })),
            )
            .await?;
        Ok(updated)
    }

    /// The end of access `at` (`None`: permanent) as `access` may set it on `contact`:
    /// never one's own, never the owner's, never beyond what the actor may manage, and
    /// no later than the actor's own access (nor permanent, for a temporary actor).
    fn access_end(
        &self,
        access: &Access,
        contact: &contact::Model,
        at: Option<DateTime<Utc>>,
    ) -> Result<Option<DateTime<Utc>>> {
        if access.is_own(contact.id) && !access.is_staff() {
            return Err(DomainError::forbidden(
                "you cannot change when your own access ends",
            ));
        }
        access.may_manage(contact)?;
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
        access.bound_grant(at)
    }
}

/// The categories `contact` receives after the edit, if they change: those chosen,
/// known and within what the (new) role can see; or, when only the role changes, the
/// new role's defaults if they were the old role's, else the same less what the new
/// role cannot see.
/// The contact's role and scope as the change leaves them go together: a scoped member
/// holds nothing account-wide (BAD_USER_INPUT naming the permission), a new scope is
/// within the actor's own and names the account's services and domains.
async fn check_scope(
    conn: &impl ConnectionTrait,
    access: &Access,
    contact: &contact::Model,
    new_role: Option<&(Role, Vec<Permission>)>,
    new_scope: Option<&Option<Scope>>,
) -> Result<()> {
    let granted = match new_role {
        Some((role, custom)) => permissions::effective(*role, custom),
        None => contact.granted(),
    };
    let scope = new_scope.unwrap_or(&contact.scope).as_ref();
    scope::check_permissions(scope, &granted)?;
    if let Some(new_scope) = new_scope {
        access.may_grant_scope(new_scope.as_ref())?;
        if let Some(new_scope) = new_scope {
            scope::check_exists(conn, contact.account_id, new_scope).await?;
        }
    }
    Ok(())
}

async fn preferences_after(
    conn: &impl ConnectionTrait,
    contact: &contact::Model,
    new_role: Option<&(Role, Vec<Permission>)>,
    chosen: Option<Vec<String>>,
) -> Result<Option<Vec<String>>> {
    let old = (contact.role, contact.granted());
    let new = match new_role {
        Some((role, custom)) => (*role, permissions::effective(*role, custom)),
        None => old.clone(),
    };
    match chosen {
        Some(keys) => Ok(Some(notifications::receivable(
            PREFERENCES,
            notifications::known_keys(conn, PREFERENCES, keys).await?,
            &new.1,
        )?)),
        None if new_role.is_some() => {
            notifications::after_role_change(
                conn,
                &contact.notification_preferences,
                (old.0, &old.1),
                (new.0, &new.1),
            )
            .await
        }
        None => Ok(None),
    }
}
