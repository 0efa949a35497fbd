//! What every operation goes through, queries and mutations as each event of a
//! subscription: every error gets its code, every failed field its `null` (see
//! [`crate::completion`]), and the operation runs inside one tracing span that names
//! it, so an error logged by a resolver says which operation it came from.
//!
//! This wraps execution rather than being a schema extension: with any extension
//! installed, async-graphql runs every field of every response through the extension
//! chain (a registry lookup and a boxed future per field), whatever the extension does.
//!
//! Codes are set where errors arise, never read from their messages: a query that does
//! not parse is refused here before it runs; any other error async-graphql makes is
//! placed by where it stands (see [`uncoded`]).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::{Data, Executor, Pos, Request, Response, ServerError};
use domain::{DomainError, ErrorCode};
use futures_util::{FutureExt, StreamExt};
use tracing::Instrument;

use crate::completion::{self, FieldTypes};
use crate::stats::{ApiStats, OperationLabel};
use api::{Limits, code, set_code};

/// Runs one request (a query or mutation) and shapes its response.
pub(crate) async fn execute(
    executor: &impl Executor,
    types: &FieldTypes,
    limits: &Limits,
    stats: &Arc<ApiStats>,
    mut request: Request,
) -> Response {
    let mut operation = match Operation::begin(&mut request, limits, types, Some(stats)) {
        Ok(operation) => operation,
        Err(refused) => return refused_response(refused, Some(stats)),
    };
    let span = operation.span.clone();
    // A resolver that panics fails its own request (INTERNAL_SERVER_ERROR), not the
    // connection it came on.
    let committed = Arc::new(AtomicBool::new(false));
    let execution = domain::commits::watched(
        committed.clone(),
        AssertUnwindSafe(executor.execute(request)).catch_unwind(),
    )
    .instrument(span);
    tokio::pin!(execution);
    let finished = tokio::select! {
        finished = &mut execution => Some(finished),
        () = tokio::time::sleep(limits.request_time) => None,
    };
    // Out of time, but something has begun to commit: stopping now would lose the
    // answer, not the change, so it runs to its end. Otherwise dropping the execution
    // rolls its transaction back.
    let finished = match finished {
        None if committed.load(Ordering::SeqCst) => Some(execution.await),
        finished => finished,
    };
    let mut response = match finished {
        Some(Ok(response)) => response,
        Some(Err(panic)) => panicked(&panic),
        None => {
            let _in = operation.span.enter();
            tracing::warn!(limit = ?limits.request_time, "an operation ran out of time and was stopped");
            timed_out(limits.request_time)
        }
    };
    operation.shape(&mut response, types);
    response
}

/// The response to a request refused before it ran.
fn refused_response(refused: ServerError, stats: Option<&Arc<ApiStats>>) -> Response {
    let response = Response::from_errors(vec![refused]);
    if let Some(stats) = stats {
        stats.errors(&response.errors);
        stats.finished(&[OperationLabel::unknown()], std::time::Duration::ZERO);
    }
    response
}

/// `responses`, stopped after `limit` unless something has begun to commit (the
/// streaming twin of [`execute`]'s limit): then one TIMEOUT response ends it.
fn in_time(
    mut responses: BoxStream<'static, Response>,
    limit: std::time::Duration,
) -> BoxStream<'static, Response> {
    let committed = Arc::new(AtomicBool::new(false));
    let mut watched = {
        let committed = committed.clone();
        futures_util::stream::poll_fn(move |cx| {
            domain::commits::watched_poll(&committed, || responses.poll_next_unpin(cx))
        })
    };
    async_stream::stream! {
        let deadline = tokio::time::sleep(limit);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                item = watched.next() => match item {
                    Some(response) => yield response,
                    None => break,
                },
                () = &mut deadline, if !committed.load(Ordering::SeqCst) => {
                    tracing::warn!(?limit, "an operation ran out of time and was stopped");
                    yield timed_out(limit);
                    break;
                }
            }
        }
    }
    .boxed()
}

/// The response of an operation stopped after `limit`, having committed nothing.
fn timed_out(limit: std::time::Duration) -> Response {
    let mut error = ServerError::new(
        format!(
            "the request took longer than {} ms and was stopped; nothing it began was kept",
            limit.as_millis()
        ),
        None,
    );
    set_code(&mut error, ErrorCode::InternalServerError);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("reason", domain::Reason::Timeout.as_str());
    Response::from_errors(vec![error])
}

/// The response of an operation whose resolver panicked; the panic is logged.
fn panicked(panic: &(dyn std::any::Any + Send)) -> Response {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    api::error_response(DomainError::Internal(format!(
        "a resolver panicked: {what}"
    )))
}

/// Runs one operation as a stream (a subscription's events, or a query's one
/// response), each response shaped. `session_data` is a WebSocket connection's.
/// `stats` counts a client's operation (not a live event's render).
pub(crate) fn execute_stream(
    executor: &impl Executor,
    types: Arc<FieldTypes>,
    limits: Limits,
    stats: Option<Arc<ApiStats>>,
    mut request: Request,
    session_data: Arc<Data>,
) -> BoxStream<'static, Response> {
    let mut operation = match Operation::begin(&mut request, &limits, &types, stats.as_ref()) {
        Ok(operation) => operation,
        Err(refused) => {
            let response = refused_response(refused, stats.as_ref());
            return futures_util::stream::once(async move { response }).boxed();
        }
    };
    let span = operation.span.clone();
    let responses = AssertUnwindSafe(executor.execute_stream(request, Some(session_data)))
        // A panic is the stream's last item: its error.
        .catch_unwind()
        .map(|item| item.unwrap_or_else(|panic| panicked(&*panic)))
        .boxed();
    // A query or mutation over a WebSocket has the time HTTP gives it; a subscription
    // lives as long as its client wants.
    let responses = match operation.kind {
        Some(OperationType::Query | OperationType::Mutation) => {
            in_time(responses, limits.request_time)
        }
        _ => responses,
    };
    in_span(responses, span)
        .map(move |mut response| {
            operation.shape(&mut response, &types);
            response
        })
        .boxed()
}

/// What a request asked, kept to shape its responses.
struct Operation {
    /// The query text: parsed again only for a response with field errors, so a
    /// successful request pays one copy of its query.
    query: String,
    operation_name: Option<String>,
    document: Option<ExecutableDocument>,
    /// The operation's span: everything its resolvers log is inside it.
    span: tracing::Span,
    /// Where the operation is counted, and as what; its duration is recorded when it
    /// is dropped (a subscription's when its stream is).
    counted: Option<(Arc<ApiStats>, Vec<OperationLabel>)>,
    started: Instant,
    /// Query, mutation or subscription (none: the request names no operation it has).
    kind: Option<OperationType>,
}

impl Drop for Operation {
    fn drop(&mut self) {
        if let Some((stats, labels)) = &self.counted {
            stats.finished(labels, self.started.elapsed());
        }
    }
}

impl Operation {
    /// Parses the request (async-graphql keeps the document and does not parse it
    /// again) and opens its span, named after the operation. A query that does not
    /// parse, or asks more than [`crate::admission::check_document`] allows (too many aliases or
    /// root fields, more than one password check), is the client's mistake, answered
    /// before anything runs.
    fn begin(
        request: &mut Request,
        limits: &Limits,
        types: &FieldTypes,
        stats: Option<&Arc<ApiStats>>,
    ) -> Result<Self, ServerError> {
        // No span per field: that would cost on every field of every response.
        let span = tracing::info_span!(
            "graphql",
            operation = tracing::field::Empty,
            kind = tracing::field::Empty
        );
        let operation_name = request.operation_name.clone();
        let variables = std::mem::take(&mut request.variables);
        let document = request.parsed_query().map_err(bad_user_input)?;
        crate::admission::check_document(limits, types, document, operation_name.as_deref())
            .and_then(|()| {
                crate::variables::check(types, document, operation_name.as_deref(), &variables)
            })
            .map_err(|why| bad_user_input(ServerError::new(why, None)))?;
        let chosen = chosen_operation(document, operation_name.as_deref());
        if let Some((name, ty)) = chosen {
            span.record("operation", tracing::field::display(name))
                .record("kind", tracing::field::display(ty));
        }
        // Counted by what the schema bounds, never by the client's operation name.
        let counted = stats.map(|stats| {
            let labels = match completion::operation(document, operation_name.as_deref()) {
                Some(op) => OperationLabel::of(
                    op.ty,
                    crate::admission::root_fields(document, &op.selection_set.node, limits),
                    |field| types.is_root_field(op.ty, field),
                ),
                None => vec![OperationLabel::unknown()],
            };
            (stats.clone(), labels)
        });
        let kind = chosen.map(|(_, ty)| ty);
        request.variables = variables;
        Ok(Self {
            query: request.query.clone(),
            operation_name,
            document: None,
            span,
            counted,
            started: Instant::now(),
            kind,
        })
    }

    /// Gives one response's errors their codes and its failed fields their nulls.
    fn shape(&mut self, response: &mut Response, types: &FieldTypes) {
        if response.errors.is_empty() {
            return;
        }
        if let Some((stats, _)) = &self.counted {
            stats.errors(&response.errors);
        }
        // Only field errors need the document: to find their nulls, and whether they
        // are about an argument.
        let has_field_errors = response.errors.iter().any(|e| !e.path.is_empty());
        if has_field_errors && self.document.is_none() {
            // It parsed before it ran, so it parses again.
            self.document = async_graphql::parser::parse_query(&self.query).ok();
        }
        let document = self.document.as_ref().filter(|_| has_field_errors);
        for error in &mut response.errors {
            if code(error).is_none() {
                set_code(error, uncoded(error, document));
            }
        }
        let Some(document) = document else {
            return;
        };
        if let Some(op) = completion::operation(document, self.operation_name.as_deref()) {
            completion::complete(&mut response.data, &response.errors, document, op, types);
        }
    }
}

/// Which operation the request runs and of what type (none: async-graphql refuses it
/// before it runs).
fn chosen_operation<'d>(
    document: &'d ExecutableDocument,
    requested: Option<&str>,
) -> Option<(&'d str, OperationType)> {
    match &document.operations {
        DocumentOperations::Single(op) => Some(("anonymous", op.node.ty)),
        DocumentOperations::Multiple(ops) => {
            let chosen = match requested {
                Some(name) => ops.get_key_value(name),
                None if ops.len() == 1 => ops.iter().next(),
                None => None,
            };
            chosen.map(|(name, op)| (name.as_str(), op.node.ty))
        }
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

/// The code of an error async-graphql made without one, from where it stands:
/// - outside every field, the request was refused before anything ran (it does not
///   validate, its variables do not coerce, an unknown operation name, a subscription
///   sent over HTTP): the client's mistake;
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
    completion::definitions(document).any(|set| has_argument_at(set, pos))
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
