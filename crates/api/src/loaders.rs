//! Data loaders: every per-item relation is fetched in one batched query per request.

use std::collections::HashMap;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use domain::access::Access;
use domain::accounts::{KeyContacts, KeyContactsOf};
use domain::entities::ticket_reply;
use domain::{Actor, Domain};

use crate::error::{ApiError, ApiResult};

/// The request's loaders. They know who is asking, so permission lookups are batched
/// and cached for the request too.
pub struct Loaders {
    domain: Domain,
    actor: Option<Actor>,
}

/// The loaders as resolvers find them in the context.
pub type RequestLoader = DataLoader<Loaders, HashMapCache>;

impl Loaders {
    /// One request's loaders, cached for the request: a row asked for twice (the
    /// viewer's access, by every guard) is read once.
    pub fn for_request(domain: Domain, actor: Option<Actor>) -> RequestLoader {
        DataLoader::with_cache(
            Self { domain, actor },
            tokio::spawn,
            HashMapCache::default(),
        )
    }

    /// A WebSocket connection's loaders: batched but not cached, since a connection
    /// lives for hours and permissions must be read fresh.
    pub fn for_connection(domain: Domain, actor: Option<Actor>) -> RequestLoader {
        let loader = Self::for_request(domain, actor);
        loader.enable_all_cache(false);
        loader
    }
}

/// The viewer's access to an account (absent: neither a member nor staff).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccessTo(pub i64);

/// The replies of a ticket, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RepliesOf(pub i64);

impl Loaders {
    /// Whether these loaders read for `actor`: not so for the viewer a mutation that
    /// signs someone in returns (the request itself came from no one, or someone else).
    pub(crate) fn reads_for(&self, actor: &Actor) -> bool {
        self.actor
            .as_ref()
            .is_some_and(|own| own.session_id == actor.session_id)
    }
}

/// The viewer's access to account `account_id` (with the account row), read once per
/// request however many fields ask: `account(id)`, `viewer.permissions` and every
/// field guard on the account share one query.
pub(crate) async fn access_to(ctx: &Context<'_>, account_id: i64) -> ApiResult<Option<Access>> {
    ctx.data_unchecked::<RequestLoader>()
        .load_one(AccessTo(account_id))
        .await
}

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

impl Loader<KeyContactsOf> for Loaders {
    type Value = KeyContacts;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[KeyContactsOf],
    ) -> Result<HashMap<KeyContactsOf, Self::Value>, Self::Error> {
        let mut found = self.domain.accounts().key_contacts(keys).await?;
        Ok(keys
            .iter()
            .filter_map(|&key| Some((key, found.remove(&key.account_id())?)))
            .collect())
    }
}
