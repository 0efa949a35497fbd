//! `/unsubscribe/{token}`: one-click unsubscribe (RFC 8058) for the link every
//! notification email carries in its `List-Unsubscribe` header and its footer. The token
//! is the only authority: no session, no sign-in.
//!
//! Only `POST` unsubscribes. Mail scanners and link previewers fetch every URL in an
//! email with `GET`, so a `GET` that acted would unsubscribe people who never asked;
//! instead it answers a small page whose button sends the same `POST` a mail client's
//! one-click sends.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use gateway::AppState;
use gateway::{RequestContext, plain_error};

/// What the link's `GET` shows. The form posts back to the page's own URL (an empty
/// `action`), so the token is never written into the page.
const CONFIRM_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>Unsubscribe</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem">
<h1>Unsubscribe</h1>
<p>Stop receiving emails of this kind?</p>
<form method="post" action=""><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button></form>
</body></html>
"#;

/// Headers for both answers: the URL holds a token, so nothing is cached, the token is
/// not sent on as a referrer, and no other site frames the button.
const PRIVATE: [(header::HeaderName, &str); 3] = [
    (header::CACHE_CONTROL, "no-store"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// The one-click `POST`. Its body (`List-Unsubscribe=One-Click` as a form, or nothing)
/// is not read: the token in the path says everything. 200 with a short text, also
/// when the category was already off; a bad or dead token is 400.
pub(crate) async fn one_click(
    State(state): State<AppState>,
    caller: RequestContext,
    Path(token): Path<String>,
) -> Response {
    match state
        .domain
        .notifications()
        .unsubscribe(&token, caller.meta)
        .await
    {
        Ok(()) => (
            PRIVATE,
            "You are unsubscribed: you will no longer receive emails of this kind.\n",
        )
            .into_response(),
        Err(err) => (PRIVATE, plain_error(&err, "unsubscribe")).into_response(),
    }
}

/// The link opened in a browser: a page with the button that unsubscribes.
pub(crate) async fn confirm_page() -> Response {
    (
        StatusCode::OK,
        PRIVATE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        CONFIRM_PAGE,
    )
        .into_response()
}
