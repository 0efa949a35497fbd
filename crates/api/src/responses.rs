//! What every operation's responses go through, of queries and mutations as of each
//! event of a subscription: every error gets its code, every failed field its `null`
//! (see [`crate::completion`]), and the operation runs inside one tracing span that
//! names it, so an error logged by a resolver says which operation it came from.
//!
//! Codes are set where errors arise, never read from their messages: a query that does
//! not parse or does not validate is the client's (the `parse_query` and `validation`
//! hooks); an error async-graphql makes at execution time is placed by its position.
//! No `resolve` hook: async-graphql would call it for every field of every response.

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest,
    NextSubscribe, NextValidation,
};
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{
    Pos, Request, Response, ServerError, ServerResult, ValidationResult, Variables,
};
use domain::ErrorCode;
use futures_util::StreamExt;
use tracing::Instrument;

use crate::completion::{self, FieldTypes};
use crate::error::{code, set_code};

/// The schema extension that shapes responses. One for all of it: async-graphql runs
/// every field through every extension's `resolve` hook, so each one costs per field.
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
        Arc::new(OperationResponses {
            field_types: self.field_types.clone(),
            operation: Arc::default(),
            // Named once the query is parsed. No span per field: that would cost on
            // every field of every response.
            span: tracing::info_span!(
                "graphql",
                operation = tracing::field::Empty,
                kind = tracing::field::Empty
            ),
        })
    }
}

/// The extension's state for one request or subscription.
struct OperationResponses {
    field_types: Arc<FieldTypes>,
    /// What the request asked, kept as text: parsed again only for a response with
    /// field errors, so a successful request pays one copy of its query.
    operation: Arc<Mutex<Option<Executed>>>,
    /// The operation's span: everything its resolvers log is inside it.
    span: tracing::Span,
}

/// The query text and operation name of a request, and the document once parsed.
struct Executed {
    query: String,
    operation_name: Option<String>,
    document: Option<ExecutableDocument>,
}

#[async_trait::async_trait]
impl Extension for OperationResponses {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).instrument(self.span.clone()).await;
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
        let stream = in_span(stream, self.span.clone())
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
        *self
            .operation
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(executed);
        Ok(request)
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(bad_user_input)?;
        self.name_span(&document);
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx)
            .await
            .map_err(|errors| errors.into_iter().map(bad_user_input).collect())
    }
}

impl OperationResponses {
    /// Records in the span which operation the request runs and of what type.
    fn name_span(&self, document: &ExecutableDocument) {
        let executed = self
            .operation
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let requested = executed.as_ref().and_then(|e| e.operation_name.as_deref());
        let (name, ty) = match &document.operations {
            DocumentOperations::Single(op) => ("anonymous", op.node.ty),
            DocumentOperations::Multiple(ops) => {
                let chosen = match requested {
                    Some(name) => ops.get_key_value(name),
                    None if ops.len() == 1 => ops.iter().next(),
                    // async-graphql refuses the request before it runs.
                    None => None,
                };
                let Some((name, op)) = chosen else {
                    return;
                };
                (name.as_str(), op.node.ty)
            }
        };
        self.span
            .record("operation", tracing::field::display(name))
            .record("kind", tracing::field::display(ty));
    }
}

/// `error` is about the request the client sent.
fn bad_user_input(mut error: ServerError) -> ServerError {
    set_code(&mut error, ErrorCode::BadUserInput);
    error
}

/// Polls `stream` inside `span`: a subscription's resolvers run as its events are
/// polled, and what they log then names the operation too.
fn in_span<'s>(
    mut stream: BoxStream<'s, Response>,
    span: tracing::Span,
) -> BoxStream<'s, Response> {
    futures_util::stream::poll_fn(move |cx| span.in_scope(|| stream.poll_next_unpin(cx))).boxed()
}

/// Gives one response's errors their codes and its failed fields their nulls.
fn shape(response: &mut Response, operation: &Mutex<Option<Executed>>, types: &FieldTypes) {
    if response.errors.is_empty() {
        return;
    }
    let mut executed = operation.lock().unwrap_or_else(PoisonError::into_inner);
    // Only field errors need the document: to find their nulls, and whether they are
    // about an argument.
    let executed = executed
        .as_mut()
        .filter(|_| response.errors.iter().any(|e| !e.path.is_empty()))
        .map(|executed| {
            if executed.document.is_none() {
                // It parsed before it ran, so it parses again.
                executed.document = async_graphql::parser::parse_query(&executed.query).ok();
            }
            &*executed
        });
    let document = executed.and_then(|e| e.document.as_ref());
    for error in &mut response.errors {
        if code(error).is_none() {
            set_code(error, uncoded(error, document));
        }
    }
    let (Some(executed), Some(document)) = (executed, document) else {
        return;
    };
    if let Some(op) = completion::operation(document, executed.operation_name.as_deref()) {
        completion::complete(&mut response.data, &response.errors, document, op, types);
    }
}

/// The code of an error async-graphql made without one, from where it stands:
/// - outside every field, the request was refused before anything ran (an unknown
///   operation name, a subscription sent over HTTP): the client's mistake;
/// - at an argument's value, that value did not coerce when the field ran (one of our
///   scalars refused it, as a literal or through a variable; validation has already
///   checked the built-in types): the client's;
/// - anything else is a field that failed without saying why: ours.
fn uncoded(error: &ServerError, document: Option<&ExecutableDocument>) -> ErrorCode {
    if error.path.is_empty() {
        return ErrorCode::BadUserInput;
    }
    match (document, error.locations.first()) {
        (Some(document), Some(&pos)) if is_argument_value(document, pos) => ErrorCode::BadUserInput,
        _ => ErrorCode::InternalServerError,
    }
}

/// Whether an argument's value starts at `pos` in `document`. async-graphql places an
/// argument that fails to coerce there (a resolver's own error sits at its field), and
/// no two things of a document share a position.
fn is_argument_value(document: &ExecutableDocument, pos: Pos) -> bool {
    let mut sets = document
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(
            document
                .fragments
                .values()
                .map(|fragment| &fragment.node.selection_set.node),
        );
    sets.any(|set| has_argument_at(set, pos))
}

fn has_argument_at(set: &SelectionSet, pos: Pos) -> bool {
    set.items.iter().any(|selection| match &selection.node {
        Selection::Field(field) => {
            field
                .node
                .arguments
                .iter()
                .any(|(_, value)| value.pos == pos)
                || has_argument_at(&field.node.selection_set.node, pos)
        }
        Selection::InlineFragment(inline) => has_argument_at(&inline.node.selection_set.node, pos),
        // Fragments are searched on their own, once.
        Selection::FragmentSpread(_) => false,
    })
}

#[cfg(test)]
mod tests;
