//! What may be done to a contact, by whom: the grant rule applied to re-roling and
//! removal. Pure functions of the actor's access and the contact as it is in the
//! change's transaction.

use crate::access::Access;
use crate::entities::contact;
use crate::permissions::{Permission, Role};
use crate::{DomainError, Result};

/// What an update may do to `contact`'s role for this actor: the new role and custom
/// list, or `None` when the update leaves the role alone. The rules, in order: nobody
/// touches a contact who holds more than they do; the primary contact stays OWNER;
/// nobody re-roles themselves; the new role must be assignable and within what the
/// actor holds.
pub(super) fn plan_role_change(
    access: &Access,
    contact: &contact::Model,
    (role, permissions): (Option<Role>, Option<Vec<Permission>>),
) -> Result<Option<(Role, Vec<Permission>)>> {
    access.may_manage(contact)?;
    if role.is_none() && permissions.is_none() {
        return Ok(None);
    }
    if contact.is_primary {
        if role.is_some_and(|r| r != Role::Owner) {
            return Err(DomainError::bad_input(
                "role",
                "the primary contact is the account's OWNER; transfer ownership to change that",
            ));
        }
        return Ok(Some((Role::Owner, Vec::new())));
    }
    let current = contact.role;
    let (role, custom) =
        crate::permissions::assignable(role.unwrap_or(current), permissions, Some(current))?;
    // A form that sends the role it shows changes nothing, even on one's own card.
    let mut current_custom = crate::permissions::from_json(&contact.permissions);
    current_custom.sort();
    if (role, &custom) == (current, &current_custom) {
        return Ok(None);
    }
    if access.is_own(contact.id) && !access.is_staff() {
        return Err(DomainError::forbidden(
            "you cannot change your own role or permissions",
        ));
    }
    let granted = crate::permissions::effective(role, &custom);
    access.may_grant(&granted)?;
    // Grants are bounded in time: a temporary member may not raise someone whose
    // access outlasts their own (what they give would outlive them).
    let held = contact.granted();
    if let Some(own) = access.access_ends()
        && contact.user_id.is_some()
        && contact.access_expires_at.is_none_or(|theirs| theirs > own)
        && granted.iter().any(|p| !held.contains(p))
    {
        return Err(DomainError::forbidden(format!(
            "your own access ends at {}; you can raise only someone whose access ends no later",
            own.to_rfc3339()
        )));
    }
    Ok(Some((role, custom)))
}

pub(crate) fn check_removable(access: &Access, contact: &contact::Model) -> Result<()> {
    if contact.is_primary {
        return Err(DomainError::bad_input(
            "id",
            "the primary contact cannot be removed; transfer ownership first",
        ));
    }
    access.may_manage(contact)
}
