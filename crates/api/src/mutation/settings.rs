use async_graphql::{Context, InputObject, Object};
use domain::settings::SettingsChanges;

use crate::context::{actor, domain};
use crate::error::ApiResult;
use crate::types::PortalSettings;

#[derive(Default)]
pub struct SettingsMutation;

/// Changes to the portal's settings; a setting left out stays as it is.
#[derive(InputObject)]
pub struct PortalSettingsInput {
    /// When false, only staff may add, edit or remove contacts.
    pub allow_client_contact_management: Option<bool>,
    /// How long a new invitation's link works, in hours: 1 to 8760 (a year).
    pub invitation_ttl_hours: Option<i32>,
}

#[Object]
impl SettingsMutation {
    /// Staff: changes the portal's settings.
    async fn update_portal_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The settings to change.")] input: PortalSettingsInput,
    ) -> ApiResult<PortalSettings> {
        let changes = SettingsChanges {
            allow_client_contact_management: input.allow_client_contact_management,
            invitation_ttl_hours: input.invitation_ttl_hours,
        };
        Ok(domain(ctx)
            .settings()
            .update(actor(ctx)?, changes)
            .await?
            .into())
    }
}
