//! The clientele server: configuration, start-up, the HTTP router and shutdown.
//! `main.rs` is the CLI around it; tests start it in-process through [`spawn`].

mod app;
mod background;
pub mod config;
mod dashboard;
pub mod demo;
mod exports;
mod http;
mod invoice_pdf;
mod metrics;
mod playground;
mod serve;
mod smtp_check;
mod startup;
pub mod telemetry;
mod unsubscribe;

pub use app::Core;
pub use config::{AdminCredentials, Config, ConfigError, PublicUrl, Secret, SecretUrl};
pub use startup::{RemindersOutcome, RunningServer, run_reminders, spawn};
