//! Authorization: what an actor may do in one account. Every service checks here, so
//! tenancy and permissions are decided in one place, whatever the schema does.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::{account, contact};
use crate::permissions::{self, Permission};
use crate::{Actor, Domain, DomainError, Result};

/// The actor's standing in one account.
#[derive(Clone, Debug)]
pub struct Access {
    pub account_id: i64,
    pub is_staff: bool,
    /// The actor's own contact in the account, when they are a member.
    pub contact: Option<contact::Model>,
    pub permissions: Vec<Permission>,
}

impl Access {
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
        } else {
            Err(forbidden(permission))
        }
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
    let contact = contact::Entity::find()
        .filter(contact::Column::UserId.eq(actor.user_id))
        .filter(contact::Column::AccountId.eq(account_id))
        .one(conn)
        .await?;
    if contact.is_none() && !actor.is_staff {
        return Err(DomainError::NotFound(what));
    }
    if actor.is_staff {
        // Staff may name an account that does not exist.
        account::Entity::find_by_id(account_id)
            .one(conn)
            .await?
            .ok_or(DomainError::NotFound(what))?;
    }
    let permissions = contact
        .as_ref()
        .map(permissions::of_contact)
        .unwrap_or_default();
    Ok(Access {
        account_id,
        is_staff: actor.is_staff,
        contact,
        permissions,
    })
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
    ) -> Result<std::collections::HashMap<i64, Access>> {
        let members = contact::Entity::find()
            .filter(contact::Column::UserId.eq(actor.user_id))
            .filter(contact::Column::AccountId.is_in(account_ids.iter().copied()))
            .all(self.db())
            .await?;
        let mut found: std::collections::HashMap<i64, Access> = members
            .into_iter()
            .map(|c| {
                let access = Access {
                    account_id: c.account_id,
                    is_staff: actor.is_staff,
                    permissions: permissions::of_contact(&c),
                    contact: Some(c),
                };
                (access.account_id, access)
            })
            .collect();
        if actor.is_staff {
            for &account_id in account_ids {
                found.entry(account_id).or_insert(Access {
                    account_id,
                    is_staff: true,
                    contact: None,
                    permissions: Vec::new(),
                });
            }
        }
        Ok(found)
    }

    /// What the actor may do where their session is placed: every permission for staff
    /// (placed or not), their role's in the current account, or nothing.
    pub async fn current_permissions(&self, actor: &Actor) -> Result<Vec<Permission>> {
        let placed = actor.current_account_id.into_iter().collect::<Vec<_>>();
        let mut found = self.accesses(actor, &placed).await?;
        Ok(match placed.first().and_then(|id| found.remove(id)) {
            Some(access) => access.effective(),
            None if actor.is_staff => Permission::ALL.to_vec(),
            None => Vec::new(),
        })
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
