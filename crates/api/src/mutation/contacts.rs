use crate::directives::{PersonOnly, one_per_request, person_only};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use domain::contacts::{Address, ContactChanges, NewContact};

use crate::context::{actor, domain};
use crate::error::{ApiResult, parse_id};
use crate::types::enums::{Permission, Role};
use crate::types::{Account, Contact, ScopeInput};

#[derive(Default)]
pub struct ContactMutation;

#[derive(InputObject, Clone)]
pub struct AddressInput {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

impl From<AddressInput> for Address {
    fn from(a: AddressInput) -> Self {
        Address {
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

#[derive(InputObject)]
pub struct AddContactInput {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub relationship: Option<String>,
    pub address: Option<AddressInput>,
    /// Never OWNER: ownership only moves by `transferOwnership`.
    pub role: Role,
    /// For the CUSTOM role: the permissions picked one by one.
    pub permissions: Option<Vec<Permission>>,
    /// Give the contact a login. Without `password`, a strong one is generated and emailed.
    pub portal_access: Option<bool>,
    pub password: Option<String>,
    pub send_invite: Option<bool>,
    /// Notification category keys; default from the role.
    pub notification_preferences: Option<Vec<String>>,
    /// Temporary access: the contact's portal access ends then, by itself (the card
    /// stays). Must be in the future.
    pub access_expires_at: Option<DateTime<Utc>>,
    /// Scoped access: limits the contact to these services and domains (none of the
    /// account-wide permissions then). Null or absent: the whole account.
    pub scope: Option<ScopeInput>,
}

/// Fields left out stay as they are; optional text fields set to null are cleared.
#[derive(InputObject)]
pub struct UpdateContactInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: MaybeUndefined<String>,
    pub phone: MaybeUndefined<String>,
    pub company_name: MaybeUndefined<String>,
    pub relationship: MaybeUndefined<String>,
    pub address: Option<AddressInput>,
    pub role: Option<Role>,
    pub permissions: Option<Vec<Permission>>,
    pub notification_preferences: Option<Vec<String>>,
    /// Moves the end of temporary access (in the future), or with null makes the
    /// access permanent. Not on one's own card.
    pub access_expires_at: MaybeUndefined<DateTime<Utc>>,
    /// Scoped access: limits the contact to these services and domains; null gives
    /// them the whole account again.
    pub scope: MaybeUndefined<ScopeInput>,
}

fn patch<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

fn permissions(list: Option<Vec<Permission>>) -> Option<Vec<domain::permissions::Permission>> {
    list.map(|l| l.into_iter().map(Into::into).collect())
}

#[Object]
impl ContactMutation {
    /// Adds a person to an account (MANAGE_CONTACTS).
    async fn add_contact(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        input: AddContactInput,
    ) -> ApiResult<Contact> {
        let account_id = parse_id(&account_id, "account")?;
        let new = NewContact {
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email.filter(|e| !e.trim().is_empty()),
            phone: input.phone,
            company_name: input.company_name,
            relationship: input.relationship,
            address: input.address.map(Into::into),
            role: input.role.into(),
            permissions: permissions(input.permissions),
            portal_access: input.portal_access.unwrap_or(false),
            password: input.password,
            send_invite: input.send_invite.unwrap_or(false),
            notification_preferences: input.notification_preferences,
            access_expires_at: input.access_expires_at,
            scope: input.scope.map(ScopeInput::parse).transpose()?,
        };
        Ok(Contact(
            domain(ctx)
                .contacts()
                .add(actor(ctx)?, account_id, new)
                .await?,
        ))
    }

    /// Edits a contact (MANAGE_CONTACTS).
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateContactInput,
    ) -> ApiResult<Contact> {
        let id = parse_id(&id, "contact")?;
        let changes = ContactChanges {
            first_name: input.first_name,
            last_name: input.last_name,
            email: patch(input.email),
            phone: patch(input.phone),
            company_name: patch(input.company_name),
            relationship: patch(input.relationship),
            address: input.address.map(Into::into),
            role: input.role.map(Into::into),
            permissions: permissions(input.permissions),
            notification_preferences: input.notification_preferences,
            access_expires_at: patch(input.access_expires_at),
            scope: patch(input.scope)
                .map(|scope| scope.map(ScopeInput::parse).transpose())
                .transpose()?,
        };
        Ok(Contact(
            domain(ctx)
                .contacts()
                .update(actor(ctx)?, id, changes)
                .await?,
        ))
    }

    /// Removes a contact for good (MANAGE_CONTACTS and the actor's current password).
    /// Their sessions stop working in this account at once. Returns the removed id.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn remove_contact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        current_password: String,
    ) -> ApiResult<ID> {
        let id = parse_id(&id, "contact")?;
        let removed = domain(ctx)
            .contacts()
            .remove(actor(ctx)?, id, &current_password)
            .await?;
        Ok(ID(removed.to_string()))
    }

    /// Grants or revokes a contact's login; the contact card stays. Needs MANAGE_CONTACTS
    /// and at least the permissions the contact holds.
    async fn set_portal_access(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        enabled: bool,
    ) -> ApiResult<Contact> {
        let id = parse_id(&contact_id, "contact")?;
        Ok(Contact(
            domain(ctx)
                .contacts()
                .set_portal_access(actor(ctx)?, id, enabled)
                .await?,
        ))
    }

    /// Makes another contact with portal access the owner (TRANSFER_OWNERSHIP and the
    /// actor's current password); the previous owner becomes ADMIN.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn transfer_ownership(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        current_password: String,
    ) -> ApiResult<Account> {
        let id = parse_id(&contact_id, "contact")?;
        Ok(Account(
            domain(ctx)
                .accounts()
                .transfer_ownership(actor(ctx)?, id, &current_password)
                .await?,
        ))
    }

    /// Names the contact printed on invoices (MANAGE_ACCOUNT); null clears it. The
    /// account is the contact's, or `accountId` (default: the session's current
    /// account) when clearing.
    async fn set_billing_contact(
        &self,
        ctx: &Context<'_>,
        contact_id: Option<ID>,
        account_id: Option<ID>,
    ) -> ApiResult<Account> {
        let actor = actor(ctx)?;
        let domain = domain(ctx);
        let contact_id = contact_id.map(|id| parse_id(&id, "contact")).transpose()?;
        let account_id = match (contact_id, account_id) {
            (Some(contact_id), _) => domain.contacts().account_of(actor, contact_id).await?,
            (None, Some(account_id)) => parse_id(&account_id, "account")?,
            (None, None) => actor.current_account_id.ok_or_else(|| {
                domain::DomainError::bad_input(
                    "accountId",
                    "name the account, or switch to it first",
                )
            })?,
        };
        Ok(Account(
            domain
                .accounts()
                .set_billing_contact(actor, account_id, contact_id)
                .await?,
        ))
    }
}
