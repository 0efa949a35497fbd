//! What each email shows: one variant per template, its data a struct, so a template's
//! fields are named once and a missing one is a compile error rather than an email
//! that fails to render. The outbox renders `Email::template()` with `Email::data()`;
//! notifications add each recipient's own fields (their name, their links) and, for
//! those who may see them, the amounts ([`Amounts`]).

use serde::Serialize;
use serde_json::Value;

use crate::permissions::Role;

/// Every email the portal sends, by the template that renders it (the mail crate holds
/// one subject, text and HTML file of each name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Template {
    PasswordReset,
    GeneratedPassword,
    Invitation,
    Notification,
    InvoiceReminder,
    DomainExpiry,
    InvoiceCreated,
    PaymentReceived,
    ServiceStatus,
    TicketOpened,
    TicketReplied,
    AccountUpdated,
    SecurityNotice,
    DataExport,
}

impl Template {
    pub const ALL: [Template; 14] = [
        Self::PasswordReset,
        Self::GeneratedPassword,
        Self::Invitation,
        Self::Notification,
        Self::InvoiceReminder,
        Self::DomainExpiry,
        Self::InvoiceCreated,
        Self::PaymentReceived,
        Self::ServiceStatus,
        Self::TicketOpened,
        Self::TicketReplied,
        Self::AccountUpdated,
        Self::SecurityNotice,
        Self::DataExport,
    ];

    /// The template's name: its files are `{name}.subject`, `.txt` and `.html`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::GeneratedPassword => "generated_password",
            Self::Invitation => "invitation",
            Self::Notification => "notification",
            Self::InvoiceReminder => "invoice_reminder",
            Self::DomainExpiry => "domain_expiry",
            Self::InvoiceCreated => "invoice_created",
            Self::PaymentReceived => "payment_received",
            Self::ServiceStatus => "service_status",
            Self::TicketOpened => "ticket_opened",
            Self::TicketReplied => "ticket_replied",
            Self::AccountUpdated => "account_updated",
            Self::SecurityNotice => "security_notice",
            Self::DataExport => "data_export",
        }
    }
}

impl std::fmt::Display for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An email, by template, with what it shows every recipient.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Email {
    PasswordReset(PasswordReset),
    GeneratedPassword(GeneratedPassword),
    Invitation(Invitation),
    SecurityNotice(SecurityNotice),
    Notification(Message),
    InvoiceReminder(InvoiceReminder),
    DomainExpiry(DomainExpiry),
    InvoiceCreated(InvoiceIssued),
    PaymentReceived(InvoiceIssued),
    ServiceStatus(ServiceStatus),
    TicketOpened(TicketMessage),
    TicketReplied(TicketMessage),
    AccountUpdated(AccountUpdated),
    DataExport(DataExport),
}

impl Email {
    pub(crate) fn template(&self) -> Template {
        match self {
            Self::PasswordReset(_) => Template::PasswordReset,
            Self::GeneratedPassword(_) => Template::GeneratedPassword,
            Self::Invitation(_) => Template::Invitation,
            Self::SecurityNotice(_) => Template::SecurityNotice,
            Self::Notification(_) => Template::Notification,
            Self::InvoiceReminder(_) => Template::InvoiceReminder,
            Self::DomainExpiry(_) => Template::DomainExpiry,
            Self::InvoiceCreated(_) => Template::InvoiceCreated,
            Self::PaymentReceived(_) => Template::PaymentReceived,
            Self::ServiceStatus(_) => Template::ServiceStatus,
            Self::TicketOpened(_) => Template::TicketOpened,
            Self::TicketReplied(_) => Template::TicketReplied,
            Self::AccountUpdated(_) => Template::AccountUpdated,
            Self::DataExport(_) => Template::DataExport,
        }
    }

    /// The template's data: the variant's fields, as the template reads them.
    pub(crate) fn data(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|err| {
            // Plain structs of strings and numbers always serialize.
            tracing::error!(%err, template = %self.template(), "an email's data did not serialize");
            Value::Null
        })
    }
}

/// `password_reset`: the link, and how long it lives.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PasswordReset {
    pub first_name: String,
    pub link: String,
    pub ttl_minutes: u64,
}

/// `data_export`: the link to an export (a person's own data, or `account_name`'s).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct DataExport {
    pub first_name: String,
    pub account_name: Option<String>,
    pub link: String,
    pub ttl_hours: u64,
}

/// `generated_password`: a login made for someone, with its temporary password.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct GeneratedPassword {
    pub first_name: String,
    pub account_name: String,
    pub email: String,
    pub password: String,
}

/// `invitation`: who invites, to which account, as what, and the link.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Invitation {
    pub inviter_name: String,
    pub account_name: String,
    pub role: Role,
    pub link: String,
    pub ttl_hours: i64,
}

/// `security_notice`: one template, one `kind` per case; fields a kind does not use
/// are empty.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct SecurityNotice {
    pub kind: &'static str,
    pub first_name: String,
    pub at: String,
    pub ip: String,
    pub user_agent: String,
    pub by_staff: bool,
    pub account_name: String,
    /// The API token a notice is about.
    pub token_name: String,
}

/// `notification`: staff's message in a category.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Message {
    pub subject: String,
    pub body: String,
}

/// `invoice_reminder`: an invoice due soon, today or overdue.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct InvoiceReminder {
    pub number: String,
    pub due_date: String,
    pub when: &'static str,
}

/// `domain_expiry`: a domain expiring in `days`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct DomainExpiry {
    pub name: String,
    pub expires_on: String,
    pub days: i64,
}

/// `invoice_created`, `payment_received`: the invoice (its amounts are [`Amounts`]).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct InvoiceIssued {
    pub invoice: InvoiceRef,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct InvoiceRef {
    pub number: String,
    pub due_date: String,
}

/// `service_status`: the product and its new status (its price is [`Amounts`]; never
/// its username or password).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ServiceStatus {
    pub service: ServiceRef,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct ServiceRef {
    pub product_name: String,
    pub status: String,
}

/// `ticket_opened`, `ticket_replied`: the ticket and the message.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TicketMessage {
    pub ticket: TicketRef,
    pub message: MessageRef,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct TicketRef {
    pub id: i64,
    pub subject: String,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct MessageRef {
    pub author_name: String,
    pub body: String,
}

/// `account_updated`: what changed (`owner`, `billing_contact`, `access_expired`) and
/// whom it names now, if anyone.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct AccountUpdated {
    pub change: &'static str,
    pub contact: Option<Named>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Named {
    pub name: String,
}

/// Amounts an email shows only to recipients who may see invoices.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Amounts {
    Invoice { total: String, currency: String },
    Price { recurring_amount: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_the_variants_fields_by_name() {
        let email = Email::AccountUpdated(AccountUpdated {
            change: "owner",
            contact: Some(Named {
                name: "Ann Lee".into(),
            }),
        });
        assert_eq!(email.template(), Template::AccountUpdated);
        assert_eq!(
            email.data(),
            serde_json::json!({ "change": "owner", "contact": { "name": "Ann Lee" } })
        );
        let amounts = Amounts::Invoice {
            total: "1.00".into(),
            currency: "EUR".into(),
        };
        assert_eq!(
            serde_json::to_value(amounts).unwrap(),
            serde_json::json!({ "total": "1.00", "currency": "EUR" })
        );
    }
}
