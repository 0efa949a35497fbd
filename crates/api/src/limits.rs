//! How much one client may ask of the server, in one place.
//!
//! `Limits` lives in the API crate because every field bounds what a client can ask of
//! the API surface (a request, a socket, a page, a stream). The server reads it for
//! the router and the WebSocket; the domain only enforces page sizes, which it receives
//! with each request's [`PageArgs`](domain::pagination::PageArgs).

use std::time::Duration;

/// What one request, socket or subscriber may cost. `Default` holds the production
/// values (docs/api.md, "Errors and limits"); tests adjust them through the server's
/// `Config::limits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of a query's selections.
    pub depth: usize,
    /// Highest complexity of a query (async-graphql counts one per selected field).
    pub complexity: usize,
    /// Most root fields an operation may select (aliases and fragments counted).
    pub root_fields: usize,
    /// Most aliases a document may hold: a field asked for many times under many names
    /// is the shape of a guessing attack.
    pub aliases: usize,
    /// How long a query or mutation (over HTTP or a WebSocket) may run before it is
    /// stopped: one that has committed nothing yet is dropped (its transaction rolls
    /// back) and answers INTERNAL_SERVER_ERROR with reason TIMEOUT; one that has begun
    /// to commit runs to its end (see `domain::commits`).
    pub request_time: Duration,
    /// Largest HTTP request body. Larger than any sensible query: GraphiQL's
    /// introspection query is ~2 KB.
    pub body_bytes: usize,
    /// How long a client may take to send a request's headers (a slow-header client
    /// holds a connection otherwise), and how long a connection may stay open with no
    /// request in flight (a socket that sends nothing, an idle keep-alive, HTTP/2 with
    /// no stream); past it the connection is closed.
    pub header_time: Duration,
    /// How long a client may take to send a request's body; past it, 408.
    pub body_time: Duration,
    /// Largest WebSocket message (and frame) a client may send.
    pub ws_message_bytes: usize,
    /// Most subscriptions one WebSocket connection may hold at once.
    pub subscriptions_per_connection: usize,
    /// Most live subscriptions one user may hold at once on an instance, over all
    /// their connections.
    pub subscriptions_per_user: usize,
    /// Items in a page when the client gives no `first`.
    pub page_default: u64,
    /// The largest `first` a client may ask for.
    pub page_max: u64,
    /// How many events a live subscriber may fall behind before it is dropped (it
    /// resubscribes from its cursor and misses nothing).
    pub live_buffer: usize,
    /// How often an open WebSocket re-reads its session when nothing told it to (the
    /// safety net for a notice lost while Redis was away); sockets spread their first
    /// re-read over this period.
    pub session_recheck: Duration,
    /// How often an idle live stream re-checks its subscriber's right to it.
    pub stream_recheck: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            depth: 16,
            complexity: 2_000,
            root_fields: 20,
            aliases: 30,
            request_time: Duration::from_secs(10),
            body_bytes: 256 * 1024,
            header_time: Duration::from_secs(10),
            body_time: Duration::from_secs(20),
            ws_message_bytes: 64 * 1024,
            subscriptions_per_connection: 32,
            subscriptions_per_user: 100,
            page_default: 20,
            page_max: 100,
            live_buffer: 4096,
            session_recheck: Duration::from_secs(60),
            stream_recheck: Duration::from_secs(30),
        }
    }
}
