//! Data loaders: every per-item relation is fetched in one batched query per request.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use domain::access::Access;
use domain::entities::{contact, ticket_reply};
use domain::{Actor, Domain};

use crate::error::ApiError;

/// The request's loaders. They know who is asking, so permission lookups are batched
/// and cached for the request too.
pub struct Loaders {
    domain: Domain,
    actor: Option<Actor>,
}

impl Loaders {
    pub fn new(domain: Domain, actor: Option<Actor>) -> Self {
        Self { domain, actor }
    }
}

/// The viewer's access to an account (absent: neither a member nor staff).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccessTo(pub i64);

/// A contact by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ContactById(pub i64);

/// The replies of a ticket, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RepliesOf(pub i64);

impl Loader<AccessTo> for Loaders {
    type Value = Access;
    type Error = ApiError;

    async fn load(&self, keys: &[AccessTo]) -> Result<HashMap<AccessTo, Self::Value>, Self::Error> {
        let Some(actor) = &self.actor else {
            return Ok(HashMap::new());
        };
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let found = self.domain.accesses(actor, &ids).await?;
        Ok(found.into_iter().map(|(id, a)| (AccessTo(id), a)).collect())
    }
}

impl Loader<ContactById> for Loaders {
    type Value = contact::Model;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[ContactById],
    ) -> Result<HashMap<ContactById, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let found = self.domain.contacts().by_ids(&ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, c)| (ContactById(id), c))
            .collect())
    }
}

impl Loader<RepliesOf> for Loaders {
    type Value = Vec<ticket_reply::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RepliesOf],
    ) -> Result<HashMap<RepliesOf, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let found = self.domain.tickets().replies(&ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, r)| (RepliesOf(id), r))
            .collect())
    }
}

/// The primary contact of an account, by the account's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OwnerOfAccount(pub i64);

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
