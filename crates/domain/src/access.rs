//! Authorization: what an actor may do in one account. Every service checks here, so
//! tenancy and permissions are decided in one place, whatever the schema does.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait,
};

use crate::entities::{account, contact};
use crate::permissions::{self, Permission};
use crate::{Actor, Domain, DomainError, Result};

/// The actor's standing in one account, with the account itself (read together).
#[derive(Clone, Debug)]
pub struct Access {
    pub account: account::Model,
    pub is_staff: bool,
    /// The actor's own contact in the account, when they are a member.
    pub contact: Option<contact::Model>,
    pub permissions: Vec<Permission>,
    /// The account requires two-factor sign-in and this member has not turned it on:
    /// they hold nothing here until they do (TWO_FACTOR_REQUIRED).
    pub two_factor_missing: bool,
}

impl Access {
    /// The actor's access to `account` given their own contact there (if any): a
    /// member's, staff's, or none.
    fn of(actor: &Actor, account: account::Model, contact: Option<contact::Model>) -> Option<Self> {
        if contact.is_none() && !actor.is_staff {
            return None;
        }
        let two_factor_missing = account.require_two_factor && !actor.is_staff && !actor.two_factor;
        let permissions = match &contact {
            Some(contact) if !two_factor_missing => permissions::of_contact(contact),
            _ => Vec::new(),
        };
        Some(Self {
            account,
            is_staff: actor.is_staff,
            contact,
            permissions,
            two_factor_missing,
        })
    }

    pub fn account_id(&self) -> i64 {
        self.account.id
    }

    /// What the actor may do here: every permission for staff, else their role's.
    pub fn effective(&self) -> Vec<Permission> {
        if self.is_staff {
            Permission::ALL.to_vec()
        } else {
            self.permissions.clone()
        }
    }

    pub fn has(&self, permission: Permission) -> bool {
        self.is_staff || self.permissions.contains(&permission)
    }

    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.has(permission) {
            Ok(())
        } else if self.two_factor_missing {
            Err(self.two_factor_needed())
        } else {
            Err(forbidden(permission))
        }
    }

    /// FORBIDDEN with reason TWO_FACTOR_REQUIRED.
    pub fn two_factor_needed(&self) -> DomainError {
        DomainError::forbidden_until(
            "TWO_FACTOR_REQUIRED",
            format!(
                "{} requires two-factor sign-in: turn it on (enrollTotp) to use it",
                self.account.name
            ),
        )
    }
}

impl Access {
    /// Whether `contact_id` is the actor's own contact in this account.
    pub fn is_own(&self, contact_id: i64) -> bool {
        self.contact.as_ref().is_some_and(|c| c.id == contact_id)
    }

    /// Nobody grants more than they hold: a role or permission list may be given only
    /// if every permission in it is the actor's own. Staff pass; the owner holds all.
    pub fn may_grant(&self, granted: &[Permission]) -> Result<()> {
        match self.lacking(granted) {
            None => Ok(()),
            Some(missing) => Err(DomainError::forbidden(format!(
                "you cannot grant {missing}, which you do not hold yourself"
            ))),
        }
    }

    /// A member may edit, remove, revoke or re-role only contacts whose permissions do
    /// not exceed their own (so an admin cannot touch the owner, nor a contact manager
    /// an admin). Staff pass.
    pub fn may_manage(&self, target: &contact::Model) -> Result<()> {
        self.may_manage_holder_of(&permissions::of_contact(target))
    }

    /// [`Access::may_manage`] for an invitation's (or any) permission set.
    pub fn may_manage_holder_of(&self, held: &[Permission]) -> Result<()> {
        match self.lacking(held) {
            None => Ok(()),
            Some(missing) => Err(DomainError::forbidden(format!(
                "this person holds {missing}, which you do not; only someone who holds it can change their access"
            ))),
        }
    }

    /// The first of `wanted` the actor lacks (never for staff).
    fn lacking(&self, wanted: &[Permission]) -> Option<Permission> {
        if self.is_staff {
            return None;
        }
        wanted
            .iter()
            .copied()
            .find(|p| !self.permissions.contains(p))
    }
}

pub fn forbidden(permission: Permission) -> DomainError {
    DomainError::Forbidden(format!(
        "this needs the {permission} permission on the account"
    ))
}

/// What the actor may do where their session is placed, given their access there (if
/// any): every permission for staff (placed or not), their role's, or nothing.
pub fn current_permissions(actor: &Actor, placed: Option<&Access>) -> Vec<Permission> {
    match placed {
        Some(access) => access.effective(),
        None if actor.is_staff => Permission::ALL.to_vec(),
        None => Vec::new(),
    }
}

/// Staff only: others get FORBIDDEN.
pub fn require_staff(actor: &Actor) -> Result<()> {
    if actor.is_staff {
        Ok(())
    } else {
        Err(DomainError::forbidden("only staff can do this"))
    }
}

/// The actor's access to `account_id`, read on `conn` (inside a change's transaction,
/// so what is checked is what the change sees). Neither a member nor staff:
/// `NotFound`, so an id from another account reveals nothing.
pub(crate) async fn access_on(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    account_id: i64,
    what: &'static str,
) -> Result<Access> {
    accesses_on(conn, actor, &[account_id])
        .await?
        .remove(&account_id)
        .ok_or(DomainError::NotFound(what))
}

/// The actor's access to each of `account_ids` where they have any (staff: every one
/// that exists), in one query: each account joined with the actor's own contact in it.
async fn accesses_on(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    account_ids: &[i64],
) -> Result<HashMap<i64, Access>> {
    let user_id = actor.user_id;
    let own_contact = account::Relation::Contacts
        .def()
        .on_condition(move |_, contact| {
            Expr::col((contact, contact::Column::UserId))
                .eq(user_id)
                .into_condition()
        });
    let rows = account::Entity::find()
        .filter(account::Column::Id.is_in(account_ids.iter().copied()))
        .select_also(contact::Entity)
        .join(JoinType::LeftJoin, own_contact)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(account, contact)| Access::of(actor, account, contact))
        .map(|access| (access.account_id(), access))
        .collect())
}

/// The actor's access for a change needing `permission`, read on `conn`. When staff
/// turned client self-service off, MANAGE_CONTACTS changes are staff's alone.
pub(crate) async fn authorize_change(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    account_id: i64,
    permission: Permission,
    what: &'static str,
) -> Result<Access> {
    let access = access_on(conn, actor, account_id, what).await?;
    access.require(permission)?;
    if permission == Permission::ManageContacts
        && !actor.is_staff
        && !crate::store::settings::read(conn)
            .await?
            .allow_client_contact_management
    {
        return Err(DomainError::forbidden(
            "contact management is reserved to staff on this portal",
        ));
    }
    Ok(access)
}

/// Takes the account's row lock for the rest of the transaction: changes to one
/// account's people (ownership, removal, roles, access, invitations) then commit one
/// after another, and each sees the state the previous one left. A no-op UPDATE, so it
/// works the same on PostgreSQL (row lock) and SQLite (the write lock, taken first).
pub(crate) async fn lock_account(conn: &impl ConnectionTrait, account_id: i64) -> Result<()> {
    account::Entity::update_many()
        .col_expr(account::Column::Id, Expr::col(account::Column::Id))
        .filter(account::Column::Id.eq(account_id))
        .exec(conn)
        .await?;
    Ok(())
}

impl Domain {
    /// The actor's access to `account_id`, for reads. Changes use
    /// `Change::on_account` instead, which checks inside their transaction.
    pub async fn access(
        &self,
        actor: &Actor,
        account_id: i64,
        what: &'static str,
    ) -> Result<Access> {
        access_on(self.db(), actor, account_id, what).await
    }

    /// The actor's access to each of `account_ids` where they have any (staff: all), in
    /// one query, for batched field guards. An account that does not exist is left out.
    pub async fn accesses(
        &self,
        actor: &Actor,
        account_ids: &[i64],
    ) -> Result<HashMap<i64, Access>> {
        accesses_on(self.db(), actor, account_ids).await
    }

    /// The actor's access to `account_id`, which must include `permission`.
    pub async fn require(
        &self,
        actor: &Actor,
        account_id: i64,
        permission: Permission,
        what: &'static str,
    ) -> Result<Access> {
        let access = self.access(actor, account_id, what).await?;
        access.require(permission)?;
        Ok(access)
    }
}
