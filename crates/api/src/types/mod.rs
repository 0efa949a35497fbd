//! GraphQL output types: thin wrappers over domain rows.

mod account;
mod contact;
mod enums;
mod viewer;

pub use account::Account;
pub use contact::Contact;
pub use viewer::{AuthPayload, PortalSettings, Viewer};
