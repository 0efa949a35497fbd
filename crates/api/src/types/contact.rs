use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::entities::contact;

use super::enums::{self, Permission, Role};

/// A person on file under an account, with or without portal access.
pub struct Contact(pub contact::Model);

/// A postal address, as entered: free text, every part optional.
#[derive(SimpleObject)]
pub struct Address {
    /// Street and number.
    line1: Option<String>,
    /// More of the street address (building, floor, unit).
    line2: Option<String>,
    /// City or town.
    city: Option<String>,
    /// State, province or county.
    region: Option<String>,
    /// Postal or ZIP code.
    postal_code: Option<String>,
    /// Country, as entered.
    country: Option<String>,
}

impl From<domain::Address> for Address {
    fn from(a: domain::Address) -> Self {
        Self {
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

/// A person on file under one account, with or without portal access (a login linked
/// to the card). Members with MANAGE_CONTACTS see every contact of the account; any
/// member sees the owner's and the billing contact's cards and their own
/// (`Membership.contact`).
#[Object]
impl Contact {
    /// The contact's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Given name.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }

    /// Family name.
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }

    /// Email address, unique among the account's contacts (null: none on file).
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Phone number, as entered.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// The company the contact is with.
    async fn company_name(&self) -> Option<&str> {
        self.0.company_name.as_deref()
    }

    /// Free text: spouse, assistant, bookkeeper…
    async fn relationship(&self) -> Option<&str> {
        self.0.relationship.as_deref()
    }

    /// Null when no part of the address is on file.
    async fn address(&self) -> Option<Address> {
        domain::Address::of_contact(&self.0).map(Address::from)
    }

    /// The contact's role in the account (with or without portal access).
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// The effective permissions of this contact's role.
    async fn permissions(&self) -> Vec<Permission> {
        enums::permissions(self.0.granted())
    }

    /// The primary contact: the owner's card, one per account; it cannot be removed.
    async fn is_primary(&self) -> bool {
        self.0.is_primary
    }

    /// Whether the contact can sign in (is linked to a login).
    async fn portal_access(&self) -> bool {
        self.0.user_id.is_some()
    }

    /// Temporary access: when the contact's portal access ends by itself (null:
    /// permanent).
    async fn access_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.access_expires_at
    }

    /// Scoped access: the services and domains the contact looks after (null: the
    /// whole account).
    async fn scope(&self) -> Option<super::Scope> {
        self.0.scope.clone().map(super::Scope)
    }

    /// The notification category keys this contact receives.
    async fn notification_preferences(&self) -> Vec<String> {
        serde_json::from_value(self.0.notification_preferences.clone()).unwrap_or_default()
    }

    /// When the contact was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the card last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
