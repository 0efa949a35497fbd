//! Queuing emails: rendered and written to the `emails` table inside the caller's
//! transaction, so an email exists if and only if the change that caused it committed.
//! The mail crate's worker delivers them.

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::{Value, json};

use crate::emails::{Email, Template};
use crate::entities::email::{self, EmailStatus};
use crate::{Domain, DomainError, Result};

/// A message ready to send, produced from a template.
#[derive(Clone, Debug)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Turns a template and its data into a message; implemented by the mail crate.
pub trait EmailRenderer: Send + Sync {
    fn render(&self, template: Template, data: &Value) -> Result<RenderedEmail, String>;
}

/// An email to queue.
pub(crate) struct Outgoing<'a> {
    pub to: &'a str,
    pub account_id: Option<i64>,
    /// Notification category key; `None` for transactional emails, which go to the one
    /// person concerned whatever their preferences.
    pub category: Option<&'a str>,
    pub email: Email,
    /// What this recipient alone is shown beside the email's own data (a
    /// notification's: their name, their links, the amounts they may see).
    pub personal: serde_json::Map<String, Value>,
    /// The one-click unsubscribe link of a notification email (`None`: transactional).
    pub unsubscribe_url: Option<String>,
}

impl<'a> Outgoing<'a> {
    /// A transactional email to the one person concerned (`account_id`: the account it
    /// is about, if any), whatever their preferences.
    pub(crate) fn transactional(to: &'a str, account_id: Option<i64>, email: Email) -> Self {
        Self {
            to,
            account_id,
            category: None,
            email,
            personal: serde_json::Map::new(),
            unsubscribe_url: None,
        }
    }
}

impl Domain {
    /// Renders and queues `email` on `conn` (a transaction, normally). Call
    /// [`Domain::wake_mailer`] after the commit.
    pub(crate) async fn queue_email(
        &self,
        conn: &impl ConnectionTrait,
        email: Outgoing<'_>,
    ) -> Result<email::Model> {
        let template = email.email.template();
        let mut data = email.email.data();
        if let Value::Object(map) = &mut data {
            map.extend(email.personal);
            map.insert("public_url".into(), json!(self.config().public_url));
        }
        let rendered = self
            .renderer()
            .render(template, &data)
            .map_err(|e| DomainError::Internal(format!("email template {template}: {e}")))?;
        let now = self.now();
        let row = email::ActiveModel {
            account_id: Set(email.account_id),
            to_addresses: Set(json!([email.to])),
            subject: Set(rendered.subject),
            body_text: Set(rendered.text),
            body_html: Set(rendered.html),
            category: Set(email.category.map(str::to_owned)),
            unsubscribe_url: Set(email.unsubscribe_url),
            status: Set(EmailStatus::Queued),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
            ..Default::default()
        };
        Ok(row.insert(conn).await?)
    }

    /// Tells the delivery worker that committed emails are waiting.
    pub(crate) fn wake_mailer(&self) {
        self.outbox_signal().notify_one();
    }

    /// The text of the newest email to `to` that is still waiting in the outbox (a sent
    /// one keeps no body). For tools that act on a person's mail before it leaves, as
    /// `seed-demo` follows the link of an invitation it sent.
    pub async fn unsent_text_to(&self, to: &str) -> Result<Option<String>> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let rows = email::Entity::find()
            .filter(email::Column::Status.eq(EmailStatus::Queued))
            .order_by_desc(email::Column::Id)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .find(|row| crate::outbox::addressed_to(row, to))
            .map(|row| row.body_text)
            .filter(|text| !text.is_empty()))
    }

    /// What waits in the outbox, and what it gave up on (`/metrics`).
    pub async fn outbox_backlog(&self) -> Result<Backlog> {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
        let with = |status| email::Entity::find().filter(email::Column::Status.eq(status));
        let queued = with(EmailStatus::Queued).count(self.db()).await?;
        let oldest = with(EmailStatus::Queued)
            .order_by_asc(email::Column::CreatedAt)
            .one(self.db())
            .await?
            .map(|row| row.created_at);
        let failed = with(EmailStatus::Failed).count(self.db()).await?;
        Ok(Backlog {
            queued,
            oldest_queued_age: oldest
                .map(|at| (self.now() - at).to_std().unwrap_or_default())
                .unwrap_or_default(),
            failed,
        })
    }
}

/// The outbox's backlog.
#[derive(Clone, Copy, Debug)]
pub struct Backlog {
    /// Emails waiting to be sent (or retried).
    pub queued: u64,
    /// How long the oldest of them has waited (zero when none waits).
    pub oldest_queued_age: std::time::Duration,
    /// Emails given up on.
    pub failed: u64,
}

/// A page of the emails sent (or queued) to an account's people, newest first.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    account_id: i64,
    args: crate::pagination::PageArgs,
) -> Result<crate::pagination::Page<email::Model>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let select = email::Entity::find().filter(email::Column::AccountId.eq(account_id));
    crate::pagination::page(
        conn,
        select,
        email::Column::Id,
        args,
        crate::pagination::Order::NewestFirst,
    )
    .await
}

/// Whether `row` is addressed to `to` (any case).
pub(crate) fn addressed_to(row: &email::Model, to: &str) -> bool {
    row.to_addresses.as_array().is_some_and(|all| {
        all.iter()
            .any(|a| a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(to)))
    })
}
