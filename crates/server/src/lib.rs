//! The clientele server: configuration, start-up, the HTTP router and shutdown.
//! `main.rs` is the CLI around it; tests start it in-process through [`spawn`].

pub mod config;
mod http;
mod invoice_pdf;
mod request;
mod startup;
mod state;
mod unsubscribe;
mod websocket;

pub use config::{AdminCredentials, Config, ConfigError, PublicUrl, Secret, SecretUrl};
pub use startup::{RunningServer, connect_database, domain as build_domain, migrate, spawn};
