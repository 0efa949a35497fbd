//! Scoped access: a member limited to some services and domains of their account.
//! The scope rides on the member's contact (and on the invitation that makes one), so
//! the one door to rows ([`crate::access::Access`]) has it at hand: applying it costs
//! no statement of its own, only a condition in the query that reads the rows.

use sea_orm::sea_query::{Condition, Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromJsonQueryResult, PaginatorTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};

use crate::entities::{domain_name, service};
use crate::permissions::Permission;
use crate::{DomainError, Result};

/// The services and domains of one account a member looks after. On a contact or an
/// invitation, `None` means the whole account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Scope {
    /// Service ids, ascending, no repeats.
    pub services: Vec<i64>,
    /// Domain ids, ascending, no repeats.
    pub domains: Vec<i64>,
}

/// What a scoped member never holds: permissions over the whole account (its invoices,
/// people, email history, audit log, settings and ownership).
pub const ACCOUNT_WIDE: [Permission; 7] = [
    Permission::ViewInvoices,
    Permission::PayInvoices,
    Permission::ManageContacts,
    Permission::ManageAccount,
    Permission::ViewEmails,
    Permission::ViewAuditLog,
    Permission::TransferOwnership,
];

/// The most services (and the most domains) one scope names: a freelancer's handful,
/// with room to spare; past it, a scope is a mistake or an attack on the `IN` list.
pub const MAX_IDS: usize = 500;

impl Scope {
    /// A scope as a client gives it: at most [`MAX_IDS`] of each (else BAD_USER_INPUT
    /// naming the list).
    pub fn checked(services: Vec<i64>, domains: Vec<i64>) -> Result<Self> {
        for (field, ids) in [
            ("scope.serviceIds", &services),
            ("scope.domainIds", &domains),
        ] {
            if ids.len() > MAX_IDS {
                return Err(DomainError::bad_input(
                    field,
                    format!("at most {MAX_IDS} ids"),
                ));
            }
        }
        Ok(Self::new(services, domains))
    }

    /// A scope of these ids, in order and without repeats.
    pub fn new(mut services: Vec<i64>, mut domains: Vec<i64>) -> Self {
        services.sort_unstable();
        services.dedup();
        domains.sort_unstable();
        domains.dedup();
        Self { services, domains }
    }

    pub fn has_service(&self, id: i64) -> bool {
        self.services.binary_search(&id).is_ok()
    }

    pub fn has_domain(&self, id: i64) -> bool {
        self.domains.binary_search(&id).is_ok()
    }

    /// What is in both.
    pub fn and(&self, other: &Scope) -> Scope {
        Scope {
            services: self
                .services
                .iter()
                .copied()
                .filter(|id| other.has_service(*id))
                .collect(),
            domains: self
                .domains
                .iter()
                .copied()
                .filter(|id| other.has_domain(*id))
                .collect(),
        }
    }

    /// Whether everything in `self` is also in `outer`.
    pub fn within(&self, outer: &Scope) -> bool {
        self.services.iter().all(|id| outer.has_service(*id))
            && self.domains.iter().all(|id| outer.has_domain(*id))
    }
}

/// Whether `inner` (`None`: the whole account) lies within `outer`.
pub fn within(inner: Option<&Scope>, outer: Option<&Scope>) -> bool {
    match (inner, outer) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(inner), Some(outer)) => inner.within(outer),
    }
}

/// The narrower of two scopes (`None`: the whole account).
pub fn narrower(a: Option<&Scope>, b: Option<&Scope>) -> Option<Scope> {
    match (a, b) {
        (None, b) => b.cloned(),
        (a, None) => a.cloned(),
        (Some(a), Some(b)) => Some(a.and(b)),
    }
}

/// A scoped member holds no account-wide permission: BAD_USER_INPUT naming the first
/// of `granted` that is one.
pub fn check_permissions(scope: Option<&Scope>, granted: &[Permission]) -> Result<()> {
    if scope.is_none() {
        return Ok(());
    }
    match granted.iter().find(|p| ACCOUNT_WIDE.contains(p)) {
        None => Ok(()),
        Some(permission) => Err(DomainError::bad_input(
            "scope",
            format!(
                "{permission} covers the whole account: a member limited to some services and domains cannot hold it"
            ),
        )),
    }
}

/// Every id of `scope` names a service or domain of `account_id`; else NOT_FOUND, as
/// for any id the actor cannot see.
pub(crate) async fn check_exists(
    conn: &impl ConnectionTrait,
    account_id: i64,
    scope: &Scope,
) -> Result<()> {
    let services = service::Entity::find()
        .filter(service::Column::AccountId.eq(account_id))
        .filter(among(service::Column::Id, &scope.services))
        .count(conn)
        .await?;
    if services != scope.services.len() as u64 {
        return Err(DomainError::NotFound("service"));
    }
    let domains = domain_name::Entity::find()
        .filter(domain_name::Column::AccountId.eq(account_id))
        .filter(among(domain_name::Column::Id, &scope.domains))
        .count(conn)
        .await?;
    if domains != scope.domains.len() as u64 {
        return Err(DomainError::NotFound("domain"));
    }
    Ok(())
}

/// `column IN ids`, false for no ids (an empty `IN ()` is not SQL everywhere).
pub(crate) fn among(column: impl sea_orm::sea_query::IntoColumnRef, ids: &[i64]) -> SimpleExpr {
    if ids.is_empty() {
        Expr::val(false)
    } else {
        Expr::col(column).is_in(ids.iter().copied())
    }
}

/// The rows of a scoped member's view: any of `parts` holds.
pub(crate) fn any_of(parts: impl IntoIterator<Item = SimpleExpr>) -> Condition {
    parts.into_iter().fold(Condition::any(), Condition::add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_lies_within_a_wider_one_only() {
        let wide = Scope::new(vec![3, 1, 2], vec![7]);
        let narrow = Scope::new(vec![2, 2], vec![]);
        assert_eq!(wide.services, vec![1, 2, 3]);
        assert!(narrow.within(&wide));
        assert!(!wide.within(&narrow));
        assert!(within(Some(&narrow), None));
        assert!(!within(None, Some(&wide)));
        assert!(!Scope::new(vec![], vec![8]).within(&wide));
    }

    #[test]
    fn a_scoped_member_holds_no_account_wide_permission() {
        let scope = Scope::default();
        assert!(
            check_permissions(Some(&scope), crate::permissions::Role::Technical.preset()).is_ok()
        );
        let err = check_permissions(Some(&scope), crate::permissions::Role::Billing.preset())
            .unwrap_err();
        assert!(err.to_string().contains("VIEW_INVOICES"), "{err}");
        assert!(check_permissions(None, &Permission::ALL).is_ok());
    }
}
