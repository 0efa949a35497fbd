//! Routing: one event of an account → one email to each of its contacts who receive
//! the event's category, showing each only what their role may see.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use super::{keys_of, may_receive, preferences, sees_amounts};
use crate::change::Change;
use crate::emails::{Amounts, Email};
use crate::entities::{account, contact};
use crate::outbox::Outgoing;
use crate::{DomainError, Result};

/// An event worth an email to an account's people.
pub(crate) struct Notification<'a> {
    pub account_id: i64,
    /// The category key; the recipients are the contacts whose preferences hold it.
    pub category: &'a str,
    /// What every recipient may see.
    pub email: Email,
    /// Amounts (totals, prices), given only to recipients with VIEW_INVOICES: a
    /// template cannot show what it is not given.
    pub amounts: Option<Amounts>,
    /// Who wrote what the email carries (a ticket message): they get no copy.
    pub author: Option<Writer>,
    /// What it is about: a scoped recipient hears of a service, domain or ticket only
    /// when it is in their view.
    pub concerns: Concerns,
}

/// What a notification is about, as far as scoped access cares.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Concerns {
    /// The account as a whole (invoices, people, general news): scope does not narrow it.
    Account,
    Service(i64),
    Domain(i64),
    /// A ticket: its opener, and those who look after what it is about.
    Ticket {
        service_id: Option<i64>,
        domain_id: Option<i64>,
        opened_by_user_id: Option<i64>,
    },
}

impl Concerns {
    /// Whether `contact` (by their scope) is told of it.
    fn reaches(self, contact: &contact::Model) -> bool {
        let Some(scope) = &contact.scope else {
            return true;
        };
        match self {
            Self::Account => true,
            Self::Service(id) => scope.has_service(id),
            Self::Domain(id) => scope.has_domain(id),
            Self::Ticket {
                service_id,
                domain_id,
                opened_by_user_id,
            } => {
                (contact.user_id.is_some() && contact.user_id == opened_by_user_id)
                    || service_id.is_some_and(|id| scope.has_service(id))
                    || domain_id.is_some_and(|id| scope.has_domain(id))
            }
        }
    }
}

/// The writer of a message, as far as they are known: by login, by email (a reply piped
/// in from a contact without a login), or both.
pub(crate) struct Writer {
    pub user_id: Option<i64>,
    pub email: Option<String>,
}

impl Writer {
    fn is(&self, contact: &contact::Model) -> bool {
        let same_login = self.user_id.is_some() && contact.user_id == self.user_id;
        let same_email = matches!(
            (&contact.email, &self.email),
            (Some(theirs), Some(mine)) if theirs.eq_ignore_ascii_case(mine)
        );
        same_login || same_email
    }
}

impl Change<'_> {
    /// Queues one email per recipient of `notification` in this change; returns how
    /// many. Each carries its own unsubscribe and preferences links.
    pub(crate) async fn notify_contacts(
        &mut self,
        notification: Notification<'_>,
    ) -> Result<usize> {
        let account = account::Entity::find_by_id(notification.account_id)
            .one(self.conn())
            .await?
            .ok_or(DomainError::NotFound("account"))?;
        let recipients = contact::Entity::find()
            .filter(contact::Column::AccountId.eq(notification.account_id))
            .filter(contact::Column::Email.is_not_null())
            .order_by_asc(contact::Column::Id)
            .all(self.conn())
            .await?
            .into_iter()
            .filter(|c| {
                keys_of(&c.notification_preferences)
                    .iter()
                    .any(|k| k == notification.category)
            })
            // Whatever their preferences say, only what their permissions can see.
            .filter(|c| may_receive(notification.category, &c.granted()))
            .filter(|c| notification.concerns.reaches(c))
            .filter(|c| !notification.author.as_ref().is_some_and(|a| a.is(c)));
        let public_url = self.public_url().to_owned();
        let mut sent = 0;
        for recipient in recipients {
            let Some(email) = recipient.email.clone() else {
                continue;
            };
            let token = preferences::issue_token(
                self.conn(),
                &recipient,
                notification.category,
                self.now(),
            )
            .await?;
            let mut personal = serde_json::Map::new();
            if let Some(amounts) = &notification.amounts
                && sees_amounts(&recipient.granted())
                && let Ok(Value::Object(amounts)) = serde_json::to_value(amounts)
            {
                personal.extend(amounts);
            }
            let unsubscribe_url = format!("{public_url}/unsubscribe/{token}");
            personal.insert("account_name".into(), json!(account.name));
            personal.insert(
                "recipient".into(),
                json!({ "first_name": recipient.first_name, "last_name": recipient.last_name }),
            );
            personal.insert(
                "preferences_url".into(),
                json!(format!("{public_url}/email-preferences/{token}")),
            );
            personal.insert("unsubscribe_url".into(), json!(unsubscribe_url));
            self.email(Outgoing {
                to: &email,
                account_id: Some(notification.account_id),
                category: Some(notification.category),
                email: notification.email.clone(),
                personal,
                unsubscribe_url: Some(unsubscribe_url),
            })
            .await?;
            sent += 1;
        }
        Ok(sent)
    }
}
