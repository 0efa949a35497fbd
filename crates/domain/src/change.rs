//! The unit of work: every state change goes through one [`Change`].
//!
//! begin → check access on the transaction → write → event rows and queued emails →
//! commit with the audit entry → publish notices, wake the mailer. A change cannot
//! commit without its audit entry: [`Change::commit`] takes it. Nothing else in the
//! domain calls `begin()` or `commit()`.

use sea_orm::{
    DatabaseTransaction, EntityTrait, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::access::{Access, authorize_change, lock_account, require_staff};
use crate::audit::{self, AuditActor, AuditRecord};
use crate::entities::contact;
use crate::events::{self, EventKind, Notice, Subject};
use crate::outbox::Outgoing;
use crate::permissions::Permission;
use crate::{Actor, Domain, DomainError, Result, store};

/// Every change writes: on SQLite it takes the write lock at `BEGIN` (IMMEDIATE), waiting
/// its turn under the busy timeout, rather than reading first and finding, when it comes
/// to write, that another connection wrote since (SQLITE_BUSY, which no timeout waits
/// out). PostgreSQL ignores the option.
const WRITE: TransactionOptions = TransactionOptions {
    isolation_level: None,
    access_mode: None,
    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
};

/// One state change in progress. Dropped without [`Change::commit`], it rolls back and
/// tells nobody anything.
pub(crate) struct Change<'d> {
    domain: &'d Domain,
    txn: DatabaseTransaction,
    notices: Vec<Notice>,
    /// Events appended to the log (counted for `/metrics` once committed).
    events: u64,
    queued_email: bool,
    /// A webhook delivery was queued: the worker is woken after the commit.
    pub(crate) queued_webhook: bool,
    /// Where writers take turns (SQLite), this change's, until it ends. Declared after
    /// `txn` so that the transaction ends (rolls back) before the next change begins.
    turn: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl store::Writer for Change<'_> {
    fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.domain.now()
    }
}

impl<'d> Change<'d> {
    /// A change that needs no account's lock (sign-in, staff settings, a new account).
    pub(crate) async fn begin(domain: &'d Domain) -> Result<Self> {
        let turn = domain.writer_turn().await;
        Ok(Self {
            domain,
            turn,
            txn: domain.db().begin_with_options(WRITE).await?,
            notices: Vec::new(),
            events: 0,
            queued_email: false,
            queued_webhook: false,
        })
    }

    /// A change to one account: the account row is locked first (changes to one
    /// account commit one after another, each seeing what the last one left), then the
    /// actor's access, which must include `permission`, is read inside the transaction.
    pub(crate) async fn on_account(
        domain: &'d Domain,
        actor: &Actor,
        account_id: i64,
        permission: Permission,
        what: &'static str,
    ) -> Result<(Self, Access)> {
        let change = Self::begin(domain).await?;
        lock_account(change.conn(), account_id).await?;
        let access = authorize_change(change.conn(), actor, account_id, permission, what).await?;
        Ok((change, access))
    }

    /// A staff member's change to one account (records it holds: invoices, services,
    /// domains): staff only, and the account must exist; locked like [`Change::on_account`].
    pub(crate) async fn staff_on_account(
        domain: &'d Domain,
        actor: &Actor,
        account_id: i64,
    ) -> Result<Self> {
        require_staff(actor)?;
        let (change, _) = Self::on_account(
            domain,
            actor,
            account_id,
            Permission::ManageAccount,
            "account",
        )
        .await?;
        Ok(change)
    }

    /// A change to one contact: [`Change::on_account`] on its account, and the contact
    /// as it is now, inside the transaction. Another account's contact is `NotFound`.
    pub(crate) async fn on_contact(
        domain: &'d Domain,
        actor: &Actor,
        contact_id: i64,
        permission: Permission,
    ) -> Result<(Self, Access, contact::Model)> {
        let account_id = contact::Entity::find_by_id(contact_id)
            .one(domain.db())
            .await?
            .ok_or(DomainError::NotFound("contact"))?
            .account_id;
        let (change, access) =
            Self::on_account(domain, actor, account_id, permission, "contact").await?;
        let contact = store::contacts::in_account(change.conn(), account_id, contact_id).await?;
        Ok((change, access, contact))
    }

    /// The moment the change is made, by the domain's clock.
    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.domain.now()
    }

    /// How long a session opened by this change lasts, however much it is used.
    pub(crate) fn session_ttl(&self) -> std::time::Duration {
        self.domain.config().session_ttl
    }

    /// Base of the links in the change's emails.
    pub(crate) fn public_url(&self) -> &str {
        &self.domain.config().public_url
    }

    /// The transaction, for reads and writes that are part of the change.
    pub(crate) fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Appends an event about `subject` to the log; live subscribers of its account
    /// hear of it after the commit, and its webhooks by a delivery written now.
    pub(crate) async fn event<S: Subject>(&mut self, kind: EventKind, subject: &S) -> Result<i64> {
        let id = events::record(&self.txn, kind, subject, self.now()).await?;
        self.events += 1;
        self.notify(Notice::Logged {
            account_id: subject.account_id(),
        });
        let (event_type, data) = subject.webhook(kind);
        self.webhook(subject.account_id(), event_type, data).await?;
        Ok(id)
    }

    /// Queues an email in the outbox; the mailer is woken after the commit.
    pub(crate) async fn email(&mut self, outgoing: Outgoing<'_>) -> Result<()> {
        self.domain.queue_email(&self.txn, outgoing).await?;
        self.queued_email = true;
        Ok(())
    }

    /// A change to a contact with a login (`user_id`): that user's open streams re-check
    /// their access after the commit.
    pub(crate) fn access_changed(&mut self, user_id: Option<i64>) {
        if let Some(user_id) = user_id {
            self.notify(Notice::AccessChanged { user_id });
        }
    }

    /// A notice to publish after the commit (e.g. a user's access changed).
    pub(crate) fn notify(&mut self, notice: Notice) {
        if !self.notices.contains(&notice) {
            self.notices.push(notice);
        }
    }

    /// An audit entry beyond the one [`Change::commit`] writes (a change that does two
    /// things, such as adding a contact and inviting them).
    pub(crate) async fn also_audit(
        &self,
        actor: AuditActor<'_>,
        record: AuditRecord<'_>,
    ) -> Result<()> {
        audit::record(&self.txn, actor, record, self.now()).await
    }

    /// Writes the audit entry, commits, then tells the other instances and the mailer.
    pub(crate) async fn commit(self, actor: AuditActor<'_>, record: AuditRecord<'_>) -> Result<()> {
        audit::record(&self.txn, actor, record, self.now()).await?;
        crate::commits::committing();
        self.txn.commit().await?;
        drop(self.turn);
        self.domain.stats().events_logged(self.events);
        self.domain.publish(&self.notices);
        if self.queued_email {
            self.domain.wake_mailer();
        }
        if self.queued_webhook {
            self.domain.webhook_signal().notify_one();
        }
        Ok(())
    }
}
