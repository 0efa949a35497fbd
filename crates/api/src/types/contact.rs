use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::entities::contact;

use super::enums::{self, Permission, Role};

/// A person on file under an account, with or without portal access.
pub struct Contact(pub contact::Model);

/// A postal address; every part optional.
#[derive(SimpleObject)]
pub struct Address {
    line1: Option<String>,
    line2: Option<String>,
    city: Option<String>,
    region: Option<String>,
    postal_code: Option<String>,
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

#[Object]
impl Contact {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn first_name(&self) -> &str {
        &self.0.first_name
    }

    async fn last_name(&self) -> &str {
        &self.0.last_name
    }

    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

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

    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// The effective permissions of this contact's role.
    async fn permissions(&self) -> Vec<Permission> {
        enums::permissions(self.0.granted())
    }

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

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
