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

/// A bill issued to the account. Listed for members with VIEW_INVOICES
/// (`Account.invoices`); its amount and PDF need VIEW_INVOICES wherever it is read.
#[Object]
impl Invoice {
    /// The invoice's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The number printed on it, unique in the portal (`INV-000042` unless staff chose
    /// one).
    async fn number(&self) -> &str {
        &self.0.number
    }

    /// Unpaid, paid, overdue or cancelled.
    async fn status(&self) -> InvoiceStatus {
        self.0.status.into()
    }

    /// The amount due, in `currency` (a string such as `"120.50"`). Needs VIEW_INVOICES.
    #[graphql(guard = "Require::new(Permission::ViewInvoices, self.0.account_id)")]
    async fn total(&self) -> Decimal {
        decimal(&self.0.total)
    }

    /// The ISO 4217 code of `total`'s currency, upper case (e.g. `EUR`).
    async fn currency(&self) -> &str {
        &self.0.currency
    }

    /// The day it must be paid by; unpaid after it, the invoice turns OVERDUE.
    async fn due_date(&self) -> Date {
        Date(self.0.due_date)
    }

    /// Where members with VIEW_INVOICES download it as PDF: an authenticated GET
    /// (`{PUBLIC_URL}/invoices/{id}/pdf`). Needs VIEW_INVOICES.
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

/// A product or service the account has (hosting, a licence, a support plan…). Listed
/// for members with VIEW_SERVICES (a scoped member: those in their scope); its password
/// needs VIEW_SERVICE_PASSWORDS and its price VIEW_INVOICES.
#[Object]
impl Service {
    /// The service's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What it is, as sold (e.g. "Web hosting").
    async fn product_name(&self) -> &str {
        &self.0.product_name
    }

    /// Pending, active, suspended or terminated.
    async fn status(&self) -> ServiceStatus {
        self.0.status.into()
    }

    /// The service's login name, if it has one.
    async fn username(&self) -> Option<&str> {
        self.0.username.as_deref()
    }

    /// The service's login password. Needs VIEW_SERVICE_PASSWORDS.
    #[graphql(guard = "Require::new(Permission::ViewServicePasswords, self.0.account_id)")]
    async fn password(&self) -> Option<&str> {
        self.0.password.as_deref()
    }

    /// What it costs each billing period (no currency is stored with it): a price, so
    /// only for those who may see invoices. Needs VIEW_INVOICES.
    #[graphql(guard = "Require::new(Permission::ViewInvoices, self.0.account_id)")]
    async fn recurring_amount(&self) -> Option<Decimal> {
        self.0.recurring_amount.as_deref().map(decimal)
    }
}

#[derive(Clone)]
pub struct DomainName(pub domain_name::Model);

/// A registered domain name of the account. Listed for members with VIEW_DOMAINS (a
/// scoped member: those in their scope).
#[Object(name = "Domain")]
impl DomainName {
    /// The domain's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The name, lower case, without a trailing dot (e.g. `example.com`).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The day its registration runs out (reminders go 30, 7 and 1 days before).
    async fn expires_at(&self) -> Date {
        Date(self.0.expires_at)
    }
}
