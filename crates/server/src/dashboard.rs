//! `/dashboard/`: a built single-page app from a directory (`DASHBOARD_DIR` or
//! `clientele --dashboard DIR`), such as `examples/dashboard/dist`. Files are served as
//! they are; any other path under `/dashboard/` answers the app's `index.html`, so the
//! app's own routes survive a reload.
//!
//! Only what is inside the folder is served: a file whose real path (symbolic links
//! followed) lies outside it is 404, as if it were not there. Every answer carries a
//! Content-Security-Policy that lets the app load from and talk to its own origin only
//! (it calls `/graphql` and `/graphql/ws` there), and may not be framed.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::{Path as UrlPath, Request};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};

/// The app's policy: everything from its own origin (`'self'` covers the socket's
/// `ws:`/`wss:`), images also as data URLs (its favicon), nothing inline, no plugins, no
/// framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The routes serving `dir`, to merge into the main router.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    // Where the folder really is: a file must be inside it once every link is followed.
    let root = std::fs::canonicalize(dir).unwrap_or_else(|err| {
        tracing::warn!(%err, dir = %dir.display(), "the dashboard folder cannot be resolved; its files will be 404");
        dir.to_owned()
    });
    let app = App {
        files: ServeDir::new(dir),
        page: ServeFile::new(dir.join("index.html")),
        root,
    };
    let page = {
        let app = app.clone();
        move |request: Request| app.clone().serve(String::new(), request)
    };
    let path =
        move |UrlPath(path): UrlPath<String>, request: Request| app.clone().serve(path, request);
    Router::new()
        // Relative asset paths (`./assets/…`) need the trailing slash; relative, so
        // that it holds behind a proxy that serves the portal under a path.
        .route(
            "/dashboard",
            get(|| async { Redirect::permanent("dashboard/") }),
        )
        .route("/dashboard/", get(page))
        .route("/dashboard/{*path}", get(path))
        .layer(axum::middleware::map_response(security_headers))
}

/// What every answer under `/dashboard` carries.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[derive(Clone)]
struct App {
    files: ServeDir,
    page: ServeFile,
    /// The folder's canonical path.
    root: PathBuf,
}

impl App {
    /// Answers `path` (decoded, relative to `/dashboard/`).
    async fn serve(self, path: String, request: Request) -> Response {
        let (mut parts, body) = request.into_parts();
        let inner = match parts.uri.path().strip_prefix("/dashboard") {
            Some(inner) if !inner.is_empty() => inner.to_owned(),
            _ => "/".to_owned(),
        };
        // A file (its last segment has an extension) is served or is 404; any other
        // path is one of the app's own routes: its page.
        let is_file = path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
        let file = if is_file { path.as_str() } else { "index.html" };
        if !self.inside(file).await {
            return (StatusCode::NOT_FOUND, "no such file").into_response();
        }
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

    /// Whether `file` (relative to the folder) exists and, every link followed, is
    /// inside the folder.
    async fn inside(&self, file: &str) -> bool {
        let candidate = self.root.join(file.trim_start_matches('/'));
        tokio::fs::canonicalize(&candidate)
            .await
            .is_ok_and(|real| real.starts_with(&self.root))
    }
}
