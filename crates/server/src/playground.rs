//! The GraphiQL playground: the page `GET /graphql` answers a browser, and every file
//! it loads, embedded in the binary and served under `/graphiql/`. Nothing comes from
//! a CDN, so the playground works behind a firewall; the page's Content-Security-Policy
//! lets it reach only its own origin.
//!
//! GraphiQL's UMD build and React 18 come from npm through `scripts/update-graphiql.sh`
//! (versions in `assets/graphiql/VERSIONS`). Their names carry the version, so an
//! upgrade changes every URL and they can be cached for good; our own script's name
//! carries a digest of its text for the same reason. The default tabs are the
//! operations of `examples/playground.graphql` (its header says how it is read).

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A year: the URLs change whenever the files do.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

/// The page's policy: scripts from this origin only; styles from it and inline (its
/// dialogs add `<style>` elements); GraphiQL's fonts (data URLs in its stylesheet);
/// requests to this origin only (`'self'` covers its `ws:`/`wss:`); no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; font-src data:; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A vendored file under `/graphiql/`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// As `scripts/update-graphiql.sh` names them.
const REACT: Asset = Asset {
    name: "react-18.3.1.production.min.js",
    content_type: JAVASCRIPT,
    bytes: include_bytes!("../assets/graphiql/react-18.3.1.production.min.js"),
};
const REACT_DOM: Asset = Asset {
    name: "react-dom-18.3.1.production.min.js",
    content_type: JAVASCRIPT,
    bytes: include_bytes!("../assets/graphiql/react-dom-18.3.1.production.min.js"),
};
const GRAPHIQL: Asset = Asset {
    name: "graphiql-3.9.0.min.js",
    content_type: JAVASCRIPT,
    bytes: include_bytes!("../assets/graphiql/graphiql-3.9.0.min.js"),
};
const GRAPHIQL_CSS: Asset = Asset {
    name: "graphiql-3.9.0.min.css",
    content_type: CSS,
    bytes: include_bytes!("../assets/graphiql/graphiql-3.9.0.min.css"),
};

/// Ours: renders GraphiQL with the fetcher and the tabs.
const SCRIPT: &str = include_str!("../assets/playground.js");

/// The default tabs' source.
const OPERATIONS: &str = include_str!("../../../examples/playground.graphql");

/// The page and our script's name, made once.
struct Playground {
    page: String,
    script_name: String,
}

static PLAYGROUND: LazyLock<Playground> = LazyLock::new(|| {
    let digest = format!("{:x}", Sha256::digest(SCRIPT.as_bytes()));
    let script_name = format!("playground-{}.js", &digest[..12]);
    let tabs = tabs(OPERATIONS).unwrap_or_else(|err| {
        tracing::error!(%err, "examples/playground.graphql: the playground has no default tabs");
        Vec::new()
    });
    Playground {
        page: render(&tabs, &script_name),
        script_name,
    }
});

/// The page for a browser that opens `/graphql`.
pub(crate) fn page() -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PLAYGROUND.page.clone(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `GET /graphiql/{file}`: one of the page's files; 404 for any other name.
pub(crate) async fn asset(Path(file): Path<String>) -> Response {
    let (content_type, bytes) = if file == PLAYGROUND.script_name {
        (JAVASCRIPT, SCRIPT.as_bytes())
    } else {
        match [&REACT, &REACT_DOM, &GRAPHIQL, &GRAPHIQL_CSS]
            .into_iter()
            .find(|asset| asset.name == file)
        {
            Some(asset) => (asset.content_type, asset.bytes),
            None => return (StatusCode::NOT_FOUND, "no such file").into_response(),
        }
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, CACHE_FOREVER),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response()
}

/// The HTML page: GraphiQL's files, the tabs as JSON data, our script.
fn render(tabs: &[Tab], script: &str) -> String {
    // A JSON text holds `<` only inside strings, where `\u003c` means the same: the
    // data cannot close its <script> element.
    let tabs = serde_json::to_string(tabs)
        .unwrap_or_else(|_| "[]".to_owned())
        .replace('<', "\\u003c");
    let (css, react, react_dom, graphiql) =
        (GRAPHIQL_CSS.name, REACT.name, REACT_DOM.name, GRAPHIQL.name);
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>clientele · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="graphiql/{css}">
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript.</noscript>
<script type="application/json" id="playground-tabs">{tabs}</script>
<script src="graphiql/{react}"></script>
<script src="graphiql/{react_dom}"></script>
<script src="graphiql/{graphiql}"></script>
<script src="graphiql/{script}"></script>
</body>
</html>
"#
    )
}

/// A default tab, as GraphiQL's `defaultTabs` takes it.
#[derive(Debug, serde::Serialize)]
struct Tab {
    query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    variables: Option<String>,
}

/// The tabs of `source`, read as `examples/playground.graphql`'s header says: one per
/// operation (a line that begins with `query`, `mutation` or `subscription`), with the
/// comment lines right above it, its `# variables: {…}` line taken out as its variables.
fn tabs(source: &str) -> Result<Vec<Tab>, String> {
    let lines: Vec<&str> = source.lines().collect();
    // Where each tab begins: its operation's comment lines, or the operation itself.
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| starts_operation(lines[i]))
        .map(|i| {
            let mut start = i;
            while start > 0 && lines[start - 1].starts_with('#') {
                start -= 1;
            }
            start
        })
        .collect();
    let ends = starts.iter().skip(1).copied().chain([lines.len()]);
    starts
        .iter()
        .zip(ends)
        .map(|(&start, end)| {
            let mut query = Vec::new();
            let mut variables = None;
            for (n, line) in lines.iter().enumerate().take(end).skip(start) {
                let Some(json) = line.strip_prefix("# variables:") else {
                    query.push(*line);
                    continue;
                };
                // Checked here, laid out by the page (which keeps the keys' order).
                serde_json::from_str::<serde_json::Value>(json)
                    .map_err(|e| format!("line {}: the variables are not JSON: {e}", n + 1))?;
                variables = Some(json.trim().to_owned());
            }
            Ok(Tab {
                query: format!("{}\n", query.join("\n").trim_end()),
                variables,
            })
        })
        .collect()
}

/// Whether `line` begins an operation (at its first column, as the file writes them).
fn starts_operation(line: &str) -> bool {
    ["query", "mutation", "subscription"].iter().any(|keyword| {
        line.strip_prefix(keyword)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '(', '{']))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_file_is_a_tab_with_its_comments_and_variables() {
        let tabs = tabs(OPERATIONS).expect("examples/playground.graphql reads");
        let operations = OPERATIONS
            .lines()
            .filter(|line| starts_operation(line))
            .count();
        assert_eq!(tabs.len(), operations);
        for tab in &tabs {
            assert!(tab.query.starts_with("# "), "{}", tab.query);
            assert!(!tab.query.contains("# variables:"), "{}", tab.query);
            assert!(
                !tab.query.contains("tests/blackbox"),
                "the header is in no tab"
            );
        }
    }

    #[test]
    fn tabs_split_at_each_operation_and_keep_their_comments() {
        let source = "# header\n\n# First.\n# variables: {\"a\": 1}\nquery A($a: Int) {\n  x(a: $a)\n}\n\n# Second.\nsubscription B { y }\nmutation{ z }\n";
        let tabs = tabs(source).unwrap();
        assert_eq!(tabs.len(), 3);
        assert_eq!(
            tabs[0].query,
            "# First.\nquery A($a: Int) {\n  x(a: $a)\n}\n"
        );
        assert_eq!(tabs[0].variables.as_deref(), Some("{\"a\": 1}"));
        assert_eq!(tabs[1].query, "# Second.\nsubscription B { y }\n");
        assert_eq!(tabs[1].variables, None);
        assert_eq!(tabs[2].query, "mutation{ z }\n");
        assert!(super::tabs("# variables: {nope\nquery A { x }\n").is_err());
    }

    #[test]
    fn the_page_loads_only_its_own_files() {
        let html = render(
            &[Tab {
                query: "# </script><script>alert(1)</script>\nquery A { x }\n".into(),
                variables: None,
            }],
            "playground-0.js",
        );
        assert!(!html.contains("</script><script>alert"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
