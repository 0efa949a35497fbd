//! `/dashboard/`: a built single-page app from a directory (`DASHBOARD_DIR` or
//! `clientele --dashboard DIR`), such as `examples/dashboard/dist`. Files are served as
//! they are; any other path under `/dashboard/` answers the app's `index.html`, so the
//! app's own routes survive a reload.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};

/// The routes serving `dir`, to merge into the main router.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    let app = App {
        files: ServeDir::new(dir),
        page: ServeFile::new(dir.join("index.html")),
    };
    let serve = move |request: Request| app.clone().serve(request);
    Router::new()
        // Relative asset paths (`./assets/…`) need the trailing slash; relative, so
        // that it holds behind a proxy that serves the portal under a path.
        .route(
            "/dashboard",
            get(|| async { Redirect::permanent("dashboard/") }),
        )
        .route("/dashboard/", get(serve.clone()))
        .route("/dashboard/{*path}", get(serve))
}

#[derive(Clone)]
struct App {
    files: ServeDir,
    page: ServeFile,
}

impl App {
    async fn serve(self, request: Request) -> Response {
        let (mut parts, body) = request.into_parts();
        let inner = match parts.uri.path().strip_prefix("/dashboard") {
            Some(inner) if !inner.is_empty() => inner.to_owned(),
            _ => "/".to_owned(),
        };
        // A file (its last segment has an extension) is served or is 404; any other
        // path is one of the app's own routes: its page.
        let is_file = inner
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
        parts.uri = Uri::try_from(inner).unwrap_or_else(|_| Uri::from_static("/"));
        let request = Request::from_parts(parts, body);
        // Both services are infallible.
        if is_file {
            let Ok(response) = self.files.oneshot(request).await;
            return response.into_response();
        }
        let Ok(response) = self.page.oneshot(request).await;
        let mut response = response.into_response();
        // The page names the current build's assets: it must not outlive a deploy.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}
