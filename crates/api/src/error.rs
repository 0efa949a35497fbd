//! How domain errors reach clients: each becomes a GraphQL error whose
//! `extensions.code` is one of the SPEC's codes.

use async_graphql::ErrorExtensions;
use domain::DomainError;

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

/// The `extensions.code` of a domain error.
pub fn code_of(err: &DomainError) -> &'static str {
    match err {
        DomainError::Unauthenticated(_) => "UNAUTHENTICATED",
        DomainError::Forbidden(_) => "FORBIDDEN",
        DomainError::NotFound(_) => "NOT_FOUND",
        DomainError::BadInput { .. } => "BAD_USER_INPUT",
        DomainError::Conflict(_) => "CONFLICT",
        DomainError::RateLimited(_) => "RATE_LIMITED",
        DomainError::Internal(_) => "INTERNAL_SERVER_ERROR",
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(ApiError(err): ApiError) -> Self {
        let code = code_of(&err);
        // Internal details go to the log, not to the client.
        let message = match &err {
            DomainError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "internal server error".to_owned()
            }
            other => other.to_string(),
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            if let DomainError::BadInput {
                field: Some(field), ..
            } = &err
            {
                ext.set("field", *field);
            }
        })
    }
}

impl ApiError {
    pub fn not_found(what: &'static str) -> Self {
        Self(DomainError::NotFound(what))
    }
}

/// Parses a GraphQL `ID` into a row id. A malformed id names nothing that exists.
pub(crate) fn parse_id(id: &async_graphql::ID, what: &'static str) -> ApiResult<i64> {
    id.parse().map_err(|_| ApiError::not_found(what))
}

/// Gives every error a code, including those async-graphql raises itself: a query that
/// does not parse or validate, or an argument value of the wrong shape, is the client's
/// mistake (BAD_USER_INPUT); anything else without a code is ours (INTERNAL_SERVER_ERROR).
pub(crate) struct ErrorCodes;

impl async_graphql::extensions::ExtensionFactory for ErrorCodes {
    fn create(&self) -> std::sync::Arc<dyn async_graphql::extensions::Extension> {
        std::sync::Arc::new(ErrorCodes)
    }
}

#[async_trait::async_trait]
impl async_graphql::extensions::Extension for ErrorCodes {
    async fn request(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        next: async_graphql::extensions::NextRequest<'_>,
    ) -> async_graphql::Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            ensure_code(error);
        }
        response
    }
}

fn ensure_code(error: &mut async_graphql::ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        // Argument values are parsed when the field runs, so those errors have a path.
        let bad_argument = error.message.starts_with("Failed to parse")
            || error.message.starts_with("Invalid value");
        let code = if error.path.is_empty() || bad_argument {
            "BAD_USER_INPUT"
        } else {
            "INTERNAL_SERVER_ERROR"
        };
        extensions.set("code", code);
    }
}
