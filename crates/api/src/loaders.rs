//! Data loaders: every per-item relation is fetched in one batched query per request.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use domain::Domain;
use domain::entities::{account, contact};

use crate::error::ApiError;

pub struct Loaders {
    domain: Domain,
}

impl Loaders {
    pub fn new(domain: Domain) -> Self {
        Self { domain }
    }
}

/// An account by its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccountById(pub i64);

/// The primary contact of an account, by the account's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OwnerOfAccount(pub i64);

impl Loader<AccountById> for Loaders {
    type Value = account::Model;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[AccountById],
    ) -> Result<HashMap<AccountById, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let found = self.domain.accounts().by_ids(&ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, a)| (AccountById(id), a))
            .collect())
    }
}

impl Loader<OwnerOfAccount> for Loaders {
    type Value = contact::Model;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[OwnerOfAccount],
    ) -> Result<HashMap<OwnerOfAccount, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let found = self.domain.accounts().owners(&ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, c)| (OwnerOfAccount(id), c))
            .collect())
    }
}
