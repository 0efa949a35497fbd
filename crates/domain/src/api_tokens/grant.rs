//! What a request made with an API token carries: the token's own limits. Apart from
//! the rest of `api_tokens` so that the door ([`crate::access`]) reads it without
//! depending on how tokens are made and revoked.

use crate::entities::session;
use crate::permissions::{self, Permission};
use crate::scope::Scope;

/// What an API token limits its member to, as the request carries it.
#[derive(Clone, Debug)]
pub struct ApiTokenGrant {
    /// The token's row (a session's id).
    pub id: i64,
    pub name: String,
    pub account_id: i64,
    pub permissions: Vec<Permission>,
    /// `None`: the member's own scope.
    pub scope: Option<Scope>,
}

impl ApiTokenGrant {
    /// The grant a token row holds; `None` for a person's session.
    pub(crate) fn of(row: &session::Model) -> Option<Self> {
        Some(Self {
            id: row.id,
            name: row.api_token_name.clone()?,
            account_id: row.current_account_id?,
            permissions: permissions::from_json(row.api_token_permissions.as_ref()?),
            scope: row.api_token_scope.clone(),
        })
    }
}
