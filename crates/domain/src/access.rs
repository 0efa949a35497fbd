//! Authorization: what an actor may do in one account. Every service checks here, so
//! tenancy and permissions are decided in one place, whatever the schema does.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::entities::contact;
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

impl Domain {
    /// The actor's access to `account_id`. Neither a member nor staff: `NotFound`, so
    /// an id from another account reveals nothing.
    pub async fn access(
        &self,
        actor: &Actor,
        account_id: i64,
        what: &'static str,
    ) -> Result<Access> {
        let contact = contact::Entity::find()
            .filter(contact::Column::UserId.eq(actor.user_id))
            .filter(contact::Column::AccountId.eq(account_id))
            .one(self.db())
            .await?;
        if contact.is_none() && !actor.is_staff {
            return Err(DomainError::NotFound(what));
        }
        if actor.is_staff {
            // Staff may name an account that does not exist.
            crate::entities::account::Entity::find_by_id(account_id)
                .one(self.db())
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
