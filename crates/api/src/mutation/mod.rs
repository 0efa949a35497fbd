//! Mutations, grouped by concern and merged into one root.

mod account;
mod api_tokens;
mod billing;
mod contacts;
mod invitations;
mod notifications;
mod passkeys;
mod personal_data;
mod session;
mod settings;
mod tickets;
mod webhooks;

use async_graphql::MergedObject;

/// What can be changed. Each mutation says who may run it. Those marked `@personOnly`
/// refuse API tokens; a request runs at most one of those marked `@onePerRequest`.
#[derive(MergedObject, Default)]
pub struct Mutation(
    session::SessionMutation,
    api_tokens::ApiTokenMutation,
    passkeys::PasskeyMutation,
    account::AccountMutation,
    contacts::ContactMutation,
    invitations::InvitationMutation,
    billing::BillingMutation,
    tickets::TicketMutation,
    settings::SettingsMutation,
    notifications::NotificationMutation,
    webhooks::WebhookMutation,
    personal_data::PersonalDataMutation,
);
