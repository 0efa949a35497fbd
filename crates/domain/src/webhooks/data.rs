//! What a delivery says of each kind of row: the public shape (camelCase, as the
//! schema names it), never a secret (a service's login is not in it).

use sea_orm::ActiveEnum;
use serde_json::{Value, json};

use crate::entities::{contact, invitation, invoice, service, ticket, ticket_reply};
use crate::permissions;

pub(crate) fn contact(c: &contact::Model) -> Value {
    json!({
        "id": c.id.to_string(), "accountId": c.account_id.to_string(),
        "firstName": c.first_name, "lastName": c.last_name, "email": c.email,
        "phone": c.phone, "companyName": c.company_name, "role": c.role.as_str(),
        "permissions": c.granted().iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "portalAccess": c.user_id.is_some(), "isPrimary": c.is_primary,
        "accessExpiresAt": c.access_expires_at, "scope": c.scope,
    })
}

/// A removed contact: who it was, nothing to reach them by.
pub(crate) fn removed_contact(c: &contact::Model) -> Value {
    json!({
        "id": c.id.to_string(), "accountId": c.account_id.to_string(),
        "firstName": c.first_name, "lastName": c.last_name,
    })
}

pub(crate) fn invitation(i: &invitation::Model) -> Value {
    json!({
        "id": i.id.to_string(), "accountId": i.account_id.to_string(), "email": i.email,
        "role": i.role.as_str(),
        "permissions": permissions::of_stored(i.role, &i.permissions).iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "status": i.status.to_value(), "expiresAt": i.expires_at,
        "accessExpiresAt": i.access_expires_at, "scope": i.scope,
    })
}

pub(crate) fn invoice(i: &invoice::Model) -> Value {
    json!({
        "id": i.id.to_string(), "accountId": i.account_id.to_string(), "number": i.number,
        "status": i.status.to_value(), "total": i.total,
        "currency": i.currency, "dueDate": i.due_date, "paidAt": i.paid_at,
    })
}

pub(crate) fn service(s: &service::Model) -> Value {
    json!({
        "id": s.id.to_string(), "accountId": s.account_id.to_string(),
        "productName": s.product_name, "status": s.status.to_value(),
        "recurringAmount": s.recurring_amount,
    })
}

pub(crate) fn ticket(t: &ticket::Model, message: &ticket_reply::Model) -> Value {
    json!({
        "id": t.id.to_string(), "accountId": t.account_id.to_string(), "subject": t.subject,
        "serviceId": t.service_id.map(|id| id.to_string()),
        "domainId": t.domain_id.map(|id| id.to_string()),
        "message": { "authorName": message.author_name, "body": message.body,
                     "badge": message.badge.to_value() },
    })
}
