//! Live events rendered once, not once per subscriber.
//!
//! Subscribers who sent the same subscription document with the same variables and who
//! see the same (the same [`Visibility`]) would each get the same payload for an event.
//! They share a [`Group`]: the first of them to need an event's payload renders it (the
//! others wait for it), serialised once to JSON, and every socket writes those same
//! bytes inside its own envelope.
//!
//! Rendering is execution: the subscription's document runs again with the one event
//! in hand ([`RenderOne`]), so a payload is exactly what async-graphql would have made
//! for each subscriber, errors and field guards included. What each subscriber keeps to
//! itself is everything that decides *whether* it gets an event: its listener (access,
//! cursor, session; see `subscription`), handed over by the resolver at subscribe time
//! ([`Handoff`]) instead of being driven through async-graphql.
//!
//! Only an operation with one root field is shared (the GraphQL rule for subscriptions;
//! async-graphql would merge several). Anything else runs as before, per subscriber.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use api::handoff::{Handoff, LiveItem, RenderOne, Visibility};
use async_graphql::parser::types::{OperationType, Selection};
use async_graphql::{Data, Request, Response, Variables};
use domain::DomainError;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::OnceCell;

use crate::Api;
use api::Loaders;
use api::RequestAuth;

/// How many recent events a group keeps rendered: enough for every subscriber of a
/// burst to find its payload, however the tasks interleave.
const KEEP_RENDERED: usize = 32;

/// One response of an operation, as a socket sends it.
#[derive(Debug)]
pub enum Reply {
    /// Executed for this operation alone.
    Executed(Box<Response>),
    /// An event's payload rendered once for every subscriber of its group (JSON).
    Shared(Arc<RawValue>),
}

impl Reply {
    /// The response, when it was executed for this operation alone.
    pub fn executed(&self) -> Option<&Response> {
        match self {
            Self::Executed(response) => Some(response),
            Self::Shared(_) => None,
        }
    }
}

impl From<Response> for Reply {
    fn from(response: Response) -> Self {
        Self::Executed(Box::new(response))
    }
}

impl Serialize for Reply {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Executed(response) => response.serialize(serializer),
            // Written as it is: serialised once, for everyone.
            Self::Shared(payload) => payload.serialize(serializer),
        }
    }
}

/// The groups of one server instance, and what they have done.
#[derive(Default)]
pub(crate) struct Groups {
    map: Mutex<GroupMap>,
}

#[derive(Default)]
struct GroupMap {
    groups: HashMap<Arc<GroupKey>, Weak<Group>>,
    /// Sweep the groups no one holds when there are this many.
    sweep_at: usize,
}

#[derive(PartialEq, Eq, Hash)]
struct GroupKey {
    query: String,
    operation_name: Option<String>,
    /// The variables as JSON, as the client sent them.
    variables: String,
    visibility: Visibility,
}

/// An event's payload, once someone rendered it.
type Payload = Arc<OnceCell<Arc<RawValue>>>;

/// Subscribers of one document, variables and visibility, and the payloads of their
/// recent events.
struct Group {
    key: Arc<GroupKey>,
    variables: Variables,
    /// By event id, oldest first.
    rendered: Mutex<VecDeque<(i64, Payload)>>,
}

impl Groups {
    fn join(&self, key: GroupKey, variables: Variables) -> Arc<Group> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(group) = map.groups.get(&key).and_then(Weak::upgrade) {
            return group;
        }
        if map.groups.len() >= map.sweep_at {
            map.groups.retain(|_, group| group.strong_count() > 0);
            map.sweep_at = (map.groups.len() * 2).max(64);
        }
        let key = Arc::new(key);
        let group = Arc::new(Group {
            key: key.clone(),
            variables,
            rendered: Mutex::default(),
        });
        map.groups.insert(key, Arc::downgrade(&group));
        group
    }
}

impl Group {
    /// The cell of event `id`'s payload; none for an event older than every kept one
    /// when the group keeps its most (a late replay: rendered for itself).
    fn cell(&self, id: i64) -> Option<Payload> {
        let mut rendered = self.rendered.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, cell)) = rendered.iter().find(|(kept, _)| *kept == id) {
            return Some(cell.clone());
        }
        let oldest = rendered.front().map(|(kept, _)| *kept);
        if rendered.len() >= KEEP_RENDERED {
            if oldest.is_some_and(|oldest| id < oldest) {
                return None;
            }
            rendered.pop_front();
        }
        let cell = Arc::new(OnceCell::new());
        let at = rendered.partition_point(|(kept, _)| *kept < id);
        rendered.insert(at, (id, cell.clone()));
        Some(cell)
    }
}

/// Whether `request` is a subscription with one root field: then its events can be
/// rendered once for all who send the same.
pub(crate) fn shareable(request: &mut Request) -> bool {
    let name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return false;
    };
    let operation = crate::completion::operation(document, name.as_deref());
    operation.is_some_and(|operation| {
        let items = &operation.selection_set.node.items;
        operation.ty == OperationType::Subscription
            && items.len() == 1
            && matches!(items[0].node, Selection::Field(_))
    })
}

/// One subscriber's side of sharing: its group, and what it renders with when it is
/// the first to need a payload.
pub(crate) struct Subscriber {
    api: Api,
    group: Arc<Group>,
    auth: RequestAuth,
    connection: Arc<Data>,
}

impl Subscriber {
    /// Takes the stream a shareable subscription's resolver handed over, if it did,
    /// and joins its group. `auth` and `connection` are what the operation ran with.
    pub(crate) fn join(
        api: &Api,
        handoff: &Handoff,
        request: (String, Option<String>, Variables),
        auth: Option<RequestAuth>,
        connection: Arc<Data>,
    ) -> Option<(Self, BoxStream<'static, LiveItem>)> {
        let (visibility, items) = handoff.take()?;
        let (query, operation_name, variables) = request;
        let key = GroupKey {
            query,
            operation_name,
            variables: serde_json::to_string(&variables).unwrap_or_default(),
            visibility,
        };
        let group = api.fanout.join(key, variables);
        let auth = auth.unwrap_or_else(|| RequestAuth::Anonymous(Default::default()));
        Some((
            Self {
                api: api.clone(),
                group,
                auth,
                connection,
            },
            items,
        ))
    }

    /// The reply for one item: an event's shared payload, or (the stream's end) why.
    pub(crate) async fn reply(&self, item: LiveItem) -> Reply {
        if item.is_ok() {
            self.api.stats.delivered.inc();
        }
        let cell = match &item {
            Ok(event) => self.group.cell(event.id),
            Err(_) => None,
        };
        let Some(cell) = cell else {
            return self.render(item).await.into();
        };
        let rendered = cell
            .get_or_try_init(|| async {
                let response = self.render(item).await;
                // Serialised once, for everyone (a payload that cannot be is sent as
                // it is, and not kept).
                serde_json::value::to_raw_value(&response)
                    .map(Arc::from)
                    .map_err(|_| response)
            })
            .await;
        match rendered {
            Ok(payload) => Reply::Shared(payload.clone()),
            Err(response) => response.into(),
        }
    }

    /// Runs the subscription's document on `item` alone.
    async fn render(&self, item: LiveItem) -> Response {
        self.api.stats.renders.inc();
        let key = &self.group.key;
        let mut request = Request::new(key.query.clone())
            .variables(self.group.variables.clone())
            .data(RenderOne(item))
            .data(self.auth.clone())
            .data(Loaders::for_connection(
                self.api.domain.clone(),
                self.auth.actor().cloned(),
            ));
        request.operation_name = key.operation_name.clone();
        let mut responses = crate::responses::execute_stream(
            &self.api.schema,
            self.api.field_types.clone(),
            self.api.limits,
            None,
            request,
            self.connection.clone(),
        );
        match responses.next().await {
            Some(response) => response,
            None => api::error_response(DomainError::Internal(
                "a live event rendered to nothing".into(),
            )),
        }
    }
}
