use async_graphql::{Context, ID, InputObject, Object};
use domain::notifications::NewCategory;

use crate::context::{actor, auth, domain};
use crate::error::{ApiResult, parse_id};
use crate::types::enums::Role;
use crate::types::{EmailPreferences, NotificationCategory};

#[derive(Default)]
pub struct NotificationMutation;

/// A category of email, new or relabelled.
#[derive(InputObject)]
pub struct NotificationCategoryInput {
    /// 1–64 capital letters, digits or underscores, starting with a letter.
    pub key: String,
    /// The name people see (at most 200 characters).
    pub label: String,
    /// The roles whose contacts receive it by default (none: opt-in only).
    pub default_roles: Option<Vec<Role>>,
}

#[Object]
impl NotificationMutation {
    /// Staff: defines a category of email (or relabels one defined before). Existing
    /// contacts of its default roles receive it from now on.
    async fn define_notification_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category's key, label and default roles.")]
        input: NotificationCategoryInput,
    ) -> ApiResult<NotificationCategory> {
        let category = NewCategory {
            key: input.key,
            label: input.label,
            default_roles: input
                .default_roles
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        };
        Ok(domain(ctx)
            .notifications()
            .define(actor(ctx)?, category)
            .await?
            .into())
    }

    /// Staff: emails a message in `category` to each of the account's contacts who
    /// receive it (one email each). Returns how many were sent.
    async fn send_notification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account whose contacts are emailed.")] account_id: ID,
        #[graphql(desc = "A category key (`notificationCategories`); unknown: BAD_USER_INPUT.")]
        category: String,
        #[graphql(desc = "The email's subject line.")] subject: String,
        #[graphql(desc = "The email's text.")] body: String,
    ) -> ApiResult<i32> {
        let account_id = parse_id(&account_id, "account")?;
        let sent = domain(ctx)
            .notifications()
            .send(actor(ctx)?, account_id, &category, &subject, &body)
            .await?;
        Ok(i32::try_from(sent).unwrap_or(i32::MAX))
    }

    /// No sign-in: sets the categories the contact named by the emailed token
    /// receives (the whole list).
    async fn set_email_preferences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from the email's link.")] token: String,
        #[graphql(desc = "The keys of every category the contact is to receive.")] categories: Vec<
            String,
        >,
    ) -> ApiResult<EmailPreferences> {
        Ok(domain(ctx)
            .notifications()
            .set_email_preferences(&token, categories, auth(ctx).meta().clone())
            .await?
            .into())
    }
}
