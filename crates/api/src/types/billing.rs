use std::str::FromStr;

use super::enums::{InvoiceStatus, ServiceStatus};
use crate::guards::Require;
use crate::scalars::{Date, Decimal};
use async_graphql::{Context, ID, Object};
use domain::entities::{domain_name, invoice, service};
use domain::permissions::Permission;

/// Stored amounts are decimal text written by the domain; parse back exactly.
fn decimal(text: &str) -> Decimal {
    Decimal(rust_decimal::Decimal::from_str(text).unwrap_or_default())
}

pub struct Invoice(pub invoice::Model);

#[Object]
impl Invoice {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn number(&self) -> &str {
        &self.0.number
    }

    async fn status(&self) -> InvoiceStatus {
        self.0.status.into()
    }

    /// Needs VIEW_INVOICES.
    #[graphql(guard = "Require::new(Permission::ViewInvoices, self.0.account_id)")]
    async fn total(&self) -> Decimal {
        decimal(&self.0.total)
    }

    async fn currency(&self) -> &str {
        &self.0.currency
    }

    async fn due_date(&self) -> Date {
        Date(self.0.due_date)
    }

    /// Where members with VIEW_INVOICES download it (an authenticated GET).
    #[graphql(guard = "Require::new(Permission::ViewInvoices, self.0.account_id)")]
    async fn pdf_url(&self, ctx: &Context<'_>) -> Option<String> {
        Some(format!(
            "{}/invoices/{}/pdf",
            crate::context::domain(ctx).config().public_url,
            self.0.id
        ))
    }
}

pub struct Service(pub service::Model);

#[Object]
impl Service {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn product_name(&self) -> &str {
        &self.0.product_name
    }

    async fn status(&self) -> ServiceStatus {
        self.0.status.into()
    }

    async fn username(&self) -> Option<&str> {
        self.0.username.as_deref()
    }

    /// The service's login password. Needs VIEW_SERVICE_PASSWORDS.
    #[graphql(guard = "Require::new(Permission::ViewServicePasswords, self.0.account_id)")]
    async fn password(&self) -> Option<&str> {
        self.0.password.as_deref()
    }

    /// A price: only for those who may see invoices. Needs VIEW_INVOICES.
    #[graphql(guard = "Require::new(Permission::ViewInvoices, self.0.account_id)")]
    async fn recurring_amount(&self) -> Option<Decimal> {
        self.0.recurring_amount.as_deref().map(decimal)
    }
}

#[derive(Clone)]
pub struct DomainName(pub domain_name::Model);

/// A registered domain name.
#[Object(name = "Domain")]
impl DomainName {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn expires_at(&self) -> Date {
        Date(self.0.expires_at)
    }
}
