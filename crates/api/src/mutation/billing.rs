use crate::context::{actor, domain};
use crate::error::{ApiResult, parse_id};
use crate::scalars::{Date, Decimal};
use crate::types::enums::ServiceStatus;
use crate::types::{DomainName, Invoice, Service};
use async_graphql::{Context, ID, InputObject, Object};
use domain::billing::{NewDomain, NewInvoice, NewService};

#[derive(Default)]
pub struct BillingMutation;

/// A new invoice. The account's INVOICE recipients are emailed.
#[derive(InputObject)]
pub struct CreateInvoiceInput {
    /// Unique in the portal; generated (INV-000042) when left out.
    pub number: Option<String>,
    /// The amount due: not negative, at most 4 decimal places (e.g. `"120.50"`).
    pub total: Decimal,
    /// An ISO 4217 code: three letters (e.g. `EUR`), stored upper case.
    pub currency: String,
    /// The day it must be paid by.
    pub due_date: Date,
}

/// A new service of the account.
#[derive(InputObject)]
pub struct CreateServiceInput {
    /// What it is, as sold (e.g. "Web hosting").
    pub product_name: String,
    /// PENDING when left out.
    pub status: Option<ServiceStatus>,
    /// The service's login name.
    pub username: Option<String>,
    /// The service's login password (shown only with VIEW_SERVICE_PASSWORDS).
    pub password: Option<String>,
    /// What it costs each billing period: not negative, at most 4 decimal places.
    pub recurring_amount: Option<Decimal>,
}

/// A new domain name of the account.
#[derive(InputObject)]
pub struct CreateDomainInput {
    /// The name (e.g. `example.com`); stored lower case, without a trailing dot.
    pub name: String,
    /// The day its registration runs out.
    pub expires_at: Date,
}

#[Object]
impl BillingMutation {
    /// Records a payment of an unpaid or overdue invoice (PAY_INVOICES and VIEW_INVOICES).
    async fn pay_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invoice's id.")] id: ID,
    ) -> ApiResult<Invoice> {
        let id = parse_id(&id, "invoice")?;
        Ok(Invoice(
            domain(ctx).billing().pay_invoice(actor(ctx)?, id).await?,
        ))
    }

    /// Staff: issues an invoice.
    async fn create_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account billed.")] account_id: ID,
        #[graphql(desc = "The invoice.")] input: CreateInvoiceInput,
    ) -> ApiResult<Invoice> {
        let account_id = parse_id(&account_id, "account")?;
        let new = NewInvoice {
            number: input.number,
            total: input.total.0,
            currency: input.currency,
            due_date: input.due_date.0,
        };
        Ok(Invoice(
            domain(ctx)
                .billing()
                .create_invoice(actor(ctx)?, account_id, new)
                .await?,
        ))
    }

    /// Staff: records a service.
    async fn create_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account that has the service.")] account_id: ID,
        #[graphql(desc = "The service.")] input: CreateServiceInput,
    ) -> ApiResult<Service> {
        let account_id = parse_id(&account_id, "account")?;
        let new = NewService {
            product_name: input.product_name,
            status: input.status.map(Into::into),
            username: input.username,
            password: input.password,
            recurring_amount: input.recurring_amount.map(|d| d.0),
        };
        Ok(Service(
            domain(ctx)
                .billing()
                .create_service(actor(ctx)?, account_id, new)
                .await?,
        ))
    }

    /// Staff: provisions, suspends or terminates a service.
    async fn set_service_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service's id.")] id: ID,
        #[graphql(desc = "The new status (never back to PENDING).")] status: ServiceStatus,
    ) -> ApiResult<Service> {
        let id = parse_id(&id, "service")?;
        Ok(Service(
            domain(ctx)
                .billing()
                .set_service_status(actor(ctx)?, id, status.into())
                .await?,
        ))
    }

    /// Staff: records a domain name.
    async fn create_domain(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account that holds the domain.")] account_id: ID,
        #[graphql(desc = "The domain.")] input: CreateDomainInput,
    ) -> ApiResult<DomainName> {
        let account_id = parse_id(&account_id, "account")?;
        let new = NewDomain {
            name: input.name,
            expires_at: input.expires_at.0,
        };
        Ok(DomainName(
            domain(ctx)
                .billing()
                .create_domain(actor(ctx)?, account_id, new)
                .await?,
        ))
    }
}
