//! The audit log: every mutation writes one entry in its own transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;

use crate::access::Access;
use crate::entities::audit_entry;
use crate::{Actor, RequestMeta, Result};

/// Who did it, as recorded: copied, not referenced, so it survives their removal.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditActor<'a> {
    pub user_id: Option<i64>,
    pub email: Option<&'a str>,
    pub ip: Option<&'a str>,
    /// One of the portal operator's staff: a client's administrator does not see who.
    pub is_staff: bool,
    /// The API token the actor acted through, by name.
    pub token: Option<&'a str>,
}

impl<'a> From<&'a Actor> for AuditActor<'a> {
    fn from(actor: &'a Actor) -> Self {
        Self {
            user_id: Some(actor.user_id),
            email: Some(&actor.email),
            ip: actor.meta.ip.as_deref(),
            is_staff: actor.is_staff,
            token: actor.api_token.as_ref().map(|t| t.name.as_str()),
        }
    }
}

impl<'a> AuditActor<'a> {
    /// The portal itself (a scheduled job: temporary access ending).
    pub fn system() -> AuditActor<'static> {
        AuditActor {
            user_id: None,
            email: None,
            ip: None,
            is_staff: false,
            token: None,
        }
    }

    /// Someone not (yet) signed in, known by the request only.
    pub fn anonymous(meta: &'a RequestMeta) -> Self {
        Self {
            user_id: None,
            email: None,
            ip: meta.ip.as_deref(),
            is_staff: false,
            token: None,
        }
    }

    /// A user identified during the request itself (login, registration, reset).
    pub fn user(user_id: i64, email: &'a str, meta: &'a RequestMeta) -> Self {
        Self {
            user_id: Some(user_id),
            email: Some(email),
            ip: meta.ip.as_deref(),
            is_staff: false,
            token: None,
        }
    }
}

/// What an audit entry records: one variant per kind of change, stored as its dotted
/// name (`contact.remove`), which is what `AuditEntry.action` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    AccountCreate,
    AccountExport,
    AccountRegister,
    AccountSetBillingContact,
    AccountSetSecurity,
    AccountTransferOwnership,
    ContactAccessExpired,
    ContactAccessExpiryWarned,
    ContactAdd,
    ContactPortalAccessGrant,
    ContactPortalAccessRevoke,
    ContactErase,
    ContactRemove,
    ContactSetEmailPreferences,
    ContactUnsubscribe,
    ContactUpdate,
    DomainCreate,
    InvitationAccept,
    InvitationResend,
    InvitationRevoke,
    InvitationSend,
    InvitationSenderLostAccess,
    InvoiceCreate,
    InvoiceOverdue,
    InvoicePay,
    NotificationReminder,
    NotificationSend,
    NotificationCategoryDefine,
    PortalSettingsUpdate,
    ServiceCreate,
    ServiceSetStatus,
    SessionLogin,
    SessionLogout,
    SessionRevoke,
    ApiTokenCreate,
    ApiTokenRevoke,
    WebhookCreate,
    WebhookUpdate,
    WebhookDelete,
    WebhookRotateSecret,
    WebhookRedeliver,
    WebhookTest,
    WebhookDisable,
    SessionRevokeAll,
    SessionSwitchAccount,
    TicketOpen,
    TicketReply,
    UserChangePassword,
    UserCreateStaff,
    UserRequestDataExport,
    UserDeleteLogin,
    UserErase,
    UserRequestPasswordReset,
    UserResetPassword,
    UserPasskeyAdd,
    UserPasskeyRemove,
    UserPasskeyRename,
    UserTotpDisable,
    UserTotpEnable,
    UserTotpEnroll,
    UserTotpReset,
}

impl AuditAction {
    /// The dotted name, as stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AccountCreate => "account.create",
            Self::AccountExport => "account.export",
            Self::AccountRegister => "account.register",
            Self::AccountSetBillingContact => "account.set_billing_contact",
            Self::AccountSetSecurity => "account.set_security",
            Self::AccountTransferOwnership => "account.transfer_ownership",
            Self::ContactAccessExpired => "contact.access_expired",
            Self::ContactAccessExpiryWarned => "contact.access_expiry_warned",
            Self::ContactAdd => "contact.add",
            Self::ContactPortalAccessGrant => "contact.portal_access.grant",
            Self::ContactPortalAccessRevoke => "contact.portal_access.revoke",
            Self::ContactErase => "contact.erase",
            Self::ContactRemove => "contact.remove",
            Self::ContactSetEmailPreferences => "contact.set_email_preferences",
            Self::ContactUnsubscribe => "contact.unsubscribe",
            Self::ContactUpdate => "contact.update",
            Self::DomainCreate => "domain.create",
            Self::InvitationAccept => "invitation.accept",
            Self::InvitationResend => "invitation.resend",
            Self::InvitationRevoke => "invitation.revoke",
            Self::InvitationSend => "invitation.send",
            Self::InvitationSenderLostAccess => "invitation.sender_lost_access",
            Self::InvoiceCreate => "invoice.create",
            Self::InvoiceOverdue => "invoice.overdue",
            Self::InvoicePay => "invoice.pay",
            Self::NotificationReminder => "notification.reminder",
            Self::NotificationSend => "notification.send",
            Self::NotificationCategoryDefine => "notification_category.define",
            Self::PortalSettingsUpdate => "portal_settings.update",
            Self::ServiceCreate => "service.create",
            Self::ServiceSetStatus => "service.set_status",
            Self::SessionLogin => "session.login",
            Self::SessionLogout => "session.logout",
            Self::SessionRevoke => "session.revoke",
            Self::ApiTokenCreate => "api_token.create",
            Self::ApiTokenRevoke => "api_token.revoke",
            Self::WebhookCreate => "webhook.create",
            Self::WebhookUpdate => "webhook.update",
            Self::WebhookDelete => "webhook.delete",
            Self::WebhookRotateSecret => "webhook.rotate_secret",
            Self::WebhookRedeliver => "webhook.redeliver",
            Self::WebhookTest => "webhook.test",
            Self::WebhookDisable => "webhook.disable",
            Self::SessionRevokeAll => "session.revoke_all",
            Self::SessionSwitchAccount => "session.switch_account",
            Self::TicketOpen => "ticket.open",
            Self::TicketReply => "ticket.reply",
            Self::UserChangePassword => "user.change_password",
            Self::UserCreateStaff => "user.create_staff",
            Self::UserRequestDataExport => "user.request_data_export",
            Self::UserDeleteLogin => "user.delete_login",
            Self::UserErase => "user.erase",
            Self::UserRequestPasswordReset => "user.request_password_reset",
            Self::UserResetPassword => "user.reset_password",
            Self::UserPasskeyAdd => "user.passkey_add",
            Self::UserPasskeyRemove => "user.passkey_remove",
            Self::UserPasskeyRename => "user.passkey_rename",
            Self::UserTotpDisable => "user.totp_disable",
            Self::UserTotpEnable => "user.totp_enable",
            Self::UserTotpEnroll => "user.totp_enroll",
            Self::UserTotpReset => "user.totp_reset",
        }
    }
}

/// What happened.
#[derive(Debug)]
pub struct AuditRecord<'a> {
    pub action: AuditAction,
    pub account_id: Option<i64>,
    pub target_type: Option<&'a str>,
    pub target_id: Option<i64>,
    pub details: Option<Value>,
}

impl<'a> AuditRecord<'a> {
    pub fn new(action: AuditAction) -> Self {
        Self {
            action,
            account_id: None,
            target_type: None,
            target_id: None,
            details: None,
        }
    }

    pub fn account(mut self, account_id: i64) -> Self {
        self.account_id = Some(account_id);
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn target(mut self, kind: &'a str, id: i64) -> Self {
        self.target_type = Some(kind);
        self.target_id = Some(id);
        self
    }
}

pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    actor: AuditActor<'_>,
    record: AuditRecord<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    audit_entry::ActiveModel {
        account_id: Set(record.account_id),
        actor_user_id: Set(actor.user_id),
        actor_email: Set(actor.email.map(str::to_owned)),
        actor_is_staff: Set(actor.is_staff),
        action: Set(record.action.as_str().to_owned()),
        target_type: Set(record.target_type.map(str::to_owned)),
        target_id: Set(record.target_id.map(|id| id.to_string())),
        ip_address: Set(actor.ip.map(str::to_owned)),
        via: Set(actor.token.map(|name| format!("token:{name}"))),
        details: Set(record.details),
        occurred_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// A page of an account's audit log, newest first, as `access` may see it: to anyone
/// but staff, what staff did shows no email or address of theirs.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    access: &Access,
    args: crate::pagination::PageArgs,
) -> Result<crate::pagination::Page<audit_entry::Model>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let select =
        audit_entry::Entity::find().filter(audit_entry::Column::AccountId.eq(access.account_id()));
    let page = crate::pagination::page(
        conn,
        select,
        audit_entry::Column::Id,
        args,
        crate::pagination::Order::NewestFirst,
    )
    .await?;
    let staff_viewer = access.is_staff();
    page.try_map(|entry| Ok(as_seen(entry, staff_viewer)))
}

/// An entry as its reader sees it: to anyone but staff, what staff did shows no email
/// or address of theirs.
pub(crate) fn as_seen(mut entry: audit_entry::Model, staff_viewer: bool) -> audit_entry::Model {
    if entry.actor_is_staff && !staff_viewer {
        entry.actor_email = None;
        entry.ip_address = None;
    }
    entry
}
