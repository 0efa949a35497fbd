//! How errors reach clients: each becomes a GraphQL error whose `extensions.code` is
//! one of the SPEC's codes, and a failed field is `null` where the GraphQL spec says.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextRequest, NextSubscribe,
};
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ErrorExtensions, Request, Response, ServerResult};
use domain::{DomainError, ErrorCode};
use futures_util::StreamExt;

use crate::completion::{self, FieldTypes};

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
        // Internal details go to the log, not to the client.
        if let DomainError::Internal(detail) = &err {
            tracing::error!(%detail, "internal error");
        }
        async_graphql::Error::new(err.public_message()).extend_with(|_, ext| {
            ext.set("code", err.code().as_str());
            if let DomainError::BadInput {
                field: Some(field), ..
            } = &err
            {
                ext.set("field", *field);
            }
        })
    }
}

/// The response to a request that failed before it could run (e.g. the database was
/// away while its session was read): one error, coded like a resolver's.
pub fn error_response(err: DomainError) -> async_graphql::Response {
    let err = async_graphql::Error::from(ApiError(err));
    let mut error = async_graphql::ServerError::new(err.message, None);
    error.extensions = err.extensions;
    async_graphql::Response::from_errors(vec![error])
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

/// Shapes the errors of every response, of queries and mutations as of each event of a
/// subscription: every error gets a code, and every failed field its `null` (see
/// [`crate::completion`]). One extension for both, because async-graphql calls each
/// extension's `resolve` hook for every field it resolves.
pub(crate) struct ErrorResponses {
    field_types: Arc<FieldTypes>,
}

impl ErrorResponses {
    pub(crate) fn new(field_types: FieldTypes) -> Self {
        Self {
            field_types: Arc::new(field_types),
        }
    }
}

impl ExtensionFactory for ErrorResponses {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestErrors {
            field_types: self.field_types.clone(),
            operation: Arc::default(),
        })
    }
}

/// The extension's state for one request or subscription.
struct RequestErrors {
    field_types: Arc<FieldTypes>,
    /// What the request asked, kept as text: parsed again only for a response with
    /// field errors, so a successful request pays one copy of its query.
    operation: Arc<Mutex<Option<Executed>>>,
}

/// The query text and operation name of a request, and the document once parsed.
struct Executed {
    query: String,
    operation_name: Option<String>,
    document: Option<ExecutableDocument>,
}

#[async_trait::async_trait]
impl Extension for RequestErrors {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        shape(&mut response, &self.operation, &self.field_types);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let operation = self.operation.clone();
        let field_types = self.field_types.clone();
        let stream = stream
            .map(move |mut response| {
                shape(&mut response, &operation, &field_types);
                response
            })
            .boxed();
        next.run(ctx, stream)
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let request = next.run(ctx, request).await?;
        let executed = Executed {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            document: None,
        };
        if let Ok(mut operation) = self.operation.lock() {
            *operation = Some(executed);
        }
        Ok(request)
    }
}

/// Gives one response's errors their codes and its failed fields their nulls.
fn shape(response: &mut Response, operation: &Mutex<Option<Executed>>, types: &FieldTypes) {
    for error in &mut response.errors {
        ensure_code(error);
    }
    if response.errors.iter().all(|e| e.path.is_empty()) {
        return;
    }
    let Ok(mut operation) = operation.lock() else {
        return;
    };
    let Some(executed) = operation.as_mut() else {
        return;
    };
    if executed.document.is_none() {
        // It parsed before it ran, so it parses again.
        executed.document = async_graphql::parser::parse_query(&executed.query).ok();
    }
    let Some(document) = &executed.document else {
        return;
    };
    if let Some(op) = completion::operation(document, executed.operation_name.as_deref()) {
        completion::complete(&mut response.data, &response.errors, document, op, types);
    }
}

fn ensure_code(error: &mut async_graphql::ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        // Argument values are parsed when the field runs, so those errors have a path.
        let bad_argument = error.message.starts_with("Failed to parse")
            || error.message.starts_with("Invalid value");
        let code = if error.path.is_empty() || bad_argument {
            ErrorCode::BadUserInput
        } else {
            ErrorCode::InternalServerError
        };
        extensions.set("code", code.as_str());
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, Object, Schema, Subscription, Value};
    use futures_util::Stream;
    use serde_json::json;

    use super::*;

    struct Query;

    #[Object]
    impl Query {
        async fn ok(&self) -> i32 {
            1
        }

        async fn thing(&self) -> Thing {
            Thing
        }
    }

    struct Thing;

    #[Object]
    impl Thing {
        async fn fails(&self) -> async_graphql::Result<Option<i32>> {
            Err("no".into())
        }

        async fn must(&self) -> async_graphql::Result<i32> {
            Err("no".into())
        }
    }

    struct Events;

    #[Subscription]
    impl Events {
        async fn things(&self) -> impl Stream<Item = Thing> {
            futures_util::stream::iter([Thing, Thing])
        }
    }

    fn schema() -> Schema<Query, EmptyMutation, Events> {
        let sdl = Schema::new(Query, EmptyMutation, Events).sdl();
        let types = FieldTypes::from_sdl(&sdl).expect("SDL parses");
        Schema::build(Query, EmptyMutation, Events)
            .extension(ErrorResponses::new(types))
            .finish()
    }

    #[tokio::test]
    async fn a_query_response_gets_codes_and_nulls() {
        let response = schema().execute("{ ok thing { fails } }").await;
        assert_eq!(
            response.data.into_json().expect("JSON"),
            json!({ "ok": 1, "thing": { "fails": null } })
        );
        let code = response.errors[0]
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"));
        assert_eq!(code, Some(&Value::from("INTERNAL_SERVER_ERROR")));

        let response = schema().execute("{ ok thing { must } }").await;
        assert_eq!(response.data, Value::Null, "thing: Thing! is non-null");
        assert_eq!(response.errors.len(), 1);
    }

    #[tokio::test]
    async fn every_subscription_event_gets_its_nulls() {
        let events: Vec<Response> = schema()
            .execute_stream("subscription { things { fails } }")
            .collect()
            .await;
        assert_eq!(events.len(), 2);
        for event in events {
            assert_eq!(
                event.data.into_json().expect("JSON"),
                json!({ "things": { "fails": null } })
            );
        }
    }
}
