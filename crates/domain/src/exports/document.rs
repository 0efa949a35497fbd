//! The documents an export link downloads. Their shapes are versioned and described by
//! JSON Schemas in `docs/schemas/` (a test validates a real export against them): a
//! change of shape is a new `version`. No secret is in either: no password or token
//! hash, no TOTP secret, no passkey key, no service password, no webhook secret.

use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::access::Access;
use crate::entities::{
    account, audit_entry, contact, domain_name, email, invoice, passkey, service, session, ticket,
    ticket_reply, user,
};
use crate::outbox::addressed_to;
use crate::permissions::{self, Permission};
use crate::{Domain, DomainError, Result};

/// The personal document's `format` and `version` (docs/schemas/personal-data.v1.json).
pub const PERSONAL_FORMAT: &str = "clientele.personal-data";
/// The account document's (docs/schemas/account-export.v1.json).
pub const ACCOUNT_FORMAT: &str = "clientele.account-export";
pub const VERSION: u32 = 1;

/// Rows read per query for the sections that can be long (audit entries, emails).
const PAGE: u64 = 500;

/// Where a streamed document goes, piece by piece; closed when the client is gone.
pub type Sink = mpsc::Sender<Vec<u8>>;

impl Domain {
    /// Writes everything held about `login` to `out`, as one JSON document, a section
    /// at a time: profile, memberships, contact cards (with their notification
    /// preferences), sessions, API tokens, passkeys, the tickets they opened, the
    /// replies they wrote, the audit entries they made, and the emails sent to them
    /// (metadata, not bodies, which are not kept once sent).
    pub async fn write_personal_data(&self, login: &user::Model, out: &Sink) -> Result<()> {
        let db = self.db();
        let mut doc = Streamed::begin(out, PERSONAL_FORMAT, self.now()).await?;
        doc.field(
            "profile",
            &json!({
                "id": login.id.to_string(), "email": login.email,
                "firstName": login.first_name, "lastName": login.last_name,
                "isStaff": login.is_staff, "twoFactorEnabled": login.totp_secret.is_some(),
                "createdAt": login.created_at, "updatedAt": login.updated_at,
            }),
        )
        .await?;

        let cards = contact::Entity::find()
            .filter(contact::Column::UserId.eq(login.id))
            .find_also_related(account::Entity)
            .order_by_asc(contact::Column::Id)
            .all(db)
            .await?;
        let memberships: Vec<Value> = cards
            .iter()
            .map(|(card, account)| {
                json!({
                    "accountId": card.account_id.to_string(),
                    "accountName": account.as_ref().map(|a| a.name.clone()),
                    "contactId": card.id.to_string(),
                    "role": card.role.as_str(),
                    "permissions": permission_names(card),
                    "isOwner": card.is_primary,
                    "accessGrantedAt": card.access_granted_at,
                    "accessExpiresAt": card.access_expires_at,
                })
            })
            .collect();
        doc.field("memberships", &Value::Array(memberships)).await?;
        let cards: Vec<Value> = cards.iter().map(|(card, _)| contact_card(card)).collect();
        doc.field("contactCards", &Value::Array(cards)).await?;

        let sessions = session::Entity::find()
            .filter(session::Column::UserId.eq(login.id))
            .order_by_asc(session::Column::Id)
            .all(db)
            .await?;
        let (tokens, sessions): (Vec<_>, Vec<_>) = sessions
            .into_iter()
            .partition(|s| s.api_token_name.is_some());
        let sessions: Vec<Value> = sessions
            .iter()
            .map(|s| {
                json!({
                    "id": s.id.to_string(), "createdAt": s.created_at, "lastSeenAt": s.last_seen_at,
                    "expiresAt": s.expires_at, "ipAddress": s.ip_address, "userAgent": s.user_agent,
                    "currentAccountId": s.current_account_id.map(|id| id.to_string()),
                })
            })
            .collect();
        doc.field("sessions", &Value::Array(sessions)).await?;
        let tokens: Vec<Value> = tokens
            .iter()
            .map(|t| {
                json!({
                    "id": t.id.to_string(), "name": t.api_token_name,
                    "accountId": t.current_account_id.map(|id| id.to_string()),
                    "permissions": t.api_token_permissions.clone().unwrap_or(Value::Array(vec![])),
                    "createdAt": t.created_at, "lastUsedAt": t.last_seen_at, "expiresAt": t.expires_at,
                })
            })
            .collect();
        doc.field("apiTokens", &Value::Array(tokens)).await?;

        let passkeys: Vec<Value> = passkey::Entity::find()
            .filter(passkey::Column::UserId.eq(login.id))
            .order_by_asc(passkey::Column::Id)
            .all(db)
            .await?
            .iter()
            .map(|p| {
                json!({
                    "id": p.id.to_string(), "name": p.name, "createdAt": p.created_at,
                    "lastUsedAt": p.last_used_at,
                })
            })
            .collect();
        doc.field("passkeys", &Value::Array(passkeys)).await?;

        let tickets: Vec<Value> = ticket::Entity::find()
            .filter(ticket::Column::OpenedByUserId.eq(login.id))
            .order_by_asc(ticket::Column::Id)
            .all(db)
            .await?
            .iter()
            .map(ticket_summary)
            .collect();
        doc.field("ticketsOpened", &Value::Array(tickets)).await?;
        let replies: Vec<Value> = ticket_reply::Entity::find()
            .filter(ticket_reply::Column::AuthorUserId.eq(login.id))
            .order_by_asc(ticket_reply::Column::Id)
            .all(db)
            .await?
            .iter()
            .map(|r| {
                json!({
                    "id": r.id.to_string(), "ticketId": r.ticket_id.to_string(),
                    "authorName": r.author_name, "body": r.body, "createdAt": r.created_at,
                })
            })
            .collect();
        doc.field("ticketReplies", &Value::Array(replies)).await?;

        doc.open_array("auditEntries").await?;
        let mut after = 0;
        loop {
            let page = audit_entry::Entity::find()
                .filter(audit_entry::Column::ActorUserId.eq(login.id))
                .filter(audit_entry::Column::Id.gt(after))
                .order_by_asc(audit_entry::Column::Id)
                .limit(PAGE)
                .all(db)
                .await?;
            for entry in &page {
                doc.item(&audit(entry)).await?;
            }
            match page.last() {
                Some(last) if page.len() as u64 == PAGE => after = last.id,
                _ => break,
            }
        }
        doc.close_array().await?;

        doc.open_array("emails").await?;
        let mut after = 0;
        loop {
            let page = email::Entity::find()
                .filter(crate::store::holds_text(
                    email::Column::ToAddresses,
                    &login.email,
                ))
                .filter(email::Column::Id.gt(after))
                .order_by_asc(email::Column::Id)
                .limit(PAGE)
                .all(db)
                .await?;
            // The address matched as text; each recipient is checked whole.
            for sent in page.iter().filter(|sent| addressed_to(sent, &login.email)) {
                doc.item(&json!({
                    "id": sent.id.to_string(), "accountId": sent.account_id.map(|id| id.to_string()),
                    "subject": sent.subject, "category": sent.category,
                    "status": sent.status.to_value(), "createdAt": sent.created_at, "sentAt": sent.sent_at,
                }))
                .await?;
            }
            match page.last() {
                Some(last) if page.len() as u64 == PAGE => after = last.id,
                _ => break,
            }
        }
        doc.close_array().await?;
        doc.end().await
    }

    /// An account's records as the files of its export: `account.json` (everything,
    /// docs/schemas/account-export.v1.json), `contacts.csv` and `invoices.csv`. What the
    /// exporting member's permissions do not show is `null` (a section) or left out (a
    /// CSV file); their scope applies to services, domains and tickets.
    pub async fn account_export_files(&self, access: &Access) -> Result<Vec<(String, Vec<u8>)>> {
        let db = self.db();
        let account = access.account();
        let may = |permission| access.has(permission);
        let contacts = if may(Permission::ManageContacts) {
            Some(
                contact::Entity::find()
                    .filter(contact::Column::AccountId.eq(account.id))
                    .order_by_asc(contact::Column::Id)
                    .all(db)
                    .await?,
            )
        } else {
            None
        };
        let invoices = if may(Permission::ViewInvoices) {
            Some(
                invoice::Entity::find()
                    .filter(invoice::Column::AccountId.eq(account.id))
                    .order_by_asc(invoice::Column::Id)
                    .all(db)
                    .await?,
            )
        } else {
            None
        };
        let services = if may(Permission::ViewServices) {
            let rows = service::Entity::find()
                .filter(access.services())
                .order_by_asc(service::Column::Id)
                .all(db)
                .await?;
            Some(Value::Array(
                rows.iter()
                    .map(|s| {
                        json!({
                            "id": s.id.to_string(), "productName": s.product_name,
                            "status": s.status.to_value(), "username": s.username,
                            "recurringAmount": s.recurring_amount, "createdAt": s.created_at,
                        })
                    })
                    .collect(),
            ))
        } else {
            None
        };
        let domains = if may(Permission::ViewDomains) {
            let rows = domain_name::Entity::find()
                .filter(access.domains())
                .order_by_asc(domain_name::Column::Id)
                .all(db)
                .await?;
            Some(Value::Array(
                rows.iter()
                    .map(|d| {
                        json!({
                            "id": d.id.to_string(), "name": d.name, "expiresAt": d.expires_at,
                            "createdAt": d.created_at,
                        })
                    })
                    .collect(),
            ))
        } else {
            None
        };
        let tickets = if may(Permission::ViewTickets) {
            let rows = ticket::Entity::find()
                .filter(access.tickets())
                .order_by_asc(ticket::Column::Id)
                .all(db)
                .await?;
            let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
            let replies = ticket_reply::Entity::find()
                .filter(ticket_reply::Column::TicketId.is_in(ids))
                .order_by_asc(ticket_reply::Column::Id)
                .all(db)
                .await?;
            Some(Value::Array(
                rows.iter()
                    .map(|t| {
                        let mut ticket = ticket_summary(t);
                        ticket["replies"] = replies
                            .iter()
                            .filter(|r| r.ticket_id == t.id)
                            .map(|r| {
                                json!({
                                    "id": r.id.to_string(), "authorName": r.author_name,
                                    "badge": r.badge.to_value(), "body": r.body, "createdAt": r.created_at,
                                })
                            })
                            .collect();
                        ticket
                    })
                    .collect(),
            ))
        } else {
            None
        };
        let audit_log = if may(Permission::ViewAuditLog) {
            let rows = audit_entry::Entity::find()
                .filter(audit_entry::Column::AccountId.eq(account.id))
                .order_by_asc(audit_entry::Column::Id)
                .all(db)
                .await?;
            Some(Value::Array(
                rows.into_iter()
                    .map(|e| audit(&crate::audit::as_seen(e, access.is_staff())))
                    .collect(),
            ))
        } else {
            None
        };
        let document = json!({
            "format": ACCOUNT_FORMAT, "version": VERSION, "exportedAt": self.now(),
            "account": {
                "id": account.id.to_string(), "name": account.name,
                "requireTwoFactor": account.require_two_factor, "createdAt": account.created_at,
            },
            "contacts": contacts.as_ref().map(|cs| cs.iter().map(contact_card).collect::<Vec<_>>()),
            "invoices": invoices.as_ref().map(|is| is.iter().map(invoice_row).collect::<Vec<_>>()),
            "services": services, "domains": domains, "tickets": tickets, "auditLog": audit_log,
        });
        let mut files = vec![(
            "account.json".to_owned(),
            serde_json::to_vec_pretty(&document).map_err(internal)?,
        )];
        if let Some(contacts) = &contacts {
            files.push(("contacts.csv".to_owned(), contacts_csv(contacts)?));
        }
        if let Some(invoices) = &invoices {
            files.push(("invoices.csv".to_owned(), invoices_csv(invoices)?));
        }
        Ok(files)
    }
}

/// The files, zipped (deflate).
pub fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        archive
            .start_file(name.as_str(), options)
            .map_err(internal)?;
        archive.write_all(bytes).map_err(internal)?;
    }
    Ok(archive.finish().map_err(internal)?.into_inner())
}

fn internal(err: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(format!("the export could not be written: {err}"))
}

fn permission_names(card: &contact::Model) -> Vec<&'static str> {
    permissions::of_stored(card.role, &card.permissions)
        .iter()
        .map(|p| p.as_str())
        .collect()
}

fn contact_card(card: &contact::Model) -> Value {
    json!({
        "id": card.id.to_string(), "accountId": card.account_id.to_string(),
        "firstName": card.first_name, "lastName": card.last_name, "email": card.email,
        "phone": card.phone, "companyName": card.company_name, "relationship": card.relationship,
        "address": {
            "line1": card.address_line1, "line2": card.address_line2, "city": card.city,
            "region": card.region, "postalCode": card.postal_code, "country": card.country,
        },
        "role": card.role.as_str(), "permissions": permission_names(card),
        "isPrimary": card.is_primary, "portalAccess": card.user_id.is_some(),
        "notificationPreferences": card.notification_preferences,
        "accessExpiresAt": card.access_expires_at,
    })
}

fn ticket_summary(t: &ticket::Model) -> Value {
    json!({
        "id": t.id.to_string(), "accountId": t.account_id.to_string(), "subject": t.subject,
        "status": t.status.to_value(), "createdAt": t.created_at, "updatedAt": t.updated_at,
    })
}

fn invoice_row(i: &invoice::Model) -> Value {
    json!({
        "id": i.id.to_string(), "number": i.number, "status": i.status.to_value(),
        "total": i.total, "currency": i.currency, "dueDate": i.due_date, "paidAt": i.paid_at,
        "createdAt": i.created_at,
    })
}

/// An audit entry, as its reader may see it ([`crate::audit::as_seen`]).
fn audit(e: &audit_entry::Model) -> Value {
    json!({
        "id": e.id.to_string(), "accountId": e.account_id.map(|id| id.to_string()),
        "action": e.action,
        "actorEmail": e.actor_email,
        "byStaff": e.actor_is_staff, "via": e.via,
        "targetType": e.target_type, "targetId": e.target_id,
        "ipAddress": e.ip_address,
        "details": e.details, "occurredAt": e.occurred_at,
    })
}

fn contacts_csv(contacts: &[contact::Model]) -> Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "company_name",
        "role",
        "is_primary",
        "portal_access",
        "city",
        "country",
    ])
    .map_err(internal)?;
    for c in contacts {
        out.write_record([
            c.id.to_string(),
            c.first_name.clone(),
            c.last_name.clone(),
            c.email.clone().unwrap_or_default(),
            c.phone.clone().unwrap_or_default(),
            c.company_name.clone().unwrap_or_default(),
            c.role.as_str().to_owned(),
            c.is_primary.to_string(),
            c.user_id.is_some().to_string(),
            c.city.clone().unwrap_or_default(),
            c.country.clone().unwrap_or_default(),
        ])
        .map_err(internal)?;
    }
    out.into_inner().map_err(internal)
}

fn invoices_csv(invoices: &[invoice::Model]) -> Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "id",
        "number",
        "status",
        "total",
        "currency",
        "due_date",
        "paid_at",
        "created_at",
    ])
    .map_err(internal)?;
    for i in invoices {
        out.write_record([
            i.id.to_string(),
            i.number.clone(),
            i.status.to_value(),
            i.total.clone(),
            i.currency.clone(),
            i.due_date.to_string(),
            i.paid_at.map(|at| at.to_rfc3339()).unwrap_or_default(),
            i.created_at.to_rfc3339(),
        ])
        .map_err(internal)?;
    }
    out.into_inner().map_err(internal)
}

/// A JSON object written to a [`Sink`] as it is made: `{"format":…,"version":…,
/// "exportedAt":…`, then fields and arrays one item at a time, then `}`.
struct Streamed<'a> {
    out: &'a Sink,
    /// Inside an array: whether an item was written yet.
    array_has_items: bool,
}

impl<'a> Streamed<'a> {
    async fn begin(
        out: &'a Sink,
        format: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Streamed<'a>> {
        let head = json!({ "format": format, "version": VERSION, "exportedAt": now }).to_string();
        let doc = Self {
            out,
            array_has_items: false,
        };
        // The head without its closing brace: the fields follow.
        doc.put(head[..head.len() - 1].to_owned()).await?;
        Ok(doc)
    }

    async fn put(&self, text: String) -> Result<()> {
        self.out
            .send(text.into_bytes())
            .await
            .map_err(|_| DomainError::Internal("the download was closed".into()))
    }

    async fn field(&mut self, name: &str, value: &Value) -> Result<()> {
        self.put(format!(",{}:{value}", Value::from(name))).await
    }

    async fn open_array(&mut self, name: &str) -> Result<()> {
        self.array_has_items = false;
        self.put(format!(",{}:[", Value::from(name))).await
    }

    async fn item(&mut self, value: &Value) -> Result<()> {
        let comma = if self.array_has_items { "," } else { "" };
        self.array_has_items = true;
        self.put(format!("{comma}{value}")).await
    }

    async fn close_array(&mut self) -> Result<()> {
        self.put("]".to_owned()).await
    }

    async fn end(self) -> Result<()> {
        self.put("}".to_owned()).await
    }
}
