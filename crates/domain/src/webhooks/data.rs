//! What a delivery says of each kind of row: the public shape (camelCase, as the
//! schema names it), never a secret (a service's login is not in it); and what of it
//! a delivery's recipient may see.

use sea_orm::ActiveEnum;
use serde_json::{Value, json};

use crate::access::Access;
use crate::entities::{contact, invitation, invoice, service, ticket, ticket_reply};
use crate::permissions::{self, Permission};

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

/// A delivery's body as `access` may see its data now: no amounts without
/// VIEW_INVOICES, a contact's details only with MANAGE_CONTACTS, a ticket only with
/// VIEW_TICKETS, a service or ticket outside the scope reduced to its id (a service's
/// login is never in a payload at all).
pub fn visible(access: &Access, payload: &Value) -> Value {
    let mut payload = payload.clone();
    let event_type = payload["type"].as_str().unwrap_or_default().to_owned();
    let data = &mut payload["data"];
    let keep_only = |data: &mut Value, keep: &[&str]| {
        if let Value::Object(fields) = data {
            fields.retain(|name, _| keep.contains(&name.as_str()));
        }
    };
    let id_of =
        |data: &Value, field: &str| data[field].as_str().and_then(|id| id.parse::<i64>().ok());
    match event_type.split('.').next().unwrap_or_default() {
        "contact" | "invitation" if !access.has(Permission::ManageContacts) => {
            keep_only(data, &["id", "accountId"]);
        }
        "invoice" if !access.has(Permission::ViewInvoices) => {
            keep_only(data, &["id", "accountId", "number", "status", "dueDate"]);
        }
        "service" => {
            let in_view = id_of(data, "id").is_some_and(|id| access.sees_service(id));
            if !access.has(Permission::ViewServices) || !in_view {
                keep_only(data, &["id", "accountId"]);
            } else if !access.has(Permission::ViewInvoices) {
                keep_only(data, &["id", "accountId", "productName", "status"]);
            }
        }
        "ticket" => {
            let in_view = id_of(data, "serviceId").is_none_or(|id| access.sees_service(id))
                && id_of(data, "domainId").is_none_or(|id| access.sees_domain(id));
            if !access.has(Permission::ViewTickets) || !in_view {
                keep_only(data, &["id", "accountId"]);
            }
        }
        _ => {}
    }
    payload
}
