use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::entities::invitation;
use domain::permissions;

use super::enums::{self, InvitationStatus, Permission, Role};
use crate::context::domain;

/// An emailed, single-use, expiring link giving an email access to an account.
pub struct Invitation(pub invitation::Model);

#[Object]
impl Invitation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// The permissions the role will grant.
    async fn permissions(&self) -> Vec<Permission> {
        enums::permissions(permissions::of_stored(self.0.role, &self.0.permissions))
    }

    async fn status(&self, ctx: &Context<'_>) -> InvitationStatus {
        self.0.effective_status(domain(ctx).clock().now()).into()
    }

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

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
