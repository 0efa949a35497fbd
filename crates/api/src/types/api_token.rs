//! API tokens as their member and their account's contact managers see them: never
//! the secret, which `createApiToken` answers once.

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::entities::session;
use domain::permissions;

use super::Scope;
use super::enums::{self, Permission};

/// An API token: what it may do, on which account, until when, and when and from where
/// it was last used (kept at most once a minute).
pub struct ApiToken(pub session::Model);

/// An API token: automation acting as its member on one account, limited to its
/// permissions and scope. Never its secret. Shown to its member (`viewer.apiTokens`) and
/// to members with MANAGE_CONTACTS (`Account.apiTokens`).
#[Object]
impl ApiToken {
    /// The token's id (`revokeApiToken`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The name its member gave it.
    async fn name(&self) -> &str {
        self.0.api_token_name.as_deref().unwrap_or_default()
    }

    /// What it was given; at each request it holds these only as far as its member
    /// still does.
    async fn permissions(&self) -> Vec<Permission> {
        let granted = self
            .0
            .api_token_permissions
            .as_ref()
            .map(permissions::from_json)
            .unwrap_or_default();
        enums::permissions(granted)
    }

    /// The services and domains it is limited to (null: its member's own scope).
    async fn scope(&self) -> Option<Scope> {
        self.0.api_token_scope.clone().map(Scope)
    }

    /// The account it acts on.
    async fn account_id(&self) -> Option<ID> {
        self.0.current_account_id.map(|id| ID(id.to_string()))
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it stops working.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// When it was last used (to the minute); null: never.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_seen_at
    }

    /// The client address of its last use (of its creation, until used).
    async fn last_used_ip(&self) -> Option<&str> {
        self.0.ip_address.as_deref()
    }
}

/// A token just made: its secret, shown this once (only its SHA-256 is kept), and the
/// token.
#[derive(SimpleObject)]
pub struct CreatedApiToken {
    /// `clt_` + 40 base62 characters + a 6-character CRC-32 checksum. Send it as
    /// `Authorization: Bearer …` (HTTP) or in `connection_init` (WebSocket).
    pub token: String,
    /// The token as lists show it.
    pub api_token: ApiToken,
}
