//! Where emails go: `.eml` files in a folder (the embedded default) or an SMTP server.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};

pub enum Transport {
    Files(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// A failed delivery; permanent ones (the server refused the message) are not retried.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl Transport {
    /// Writes each email as `<uuid>.eml` into `dir`, creating it if needed.
    pub fn files(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self::Files(AsyncFileTransport::new(dir)))
    }

    /// An SMTP relay from a URL such as `smtp://127.0.0.1:2525` or
    /// `smtps://user:pass@mail.example.com` (lettre's URL syntax).
    pub fn smtp(url: &str) -> Result<Self, lettre::transport::smtp::Error> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        Ok(Self::Smtp(transport))
    }

    /// Whether the relay answers (connects and greets; for files, always): what start-up
    /// and `/readyz` report, before any email depends on it.
    pub async fn check(&self) -> Result<(), String> {
        match self {
            Transport::Files(_) => Ok(()),
            Transport::Smtp(smtp) => match smtp.test_connection().await {
                Ok(true) => Ok(()),
                Ok(false) => Err("the SMTP server did not answer as one".into()),
                Err(e) => Err(e.to_string()),
            },
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Files(files) => files.send(message).await.map(drop).map_err(|e| SendError {
                permanent: false,
                message: format!("writing the .eml file failed: {e}"),
            }),
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: format!("SMTP: {e}"),
            }),
        }
    }
}
