//! How errors reach clients: each becomes a GraphQL error whose `extensions.code` is
//! an [`ErrorCode`]. Resolvers' errors get theirs here; errors async-graphql makes
//! itself get theirs where they arise (see [`crate::responses`]).

use async_graphql::{ErrorExtensions, ServerError};
use domain::{DomainError, ErrorCode};

/// A resolver's error. Deliberately not `Display`: async-graphql turns any `Display`
/// into a code-less error, and this type exists so `?` can never do that.
#[derive(Clone, Debug)]
pub struct ApiError(pub DomainError);

pub type ApiResult<T> = Result<T, ApiError>;

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        Self(err)
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(ApiError(err): ApiError) -> Self {
        // Internal details go to the log (inside the operation's span), not to the client.
        if let DomainError::Internal(detail) = &err {
            tracing::error!(%detail, "internal error");
        }
        async_graphql::Error::new(err.public_message()).extend_with(|_, ext| {
            ext.set("code", err.code().as_str());
            // Every field at fault, for a form to show them all (`field` is the first, as
            // before there were several).
            let fields = err.field_errors();
            if let Some(first) = fields.first() {
                ext.set("field", first.field);
                ext.set(
                    "fieldErrors",
                    async_graphql::Value::List(
                        fields
                            .iter()
                            .map(|e| {
                                let mut item = async_graphql::indexmap::IndexMap::new();
                                item.insert(
                                    async_graphql::Name::new("field"),
                                    async_graphql::Value::from(e.field),
                                );
                                item.insert(
                                    async_graphql::Name::new("message"),
                                    async_graphql::Value::from(e.message.as_str()),
                                );
                                async_graphql::Value::Object(item)
                            })
                            .collect(),
                    ),
                );
            }
            if let DomainError::WithReason { reason, .. } = &err {
                ext.set("reason", reason.as_str());
            }
            if let DomainError::RateLimited {
                retry_after: Some(seconds),
                ..
            } = &err
            {
                ext.set("retryAfter", *seconds);
            }
        })
    }
}

impl ApiError {
    pub fn not_found(what: &'static str) -> Self {
        Self(DomainError::NotFound(what))
    }
}

/// The response to a request that failed before it could run (e.g. the database was
/// away while its session was read): one error, coded like a resolver's.
pub fn error_response(err: DomainError) -> async_graphql::Response {
    let err = async_graphql::Error::from(ApiError(err));
    let mut error = ServerError::new(err.message, None);
    error.extensions = err.extensions;
    async_graphql::Response::from_errors(vec![error])
}

/// Parses a GraphQL `ID` into a row id. A malformed id names nothing that exists.
pub(crate) fn parse_id(id: &async_graphql::ID, what: &'static str) -> ApiResult<i64> {
    id.parse().map_err(|_| ApiError::not_found(what))
}

/// The code an error already carries, if any.
pub fn code(error: &ServerError) -> Option<&async_graphql::Value> {
    error.extensions.as_ref()?.get("code")
}

/// Whether `error` refused its request before it ran: the client's (BAD_USER_INPUT),
/// outside every field. Anything else means execution had begun.
pub fn is_request_error(error: &ServerError) -> bool {
    error.path.is_empty()
        && code(error)
            == Some(&async_graphql::Value::from(
                ErrorCode::BadUserInput.as_str(),
            ))
}

/// Gives `error` the code `code` unless it has one.
pub fn set_code(error: &mut ServerError, code: ErrorCode) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
}
