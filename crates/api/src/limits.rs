//! How much one client may ask of the server, in one place.
//!
//! `Limits` lives in the API crate because every field bounds what a client can ask of
//! the API surface (a request, a socket, a page, a stream). The server reads it for
//! the router and the WebSocket; the domain only enforces page sizes, which it receives
//! with each request's [`PageArgs`](domain::pagination::PageArgs).

use std::time::Duration;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

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

/// The mutations that check a password (or, for `register` and `requestPasswordReset`,
/// cost a hash or an email): at most one of them runs per request, so one request
/// cannot try a thousand passwords under a thousand aliases.
pub(crate) const CREDENTIAL_FIELDS: &[&str] = &[
    "login",
    "acceptInvitation",
    "resetPassword",
    "changePassword",
    "removeContact",
    "transferOwnership",
    "register",
    "requestPasswordReset",
    "enrollTotp",
    "confirmTotp",
    "disableTotp",
];

impl Limits {
    /// What a document may not ask, checked once it parses and before anything runs:
    /// why it is refused, if it is.
    pub(crate) fn check_document(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
    ) -> Result<(), String> {
        let aliases: usize = crate::completion::definitions(document).map(aliases).sum();
        if aliases > self.aliases {
            return Err(format!("at most {} aliases per request", self.aliases));
        }
        let Some(operation) = crate::completion::operation(document, operation_name) else {
            // async-graphql refuses it, saying why.
            return Ok(());
        };
        let mut roots = Roots {
            names: Vec::new(),
            // Fragments spreading fragments could make the expansion exponential in
            // the document's size: stop at a bound well above any honest document.
            steps_left: 100 * self.root_fields,
        };
        roots.collect(document, &operation.selection_set.node, &mut Vec::new());
        if roots.names.len() > self.root_fields || roots.steps_left == 0 {
            return Err(format!(
                "at most {} root fields per request",
                self.root_fields
            ));
        }
        let credentials = roots
            .names
            .iter()
            .filter(|name| CREDENTIAL_FIELDS.contains(name))
            .count();
        if credentials > 1 {
            return Err(format!(
                "at most one of {} per request",
                CREDENTIAL_FIELDS.join(", ")
            ));
        }
        Ok(())
    }
}

/// The aliases `set` holds at any depth (a fragment's are counted where it is
/// defined, once).
fn aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// The root fields `set` (an operation's selection) selects, through fragments, as
/// [`Limits::check_document`] counts them.
pub(crate) fn root_fields<'d>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    limits: &Limits,
) -> Vec<&'d str> {
    let mut roots = Roots {
        names: Vec::new(),
        steps_left: 100 * limits.root_fields,
    };
    roots.collect(document, set, &mut Vec::new());
    roots.names
}

/// The names of an operation's root fields, through fragments.
struct Roots<'d> {
    names: Vec<&'d str>,
    steps_left: usize,
}

impl<'d> Roots<'d> {
    /// Adds the root fields `set` selects, each fragment as often as it is spread (a
    /// fragment being expanded is not entered again: the document is not validated yet).
    fn collect(
        &mut self,
        document: &'d ExecutableDocument,
        set: &'d SelectionSet,
        expanding: &mut Vec<&'d str>,
    ) {
        for item in &set.items {
            if self.steps_left == 0 {
                return;
            }
            self.steps_left -= 1;
            match &item.node {
                Selection::Field(field) => self.names.push(field.node.name.node.as_str()),
                Selection::InlineFragment(fragment) => {
                    self.collect(document, &fragment.node.selection_set.node, expanding)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = document.fragments.get(name) else {
                        continue;
                    };
                    if expanding.contains(&name) {
                        continue;
                    }
                    expanding.push(name);
                    self.collect(document, &fragment.node.selection_set.node, expanding);
                    expanding.pop();
                }
            }
        }
    }
}
