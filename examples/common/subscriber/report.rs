//! What the follower reports: the events, one line each, and what happens to the
//! connection.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

/// What [`follow`] reports as it goes: the events, and what happens to the connection.
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    /// Signed in (again, after a session ended); following `account` (None: every
    /// account, staff only).
    SignedIn { account: Option<String> },
    /// A subscription was sent, resuming after `after` (the caller's cursor, the last
    /// event's, or the log's position at the first sign-in).
    Subscribed { after: Option<String> },
    /// One contact change, reported once.
    Event(ContactEvent),
    /// The connection dropped or could not be made; the next try is in `retry_in`.
    Disconnected { reason: String, retry_in: Duration },
    /// The session ended; signing in again.
    SessionEnded { reason: String },
}

impl fmt::Display for Update {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Update::SignedIn { account: Some(id) } => {
                write!(f, "signed in; following account {id}")
            }
            Update::SignedIn { account: None } => {
                write!(f, "signed in; following every account")
            }
            Update::Subscribed {
                after: Some(cursor),
            } => {
                write!(f, "subscribed, resuming after cursor {cursor}")
            }
            Update::Subscribed { after: None } => write!(f, "subscribed, from now"),
            Update::Event(event) => event.fmt(f),
            Update::Disconnected { reason, retry_in } => write!(
                f,
                "connection lost ({reason}); retrying in {:.1} s",
                retry_in.as_secs_f64()
            ),
            Update::SessionEnded { reason } => {
                write!(f, "session ended ({reason}); signing in again")
            }
        }
    }
}

/// One `contactEvents` item.
#[derive(Clone, Debug, PartialEq)]
pub struct ContactEvent {
    /// Resume after this event with `after`.
    pub cursor: String,
    /// CREATED, UPDATED, REMOVED or PORTAL_ACCESS_CHANGED.
    pub kind: String,
    pub account_id: String,
    pub contact_id: String,
    pub occurred_at: DateTime<Utc>,
    /// The contact as the change left it; None once removed.
    pub contact: Option<ContactCard>,
}

/// The contact fields a line shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ContactCard {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub role: String,
}

impl ContactEvent {
    pub(super) fn parse(value: &Value) -> Option<Self> {
        let text = |key: &str| value[key].as_str().map(str::to_owned);
        let contact = &value["contact"];
        let contact = contact.is_object().then(|| ContactCard {
            first_name: contact["firstName"].as_str().unwrap_or_default().to_owned(),
            last_name: contact["lastName"].as_str().unwrap_or_default().to_owned(),
            email: contact["email"].as_str().map(str::to_owned),
            role: contact["role"].as_str().unwrap_or_default().to_owned(),
        });
        Some(Self {
            cursor: text("cursor")?,
            kind: text("kind")?,
            account_id: text("accountId")?,
            contact_id: text("contactId")?,
            occurred_at: timestamp(value["occurredAt"].as_str()?)?,
            contact,
        })
    }
}

/// `2026-11-23T20:01:02Z CREATED  Jane Doe <jane@x.example> (BILLING)  account=3  cursor=42`
impl fmt::Display for ContactEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.occurred_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        write!(f, "{at} {:<8}", self.kind)?;
        match &self.contact {
            Some(card) => {
                write!(f, " {} {}", card.first_name, card.last_name)?;
                if let Some(email) = &card.email {
                    write!(f, " <{email}>")?;
                }
                write!(f, " ({})", card.role)?;
            }
            None => write!(f, " contact {} (removed)", self.contact_id)?,
        }
        write!(f, "  account={}  cursor={}", self.account_id, self.cursor)
    }
}

pub(super) fn timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_line_shows_when_what_who_and_the_cursor() {
        let event = ContactEvent::parse(&json!({
            "cursor": "42", "kind": "CREATED", "accountId": "3", "contactId": "7",
            "occurredAt": "2026-11-23T20:01:02.123456Z",
            "contact": { "firstName": "Jane", "lastName": "Doe", "email": "jane@x.example", "role": "BILLING" },
        }))
        .expect("an event");
        assert_eq!(
            event.to_string(),
            "2026-11-23T20:01:02Z CREATED  Jane Doe <jane@x.example> (BILLING)  account=3  cursor=42"
        );
        let removed = ContactEvent::parse(&json!({
            "cursor": "43", "kind": "REMOVED", "accountId": "3", "contactId": "7",
            "occurredAt": "2026-11-23T20:01:03+00:00", "contact": null,
        }))
        .expect("an event");
        assert_eq!(
            removed.to_string(),
            "2026-11-23T20:01:03Z REMOVED  contact 7 (removed)  account=3  cursor=43"
        );
    }
}
