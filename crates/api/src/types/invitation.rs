use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::entities::invitation;
use domain::permissions;

use super::enums::{self, InvitationStatus, Permission, Role};
use crate::context::domain;

/// An emailed, single-use, expiring link giving an email access to an account.
pub struct Invitation(pub invitation::Model);

/// An emailed, single-use, expiring link that gives an email address access to an
/// account with a role. Members with MANAGE_CONTACTS see the account's invitations
/// (`Account.invitations`, `invitationEvents`).
#[Object]
impl Invitation {
    /// The invitation's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The address invited.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// The role it offers.
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// The permissions the role will grant.
    async fn permissions(&self) -> Vec<Permission> {
        enums::permissions(permissions::of_stored(self.0.role, &self.0.permissions))
    }

    /// Where it stands (a pending one past its expiry reads EXPIRED).
    async fn status(&self, ctx: &Context<'_>) -> InvitationStatus {
        self.0.effective_status(domain(ctx).clock().now()).into()
    }

    /// When its link stops working (`PortalSettings.invitationTtlHours` after it was
    /// sent or last resent).
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// Temporary access: when the membership accepting gives ends (null: permanent).
    async fn access_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.access_expires_at
    }

    /// Scoped access: the services and domains the membership accepting gives is
    /// limited to (null: the whole account).
    async fn scope(&self) -> Option<super::Scope> {
        self.0.scope.clone().map(super::Scope)
    }

    /// When it was first sent.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
