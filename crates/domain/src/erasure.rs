//! Erasure (SPEC "Personal data"): a person's name, email address and phone number taken
//! out of every table in one change. A contact card is erased from its account
//! (`eraseContact`); a login everywhere (`eraseUser` by staff, `deleteMyLogin` by its
//! owner).
//!
//! What is removed: the card itself, the person's invitations, reset links, unsubscribe
//! links, passkey ceremonies and (for a login) the login with its sessions, API tokens,
//! passkeys, recovery codes and known devices. What is rewritten: the histories that
//! keep a copy. Event snapshots of their card and invitations are emptied; in the email
//! history, audit details, ticket replies and webhook payloads, their email address
//! becomes `erased-<hash>@invalid` (the retention pseudonym) and their name and phone
//! become `erased`. Audit entries they made show the actor as `erased:<hash>`, with no
//! IP address. Rows stay, so counts, cursors and totals keep their shape. Invoices carry
//! no copy of a person (the PDF reads the billing contact when it is made), so nothing
//! is kept there; the account's own name is the customer's and stays.

use sea_orm::sea_query::{Expr, ExprTrait, Func, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    Unchanged,
};
use serde_json::{Value, json};

use crate::access::require_staff;
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::contacts::take_off_account;
use crate::entities::email::EmailStatus;
use crate::entities::{
    account, audit_entry, contact, email, email_token, event, invitation, passkey_challenge,
    ticket, ticket_reply, user, webhook_delivery,
};
use crate::events::{EventKind, EventStream};
use crate::retention::pseudonym;
use crate::{Actor, Domain, DomainError, Result};

/// What a name or phone number becomes.
const ERASED: &str = "erased";

pub struct ErasureService<'a> {
    domain: &'a Domain,
}

impl Domain {
    pub fn erasure(&self) -> ErasureService<'_> {
        ErasureService { domain: self }
    }
}

impl ErasureService<'_> {
    /// Erases a contact card and every copy of it in its account (MANAGE_CONTACTS and
    /// the rules of removal: never the owner, never someone with more permissions than
    /// the actor), after checking the actor's password. A login of theirs stays, with
    /// their other accounts: only this account forgets them. Returns the erased id.
    pub async fn erase_contact(
        &self,
        actor: &Actor,
        contact_id: i64,
        current_password: &str,
    ) -> Result<i64> {
        let (mut change, contact) = self
            .domain
            .contacts()
            .begin_removal(actor, contact_id, current_password)
            .await?;
        let person = Person::of_card(&contact);
        take_off_account(&change, &contact).await?;
        person
            .forget(change.conn(), &Reach::Account(contact.account_id))
            .await?;
        change.event(EventKind::Removed, &erased(&contact)).await?;
        change.access_changed(contact.user_id);
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::ContactErase)
                    .account(contact.account_id)
                    .target("contact", contact.id)
                    .details(json!({ "contact": person.tag })),
            )
            .await?;
        Ok(contact.id)
    }

    /// Staff: erases a login and the person everywhere (every card linked to it or
    /// bearing its address, in every account). Refused while they own an account.
    pub async fn erase_user(&self, actor: &Actor, user_id: i64) -> Result<i64> {
        require_staff(actor)?;
        if user_id == actor.user_id {
            return Err(DomainError::bad_input(
                "userId",
                "staff cannot erase their own login here",
            ));
        }
        self.erase_login(actor, user_id, AuditAction::UserErase)
            .await?;
        Ok(user_id)
    }

    /// The signed-in person ends their own login, after their password: refused while
    /// they own an account (CONFLICT naming them: transfer ownership first); otherwise
    /// every membership and session ends and the person is erased from what the login
    /// reached: the accounts it was a member of and the records of no account. Not by
    /// address beyond those: whoever registers an address does not thereby own the
    /// cards and histories other accounts keep under it (staff's `eraseUser` does).
    pub async fn delete_my_login(&self, actor: &Actor, current_password: &str) -> Result<()> {
        // The password first: every attempt spends the sign-in throttle.
        self.domain
            .auth()
            .verify_password(actor, current_password)
            .await?;
        owns_no_account(self.domain.db(), actor.user_id).await?;
        self.erase_login(actor, actor.user_id, AuditAction::UserDeleteLogin)
            .await
    }

    async fn erase_login(&self, actor: &Actor, user_id: i64, action: AuditAction) -> Result<()> {
        // Staff erase the person everywhere; a login erasing itself reaches only what
        // is linked to it.
        let everywhere = action == AuditAction::UserErase;
        let mut change = Change::begin(self.domain).await?;
        let login = user::Entity::find_by_id(user_id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("user"))?;
        if login.is_staff && action == AuditAction::UserErase {
            return Err(DomainError::bad_input(
                "userId",
                "a staff login is not erased here",
            ));
        }
        owns_no_account(change.conn(), user_id).await?;
        // Every card of theirs: linked to the login, or (for staff) bearing its address.
        let mut theirs = contact::Column::UserId.eq(user_id);
        if everywhere {
            theirs = theirs.or(lower(contact::Column::Email).eq(login.email.to_lowercase()));
        }
        let cards = contact::Entity::find()
            .filter(theirs)
            .all(change.conn())
            .await?;
        for card in &cards {
            if card.is_primary {
                // Bears the address but is not linked: another login's account.
                return Err(DomainError::conflict(format!(
                    "{} is the owner of an account under this address; that account's \
                     ownership must be transferred first",
                    card.email.as_deref().unwrap_or("the person")
                )));
            }
        }
        let mut person = Person::of_user(&login);
        for card in &cards {
            person.add_card(card);
        }
        for card in &cards {
            take_off_account(&change, card).await?;
            change.event(EventKind::Removed, &erased(card)).await?;
        }
        let reach = if everywhere {
            Reach::Everywhere
        } else {
            Reach::Accounts(cards.iter().map(|card| card.account_id).collect())
        };
        person.forget(change.conn(), &reach).await?;
        // The login goes, and with it (foreign keys) its sessions, API tokens,
        // passkeys, recovery codes, known devices and reset links.
        user::Entity::delete_by_id(user_id)
            .exec(change.conn())
            .await?;
        change.access_changed(Some(user_id));
        let mut by = crate::audit::AuditActor::from(actor);
        if actor.user_id == user_id {
            // Their own last act is recorded without them.
            by.email = Some(&person.tag);
            by.ip = None;
        }
        change
            .commit(
                by,
                AuditRecord::new(action)
                    .target("user", user_id)
                    .details(json!({ "user": person.tag })),
            )
            .await
    }
}

/// CONFLICT naming the accounts `user_id` owns, if any.
async fn owns_no_account(conn: &impl ConnectionTrait, user_id: i64) -> Result<()> {
    let owned: Vec<String> = account::Entity::find()
        .select_only()
        .column(account::Column::Name)
        .filter(
            account::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(contact::Column::AccountId)
                    .from(contact::Entity)
                    .and_where(Expr::col(contact::Column::UserId).eq(user_id))
                    .and_where(Expr::col(contact::Column::IsPrimary).eq(true))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(conn)
        .await?;
    if owned.is_empty() {
        Ok(())
    } else {
        Err(DomainError::conflict(format!(
            "you own {}; transfer ownership first",
            owned.join(", ")
        )))
    }
}

/// The card as the erasure's REMOVED event tells it: its ids, nothing of the person.
fn erased(card: &contact::Model) -> contact::Model {
    contact::Model {
        first_name: ERASED.into(),
        last_name: ERASED.into(),
        email: None,
        phone: None,
        company_name: None,
        relationship: None,
        address_line1: None,
        address_line2: None,
        city: None,
        region: None,
        postal_code: None,
        country: None,
        ..card.clone()
    }
}

/// Where an erasure reaches: one account's records; some accounts' and the records of
/// no account (what a login reached); or every record.
enum Reach {
    Account(i64),
    Accounts(Vec<i64>),
    Everywhere,
}

impl Reach {
    /// The rows within reach, by their account `column`.
    fn within(&self, column: impl ColumnTrait) -> SimpleExpr {
        match self {
            Self::Account(id) => column.eq(*id),
            Self::Accounts(ids) => column.is_in(ids.clone()).or(column.is_null()),
            Self::Everywhere => Expr::value(true),
        }
    }
}

/// Whom an erasure is about: what identifies them in the rows that keep a copy.
#[derive(Debug, Default)]
struct Person {
    user_id: Option<i64>,
    /// Lower-cased.
    emails: Vec<String>,
    /// (first, last) as written on a card or the login.
    names: Vec<(String, String)>,
    phones: Vec<String>,
    card_ids: Vec<i64>,
    /// `erased:<hash>`: how the audit log shows them from now on.
    tag: String,
}

impl Person {
    fn of_card(card: &contact::Model) -> Self {
        let mut person = Self {
            user_id: card.user_id,
            ..Default::default()
        };
        person.add_card(card);
        person.tag = tag(person
            .emails
            .first()
            .map_or_else(|| format!("contact:{}", card.id), |email| email.clone()));
        person
    }

    fn of_user(login: &user::Model) -> Self {
        let mut person = Self {
            user_id: Some(login.id),
            ..Default::default()
        };
        person.add_login(login);
        person.tag = tag(login.email.to_lowercase());
        person
    }

    fn add_login(&mut self, login: &user::Model) {
        self.add_email(&login.email);
        self.add_name(&login.first_name, &login.last_name);
    }

    fn add_card(&mut self, card: &contact::Model) {
        if let Some(email) = &card.email {
            self.add_email(email);
        }
        if let Some(phone) = card.phone.as_deref().filter(|p| !p.trim().is_empty())
            && !self.phones.iter().any(|p| p == phone)
        {
            self.phones.push(phone.to_owned());
        }
        self.add_name(&card.first_name, &card.last_name);
        self.card_ids.push(card.id);
    }

    fn add_email(&mut self, email: &str) {
        let email = email.trim().to_lowercase();
        if !email.is_empty() && !self.emails.contains(&email) {
            self.emails.push(email);
        }
    }

    fn add_name(&mut self, first: &str, last: &str) {
        let name = (first.trim().to_owned(), last.trim().to_owned());
        let nameless = name.0.is_empty() && name.1.is_empty();
        if !nameless && !self.names.contains(&name) {
            self.names.push(name);
        }
    }

    /// The texts whose presence marks a row to look at (a superset: the rewrite decides).
    fn needles(&self) -> Vec<String> {
        let mut needles: Vec<String> = self.emails.clone();
        for (first, last) in &self.names {
            let word = if last.is_empty() { first } else { last };
            needles.push(word.to_lowercase());
        }
        needles.extend(self.phones.iter().map(|p| p.to_lowercase()));
        needles.retain(|n| !n.is_empty());
        needles
    }

    /// Rows whose `column`, read as text, holds one of the needles.
    fn mentioned_in(&self, column: impl ColumnTrait) -> SimpleExpr {
        self.needles()
            .into_iter()
            .map(|needle| crate::store::holds_text(column, &needle))
            .fold(Expr::value(false), |any, one| any.or(one))
    }

    /// `text` with the person taken out: an address of theirs becomes its pseudonym, a
    /// full name or phone of theirs `erased`.
    fn rewrite_text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for email in &self.emails {
            out = replace_ignoring_case(&out, email, &pseudonym(email));
        }
        for (first, last) in &self.names {
            let full = format!("{first} {last}");
            out = replace_ignoring_case(&out, full.trim(), ERASED);
        }
        for phone in &self.phones {
            out = replace_ignoring_case(&out, phone, ERASED);
        }
        out
    }

    /// Whether a JSON object describes the person: their name in a first/last name
    /// pair, or their address as its `email`.
    fn is_described_by(&self, fields: &serde_json::Map<String, Value>) -> bool {
        let text = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| fields.get(*k).and_then(Value::as_str))
                .map(|s| s.trim().to_lowercase())
        };
        let first = text(&["firstName", "first_name"]);
        let last = text(&["lastName", "last_name"]);
        let named = self.names.iter().any(|(f, l)| {
            first.as_deref() == Some(&f.to_lowercase())
                && last.as_deref() == Some(&l.to_lowercase())
        });
        let addressed = text(&["email"]).is_some_and(|e| self.emails.contains(&e));
        named || addressed
    }

    /// `value` with the person taken out: an object describing them keeps only what
    /// names no one (ids, role, status, times); any other text is rewritten.
    fn rewrite(&self, value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.rewrite_text(text)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.rewrite(v)).collect()),
            Value::Object(fields) if self.is_described_by(fields) => {
                let mut kept: serde_json::Map<String, Value> = fields
                    .iter()
                    .filter(|(k, _)| KEPT_OF_A_PERSON.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                kept.insert("erased".into(), Value::Bool(true));
                Value::Object(kept)
            }
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), self.rewrite(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Takes the person out of every table within `reach`, on `conn` (the erasure's
    /// transaction). Their card is already gone.
    async fn forget(&self, conn: &impl ConnectionTrait, reach: &Reach) -> Result<()> {
        let invitations = self.invitations(conn, reach).await?;
        self.empty_snapshots(conn, reach, &invitations).await?;
        invitation::Entity::delete_many()
            .filter(invitation::Column::Id.is_in(invitations))
            .exec(conn)
            .await?;
        self.forget_emails(conn, reach).await?;
        self.forget_in_audit_log(conn, reach).await?;
        self.forget_ticket_authorship(conn, reach).await?;
        self.forget_in_webhook_payloads(conn, reach).await?;
        if matches!(reach, Reach::Everywhere) {
            // Unsubscribe links of cards bearing the address (a deleted card's go with it).
            email_token::Entity::delete_many()
                .filter(lower(email_token::Column::Email).is_in(self.emails.clone()))
                .exec(conn)
                .await?;
        }
        if !matches!(reach, Reach::Account(_)) {
            // A ceremony names the login it was for.
            passkey_challenge::Entity::delete_many()
                .filter(self.mentioned_in(passkey_challenge::Column::State))
                .exec(conn)
                .await?;
        }
        Ok(())
    }

    /// Ids of the invitations sent to the person (or accepted by their login).
    async fn invitations(&self, conn: &impl ConnectionTrait, reach: &Reach) -> Result<Vec<i64>> {
        let mut theirs = lower(invitation::Column::Email).is_in(self.emails.clone());
        if let Some(user_id) = self.user_id {
            theirs = theirs.or(invitation::Column::AcceptedByUserId.eq(user_id));
        }
        if !self.card_ids.is_empty() {
            theirs = theirs.or(invitation::Column::ContactId.is_in(self.card_ids.clone()));
        }
        Ok(invitation::Entity::find()
            .select_only()
            .column(invitation::Column::Id)
            .filter(reach.within(invitation::Column::AccountId))
            .filter(theirs)
            .into_tuple()
            .all(conn)
            .await?)
    }

    /// The event log keeps its rows (cursors, counts) but no snapshot of the person's
    /// cards or invitations; any other snapshot mentioning them is rewritten.
    async fn empty_snapshots(
        &self,
        conn: &impl ConnectionTrait,
        reach: &Reach,
        invitations: &[i64],
    ) -> Result<()> {
        let theirs = (event::Column::Stream
            .eq(EventStream::Contact)
            .and(event::Column::SubjectId.is_in(self.card_ids.clone())))
        .or(event::Column::Stream
            .eq(EventStream::Invitation)
            .and(event::Column::SubjectId.is_in(invitations.to_vec())));
        event::Entity::update_many()
            .col_expr(event::Column::Snapshot, Expr::value(Option::<Value>::None))
            .filter(reach.within(event::Column::AccountId))
            .filter(theirs)
            .exec(conn)
            .await?;
        let mentioning = event::Entity::find()
            .filter(reach.within(event::Column::AccountId))
            .filter(self.mentioned_in(event::Column::Snapshot))
            .all(conn)
            .await?;
        for row in mentioning {
            let Some(snapshot) = &row.snapshot else {
                continue;
            };
            let rewritten = self.rewrite(snapshot);
            if &rewritten != snapshot {
                event::ActiveModel {
                    id: Unchanged(row.id),
                    snapshot: Set(Some(rewritten)),
                    ..Default::default()
                }
                .update(conn)
                .await?;
            }
        }
        Ok(())
    }

    /// The email history: their address becomes its pseudonym. An email still queued
    /// for them is not sent to them (nor, with no one else, at all).
    async fn forget_emails(&self, conn: &impl ConnectionTrait, reach: &Reach) -> Result<()> {
        let sent = email::Entity::find()
            .filter(reach.within(email::Column::AccountId))
            .filter(self.mentioned_in(email::Column::ToAddresses))
            .all(conn)
            .await?;
        for row in sent {
            let addresses: Vec<String> =
                serde_json::from_value(row.to_addresses.clone()).unwrap_or_default();
            // A recipient is one address, as queued: theirs when it is one of theirs.
            let theirs = |a: &String| self.emails.contains(&a.trim().to_lowercase());
            if !addresses.iter().any(theirs) {
                continue;
            }
            if row.status == EmailStatus::Queued {
                let others: Vec<&String> = addresses.iter().filter(|a| !theirs(a)).collect();
                if others.is_empty() {
                    email::Entity::delete_by_id(row.id).exec(conn).await?;
                } else {
                    email::ActiveModel {
                        id: Unchanged(row.id),
                        to_addresses: Set(json!(others)),
                        ..Default::default()
                    }
                    .update(conn)
                    .await?;
                }
                continue;
            }
            let rewritten: Vec<String> = addresses
                .iter()
                .map(|a| if theirs(a) { pseudonym(a) } else { a.clone() })
                .collect();
            email::ActiveModel {
                id: Unchanged(row.id),
                to_addresses: Set(json!(rewritten)),
                ..Default::default()
            }
            .update(conn)
            .await?;
        }
        Ok(())
    }

    /// Audit entries: what they did is shown as done by `erased:<hash>` (no address, no
    /// IP); details that name them are rewritten.
    async fn forget_in_audit_log(&self, conn: &impl ConnectionTrait, reach: &Reach) -> Result<()> {
        let within = reach.within(audit_entry::Column::AccountId);
        let mut acted = lower(audit_entry::Column::ActorEmail).is_in(self.emails.clone());
        if let Some(user_id) = self.user_id {
            acted = acted.or(audit_entry::Column::ActorUserId.eq(user_id));
        }
        audit_entry::Entity::update_many()
            .col_expr(audit_entry::Column::ActorEmail, Expr::value(&self.tag))
            .col_expr(
                audit_entry::Column::IpAddress,
                Expr::value(Option::<String>::None),
            )
            .filter(within.clone())
            .filter(acted)
            .exec(conn)
            .await?;
        let mentioning = audit_entry::Entity::find()
            .filter(within)
            .filter(self.mentioned_in(audit_entry::Column::Details))
            .all(conn)
            .await?;
        for row in mentioning {
            let Some(details) = &row.details else {
                continue;
            };
            let rewritten = self.rewrite(details);
            if &rewritten != details {
                audit_entry::ActiveModel {
                    id: Unchanged(row.id),
                    details: Set(Some(rewritten)),
                    ..Default::default()
                }
                .update(conn)
                .await?;
            }
        }
        Ok(())
    }

    /// Ticket replies they wrote: the author is `erased:<hash>`, and their name, address
    /// and phone are taken out of the text (a signature); the rest of it stays, the
    /// ticket's history.
    async fn forget_ticket_authorship(
        &self,
        conn: &impl ConnectionTrait,
        reach: &Reach,
    ) -> Result<()> {
        let mut wrote = lower(ticket_reply::Column::AuthorEmail).is_in(self.emails.clone());
        if let Some(user_id) = self.user_id {
            wrote = wrote.or(ticket_reply::Column::AuthorUserId.eq(user_id));
        }
        let theirs = ticket_reply::Entity::find().filter(wrote).filter(
            ticket_reply::Column::TicketId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(ticket::Column::Id)
                    .from(ticket::Entity)
                    .and_where(reach.within(ticket::Column::AccountId))
                    .to_owned(),
            ),
        );
        for reply in theirs.all(conn).await? {
            ticket_reply::ActiveModel {
                id: Unchanged(reply.id),
                author_name: Set(self.tag.clone()),
                author_email: Set(None),
                body: Set(self.rewrite_text(&reply.body)),
                ..Default::default()
            }
            .update(conn)
            .await?;
        }
        Ok(())
    }

    /// Webhook payloads, sent or waiting: the person is taken out of the data.
    async fn forget_in_webhook_payloads(
        &self,
        conn: &impl ConnectionTrait,
        reach: &Reach,
    ) -> Result<()> {
        let mentioning = webhook_delivery::Entity::find()
            .filter(reach.within(webhook_delivery::Column::AccountId))
            .filter(self.mentioned_in(webhook_delivery::Column::Payload))
            .all(conn)
            .await?;
        for row in mentioning {
            let rewritten = self.rewrite(&row.payload);
            if rewritten != row.payload {
                webhook_delivery::ActiveModel {
                    id: Unchanged(row.id),
                    payload: Set(rewritten),
                    ..Default::default()
                }
                .update(conn)
                .await?;
            }
        }
        Ok(())
    }
}

/// What an object describing an erased person keeps: what names no one.
const KEPT_OF_A_PERSON: [&str; 12] = [
    "id",
    "accountId",
    "account_id",
    "role",
    "status",
    "permissions",
    "isPrimary",
    "is_primary",
    "createdAt",
    "created_at",
    "updatedAt",
    "updated_at",
];

fn lower(column: impl ColumnTrait) -> SimpleExpr {
    Expr::expr(Func::lower(Expr::col(column)))
}

/// `erased:<the pseudonym's hash>`: the same person, the same tag.
fn tag(email_or_id: String) -> String {
    let pseudonym = pseudonym(&email_or_id);
    let hash = pseudonym
        .trim_start_matches("erased-")
        .trim_end_matches("@invalid");
    format!("erased:{hash}")
}

/// `text` with every occurrence of `needle` (ignoring case) that stands on its own
/// replaced by `with`: not inside a longer word or address (`ann@x.test` is not taken
/// out of `joann@x.test`, nor `Ann Lee` out of `Joann Leeds`).
fn replace_ignoring_case(text: &str, needle: &str, with: &str) -> String {
    if needle.is_empty() {
        return text.to_owned();
    }
    let lower_text = text.to_lowercase();
    let lower_needle = needle.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII: then match exactly only.
    let same_lengths = lower_text.len() == text.len() && lower_needle.len() == needle.len();
    let (haystack, sought) = if same_lengths {
        (lower_text.as_str(), lower_needle.as_str())
    } else {
        (text, needle)
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, _) in haystack.match_indices(sought) {
        let end = at + needle.len();
        if at < rest || !stands_alone(text, at, end) {
            continue;
        }
        out.push_str(&text[rest..at]);
        out.push_str(with);
        rest = end;
    }
    out.push_str(&text[rest..]);
    out
}

/// Whether `text[start..end]` is a whole word or address: what touches it is neither a
/// letter or digit nor what continues an address (`._%+-@` before; `@`, `_`, or a `.`
/// or `-` followed by a letter or digit, after).
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let mut after = text[end..].chars();
    let continues_before = before.is_some_and(|c| c.is_alphanumeric() || "._%+-@".contains(c));
    let continues_after = match after.next() {
        Some(c) if c.is_alphanumeric() || c == '@' || c == '_' => true,
        Some('.' | '-') => after.next().is_some_and(char::is_alphanumeric),
        _ => false,
    };
    !continues_before && !continues_after
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zebulon() -> Person {
        Person {
            user_id: Some(7),
            emails: vec!["zeb@acme.test".into()],
            names: vec![("Zebulon".into(), "Quixote".into())],
            phones: vec!["+1 555 0199".into()],
            card_ids: vec![3],
            tag: tag("zeb@acme.test".into()),
        }
    }

    #[test]
    fn a_person_is_taken_out_of_text_and_json() {
        let zeb = zebulon();
        assert_eq!(
            zeb.rewrite_text("Zebulon QUIXOTE <Zeb@Acme.test>, call +1 555 0199"),
            format!("erased <{}>, call erased", pseudonym("zeb@acme.test"))
        );
        // An object with their address describes them: only what names no one stays.
        assert_eq!(
            zeb.rewrite(
                &json!({ "name": "Zebulon Quixote", "email": "ZEB@acme.test", "role": "BILLING" })
            ),
            json!({ "role": "BILLING", "erased": true })
        );
        let details = json!({
            "to": ["Zebulon Quixote <zeb@acme.test>", "ann@acme.test"],
            "contact": { "id": "3", "firstName": "Zebulon", "lastName": "Quixote", "phone": "x", "city": "Paris" },
            "other": { "firstName": "Ann", "lastName": "Quixote" },
        });
        assert_eq!(
            zeb.rewrite(&details),
            json!({
                "to": [format!("erased <{}>", pseudonym("zeb@acme.test")), "ann@acme.test"],
                "contact": { "id": "3", "erased": true },
                "other": { "firstName": "Ann", "lastName": "Quixote" },
            })
        );
        assert!(zeb.tag.starts_with("erased:") && zeb.tag.len() == "erased:".len() + 12);
    }

    #[test]
    fn replacing_ignores_case_and_keeps_the_rest() {
        assert_eq!(replace_ignoring_case("a X b x. c", "x", "-"), "a - b -. c");
        assert_eq!(replace_ignoring_case("aXbxc", "x", "-"), "aXbxc");
        // Not inside a longer address or name.
        let ann = "ann@x.test";
        assert_eq!(
            replace_ignoring_case("joann@x.test, ann@x.test.", ann, "E"),
            "joann@x.test, E."
        );
        assert_eq!(
            replace_ignoring_case("ann@x.test.org <Ann@X.test>", ann, "E"),
            "ann@x.test.org <E>"
        );
        assert_eq!(
            replace_ignoring_case("Joann Leeds, Ann Lee's", "Ann Lee", "E"),
            "Joann Leeds, E's"
        );
        assert_eq!(
            replace_ignoring_case("Ünïcode Zeb", "zeb", "e"),
            "Ünïcode e"
        );
        assert_eq!(replace_ignoring_case("abc", "", "-"), "abc");
    }
}
