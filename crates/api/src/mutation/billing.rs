use crate::context::{actor, domain};
use crate::error::{ApiResult, parse_id};
use crate::scalars::{Date, Decimal};
use crate::types::enums::ServiceStatus;
use crate::types::{DomainName, Invoice, Service};
use async_graphql::{Context, ID, InputObject, Object};
use domain::billing::{NewDomain, NewInvoice, NewService};

#[derive(Default)]
pub struct BillingMutation;

#[derive(InputObject)]
pub struct CreateInvoiceInput {
    /// Generated (INV-000042) when left out.
    pub number: Option<String>,
    pub total: Decimal,
    pub currency: String,
    pub due_date: Date,
}

#[derive(InputObject)]
pub struct CreateServiceInput {
    pub product_name: String,
    pub status: Option<ServiceStatus>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub recurring_amount: Option<Decimal>,
}

#[derive(InputObject)]
pub struct CreateDomainInput {
    pub name: String,
    pub expires_at: Date,
}

#[Object]
impl BillingMutation {
    /// Records a payment of an unpaid or overdue invoice (PAY_INVOICES and VIEW_INVOICES).
    async fn pay_invoice(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Invoice> {
        let id = parse_id(&id, "invoice")?;
        Ok(Invoice(
            domain(ctx).billing().pay_invoice(actor(ctx)?, id).await?,
        ))
    }

    /// Staff: issues an invoice.
    async fn create_invoice(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        input: CreateInvoiceInput,
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
        account_id: ID,
        input: CreateServiceInput,
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
        id: ID,
        status: ServiceStatus,
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
        account_id: ID,
        input: CreateDomainInput,
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
