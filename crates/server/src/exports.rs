//! `GET /exports/{token}`: the download an export's email links to. The token is the
//! only authority (no session): it works once, within 24 hours, and its login must
//! still hold what it names (the domain checks, `ExportService::open`).
//!
//! A person's data is one JSON document streamed as it is read, a section at a time;
//! an account's export is a zip of `account.json`, `contacts.csv` and `invoices.csv`.
//! A failure half-way aborts the response, so a client never takes a truncated
//! document for a whole one.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::exports::{Export, document};

use gateway::AppState;
use gateway::plain_error;

/// The URL holds a token: nothing is cached, nor sent on as a referrer.
const PRIVATE: [(header::HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "private, no-store"),
    (header::REFERRER_POLICY, "no-referrer"),
];

pub(crate) async fn download(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let export = match state.domain.exports().open(&token).await {
        Ok(export) => export,
        Err(err) => return (PRIVATE, plain_error(&err, "export")).into_response(),
    };
    match export {
        Export::Personal(login) => {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
            let domain = state.domain.clone();
            let writer = tokio::spawn(async move { domain.write_personal_data(&login, &tx).await });
            let body = async_stream::stream! {
                while let Some(piece) = rx.recv().await {
                    yield Ok(Bytes::from(piece));
                }
                match writer.await {
                    Ok(Ok(())) => {}
                    outcome => {
                        tracing::error!(?outcome, "a data export failed half-way");
                        yield Err(std::io::Error::other("the export could not be completed"));
                    }
                }
            };
            (
                PRIVATE,
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"personal-data.json\"",
                    ),
                ],
                Body::from_stream(body),
            )
                .into_response()
        }
        Export::Account(access) => {
            let zipped = match state.domain.account_export_files(&access).await {
                Ok(files) => tokio::task::spawn_blocking(move || document::zip(&files))
                    .await
                    .unwrap_or_else(|err| {
                        Err(domain::DomainError::Internal(format!("zipping: {err}")))
                    }),
                Err(err) => Err(err),
            };
            match zipped {
                Ok(bytes) => (
                    PRIVATE,
                    [
                        (header::CONTENT_TYPE, "application/zip".to_owned()),
                        (
                            header::CONTENT_DISPOSITION,
                            format!(
                                "attachment; filename=\"account-{}.zip\"",
                                access.account_id()
                            ),
                        ),
                    ],
                    bytes,
                )
                    .into_response(),
                Err(err) => (PRIVATE, plain_error(&err, "export")).into_response(),
            }
        }
    }
}
