//! The portal settings row (one, id 1).

use sea_orm::EntityTrait;

use crate::Result;
use crate::entities::portal_settings;

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

/// The settings as stored on `conn` (a transaction's, or the pool).
pub(crate) async fn read(conn: &impl sea_orm::ConnectionTrait) -> Result<PortalSettings> {
    let row = portal_settings::Entity::find_by_id(1).one(conn).await?;
    Ok(
        row.map_or_else(PortalSettings::default, |r| PortalSettings {
            allow_client_contact_management: r.allow_client_contact_management,
            invitation_ttl_hours: r.invitation_ttl_hours,
        }),
    )
}
