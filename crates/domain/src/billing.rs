//! What the account is billed for and owns: invoices, services and domains. Staff
//! create them; members read them as their permissions allow and pay invoices.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde_json::json;

use crate::access::{Access, require_staff};
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::emails::{self, Amounts, Email};
use crate::entities::invoice::{self, InvoiceStatus};
use crate::entities::service::{self, ServiceStatus};
use crate::entities::{account, contact, domain_name};
use crate::notifications::{Concerns, Notification};
use crate::pagination::{self, Order, Page, PageArgs};
use crate::permissions::Permission;
use crate::webhooks::{EventType, data};
use crate::{Actor, Domain, DomainError, Result, tokens, validate};

#[derive(Clone, Debug)]
pub struct NewInvoice {
    /// Generated (`INV-000042`) when not given.
    pub number: Option<String>,
    pub total: Decimal,
    pub currency: String,
    pub due_date: NaiveDate,
}

#[derive(Clone, Debug)]
pub struct NewService {
    pub product_name: String,
    pub status: Option<ServiceStatus>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub recurring_amount: Option<Decimal>,
}

#[derive(Clone, Debug)]
pub struct NewDomain {
    pub name: String,
    pub expires_at: NaiveDate,
}

/// Everything printed on an invoice.
#[derive(Clone, Debug)]
pub struct InvoiceDocument {
    pub invoice: invoice::Model,
    pub account: account::Model,
    /// The account's billing contact, if one is named.
    pub addressee: Option<contact::Model>,
}

pub struct BillingService<'a> {
    domain: &'a Domain,
}

impl<'a> BillingService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// Staff: issues an invoice to an account, and emails its INVOICE recipients.
    pub async fn create_invoice(
        &self,
        actor: &Actor,
        account_id: i64,
        input: NewInvoice,
    ) -> Result<invoice::Model> {
        let total = money("total", input.total)?;
        let currency = currency(&input.currency)?;
        let number = input
            .number
            .map(|n| validate::name("number", &n))
            .transpose()?;
        let mut change = Change::staff_on_account(self.domain, actor, account_id).await?;
        let now = self.domain.now();
        let placeholder = format!("pending-{}", tokens::generate().1);
        let inserted = invoice::ActiveModel {
            account_id: Set(account_id),
            number: Set(number.clone().unwrap_or(placeholder)),
            status: Set(InvoiceStatus::Unpaid),
            total: Set(total.to_string()),
            currency: Set(currency),
            due_date: Set(input.due_date),
            paid_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(change.conn())
        .await;
        let mut invoice =
            crate::error::on_conflict(inserted, "an invoice with this number already exists")?;
        if number.is_none() {
            let mut model: invoice::ActiveModel = invoice.into();
            model.number = Set(format!("INV-{:06}", model.id.as_ref()));
            invoice = model.update(change.conn()).await?;
        }
        change
            .notify_contacts(invoice_notification(&invoice, Email::InvoiceCreated))
            .await?;
        change
            .webhook(
                account_id,
                EventType::InvoiceCreated,
                data::invoice(&invoice),
            )
            .await?;
        let record = AuditRecord::new(AuditAction::InvoiceCreate)
            .account(account_id)
            .target("invoice", invoice.id)
            .details(json!({
                "number": invoice.number,
                "total": invoice.total,
                "currency": invoice.currency,
            }));
        change.commit(actor.into(), record).await?;
        Ok(invoice)
    }

    /// Records the payment of an unpaid or overdue invoice (no gateway here), and emails
    /// the account's INVOICE recipients.
    pub async fn pay_invoice(&self, actor: &Actor, invoice_id: i64) -> Result<invoice::Model> {
        let account_id = find_invoice(self.domain.db(), invoice_id).await?.account_id;
        let (mut change, access) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::PayInvoices,
            "invoice",
        )
        .await?;
        // Paying needs seeing: you pay what you can read.
        access.require(Permission::ViewInvoices)?;
        let invoice = find_invoice(change.conn(), invoice_id).await?;
        let now = self.domain.now();
        // Conditional: of two concurrent payments, one records it, the other conflicts.
        let paid = invoice::Entity::update_many()
            .col_expr(invoice::Column::Status, Expr::value(InvoiceStatus::Paid))
            .col_expr(invoice::Column::PaidAt, Expr::value(now))
            .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
            .filter(invoice::Column::Id.eq(invoice.id))
            .filter(invoice::Column::Status.is_in(InvoiceStatus::OPEN))
            .exec(change.conn())
            .await?;
        if paid.rows_affected != 1 {
            let state = match invoice.status {
                InvoiceStatus::Cancelled => "cancelled",
                _ => "already paid",
            };
            return Err(DomainError::conflict(format!(
                "invoice {} is {state}",
                invoice.number
            )));
        }
        let paid = find_invoice(change.conn(), invoice.id).await?;
        change
            .notify_contacts(invoice_notification(&paid, Email::PaymentReceived))
            .await?;
        change
            .webhook(account_id, EventType::InvoicePaid, data::invoice(&paid))
            .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::InvoicePay)
                    .account(invoice.account_id)
                    .target("invoice", invoice.id)
                    .details(json!({ "total": invoice.total, "currency": invoice.currency })),
            )
            .await?;
        Ok(paid)
    }

    /// Staff: records a service the account has (one created ACTIVE is announced to the
    /// PRODUCT recipients).
    pub async fn create_service(
        &self,
        actor: &Actor,
        account_id: i64,
        input: NewService,
    ) -> Result<service::Model> {
        let product_name = validate::name("productName", &input.product_name)?;
        let username = validate::optional_line(
            "username",
            input.username.as_deref(),
            validate::MAX_LINE_LEN,
        )?;
        let password = validate::optional_line(
            "password",
            input.password.as_deref(),
            validate::MAX_LINE_LEN,
        )?;
        let recurring = input
            .recurring_amount
            .map(|a| money("recurringAmount", a))
            .transpose()?;
        let mut change = Change::staff_on_account(self.domain, actor, account_id).await?;
        let now = self.domain.now();
        let service = service::ActiveModel {
            account_id: Set(account_id),
            product_name: Set(product_name),
            status: Set(input.status.unwrap_or(ServiceStatus::Pending)),
            username: Set(username),
            password: Set(password),
            recurring_amount: Set(recurring.map(|a| a.to_string())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(change.conn())
        .await?;
        // A service created running was provisioned; one created pending waits for
        // `setServiceStatus`.
        if service.status == ServiceStatus::Active {
            change
                .notify_contacts(service_notification(&service))
                .await?;
        }
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::ServiceCreate)
                    .account(account_id)
                    .target("service", service.id),
            )
            .await?;
        Ok(service)
    }

    /// Staff: provisions, suspends or terminates a service, and tells the PRODUCT
    /// recipients.
    pub async fn set_service_status(
        &self,
        actor: &Actor,
        service_id: i64,
        status: ServiceStatus,
    ) -> Result<service::Model> {
        require_staff(actor)?;
        let account_id = find_service(self.domain.db(), service_id).await?.account_id;
        let mut change = Change::staff_on_account(self.domain, actor, account_id).await?;
        let service = find_service(change.conn(), service_id).await?;
        let mut model: service::ActiveModel = service.clone().into();
        model.status = Set(status);
        model.updated_at = Set(change.now());
        let updated = model.update(change.conn()).await?;
        // People hear of a status the service reaches, not of one it already had, nor
        // of a move back to PENDING (nothing for them to act on).
        if status != service.status && status != ServiceStatus::Pending {
            change
                .notify_contacts(service_notification(&updated))
                .await?;
        }
        if status != service.status {
            change
                .webhook(
                    service.account_id,
                    EventType::ServiceStatusChanged,
                    data::service(&updated),
                )
                .await?;
        }
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::ServiceSetStatus)
                    .account(service.account_id)
                    .target("service", service.id)
                    .details(json!({ "status": format!("{status:?}").to_uppercase() })),
            )
            .await?;
        Ok(updated)
    }

    /// Staff: records a domain name the account holds.
    pub async fn create_domain(
        &self,
        actor: &Actor,
        account_id: i64,
        input: NewDomain,
    ) -> Result<domain_name::Model> {
        let name = domain_name_valid(&input.name)?;
        let change = Change::staff_on_account(self.domain, actor, account_id).await?;
        let domain = domain_name::ActiveModel {
            account_id: Set(account_id),
            name: Set(name),
            expires_at: Set(input.expires_at),
            created_at: Set(change.now()),
            ..Default::default()
        }
        .insert(change.conn())
        .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::DomainCreate)
                    .account(account_id)
                    .target("domain", domain.id),
            )
            .await?;
        Ok(domain)
    }

    /// A page of the account's invoices, newest first (VIEW_INVOICES).
    pub async fn invoices(&self, access: &Access, args: PageArgs) -> Result<Page<invoice::Model>> {
        access.require(Permission::ViewInvoices)?;
        let select =
            invoice::Entity::find().filter(invoice::Column::AccountId.eq(access.account_id()));
        pagination::page(
            self.domain.db(),
            select,
            invoice::Column::Id,
            args,
            Order::NewestFirst,
        )
        .await
    }

    /// A page of the account's services the actor sees (VIEW_SERVICES; a scoped member,
    /// those in their scope).
    pub async fn services(&self, access: &Access, args: PageArgs) -> Result<Page<service::Model>> {
        access.require(Permission::ViewServices)?;
        let select = service::Entity::find().filter(access.services());
        pagination::page(
            self.domain.db(),
            select,
            service::Column::Id,
            args,
            Order::OldestFirst,
        )
        .await
    }

    /// A page of the account's domain names the actor sees (VIEW_DOMAINS; a scoped
    /// member, those in their scope).
    pub async fn domains(
        &self,
        access: &Access,
        args: PageArgs,
    ) -> Result<Page<domain_name::Model>> {
        access.require(Permission::ViewDomains)?;
        let select = domain_name::Entity::find().filter(access.domains());
        pagination::page(
            self.domain.db(),
            select,
            domain_name::Column::Id,
            args,
            Order::OldestFirst,
        )
        .await
    }

    /// What an invoice document shows, for an actor with VIEW_INVOICES on its account:
    /// the invoice, the account, and the billing contact printed as the addressee.
    pub async fn invoice_document(
        &self,
        actor: &Actor,
        invoice_id: i64,
    ) -> Result<InvoiceDocument> {
        let invoice = find_invoice(self.domain.db(), invoice_id).await?;
        self.domain
            .require(
                actor,
                invoice.account_id,
                Permission::ViewInvoices,
                "invoice",
            )
            .await?;
        let account = account::Entity::find_by_id(invoice.account_id)
            .one(self.domain.db())
            .await?
            .ok_or(DomainError::NotFound("invoice"))?;
        let addressee = match account.billing_contact_id {
            Some(id) => {
                contact::Entity::find_by_id(id)
                    .one(self.domain.db())
                    .await?
            }
            None => None,
        };
        Ok(InvoiceDocument {
            invoice,
            account,
            addressee,
        })
    }
}

/// An invoice's email (`invoice_created`, `payment_received`): everyone in INVOICE
/// learns its number and due date; only those who may see invoices learn the total.
fn invoice_notification<'a>(
    invoice: &invoice::Model,
    email: fn(emails::InvoiceIssued) -> Email,
) -> Notification<'a> {
    Notification {
        account_id: invoice.account_id,
        category: "INVOICE",
        email: email(emails::InvoiceIssued {
            invoice: emails::InvoiceRef {
                number: invoice.number.clone(),
                due_date: invoice.due_date.to_string(),
            },
        }),
        amounts: Some(Amounts::Invoice {
            total: invoice.total.clone(),
            currency: invoice.currency.clone(),
        }),
        author: None,
        concerns: Concerns::Account,
    }
}

/// A service's new status (`service_status`): the product's name for everyone in
/// PRODUCT, its price only as an amount, and never its username or password.
fn service_notification(service: &service::Model) -> Notification<'static> {
    Notification {
        account_id: service.account_id,
        category: "PRODUCT",
        email: Email::ServiceStatus(emails::ServiceStatus {
            service: emails::ServiceRef {
                product_name: service.product_name.clone(),
                status: service.status.to_value(),
            },
        }),
        amounts: service
            .recurring_amount
            .as_ref()
            .map(|amount| Amounts::Price {
                recurring_amount: amount.clone(),
            }),
        author: None,
        concerns: Concerns::Service(service.id),
    }
}

/// An invoice by id, read on `conn` (a change's transaction or the pool).
async fn find_invoice(conn: &impl ConnectionTrait, invoice_id: i64) -> Result<invoice::Model> {
    invoice::Entity::find_by_id(invoice_id)
        .one(conn)
        .await?
        .ok_or(DomainError::NotFound("invoice"))
}

/// A service by id, read on `conn`.
async fn find_service(conn: &impl ConnectionTrait, service_id: i64) -> Result<service::Model> {
    service::Entity::find_by_id(service_id)
        .one(conn)
        .await?
        .ok_or(DomainError::NotFound("service"))
}

/// Amounts are non-negative with at most 4 decimal places.
fn money(field: &'static str, amount: Decimal) -> Result<Decimal> {
    if amount.is_sign_negative() {
        return Err(DomainError::bad_input(
            field,
            format!("{field} must not be negative"),
        ));
    }
    if amount.scale() > 4 {
        return Err(DomainError::bad_input(
            field,
            format!("{field} has more than 4 decimal places"),
        ));
    }
    Ok(amount)
}

/// An ISO 4217 code: three letters, stored upper-case.
fn currency(code: &str) -> Result<String> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(DomainError::bad_input(
            "currency",
            "currency must be a three-letter code such as EUR",
        ))
    }
}

fn domain_name_valid(name: &str) -> Result<String> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels_ok = name.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    if name.len() <= 253 && name.contains('.') && labels_ok {
        Ok(name)
    } else {
        Err(DomainError::bad_input("name", "not a valid domain name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_currency_and_domain_checks() {
        assert!(money("total", Decimal::from_str("120.50").unwrap()).is_ok());
        assert!(money("total", Decimal::from_str("-1").unwrap()).is_err());
        assert!(money("total", Decimal::from_str("0.00001").unwrap()).is_err());
        assert_eq!(currency(" eur ").unwrap(), "EUR");
        assert!(currency("EURO").is_err());
        assert_eq!(domain_name_valid("Example.COM.").unwrap(), "example.com");
        assert!(domain_name_valid("localhost").is_err());
        assert!(domain_name_valid("bad_name.com").is_err());
    }
}
