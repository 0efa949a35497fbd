//! Invitations: bring people into an account, and one person into many accounts.
//!
//! A link `{PUBLIC_URL}/invite/{token}` is emailed; accepting it (once, before it
//! expires) makes the email's user a member with the invited role. An existing user
//! keeps their credentials and must prove them; a new email sets a password.
//! Sending, resending, revoking and listing are here; accepting is in [`accept`].

mod accept;

pub use accept::Acceptance;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    Select, Set,
};
use serde_json::json;

use crate::access::Access;
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::emails::{self, Email};
use crate::entities::invitation::{self, InvitationStatus};
use crate::entities::{account, audit_entry, contact, email_is, user};
use crate::events::EventKind;
use crate::outbox::Outgoing;
use crate::permissions::{self, Permission, Role};
use crate::scope::{self, Scope};
use crate::{Actor, Domain, DomainError, Result, tokens, validate};

/// Expired, revoked, used and unknown links all get this one answer.
const BAD_LINK: &str = "this invitation link is invalid or has expired";

#[derive(Clone, Debug)]
pub struct NewInvitation {
    pub email: String,
    pub role: Role,
    pub permissions: Option<Vec<Permission>>,
    /// Temporary access: the membership the invitation gives ends then.
    pub access_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Scoped access: the services and domains the membership is limited to (`None`:
    /// the whole account).
    pub scope: Option<Scope>,
}

/// What an invitation offers: the role, how long and over what, and (for a portal
/// invitation) the card that accepting gives a login to.
pub(crate) struct Offer<'a> {
    pub role: Role,
    pub custom: &'a [Permission],
    pub scope: Option<&'a Scope>,
    pub access_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub contact_id: Option<i64>,
}

pub struct InvitationService<'a> {
    domain: &'a Domain,
}

impl<'a> InvitationService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// Invites an email to an account (MANAGE_CONTACTS), with a role within the actor's
    /// own permissions. Inviting an email that already has a pending invitation is a
    /// CONFLICT: use `resend`.
    pub async fn invite(
        &self,
        actor: &Actor,
        account_id: i64,
        input: NewInvitation,
    ) -> Result<invitation::Model> {
        let email = validate::email("email", &input.email)?;
        let (role, custom) = permissions::assignable(input.role, input.permissions, None)?;
        scope::check_permissions(input.scope.as_ref(), &permissions::effective(role, &custom))?;
        crate::contacts::check_access_expiry(input.access_expires_at, self.domain.now(), false)?;
        let (mut change, access) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::ManageContacts,
            "account",
        )
        .await?;
        let granted = permissions::effective(role, &custom);
        access.may_grant(&granted)?;
        let ends = access.bound_grant(input.access_expires_at)?;
        access.may_grant_scope(input.scope.as_ref())?;
        if let Some(scope) = &input.scope {
            scope::check_exists(change.conn(), account_id, scope).await?;
        }
        let offer = Offer {
            role,
            custom: &custom,
            scope: input.scope.as_ref(),
            access_expires_at: ends,
            contact_id: None,
        };
        let created = self
            .create_on(&mut change, actor, account_id, &email, offer)
            .await?;
        change.commit(actor.into(), sent_record(&created)).await?;
        Ok(created)
    }

    /// Emails an invitation to an existing contact that has an email and no login yet,
    /// with the contact's role: accepting gives that contact card its login.
    pub async fn send_portal_invite(
        &self,
        actor: &Actor,
        contact_id: i64,
    ) -> Result<invitation::Model> {
        let (mut change, access, contact) =
            Change::on_contact(self.domain, actor, contact_id, Permission::ManageContacts).await?;
        access.may_manage(&contact)?;
        if contact.user_id.is_some() {
            return Err(DomainError::conflict(
                "this contact already has portal access",
            ));
        }
        let email = contact.email.clone().ok_or_else(|| {
            DomainError::bad_input("contactId", "the contact has no email address to invite")
        })?;
        let custom = permissions::from_json(&contact.permissions);
        access.may_grant_scope(contact.scope.as_ref())?;
        // What the card's login will last: an end still ahead, and no longer than the
        // sender's own access (decided again at acceptance).
        let now = self.domain.now();
        let offer = Offer {
            role: contact.role,
            custom: &custom,
            scope: contact.scope.as_ref(),
            access_expires_at: access.clamp_grant(contact.access_expires_at.filter(|at| *at > now)),
            contact_id: Some(contact.id),
        };
        let created = self
            .create_on(&mut change, actor, contact.account_id, &email, offer)
            .await?;
        change.commit(actor.into(), sent_record(&created)).await?;
        Ok(created)
    }

    /// Sends the invitation again with a new link and a new expiry; the old link dies.
    /// Whoever resends it is its sender from then on: it holds while they can give it.
    pub async fn resend(&self, actor: &Actor, invitation_id: i64) -> Result<invitation::Model> {
        let (mut change, found, access) = self.begin_on_invitation(actor, invitation_id).await?;
        if found.status != InvitationStatus::Pending {
            return Err(not_pending("resent", &found, self.domain.now()));
        }
        let (token, token_hash) = tokens::generate();
        let now = self.domain.now();
        let ttl = self.ttl(change.conn()).await?;
        self.check_rate(change.conn(), found.account_id).await?;
        // Conditional: an invitation accepted or revoked meanwhile is never re-keyed.
        let rekeyed = invitation::Entity::update_many()
            .col_expr(invitation::Column::TokenHash, Expr::value(token_hash))
            .col_expr(invitation::Column::ExpiresAt, Expr::value(now + ttl))
            .col_expr(invitation::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                invitation::Column::InvitedByUserId,
                Expr::value(actor.user_id),
            )
            .col_expr(
                invitation::Column::AccessExpiresAt,
                Expr::value(access.clamp_grant(found.access_expires_at)),
            )
            .filter(invitation::Column::Id.eq(found.id))
            .filter(invitation::Column::Status.eq(InvitationStatus::Pending))
            .exec(change.conn())
            .await?;
        if rekeyed.rows_affected != 1 {
            return Err(not_pending("resent", &found, self.domain.now()));
        }
        let updated = invitation::Entity::find_by_id(found.id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("invitation"))?;
        self.queue(&mut change, actor, &updated, &token, ttl)
            .await?;
        change.event(EventKind::Resent, &updated).await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::InvitationResend)
                    .account(updated.account_id)
                    .target("invitation", updated.id),
            )
            .await?;
        Ok(updated)
    }

    /// Withdraws a pending invitation; its link stops working.
    pub async fn revoke(&self, actor: &Actor, invitation_id: i64) -> Result<invitation::Model> {
        let (mut change, found, _) = self.begin_on_invitation(actor, invitation_id).await?;
        let updated = revoke_pending(&mut change, found.id)
            .await?
            .ok_or_else(|| not_pending("revoked", &found, self.domain.now()))?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::InvitationRevoke)
                    .account(found.account_id)
                    .target("invitation", found.id),
            )
            .await?;
        Ok(updated)
    }

    /// A page of the account's invitations, newest first, optionally of one status
    /// (MANAGE_CONTACTS).
    pub async fn list(
        &self,
        access: &Access,
        status: Option<InvitationStatus>,
        args: crate::pagination::PageArgs,
    ) -> Result<crate::pagination::Page<invitation::Model>> {
        access.require(Permission::ManageContacts)?;
        let now = self.domain.now();
        let mut select = of_account(access.account_id());
        select = match status {
            None => select,
            Some(InvitationStatus::Pending) => select
                .filter(invitation::Column::Status.eq(InvitationStatus::Pending))
                .filter(invitation::Column::ExpiresAt.gt(now)),
            Some(InvitationStatus::Expired) => select.filter(
                invitation::Column::Status.eq(InvitationStatus::Expired).or(
                    invitation::Column::Status
                        .eq(InvitationStatus::Pending)
                        .and(invitation::Column::ExpiresAt.lte(now)),
                ),
            ),
            Some(other) => select.filter(invitation::Column::Status.eq(other)),
        };
        crate::pagination::page(
            self.domain.db(),
            select,
            invitation::Column::Id,
            args,
            crate::pagination::Order::NewestFirst,
        )
        .await
    }

    /// Creates and queues an invitation to `email` offering `offer` as part of `change`
    /// (also used by `addContact` with `sendInvite`); the caller audits it with
    /// [`sent_record`].
    pub(crate) async fn create_on(
        &self,
        change: &mut Change<'_>,
        actor: &Actor,
        account_id: i64,
        email: &str,
        offer: Offer<'_>,
    ) -> Result<invitation::Model> {
        let already_member = contact::Entity::find()
            .filter(contact::Column::AccountId.eq(account_id))
            .filter(contact::Column::UserId.is_not_null())
            .filter(email_is(contact::Column::Email, email))
            .one(change.conn())
            .await?;
        if already_member.is_some() {
            return Err(DomainError::conflict(
                "this email already has access to the account",
            ));
        }
        let (token, token_hash) = tokens::generate();
        let now = self.domain.now();
        let ttl = self.ttl(change.conn()).await?;
        self.check_rate(change.conn(), account_id).await?;
        // A pending invitation whose time is up no longer blocks a new one.
        invitation::Entity::update_many()
            .col_expr(
                invitation::Column::Status,
                Expr::value(InvitationStatus::Expired),
            )
            .filter(invitation::Column::AccountId.eq(account_id))
            .filter(email_is(invitation::Column::Email, email))
            .filter(invitation::Column::Status.eq(InvitationStatus::Pending))
            .filter(invitation::Column::ExpiresAt.lte(now))
            .exec(change.conn())
            .await?;
        let inserted = invitation::ActiveModel {
            account_id: Set(account_id),
            contact_id: Set(offer.contact_id),
            email: Set(email.to_owned()),
            role: Set(offer.role),
            permissions: Set(permissions::to_json(offer.custom)),
            access_expires_at: Set(offer.access_expires_at),
            scope: Set(offer.scope.cloned()),
            token_hash: Set(token_hash),
            status: Set(InvitationStatus::Pending),
            expires_at: Set(now + ttl),
            invited_by_user_id: Set(Some(actor.user_id)),
            accepted_by_user_id: Set(None),
            accepted_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(change.conn())
        .await;
        let created = crate::error::on_conflict(
            inserted,
            "this email already has a pending invitation to the account; resend it instead",
        )?;
        self.queue(change, actor, &created, &token, ttl).await?;
        change.event(EventKind::Sent, &created).await?;
        Ok(created)
    }

    /// Opens a change to an invitation of an account where the actor has
    /// MANAGE_CONTACTS and holds at least what the invitation grants: the transaction,
    /// its account locked, the invitation as it is now, and the actor's access.
    async fn begin_on_invitation(
        &self,
        actor: &Actor,
        invitation_id: i64,
    ) -> Result<(Change<'a>, invitation::Model, Access)> {
        let account_id = invitation::Entity::find_by_id(invitation_id)
            .one(self.domain.db())
            .await?
            .ok_or(DomainError::NotFound("invitation"))?
            .account_id;
        let (change, access) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::ManageContacts,
            "invitation",
        )
        .await?;
        let found = invitation::Entity::find_by_id(invitation_id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("invitation"))?;
        access.may_manage_holder_of(&permissions::of_stored(found.role, &found.permissions))?;
        access.may_grant_scope(found.scope.as_ref())?;
        Ok((change, found, access))
    }

    /// RATE_LIMITED past `DomainConfig::invitations_per_account_per_day` sends in 24
    /// hours. Every caller's change holds
    /// the account's lock (`Change::on_account`), so concurrent senders are counted one
    /// after another and the count is exact.
    async fn check_rate(&self, conn: &impl ConnectionTrait, account_id: i64) -> Result<()> {
        let since = self.domain.now() - Duration::hours(24);
        let sent = audit_entry::Entity::find()
            .filter(audit_entry::Column::AccountId.eq(account_id))
            .filter(audit_entry::Column::Action.is_in([
                AuditAction::InvitationSend.as_str(),
                AuditAction::InvitationResend.as_str(),
            ]))
            .filter(audit_entry::Column::OccurredAt.gt(since))
            .count(conn)
            .await?;
        let limit = self.domain.config().invitations_per_account_per_day;
        if sent >= limit {
            return Err(DomainError::capped(format!(
                "at most {limit} invitations per account per 24 hours; try again later"
            )));
        }
        Ok(())
    }

    /// How long a new link lives. Read on `conn`: inside a transaction on SQLite the
    /// pool's one connection is the transaction's.
    async fn ttl(&self, conn: &impl ConnectionTrait) -> Result<Duration> {
        Ok(Duration::hours(
            crate::store::settings::read(conn)
                .await?
                .invitation_ttl_hours
                .into(),
        ))
    }

    async fn queue(
        &self,
        change: &mut Change<'_>,
        actor: &Actor,
        invitation: &invitation::Model,
        token: &str,
        ttl: Duration,
    ) -> Result<()> {
        let account = account::Entity::find_by_id(invitation.account_id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("account"))?;
        let inviter = user::Entity::find_by_id(actor.user_id)
            .one(change.conn())
            .await?;
        let inviter_name = inviter.map_or_else(
            || "Someone".to_owned(),
            |u| format!("{} {}", u.first_name, u.last_name),
        );
        change
            .email(Outgoing::transactional(
                &invitation.email,
                Some(invitation.account_id),
                Email::Invitation(emails::Invitation {
                    inviter_name,
                    account_name: account.name,
                    role: invitation.role,
                    link: format!("{}/invite/{token}", self.domain.config().public_url),
                    ttl_hours: std::cmp::max(ttl.num_hours(), 1),
                }),
            ))
            .await?;
        Ok(())
    }
}

/// Withdraws a pending invitation as part of `change` (its link stops working; live
/// dashboards hear of it): the invitation as it is then, or `None` when it was no
/// longer pending.
pub(crate) async fn revoke_pending(
    change: &mut Change<'_>,
    invitation_id: i64,
) -> Result<Option<invitation::Model>> {
    let revoked = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::Status,
            Expr::value(InvitationStatus::Revoked),
        )
        .col_expr(invitation::Column::UpdatedAt, Expr::value(change.now()))
        .filter(invitation::Column::Id.eq(invitation_id))
        .filter(invitation::Column::Status.eq(InvitationStatus::Pending))
        .exec(change.conn())
        .await?;
    if revoked.rows_affected != 1 {
        return Ok(None);
    }
    let updated = invitation::Entity::find_by_id(invitation_id)
        .one(change.conn())
        .await?
        .ok_or(DomainError::NotFound("invitation"))?;
    change.event(EventKind::Revoked, &updated).await?;
    Ok(Some(updated))
}

fn of_account(account_id: i64) -> Select<invitation::Entity> {
    invitation::Entity::find().filter(invitation::Column::AccountId.eq(account_id))
}

/// The audit entry of a sent invitation.
pub(crate) fn sent_record(created: &invitation::Model) -> AuditRecord<'static> {
    AuditRecord::new(AuditAction::InvitationSend)
        .account(created.account_id)
        .target("invitation", created.id)
        .details(json!({ "email": created.email, "role": created.role }))
}

fn not_pending(what: &str, found: &invitation::Model, now: DateTime<Utc>) -> DomainError {
    DomainError::conflict(format!(
        "only a pending invitation can be {what}; this one is {}",
        status_name(found.effective_status(now))
    ))
}

fn status_name(status: InvitationStatus) -> &'static str {
    match status {
        InvitationStatus::Pending => "pending",
        InvitationStatus::Accepted => "accepted",
        InvitationStatus::Revoked => "revoked",
        InvitationStatus::Expired => "expired",
    }
}
