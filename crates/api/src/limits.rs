//! How much one client may ask of the server, in one place.
//!
//! `Limits` lives in the API crate because every field bounds what a client can ask of
//! the API surface (a request, a socket, a page, a stream). The server reads it for
//! the router and the WebSocket; the domain only enforces page sizes, which it receives
//! with each request's [`PageArgs`](domain::pagination::PageArgs).

/// What one request, socket or subscriber may cost. `Default` holds the production
/// values (the README's "Errors and limits"); tests adjust them through the server's
/// `Config::limits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of a query's selections.
    pub depth: usize,
    /// Highest complexity of a query (async-graphql counts one per selected field).
    pub complexity: usize,
    /// Largest HTTP request body. Larger than any sensible query: GraphiQL's
    /// introspection query is ~2 KB.
    pub body_bytes: usize,
    /// Largest WebSocket message (and frame) a client may send.
    pub ws_message_bytes: usize,
    /// Most subscriptions one WebSocket connection may hold at once.
    pub subscriptions_per_connection: usize,
    /// Items in a page when the client gives no `first`.
    pub page_default: u64,
    /// The largest `first` a client may ask for.
    pub page_max: u64,
    /// How many events a live subscriber may fall behind before it is dropped (it
    /// resubscribes from its cursor and misses nothing).
    pub live_buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            depth: 16,
            complexity: 2_000,
            body_bytes: 256 * 1024,
            ws_message_bytes: 64 * 1024,
            subscriptions_per_connection: 32,
            page_default: 20,
            page_max: 100,
            live_buffer: 4096,
        }
    }
}
