//! Personal data (SPEC "Personal data"): exports, erasing a person, ending one's own
//! login.

use async_graphql::{Context, ID, Object};

use crate::context::{actor, domain};
use crate::directives::{PersonOnly, one_per_request, person_only};
use crate::error::{ApiResult, parse_id};

#[derive(Default)]
pub struct PersonalDataMutation;

#[Object]
impl PersonalDataMutation {
    /// Emails the signed-in person a link to a copy of everything held about them: one
    /// JSON document (docs/schemas/personal-data.v1.json) with their profile,
    /// memberships, contact cards and notification preferences, sessions, API tokens,
    /// passkeys, tickets and replies, audit entries and the emails sent to them; no
    /// secret. The link (`/exports/{token}`) works once, within 24 hours. At most 5
    /// exports an hour per login (RATE_LIMITED).
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn request_data_export(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        domain(ctx).exports().request_personal(actor(ctx)?).await?;
        Ok(true)
    }

    /// Emails the signed-in person (MANAGE_ACCOUNT) a link to the account's records: a
    /// zip of `account.json` (contacts, invoices, services without passwords, domains,
    /// tickets, audit log; docs/schemas/account-export.v1.json), `contacts.csv` and
    /// `invoices.csv`. A section their permissions do not show is null (a CSV file left
    /// out); their scope applies. The link works once, within 24 hours, while they
    /// still manage the account. Throttled with `requestDataExport`.
    #[graphql(guard = "PersonOnly", directive = person_only::apply())]
    async fn export_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to export.")] account_id: ID,
    ) -> ApiResult<bool> {
        let account_id = parse_id(&account_id, "account")?;
        domain(ctx)
            .exports()
            .request_account(actor(ctx)?, account_id)
            .await?;
        Ok(true)
    }

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
        #[graphql(desc = "The contact's id.")] id: ID,
        #[graphql(desc = "The acting person's current password.")] current_password: String,
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
    async fn erase_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user to erase.")] user_id: ID,
    ) -> ApiResult<ID> {
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
        #[graphql(desc = "The person's current password.")] current_password: String,
    ) -> ApiResult<bool> {
        domain(ctx)
            .erasure()
            .delete_my_login(actor(ctx)?, &current_password)
            .await?;
        Ok(true)
    }
}
