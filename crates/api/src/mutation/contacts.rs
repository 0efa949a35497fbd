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

/// A postal address: free text, every part optional, each at most 200 characters on
/// one line. Blank parts are stored as none.
#[derive(InputObject, Clone)]
pub struct AddressInput {
    /// Street and number.
    pub line1: Option<String>,
    /// More of the street address (building, floor, unit).
    pub line2: Option<String>,
    /// City or town.
    pub city: Option<String>,
    /// State, province or county.
    pub region: Option<String>,
    /// Postal or ZIP code.
    pub postal_code: Option<String>,
    /// Country.
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

/// A new contact card, optionally with a login (`portalAccess`) or an invitation
/// (`sendInvite`).
#[derive(InputObject)]
pub struct AddContactInput {
    /// Given name (at most 200 characters).
    pub first_name: String,
    /// Family name (at most 200 characters).
    pub last_name: String,
    /// Email address, unique among the account's contacts; needed for portal access or
    /// an invitation.
    pub email: Option<String>,
    /// Phone number (at most 50 characters).
    pub phone: Option<String>,
    /// The company the contact is with.
    pub company_name: Option<String>,
    /// Free text: spouse, assistant, bookkeeper…
    pub relationship: Option<String>,
    /// Postal address.
    pub address: Option<AddressInput>,
    /// Never OWNER: ownership only moves by `transferOwnership`.
    pub role: Role,
    /// For the CUSTOM role: the permissions picked one by one.
    pub permissions: Option<Vec<Permission>>,
    /// Give the contact a login. Without `password`, a strong one is generated and emailed.
    pub portal_access: Option<bool>,
    /// With `portalAccess`: the login's password (10 to 256 characters, not one of the
    /// most common).
    pub password: Option<String>,
    /// Email the contact an invitation link instead of making a login (not with
    /// `password`): accepting it gives them portal access.
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
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Email address, unique among the account's contacts; null clears it (not on a
    /// contact with portal access).
    pub email: MaybeUndefined<String>,
    /// Phone number; null clears it.
    pub phone: MaybeUndefined<String>,
    /// The company the contact is with; null clears it.
    pub company_name: MaybeUndefined<String>,
    /// Free text (spouse, assistant, bookkeeper…); null clears it.
    pub relationship: MaybeUndefined<String>,
    /// The whole address: it replaces every part (a part left out is cleared).
    pub address: Option<AddressInput>,
    /// The new role (never OWNER).
    pub role: Option<Role>,
    /// For the CUSTOM role: the permissions picked one by one.
    pub permissions: Option<Vec<Permission>>,
    /// The notification category keys the contact receives (the whole list).
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
        #[graphql(desc = "The account to add the contact to.")] account_id: ID,
        #[graphql(desc = "The contact.")] input: AddContactInput,
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
        #[graphql(desc = "The contact's id.")] id: ID,
        #[graphql(desc = "What changes.")] input: UpdateContactInput,
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
        #[graphql(desc = "The contact's id.")] id: ID,
        #[graphql(desc = "The acting person's current password.")] current_password: String,
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
        #[graphql(desc = "The contact's id.")] contact_id: ID,
        #[graphql(
            desc = "True gives the contact a login (it needs an email; a generated password is emailed); false takes it away."
        )]
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
        #[graphql(desc = "The new owner: a contact of the account with portal access.")]
        contact_id: ID,
        #[graphql(desc = "The acting person's current password.")] current_password: String,
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
        #[graphql(desc = "The contact to name; null clears the billing contact.")]
        contact_id: Option<ID>,
        #[graphql(
            desc = "When clearing: the account (default: the session's current account). Not read when a contact is named."
        )]
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
