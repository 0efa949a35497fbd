//! Persisted operations. Automatic persisted queries (Apollo's protocol) let a
//! single-page app send the SHA-256 of a query instead of its text: an unknown hash is
//! answered `PERSISTED_QUERY_NOT_FOUND`, the client resends hash and text once, and the
//! server keeps the text. With an allow-list (`OPERATIONS_DIR`, a directory of
//! `.graphql` documents loaded at start) only the listed documents run, by hash or by
//! text: a production deployment whose clients are known runs nothing else.
//!
//! The cache is per instance and bounded; a miss on another instance costs the client
//! one retry, as the protocol intends.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::Mutex;

use async_graphql::{ErrorExtensionValues, Request, ServerError};
use domain::ErrorCode;
use sha2::{Digest, Sha256};

/// The code Apollo clients look for to resend the query text.
const NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
/// How many queries the automatic cache keeps (oldest out first).
const CACHE_SIZE: usize = 2_000;

/// What a server knows of persisted operations.
pub struct PersistedOperations {
    /// The allow-list, by hash; `None`: every operation may run.
    allowed: Option<HashMap<String, String>>,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    queries: HashMap<String, String>,
    order: VecDeque<String>,
}

impl PersistedOperations {
    /// Without an allow-list: any operation runs, hashes are learned as clients send them.
    pub fn open() -> Self {
        Self {
            allowed: None,
            cache: Mutex::default(),
        }
    }

    /// Loads every `.graphql` file in `dir` as an allowed document.
    pub fn allow_list(dir: &Path) -> std::io::Result<Self> {
        let mut allowed = HashMap::new();
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "graphql") {
                let text = std::fs::read_to_string(&path)?;
                // Clients hash the text they send: with or without the file's final newline.
                for variant in [text.as_str(), text.trim()] {
                    allowed.insert(sha256_hex(variant), variant.to_owned());
                }
            }
        }
        tracing::info!(documents = allowed.len() / 2, dir = %dir.display(), "operation allow-list loaded");
        Ok(Self {
            allowed: Some(allowed),
            cache: Mutex::default(),
        })
    }

    /// Fills in the text of a request that names a persisted query by hash, checks a
    /// given text against its hash, and applies the allow-list. An error is the whole
    /// answer (a request error: no `data`).
    pub(crate) fn resolve(&self, request: &mut Request) -> Result<(), ServerError> {
        let hash = match request.extensions.get("persistedQuery") {
            None => None,
            Some(persisted) => Some(requested_hash(persisted)?),
        };
        match (hash, request.query.is_empty()) {
            (Some(hash), true) => {
                request.query = self
                    .lookup(&hash)
                    .ok_or_else(|| coded("PersistedQueryNotFound", NOT_FOUND))?;
            }
            (Some(hash), false) => {
                if sha256_hex(&request.query) != hash {
                    return Err(coded(
                        "the query's SHA-256 is not the persistedQuery hash",
                        ErrorCode::BadUserInput.as_str(),
                    ));
                }
                self.check_allowed(&hash)?;
                self.remember(hash, &request.query);
            }
            (None, _) => self.check_allowed(&sha256_hex(&request.query))?,
        }
        Ok(())
    }

    fn lookup(&self, hash: &str) -> Option<String> {
        match &self.allowed {
            Some(allowed) => allowed.get(hash).cloned(),
            None => self.cache.lock().ok()?.queries.get(hash).cloned(),
        }
    }

    fn check_allowed(&self, hash: &str) -> Result<(), ServerError> {
        match &self.allowed {
            Some(allowed) if !allowed.contains_key(hash) => Err(coded(
                "this server runs only its registered operations",
                ErrorCode::Forbidden.as_str(),
            )),
            _ => Ok(()),
        }
    }

    fn remember(&self, hash: String, query: &str) {
        if self.allowed.is_some() {
            return;
        }
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        if cache.queries.contains_key(&hash) {
            return;
        }
        if cache.order.len() >= CACHE_SIZE
            && let Some(oldest) = cache.order.pop_front()
        {
            cache.queries.remove(&oldest);
        }
        cache.order.push_back(hash.clone());
        cache.queries.insert(hash, query.to_owned());
    }
}

/// The hash of `extensions.persistedQuery` (`{"version": 1, "sha256Hash": "…"}`).
fn requested_hash(persisted: &async_graphql::Value) -> Result<String, ServerError> {
    let bad = || {
        coded(
            "extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}",
            ErrorCode::BadUserInput.as_str(),
        )
    };
    let async_graphql::Value::Object(fields) = persisted else {
        return Err(bad());
    };
    let version_ok = matches!(fields.get("version"), Some(async_graphql::Value::Number(n)) if n.as_u64() == Some(1));
    match fields.get("sha256Hash") {
        Some(async_graphql::Value::String(hash))
            if version_ok && hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Ok(hash.to_ascii_lowercase())
        }
        _ => Err(bad()),
    }
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn coded(message: &str, code: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn persisted(query: &str, hash: &str) -> Request {
        let mut request = Request::new(query);
        request.extensions.0.insert(
            "persistedQuery".into(),
            async_graphql::value!({ "version": 1, "sha256Hash": hash }),
        );
        request
    }

    fn code(err: &ServerError) -> String {
        err.extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map(|c| c.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_hash_is_unknown_until_sent_with_its_text() {
        let apq = PersistedOperations::open();
        let query = "{ __typename }";
        let hash = sha256_hex(query);
        let err = apq.resolve(&mut persisted("", &hash)).unwrap_err();
        assert!(code(&err).contains(NOT_FOUND));
        apq.resolve(&mut persisted(query, &hash)).unwrap();
        let mut again = persisted("", &hash);
        apq.resolve(&mut again).unwrap();
        assert_eq!(again.query, query);
        // A text that is not the hash's is refused and not remembered.
        let other = sha256_hex("{ viewer { user { id } } }");
        assert!(apq.resolve(&mut persisted(query, &other)).is_err());
        assert!(apq.resolve(&mut persisted("", &other)).is_err());
    }

    #[test]
    fn an_allow_list_runs_only_its_documents() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dashboard.graphql"),
            "query Dashboard { __typename }\n",
        )
        .unwrap();
        let list = PersistedOperations::allow_list(dir.path()).unwrap();
        let listed = "query Dashboard { __typename }";
        list.resolve(&mut Request::new(listed)).unwrap();
        let mut by_hash = persisted("", &sha256_hex(listed));
        list.resolve(&mut by_hash).unwrap();
        assert_eq!(by_hash.query, listed);
        let err = list
            .resolve(&mut Request::new("{ __typename }"))
            .unwrap_err();
        assert!(code(&err).contains("FORBIDDEN"));
        // Sending a new text with its hash does not register it.
        let new = "{ viewer { user { id } } }";
        assert!(list.resolve(&mut persisted(new, &sha256_hex(new))).is_err());
    }
}
