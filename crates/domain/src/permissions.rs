//! Roles and permissions: the one place that decides what a member may do.

use std::fmt;
use std::str::FromStr;

use sea_orm::entity::prelude::{DeriveActiveEnum, EnumIter, StringLen};

/// A member's role in an account; each is a preset of permissions, except `Custom`.
/// Stored (contacts, invitations, event snapshots) as its name: a name this version
/// does not know is an error when read, never silently another role.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// The primary contact's alone; only moved by ownership transfer.
    #[sea_orm(string_value = "OWNER")]
    Owner,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    #[sea_orm(string_value = "BILLING")]
    Billing,
    #[sea_orm(string_value = "TECHNICAL")]
    Technical,
    /// Permissions picked one by one.
    #[sea_orm(string_value = "CUSTOM")]
    Custom,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    ViewInvoices,
    PayInvoices,
    ViewServices,
    ViewServicePasswords,
    ViewDomains,
    ViewTickets,
    OpenTickets,
    ManageContacts,
    ManageAccount,
    ViewEmails,
    ViewAuditLog,
    TransferOwnership,
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Permission::ViewInvoices,
        Permission::PayInvoices,
        Permission::ViewServices,
        Permission::ViewServicePasswords,
        Permission::ViewDomains,
        Permission::ViewTickets,
        Permission::OpenTickets,
        Permission::ManageContacts,
        Permission::ManageAccount,
        Permission::ViewEmails,
        Permission::ViewAuditLog,
        Permission::TransferOwnership,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ViewInvoices => "VIEW_INVOICES",
            Permission::PayInvoices => "PAY_INVOICES",
            Permission::ViewServices => "VIEW_SERVICES",
            Permission::ViewServicePasswords => "VIEW_SERVICE_PASSWORDS",
            Permission::ViewDomains => "VIEW_DOMAINS",
            Permission::ViewTickets => "VIEW_TICKETS",
            Permission::OpenTickets => "OPEN_TICKETS",
            Permission::ManageContacts => "MANAGE_CONTACTS",
            Permission::ManageAccount => "MANAGE_ACCOUNT",
            Permission::ViewEmails => "VIEW_EMAILS",
            Permission::ViewAuditLog => "VIEW_AUDIT_LOG",
            Permission::TransferOwnership => "TRANSFER_OWNERSHIP",
        }
    }
}

impl FromStr for Permission {
    type Err = UnknownName;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| UnknownName(name.to_owned()))
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Billing,
        Role::Technical,
        Role::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "OWNER",
            Role::Admin => "ADMIN",
            Role::Billing => "BILLING",
            Role::Technical => "TECHNICAL",
            Role::Custom => "CUSTOM",
        }
    }

    /// The permissions a preset role grants; `Custom` grants only what it lists.
    pub fn preset(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Owner => &Permission::ALL,
            Role::Admin => &[
                ViewInvoices,
                PayInvoices,
                ViewServices,
                ViewServicePasswords,
                ViewDomains,
                ViewTickets,
                OpenTickets,
                ManageContacts,
                ManageAccount,
                ViewEmails,
                ViewAuditLog,
            ],
            Role::Billing => &[ViewInvoices, PayInvoices],
            Role::Technical => &[
                ViewServices,
                ViewServicePasswords,
                ViewDomains,
                ViewTickets,
                OpenTickets,
            ],
            Role::Custom => &[],
        }
    }
}

impl FromStr for Role {
    type Err = UnknownName;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| UnknownName(name.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown name {0:?}")]
pub struct UnknownName(pub String);

/// A member's effective permissions, in the order of `Permission::ALL`.
///
/// `custom` is only read for the `Custom` role; `TransferOwnership` belongs to the owner
/// alone and is never granted through a custom list.
pub fn effective(role: Role, custom: &[Permission]) -> Vec<Permission> {
    let granted: &[Permission] = match role {
        Role::Custom => custom,
        preset => preset.preset(),
    };
    Permission::ALL
        .into_iter()
        .filter(|p| granted.contains(p))
        .filter(|p| *p != Permission::TransferOwnership || role == Role::Owner)
        .collect()
}

/// A custom permission list as stored on a contact: a JSON array of names.
pub fn to_json(list: &[Permission]) -> serde_json::Value {
    serde_json::Value::Array(list.iter().map(|p| p.as_str().into()).collect())
}

/// A custom permission list as stored: unknown names are ignored.
pub fn from_json(stored: &serde_json::Value) -> Vec<Permission> {
    stored
        .as_array()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The effective permissions of a stored role and custom list (a contact's or an
/// invitation's).
pub fn of_stored(role: Role, custom: &serde_json::Value) -> Vec<Permission> {
    effective(role, &from_json(custom))
}

/// Checks a role being given to someone (never OWNER: that only moves by transfer) and
/// its custom permissions. `current` is the contact's role before an update, if any.
pub(crate) fn assignable(
    role: Role,
    permissions: Option<Vec<Permission>>,
    current: Option<Role>,
) -> crate::Result<(Role, Vec<Permission>)> {
    if role == Role::Owner && current != Some(Role::Owner) {
        return Err(crate::DomainError::bad_input(
            "role",
            "OWNER is only given by transferOwnership",
        ));
    }
    match (role, permissions) {
        (Role::Custom, Some(list)) => {
            if list.contains(&Permission::TransferOwnership) {
                return Err(crate::DomainError::bad_input(
                    "permissions",
                    "TRANSFER_OWNERSHIP belongs to the owner alone",
                ));
            }
            let mut list = list;
            list.sort();
            list.dedup();
            Ok((role, list))
        }
        (Role::Custom, None) => Ok((role, Vec::new())),
        (_, Some(list)) if !list.is_empty() => Err(crate::DomainError::bad_input(
            "permissions",
            "permissions are picked one by one only for the CUSTOM role",
        )),
        (role, _) => Ok((role, Vec::new())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_is_never_given_and_custom_lists_are_checked() {
        assert!(assignable(Role::Owner, None, None).is_err());
        assert!(assignable(Role::Owner, None, Some(Role::Admin)).is_err());
        assert!(
            assignable(
                Role::Custom,
                Some(vec![Permission::TransferOwnership]),
                None
            )
            .is_err()
        );
        assert!(assignable(Role::Billing, Some(vec![Permission::ViewTickets]), None).is_err());
        let (role, list) = assignable(
            Role::Custom,
            Some(vec![
                Permission::ViewTickets,
                Permission::ViewInvoices,
                Permission::ViewTickets,
            ]),
            None,
        )
        .unwrap();
        assert_eq!(role, Role::Custom);
        assert_eq!(
            list,
            vec![Permission::ViewInvoices, Permission::ViewTickets]
        );
        assert_eq!(
            assignable(Role::Billing, Some(vec![]), None).unwrap().1,
            vec![]
        );
    }

    #[test]
    fn presets_match_the_spec_table() {
        use Permission::*;
        assert_eq!(effective(Role::Owner, &[]).len(), 12);
        assert!(!effective(Role::Admin, &[]).contains(&TransferOwnership));
        assert_eq!(effective(Role::Admin, &[]).len(), 11);
        assert_eq!(
            effective(Role::Billing, &[]),
            vec![ViewInvoices, PayInvoices]
        );
        assert_eq!(
            effective(Role::Technical, &[]),
            vec![
                ViewServices,
                ViewServicePasswords,
                ViewDomains,
                ViewTickets,
                OpenTickets
            ]
        );
    }

    #[test]
    fn custom_grants_only_its_list_and_never_ownership_transfer() {
        use Permission::*;
        let perms = effective(
            Role::Custom,
            &[ViewTickets, TransferOwnership, ViewInvoices],
        );
        assert_eq!(perms, vec![ViewInvoices, ViewTickets]);
        // Presets ignore a stray custom list.
        assert_eq!(
            effective(Role::Billing, &[ManageContacts]),
            vec![ViewInvoices, PayInvoices]
        );
    }

    #[test]
    fn names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>().unwrap(), p);
        }
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn roles_are_stored_by_their_names_and_an_unknown_name_is_an_error() {
        use sea_orm::ActiveEnum;
        for r in Role::ALL {
            assert_eq!(r.to_value(), r.as_str());
            assert_eq!(Role::try_from_value(&r.as_str().to_owned()).unwrap(), r);
            // Event snapshots hold contacts as JSON: the same names.
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert!(Role::try_from_value(&"WIZARD".to_owned()).is_err());
        assert!(serde_json::from_value::<Role>(serde_json::json!("WIZARD")).is_err());
    }
}
