//! Signed webhooks (Standard Webhooks 1.0): an account's own systems hear of its
//! contact, invitation, billing and ticket events. An endpoint belongs to its account
//! (MANAGE_ACCOUNT; a person, never an API token); each event it takes becomes a
//! delivery row written in the transaction of the change that caused it, as emails
//! are, and the webhook worker POSTs it, signed, retrying on a schedule. What a
//! delivery carries is decided when it is sent, by what the endpoint's creator may see
//! then.

use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;

use crate::entities::webhook_endpoint;
use crate::{Domain, DomainError, Result};

/// What an endpoint can take: one name per kind of event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    ContactCreated,
    ContactUpdated,
    ContactRemoved,
    InvitationSent,
    InvitationAccepted,
    InvitationRevoked,
    InvoiceCreated,
    InvoicePaid,
    ServiceStatusChanged,
    TicketOpened,
    TicketReplied,
}

impl EventType {
    pub const ALL: [EventType; 11] = [
        Self::ContactCreated,
        Self::ContactUpdated,
        Self::ContactRemoved,
        Self::InvitationSent,
        Self::InvitationAccepted,
        Self::InvitationRevoked,
        Self::InvoiceCreated,
        Self::InvoicePaid,
        Self::ServiceStatusChanged,
        Self::TicketOpened,
        Self::TicketReplied,
    ];

    /// The name a delivery's `type` carries.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ContactCreated => "contact.created",
            Self::ContactUpdated => "contact.updated",
            Self::ContactRemoved => "contact.removed",
            Self::InvitationSent => "invitation.sent",
            Self::InvitationAccepted => "invitation.accepted",
            Self::InvitationRevoked => "invitation.revoked",
            Self::InvoiceCreated => "invoice.created",
            Self::InvoicePaid => "invoice.paid",
            Self::ServiceStatusChanged => "service.status_changed",
            Self::TicketOpened => "ticket.opened",
            Self::TicketReplied => "ticket.replied",
        }
    }

    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// The type of the delivery `sendTestWebhook` makes.
pub const TEST_EVENT: &str = "webhook.test";

/// A new signing secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

/// The `webhook-signature` value of one secret: `v1,` + base64 of the HMAC-SHA256, keyed
/// with the secret's bytes, of `{id}.{timestamp}.{body}` (Standard Webhooks 1.0).
pub fn signature(secret: &str, message_id: &str, timestamp: i64, body: &str) -> Result<String> {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|encoded| STANDARD.decode(encoded).ok())
        .ok_or_else(|| DomainError::Internal("a webhook secret that is not whsec_…".into()))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|err| DomainError::Internal(err.to_string()))?;
    mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Whether an address is one a webhook may not reach: loopback, private (RFC 1918,
/// unique-local IPv6), link-local (the cloud metadata address 169.254.169.254 among
/// them), carrier-grade NAT, multicast, unspecified or broadcast, in IPv4 or IPv6 form
/// (IPv4-mapped and -compatible IPv6 included).
pub fn forbidden_address(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || a == 0
                // 100.64.0.0/10, shared address space.
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => match v6.to_ipv4() {
            // ::ffff:a.b.c.d and ::a.b.c.d reach the IPv4 address.
            Some(v4) if !v6.is_loopback() && !v6.is_unspecified() => {
                forbidden_address(IpAddr::V4(v4))
            }
            _ => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local()
            }
        },
    }
}

/// An endpoint's URL as it may be kept: HTTPS (HTTP too when private addresses are
/// allowed, for development), no credentials in it, and not an address a webhook may
/// not reach. A name is resolved when each delivery is made, and checked again then.
pub fn checked_url(url: &str, allow_private: bool) -> Result<String> {
    let refuse = |why: &str| DomainError::bad_input("url", why.to_owned());
    let parsed = url::Url::parse(url.trim()).map_err(|err| refuse(&format!("not a URL: {err}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(refuse("webhooks are sent over HTTPS only")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refuse("a webhook URL carries no credentials"));
    }
    let address = match parsed.host() {
        None => return Err(refuse("a webhook URL needs a host")),
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(url::Host::Domain(name)) => {
            if name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost") {
                Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
            } else {
                None
            }
        }
    };
    if !allow_private && address.is_some_and(forbidden_address) {
        return Err(refuse(
            "a webhook may not reach a loopback, private, link-local or multicast address",
        ));
    }
    if parsed.as_str().len() > 2048 {
        return Err(refuse("at most 2048 characters"));
    }
    Ok(parsed.to_string())
}

/// `createWebhookEndpoint`'s input.
pub struct NewEndpoint {
    pub url: String,
    pub event_types: Vec<EventType>,
    pub description: Option<String>,
}

/// `updateWebhookEndpoint`'s changes: `None` leaves a field as it is.
#[derive(Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// An endpoint just made or re-keyed, and its secret, shown this once.
pub struct KeyedEndpoint {
    pub endpoint: webhook_endpoint::Model,
    pub secret: String,
}

/// How long the secret before a rotation keeps signing beside the new one.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

pub struct WebhookService<'a> {
    domain: &'a Domain,
}

impl<'a> WebhookService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }
}

impl Domain {
    pub fn webhooks(&self) -> WebhookService<'_> {
        WebhookService::new(self)
    }
}

pub(crate) mod data;
mod endpoints;
mod sending;

pub use sending::{
    Attempt, Backlog, DISABLE_AFTER, EndpointSender, LEASE, Outgoing, RETRY_SCHEDULE, visible,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification's reference libraries.
        let signature = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(new_secret().starts_with("whsec_"));
    }

    #[test]
    fn private_and_metadata_addresses_are_refused() {
        for url in [
            "http://example.com/hook",
            "https://127.0.0.1/hook",
            "https://10.0.0.1/hook",
            "https://192.168.1.2/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://[::ffff:a9fe:a9fe]/hook",
            "https://[fd00::1]/hook",
            "https://[fe80::1]/hook",
            "https://localhost/hook",
            "https://100.64.0.1/hook",
            "https://user:pass@example.com/hook",
            "not a url",
        ] {
            assert!(checked_url(url, false).is_err(), "{url}");
        }
        assert_eq!(
            checked_url("https://hooks.example.invalid/in", false).unwrap(),
            "https://hooks.example.invalid/in"
        );
        assert!(checked_url("https://8.8.8.8/hook", false).is_ok());
        assert!(checked_url("http://127.0.0.1:9000/hook", true).is_ok());
    }
}
