//! Portal settings set by staff.

use sea_orm::EntityTrait;

use crate::change::Change;
use crate::entities::portal_settings;
use crate::{Domain, Result, store};

pub use crate::store::settings::PortalSettings;

pub struct SettingsService<'a> {
    domain: &'a Domain,
}

impl<'a> SettingsService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    pub async fn get(&self) -> Result<PortalSettings> {
        store::settings::read(self.domain.db()).await
    }
}

/// What `updatePortalSettings` changes; `None` leaves a setting as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct SettingsChanges {
    pub allow_client_contact_management: Option<bool>,
    pub invitation_ttl_hours: Option<i32>,
}

impl SettingsService<'_> {
    /// Staff: changes the portal's settings.
    pub async fn update(
        &self,
        actor: &crate::Actor,
        changes: SettingsChanges,
    ) -> Result<PortalSettings> {
        use sea_orm::{ActiveModelTrait, Set};
        crate::access::require_staff(actor)?;
        if changes
            .invitation_ttl_hours
            .is_some_and(|hours| !(1..=8760).contains(&hours))
        {
            return Err(crate::DomainError::bad_input(
                "invitationTtlHours",
                "invitationTtlHours must be between 1 and 8760 (a year)",
            ));
        }
        let current = self.get().await?;
        let next = PortalSettings {
            allow_client_contact_management: changes
                .allow_client_contact_management
                .unwrap_or(current.allow_client_contact_management),
            invitation_ttl_hours: changes
                .invitation_ttl_hours
                .unwrap_or(current.invitation_ttl_hours),
        };
        let change = Change::begin(self.domain).await?;
        let row = portal_settings::ActiveModel {
            id: Set(1),
            allow_client_contact_management: Set(next.allow_client_contact_management),
            invitation_ttl_hours: Set(next.invitation_ttl_hours),
            updated_at: Set(change.now()),
            passkey_decoy_key: sea_orm::NotSet,
        };
        if portal_settings::Entity::find_by_id(1)
            .one(change.conn())
            .await?
            .is_some()
        {
            row.update(change.conn()).await?;
        } else {
            row.insert(change.conn()).await?;
        }
        change
            .commit(
                actor.into(),
                crate::audit::AuditRecord::new(crate::audit::AuditAction::PortalSettingsUpdate)
                    .details(serde_json::json!({
                        "allowClientContactManagement": next.allow_client_contact_management,
                        "invitationTtlHours": next.invitation_ttl_hours,
                    })),
            )
            .await?;
        Ok(next)
    }
}
