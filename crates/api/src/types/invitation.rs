use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use domain::entities::invitation;
use domain::permissions;

use super::enums::{self, InvitationStatus, Permission, Role};

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
        self.0
            .role
            .parse::<permissions::Role>()
            .unwrap_or(permissions::Role::Custom)
            .into()
    }

    /// The permissions the role will grant.
    async fn permissions(&self) -> Vec<Permission> {
        let role = self.0.role.parse().unwrap_or(permissions::Role::Custom);
        let custom: Vec<permissions::Permission> = self
            .0
            .permissions
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        enums::permissions(permissions::effective(role, &custom))
    }

    async fn status(&self) -> InvitationStatus {
        self.0.effective_status(Utc::now()).into()
    }

    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
