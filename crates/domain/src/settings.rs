//! Portal settings set by staff.

use sea_orm::EntityTrait;

use crate::entities::portal_settings;
use crate::{Domain, Result};

/// The portal's settings, with their defaults when staff never changed them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortalSettings {
    /// When false, only staff may add, edit or remove contacts.
    pub allow_client_contact_management: bool,
    pub invitation_ttl_hours: i32,
}

impl Default for PortalSettings {
    fn default() -> Self {
        Self {
            allow_client_contact_management: true,
            invitation_ttl_hours: 168,
        }
    }
}

pub struct SettingsService<'a> {
    domain: &'a Domain,
}

impl<'a> SettingsService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    pub async fn get(&self) -> Result<PortalSettings> {
        let row = portal_settings::Entity::find_by_id(1)
            .one(self.domain.db())
            .await?;
        Ok(
            row.map_or_else(PortalSettings::default, |r| PortalSettings {
                allow_client_contact_management: r.allow_client_contact_management,
                invitation_ttl_hours: r.invitation_ttl_hours,
            }),
        )
    }
}
