//! Scoped access on the wire: the services and domains of its account a member (or an
//! invitation) is limited to. `null` wherever a scope is read or given means the whole
//! account.

use async_graphql::{ID, InputObject, Object};

use crate::error::{ApiResult, parse_id};

/// The services and domains a member looks after. Ids not of the account (or outside
/// the giver's own scope) are NOT_FOUND.
#[derive(InputObject, Clone)]
pub struct ScopeInput {
    /// The account's services the member sees (at most 500).
    pub service_ids: Vec<ID>,
    /// The account's domains the member sees (at most 500).
    pub domain_ids: Vec<ID>,
}

impl ScopeInput {
    pub fn parse(self) -> ApiResult<domain::scope::Scope> {
        let ids = |ids: Vec<ID>, what| {
            ids.iter()
                .map(|id| parse_id(id, what))
                .collect::<ApiResult<Vec<i64>>>()
        };
        Ok(domain::scope::Scope::checked(
            ids(self.service_ids, "service")?,
            ids(self.domain_ids, "domain")?,
        )?)
    }
}

/// The services and domains of its account a member (or an invitation) is limited to.
pub struct Scope(pub domain::scope::Scope);

/// The services and domains of its account a member (or an invitation) is limited to.
#[Object]
impl Scope {
    /// The ids of the services in scope.
    async fn service_ids(&self) -> Vec<ID> {
        self.0
            .services
            .iter()
            .map(|id| ID(id.to_string()))
            .collect()
    }

    /// The ids of the domains in scope.
    async fn domain_ids(&self) -> Vec<ID> {
        self.0.domains.iter().map(|id| ID(id.to_string())).collect()
    }
}
