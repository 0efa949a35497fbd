//! Mail for people without a login: each notification email carries a token that lets
//! its recipient unsubscribe from its category in one click (RFC 8058) or choose their
//! categories, without signing in. A token acts on one contact's preferences and
//! nothing else, and dies when that contact's email changes (or the contact goes).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{NotificationService, all, keys_of, known_keys, may_receive, receivable};
use crate::audit::{AuditAction, AuditActor, AuditRecord};
use crate::change::Change;
use crate::entities::{account, contact, email_token};
use crate::{DomainError, RequestMeta, Result, tokens};

const BAD_TOKEN: &str = "this link is invalid or no longer works";

/// What a preferences page shows: whose preferences, and each category with whether
/// they receive it.
#[derive(Clone, Debug)]
pub struct EmailPreferences {
    pub contact_name: String,
    pub account_name: String,
    pub email: String,
    /// (key, label, subscribed), every category the contact may receive.
    pub categories: Vec<(String, String, bool)>,
}

/// A new token for an email in `category` to `recipient`.
pub(super) async fn issue_token(
    conn: &impl ConnectionTrait,
    recipient: &contact::Model,
    category: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    let (token, token_hash) = tokens::generate();
    email_token::ActiveModel {
        token_hash: Set(token_hash),
        contact_id: Set(recipient.id),
        email: Set(recipient.email.clone().unwrap_or_default()),
        category: Set(category.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The token's row and its contact, while the contact's email is the one it was
/// sent to.
async fn redeem(
    conn: &impl ConnectionTrait,
    token: &str,
) -> Result<(email_token::Model, contact::Model)> {
    let bad = || DomainError::bad_input("token", BAD_TOKEN);
    if token.len() > 128 {
        return Err(bad());
    }
    let found = email_token::Entity::find()
        .filter(email_token::Column::TokenHash.eq(tokens::hash(token)))
        .one(conn)
        .await?
        .ok_or_else(bad)?;
    let contact = contact::Entity::find_by_id(found.contact_id)
        .one(conn)
        .await?
        .filter(|c| {
            c.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&found.email))
        })
        .ok_or_else(bad)?;
    Ok((found, contact))
}

impl NotificationService<'_> {
    /// The preferences a token may act on.
    pub async fn email_preferences(&self, token: &str) -> Result<EmailPreferences> {
        let (_, contact) = redeem(self.domain.db(), token).await?;
        page(self.domain.db(), &contact).await
    }

    /// Sets the categories the token's contact receives (the whole list).
    pub async fn set_email_preferences(
        &self,
        token: &str,
        keys: Vec<String>,
        meta: RequestMeta,
    ) -> Result<EmailPreferences> {
        let keys = super::shaped_keys("categories", keys)?;
        let change = Change::begin(self.domain).await?;
        let (_, contact) = redeem(change.conn(), token).await?;
        let keys = known_keys(change.conn(), "categories", keys).await?;
        let keys = receivable("categories", keys, &contact.granted())?;
        let updated = set(change.conn(), contact, keys).await?;
        let preferences = page(change.conn(), &updated).await?;
        change
            .commit(
                AuditActor::anonymous(&meta),
                AuditRecord::new(AuditAction::ContactSetEmailPreferences)
                    .account(updated.account_id)
                    .target("contact", updated.id),
            )
            .await?;
        Ok(preferences)
    }

    /// One-click unsubscribe: removes the category of the email that carried the token
    /// from its contact's preferences. Answers the same whether or not it was there.
    pub async fn unsubscribe(&self, token: &str, meta: RequestMeta) -> Result<()> {
        let change = Change::begin(self.domain).await?;
        let (issued, contact) = redeem(change.conn(), token).await?;
        let keys: Vec<String> = keys_of(&contact.notification_preferences)
            .into_iter()
            .filter(|k| *k != issued.category)
            .collect();
        let updated = set(change.conn(), contact, keys).await?;
        change
            .commit(
                AuditActor::anonymous(&meta),
                AuditRecord::new(AuditAction::ContactUnsubscribe)
                    .account(updated.account_id)
                    .target("contact", updated.id)
                    .details(json!({ "category": issued.category })),
            )
            .await
    }
}

async fn set(
    conn: &impl ConnectionTrait,
    contact: contact::Model,
    keys: Vec<String>,
) -> Result<contact::Model> {
    let mut model: contact::ActiveModel = contact.into();
    model.notification_preferences = Set(json!(keys));
    Ok(model.update(conn).await?)
}

async fn page(conn: &impl ConnectionTrait, contact: &contact::Model) -> Result<EmailPreferences> {
    let account = account::Entity::find_by_id(contact.account_id)
        .one(conn)
        .await?
        .ok_or(DomainError::NotFound("account"))?;
    let subscribed = keys_of(&contact.notification_preferences);
    let permissions = contact.granted();
    Ok(EmailPreferences {
        contact_name: format!("{} {}", contact.first_name, contact.last_name),
        account_name: account.name,
        email: contact.email.clone().unwrap_or_default(),
        categories: all(conn)
            .await?
            .into_iter()
            // Only what they may receive is theirs to choose.
            .filter(|c| may_receive(&c.key, &permissions))
            .map(|c| {
                let on = subscribed.contains(&c.key);
                (c.key, c.label, on)
            })
            .collect(),
    })
}
