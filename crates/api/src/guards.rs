//! Field guards: a field that needs a permission on its object's account answers
//! FORBIDDEN (and null) for a viewer without it. Staff pass, as everywhere, through
//! `Access` (the one place that knows).
//!
//! Guards only ever sit on fields of concrete object types, never on interfaces
//! (async-graphql skips guards reached through an interface, issue 1826).

use async_graphql::{Context, Guard};
use domain::access::forbidden;
use domain::permissions::Permission;

use crate::context::actor;
use crate::error::ApiError;
use crate::loaders::access_to;

/// Requires `permission` on account `account_id`.
pub struct Require {
    permission: Permission,
    account_id: i64,
}

impl Require {
    pub fn new(permission: Permission, account_id: i64) -> Self {
        Self {
            permission,
            account_id,
        }
    }
}

impl Guard for Require {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        actor(ctx)?;
        match access_to(ctx, self.account_id).await? {
            Some(access) => access
                .require(self.permission)
                .map_err(|e| ApiError(e).into()),
            None => Err(ApiError(forbidden(self.permission)).into()),
        }
    }
}
