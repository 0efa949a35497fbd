//! GraphQL output types: thin wrappers over domain rows.

mod account;
mod api_token;
mod billing;
mod contact;
pub(crate) mod enums;
mod events;
mod invitation;
mod notifications;
mod passkey;
mod records;
mod scope;
mod ticket;
mod viewer;
mod webhook;

pub use account::Account;
pub use api_token::{ApiToken, CreatedApiToken};
pub use billing::{DomainName, Invoice, Service};
pub use contact::Contact;
pub use events::{ContactEvent, InvitationEvent};
pub use invitation::Invitation;
pub use notifications::{EmailPreferences, NotificationCategory};
pub use passkey::{Passkey, PasskeyCeremony};
pub use records::{AuditEntry, EmailMessage};
pub use scope::{Scope, ScopeInput};
pub use ticket::{Ticket, TicketReply};
pub use viewer::{AuthPayload, Membership, PortalSettings, TotpEnrollment, Viewer};
pub use webhook::{KeyedWebhookEndpoint, WebhookDelivery, WebhookEndpoint};
