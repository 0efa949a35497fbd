//! Reminders: what the calendar sends. An invoice due in 7 days, due today, overdue by
//! one day; a domain expiring in 30, 7 and 1 days. Run by `clientele run-reminders`
//! and by each server's schedule, as often as anyone likes, on as many instances.
//!
//! Each reminder goes out once because of a row, not a check: its own change first
//! inserts `(kind, subject, date)` into `reminders_sent`, whose unique index lets one
//! insert through; whoever gets 0 rows leaves it to the winner. The row commits with
//! the emails it stands for, or not at all (a failed send is retried by the next run).
//!
//! "Today" is the domain clock's date in UTC, and only exact matches are sent: a day the
//! job did not run is not made up for with stale reminders. Statuses do catch up: every
//! UNPAID invoice whose due date has passed becomes OVERDUE (one change each, audited),
//! as a portal's invoice list should say; the overdue *email* goes only on the day after
//! the due date.

use std::collections::HashSet;

use chrono::{Days, NaiveDate};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set, TryInsertResult,
};
use serde_json::json;

use super::{Concerns, Notification, NotificationService};
use crate::access::lock_account;
use crate::audit::{AuditAction, AuditActor, AuditRecord};
use crate::change::Change;
use crate::emails::{self, Amounts, Email};
use crate::entities::invoice::{self, InvoiceStatus};
use crate::entities::{domain_name, reminder_sent};
use crate::{Domain, Result};

/// One kind of reminder: what it is about and how far from that date it goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReminderKind {
    InvoiceDueIn7Days,
    InvoiceDueToday,
    InvoiceOverdue,
    DomainExpiresIn30Days,
    DomainExpiresIn7Days,
    DomainExpiresIn1Day,
}

impl ReminderKind {
    pub const ALL: [Self; 6] = [
        Self::InvoiceDueIn7Days,
        Self::InvoiceDueToday,
        Self::InvoiceOverdue,
        Self::DomainExpiresIn30Days,
        Self::DomainExpiresIn7Days,
        Self::DomainExpiresIn1Day,
    ];

    /// The key stored in `reminders_sent.kind`: never rename one, or its reminders go
    /// out again.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvoiceDueIn7Days => "invoice_due_in_7_days",
            Self::InvoiceDueToday => "invoice_due_today",
            Self::InvoiceOverdue => "invoice_overdue",
            Self::DomainExpiresIn30Days => "domain_expires_in_30_days",
            Self::DomainExpiresIn7Days => "domain_expires_in_7_days",
            Self::DomainExpiresIn1Day => "domain_expires_in_1_day",
        }
    }

    /// Days from today to the date the reminder is about (negative: in the past).
    fn days_ahead(self) -> i64 {
        match self {
            Self::InvoiceDueIn7Days | Self::DomainExpiresIn7Days => 7,
            Self::InvoiceDueToday => 0,
            Self::InvoiceOverdue => -1,
            Self::DomainExpiresIn30Days => 30,
            Self::DomainExpiresIn1Day => 1,
        }
    }

    /// The due or expiry date this kind reminds of on `today`.
    fn date_for(self, today: NaiveDate) -> Option<NaiveDate> {
        let days = Days::new(self.days_ahead().unsigned_abs());
        if self.days_ahead() >= 0 {
            today.checked_add_days(days)
        } else {
            today.checked_sub_days(days)
        }
    }

    fn is_invoice(self) -> bool {
        matches!(
            self,
            Self::InvoiceDueIn7Days | Self::InvoiceDueToday | Self::InvoiceOverdue
        )
    }

    /// What the `invoice_reminder` template says (`when`).
    fn invoice_when(self) -> &'static str {
        match self {
            Self::InvoiceDueToday => "today",
            Self::InvoiceOverdue => "overdue",
            _ => "in_7_days",
        }
    }
}

/// One reminder this run sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentReminder {
    pub kind: ReminderKind,
    pub account_id: i64,
    /// The invoice number or the domain name.
    pub subject: String,
    /// The due or expiry date it was about.
    pub date: NaiveDate,
    /// Emails queued (the account's contacts who receive the category).
    pub recipients: usize,
}

/// What one run did.
#[derive(Clone, Debug, Default)]
pub struct ReminderRun {
    /// The date the run went by (the domain clock's, UTC).
    pub today: NaiveDate,
    pub sent: Vec<SentReminder>,
    /// Invoices that turned OVERDUE in this run, by number.
    pub marked_overdue: Vec<String>,
    /// Reminders or status changes that failed (logged); the next run tries them again.
    pub failed: usize,
}

impl ReminderRun {
    /// Emails queued by this run.
    pub fn emails(&self) -> usize {
        self.sent.iter().map(|s| s.recipients).sum()
    }
}

impl NotificationService<'_> {
    /// Marks past-due invoices OVERDUE and sends the reminders due today, each once
    /// however many runs and instances race. One item failing does not stop the rest.
    pub async fn run_reminders(&self) -> Result<ReminderRun> {
        let domain = self.domain;
        let today = domain.now().date_naive();
        let mut run = ReminderRun {
            today,
            ..ReminderRun::default()
        };

        let past_due = invoice::Entity::find()
            .filter(invoice::Column::Status.eq(InvoiceStatus::Unpaid))
            .filter(invoice::Column::DueDate.lt(today))
            .all(domain.db())
            .await?;
        for invoice in past_due {
            match mark_overdue(domain, &invoice, today).await {
                Ok(true) => run.marked_overdue.push(invoice.number),
                Ok(false) => {}
                Err(err) => {
                    run.failed += 1;
                    tracing::error!(invoice_id = invoice.id, error = %err, "could not mark an invoice overdue");
                }
            }
        }

        for kind in ReminderKind::ALL {
            let Some(date) = kind.date_for(today) else {
                continue;
            };
            for subject in candidates(domain.db(), kind, date).await? {
                match remind(domain, kind, date, subject).await {
                    Ok(Some(sent)) => run.sent.push(sent),
                    Ok(None) => {}
                    Err(err) => {
                        run.failed += 1;
                        tracing::error!(kind = kind.as_str(), subject_id = subject.id, error = %err, "could not send a reminder");
                    }
                }
            }
        }
        Ok(run)
    }
}

/// An invoice or domain a reminder may be due for.
#[derive(Clone, Copy)]
struct Candidate {
    id: i64,
    account_id: i64,
}

/// The subjects `kind` reminds of for `date`, less those already reminded (a shortcut
/// past transactions that would find the claim taken; the unique key still decides).
async fn candidates(
    conn: &impl ConnectionTrait,
    kind: ReminderKind,
    date: NaiveDate,
) -> Result<Vec<Candidate>> {
    let reminded: HashSet<i64> = reminder_sent::Entity::find()
        .select_only()
        .column(reminder_sent::Column::SubjectId)
        .filter(reminder_sent::Column::Kind.eq(kind.as_str()))
        .filter(reminder_sent::Column::DueOn.eq(date))
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let rows: Vec<(i64, i64)> = if kind.is_invoice() {
        invoice::Entity::find()
            .select_only()
            .columns([invoice::Column::Id, invoice::Column::AccountId])
            .filter(invoice::Column::DueDate.eq(date))
            .filter(invoice::Column::Status.is_in(InvoiceStatus::OPEN))
            .into_tuple()
            .all(conn)
            .await?
    } else {
        domain_name::Entity::find()
            .select_only()
            .columns([domain_name::Column::Id, domain_name::Column::AccountId])
            .filter(domain_name::Column::ExpiresAt.eq(date))
            .into_tuple()
            .all(conn)
            .await?
    };
    Ok(rows
        .into_iter()
        .filter(|(id, _)| !reminded.contains(id))
        .map(|(id, account_id)| Candidate { id, account_id })
        .collect())
}

/// One reminder in its own change: claim it, read the subject again under the account's
/// lock (paid, renewed or gone since the scan: nothing, and the claim rolls back),
/// queue one email per recipient, commit with the audit entry. `None`: not this run's
/// to send.
async fn remind(
    domain: &Domain,
    kind: ReminderKind,
    date: NaiveDate,
    subject: Candidate,
) -> Result<Option<SentReminder>> {
    let mut change = Change::begin(domain).await?;
    // The claim comes first: it is the whole guarantee, and on SQLite a transaction
    // whose first statement writes holds the write lock before it reads anything.
    let claimed = reminder_sent::Entity::insert(reminder_sent::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        subject_id: Set(subject.id),
        due_on: Set(date),
        sent_at: Set(change.now()),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([
        reminder_sent::Column::Kind,
        reminder_sent::Column::SubjectId,
        reminder_sent::Column::DueOn,
    ])
    .exec_without_returning(change.conn())
    .await?;
    if !matches!(claimed, TryInsertResult::Inserted(1)) {
        return Ok(None);
    }
    lock_account(change.conn(), subject.account_id).await?;
    let message = if kind.is_invoice() {
        invoice_message(change.conn(), kind, date, subject.id).await?
    } else {
        domain_message(change.conn(), kind, date, subject.id).await?
    };
    let Some(message) = message else {
        return Ok(None);
    };
    let recipients = change
        .notify_contacts(Notification {
            account_id: subject.account_id,
            category: message.category,
            email: message.email,
            amounts: message.amounts,
            author: None,
            concerns: if kind.is_invoice() {
                Concerns::Account
            } else {
                Concerns::Domain(subject.id)
            },
        })
        .await?;
    change
        .commit(
            AuditActor::default(),
            AuditRecord::new(AuditAction::NotificationReminder)
                .account(subject.account_id)
                .target(message.target, subject.id)
                .details(json!({
                    "kind": kind.as_str(),
                    "date": date,
                    "recipients": recipients,
                })),
        )
        .await?;
    Ok(Some(SentReminder {
        kind,
        account_id: subject.account_id,
        subject: message.name,
        date,
        recipients,
    }))
}

/// What a reminder says, once its subject is known to still call for it.
struct Message {
    /// The audit target's type.
    target: &'static str,
    /// The invoice number or domain name.
    name: String,
    category: &'static str,
    email: Email,
    amounts: Option<Amounts>,
}

/// An invoice reminder, if the invoice is still open and due on `date`.
async fn invoice_message(
    conn: &impl ConnectionTrait,
    kind: ReminderKind,
    date: NaiveDate,
    invoice_id: i64,
) -> Result<Option<Message>> {
    let invoice = invoice::Entity::find_by_id(invoice_id)
        .one(conn)
        .await?
        .filter(|i| i.due_date == date && InvoiceStatus::OPEN.contains(&i.status));
    Ok(invoice.map(|invoice| Message {
        target: "invoice",
        email: Email::InvoiceReminder(emails::InvoiceReminder {
            number: invoice.number.clone(),
            due_date: long_date(invoice.due_date),
            when: kind.invoice_when(),
        }),
        amounts: Some(Amounts::Invoice {
            total: invoice.total,
            currency: invoice.currency,
        }),
        name: invoice.number,
        category: "INVOICE",
    }))
}

/// A domain expiry reminder, if the domain still expires on `date`.
async fn domain_message(
    conn: &impl ConnectionTrait,
    kind: ReminderKind,
    date: NaiveDate,
    domain_id: i64,
) -> Result<Option<Message>> {
    let found = domain_name::Entity::find_by_id(domain_id)
        .one(conn)
        .await?
        .filter(|d| d.expires_at == date);
    Ok(found.map(|found| Message {
        target: "domain",
        email: Email::DomainExpiry(emails::DomainExpiry {
            name: found.name.clone(),
            expires_on: long_date(found.expires_at),
            days: kind.days_ahead(),
        }),
        amounts: None,
        name: found.name,
        category: "DOMAIN",
    }))
}

/// UNPAID → OVERDUE for an invoice whose due date has passed, in its own change under
/// the account's lock (the order `payInvoice` takes them in). Conditional: a payment or
/// another instance that got there first leaves nothing to do (false).
async fn mark_overdue(domain: &Domain, invoice: &invoice::Model, today: NaiveDate) -> Result<bool> {
    let change = Change::begin(domain).await?;
    lock_account(change.conn(), invoice.account_id).await?;
    let now = change.now();
    let marked = invoice::Entity::update_many()
        .col_expr(invoice::Column::Status, Expr::value(InvoiceStatus::Overdue))
        .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
        .filter(invoice::Column::Id.eq(invoice.id))
        .filter(invoice::Column::Status.eq(InvoiceStatus::Unpaid))
        .filter(invoice::Column::DueDate.lt(today))
        .exec(change.conn())
        .await?;
    if marked.rows_affected != 1 {
        return Ok(false);
    }
    change
        .commit(
            AuditActor::default(),
            AuditRecord::new(AuditAction::InvoiceOverdue)
                .account(invoice.account_id)
                .target("invoice", invoice.id)
                .details(json!({ "number": invoice.number, "dueDate": invoice.due_date })),
        )
        .await?;
    Ok(true)
}

/// A date as a person writes it in a letter: "7 March 2026".
fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_reminds_of_its_own_date() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let date = |kind: ReminderKind| kind.date_for(today).unwrap().to_string();
        assert_eq!(date(ReminderKind::InvoiceDueIn7Days), "2026-03-08");
        assert_eq!(date(ReminderKind::InvoiceDueToday), "2026-03-01");
        assert_eq!(date(ReminderKind::InvoiceOverdue), "2026-02-28");
        assert_eq!(date(ReminderKind::DomainExpiresIn30Days), "2026-03-31");
        assert_eq!(date(ReminderKind::DomainExpiresIn7Days), "2026-03-08");
        assert_eq!(date(ReminderKind::DomainExpiresIn1Day), "2026-03-02");
        assert_eq!(long_date(today), "1 March 2026");
    }

    #[test]
    fn stored_keys_are_distinct() {
        let keys: HashSet<&str> = ReminderKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(keys.len(), ReminderKind::ALL.len());
    }
}
