use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::entities::account;

use super::Contact;
use crate::error::ApiResult;
use crate::loaders::{Loaders, OwnerOfAccount};

/// A billable party. Only ever built for a viewer allowed to see it.
pub struct Account(pub account::Model);

#[Object]
impl Account {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The primary contact.
    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<Contact> {
        let owner = ctx
            .data_unchecked::<DataLoader<Loaders>>()
            .load_one(OwnerOfAccount(self.0.id))
            .await?
            .ok_or_else(|| DomainError::Internal(format!("account {} has no owner", self.0.id)))?;
        Ok(Contact(owner))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
