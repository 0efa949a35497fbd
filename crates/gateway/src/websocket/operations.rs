//! The operations one socket runs, by the client's id, and what each one says next.
//!
//! An operation's responses come from `Api::execute_operation` (async-graphql's
//! execution, or an event rendered once for many subscribers). Each becomes a
//! `next`, and the end of the stream a `complete`, except in one case: a response with
//! errors and no data that is the stream's last is the operation failing as a whole,
//! and becomes its `error` (nothing follows it). That is every failure before execution
//! (parse, validation, an allow-list refusal), a subscription refused when it opens,
//! and a stream the server ended (access lost, session ended, fell behind; see
//! `api::subscription`), which yields why as its last item.

use crate::Reply;
use async_graphql::ServerError;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, Stream, StreamExt};
use tokio_stream::StreamMap;

/// What an operation says next.
#[derive(Debug)]
pub(super) enum Frame {
    Next(Reply),
    /// The operation failed or was ended; nothing follows.
    Error(Vec<ServerError>),
    Complete,
}

#[derive(Default)]
pub(super) struct Operations {
    running: StreamMap<String, BoxStream<'static, Frame>>,
}

impl Operations {
    pub(super) fn len(&self) -> usize {
        self.running.len()
    }

    pub(super) fn contains(&self, id: &str) -> bool {
        self.running.contains_key(id)
    }

    /// Starts operation `id` with the responses of its execution.
    pub(super) fn start(&mut self, id: String, responses: BoxStream<'static, Reply>) {
        self.running.insert(id, frames(responses).boxed());
    }

    /// Stops operation `id` (the client completed it): nothing more is sent for it.
    /// Returns whether it was running.
    pub(super) fn stop(&mut self, id: &str) -> bool {
        self.running.remove(id).is_some()
    }

    /// The next frame of any operation. Pending while none runs.
    pub(super) async fn next(&mut self) -> (String, Frame) {
        match self.running.next().await {
            Some(next) => next,
            None => std::future::pending().await,
        }
    }
}

/// An operation's frames: its responses as `next`, then `complete`, or its last
/// response as `error` when that failed as a whole.
fn frames(responses: BoxStream<'static, Reply>) -> impl Stream<Item = Frame> {
    async_stream::stream! {
        let mut responses = responses.peekable();
        while let Some(reply) = responses.next().await {
            let failed = reply
                .executed()
                .is_some_and(|r| r.data == async_graphql::Value::Null && !r.errors.is_empty());
            // Whether this is the stream's last: async-graphql ends a stream in the
            // same poll that follows its last item, so a stream that goes on is
            // never mistaken for one that ended.
            if failed && matches!(std::pin::Pin::new(&mut responses).peek().now_or_never(), Some(None)) {
                if let Reply::Executed(response) = reply {
                    yield Frame::Error(response.errors);
                }
                return;
            }
            yield Frame::Next(reply);
        }
        yield Frame::Complete;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Response;
    use futures_util::stream;

    fn failure() -> Reply {
        Response::from_errors(vec![ServerError::new("refused", None)]).into()
    }

    fn ok() -> Reply {
        Response::new(async_graphql::Value::Boolean(true)).into()
    }

    async fn kinds(responses: Vec<Reply>) -> Vec<&'static str> {
        frames(stream::iter(responses).boxed())
            .map(|frame| match frame {
                Frame::Next(_) => "next",
                Frame::Error(_) => "error",
                Frame::Complete => "complete",
            })
            .collect()
            .await
    }

    #[tokio::test]
    async fn a_last_response_without_data_is_the_error() {
        assert_eq!(kinds(vec![failure()]).await, ["error"]);
        assert_eq!(
            kinds(vec![ok(), ok(), failure()]).await,
            ["next", "next", "error"]
        );
        assert_eq!(kinds(vec![ok()]).await, ["next", "complete"]);
        assert_eq!(kinds(vec![]).await, ["complete"]);
    }

    #[tokio::test]
    async fn a_failed_item_in_a_stream_that_goes_on_is_a_next() {
        assert_eq!(
            kinds(vec![failure(), ok()]).await,
            ["next", "next", "complete"]
        );
        // A stream still waiting for its next item is going on.
        let waiting = stream::iter(vec![failure()])
            .chain(stream::pending())
            .boxed();
        let mut frames = frames(waiting).boxed();
        assert!(matches!(frames.next().await, Some(Frame::Next(_))));
    }
}
