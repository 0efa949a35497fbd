//! Personal data (SPEC "Personal data"): erasing a person, ending one's own login.

use async_graphql::{Context, ID, Object};

use crate::context::{actor, domain};
use crate::directives::{PersonOnly, one_per_request, person_only};
use crate::error::{ApiResult, parse_id};

#[derive(Default)]
pub struct PersonalDataMutation;

#[Object]
impl PersonalDataMutation {
    /// Erases a contact: the card, their invitations, the event-log snapshots, and their
    /// name, address and phone in the account's email history, audit log, ticket
    /// replies and webhook payloads (addresses become `erased-<hash>@invalid`, the actor
    /// `erased:<hash>`). The same rules as `removeContact`: MANAGE_CONTACTS, never the
    /// owner, never someone holding a permission the actor lacks, and the actor's
    /// current password. Live dashboards receive a REMOVED event. Returns the erased id.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn erase_contact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        current_password: String,
    ) -> ApiResult<ID> {
        let id = parse_id(&id, "contact")?;
        let erased = domain(ctx)
            .erasure()
            .erase_contact(actor(ctx)?, id, &current_password)
            .await?;
        Ok(ID(erased.to_string()))
    }

    /// Staff: erases a login and the person everywhere: every card linked to it or
    /// bearing its address, with what `eraseContact` erases, and the login with its
    /// sessions, API tokens and passkeys. CONFLICT while they own an account.
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn erase_user(&self, ctx: &Context<'_>, user_id: ID) -> ApiResult<ID> {
        let id = parse_id(&user_id, "user")?;
        let erased = domain(ctx).erasure().erase_user(actor(ctx)?, id).await?;
        Ok(ID(erased.to_string()))
    }

    /// Ends the signed-in person's own login, after their current password: every
    /// membership and session ends and they are erased as `eraseUser` erases. CONFLICT,
    /// naming the accounts, while they own one (transfer ownership first).
    #[graphql(
        guard = "PersonOnly",
        directive = one_per_request::apply(),
        directive = person_only::apply()
    )]
    async fn delete_my_login(
        &self,
        ctx: &Context<'_>,
        current_password: String,
    ) -> ApiResult<bool> {
        domain(ctx)
            .erasure()
            .delete_my_login(actor(ctx)?, &current_password)
            .await?;
        Ok(true)
    }
}
