//! Email: templates, transports (`.eml` files or SMTP) and the worker that delivers the
//! outbox.

mod list_unsubscribe;
mod templates;
mod transport;
mod worker;

pub use templates::Templates;
pub use transport::{SendError, Transport};
pub use worker::{DeliveryWorker, RetryPolicy};

/// A `Name <address>` sender or recipient, as MAIL_FROM is written.
pub use lettre::message::Mailbox;
