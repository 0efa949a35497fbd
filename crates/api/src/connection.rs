//! Relay connections over domain pages: `edges { cursor node }`, `pageInfo`,
//! `totalCount`. Cursors are opaque to clients (they happen to be row ids).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, SchemaBuilder, SimpleObject};
use domain::pagination::{Page, PageArgs};

use crate::error::{ApiError, ApiResult};
use crate::types::{
    Account, AuditEntry, Contact, DomainName, EmailMessage, Invitation, Invoice, Service, Ticket,
    WebhookDelivery,
};
use crate::{ApiConfig, Limits};

/// The field every connection adds to Relay's `edges`, `nodes` and `pageInfo`.
#[derive(SimpleObject)]
pub struct TotalCount {
    /// How many items the whole list has, across pages.
    pub total_count: u64,
}

pub type Conn<N> = Connection<String, N, TotalCount>;

/// A connection field's complexity: what it selects, once for every item it may
/// return (`first` or `last`, else the default page size; never more than the largest
/// page). So `contacts(first: 100) { … }` weighs a hundred times its selection.
pub(crate) fn complexity(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let limits = Limits::default();
    let items = match first.max(last) {
        Some(n) => u64::try_from(n).unwrap_or(0).min(limits.page_max),
        None => limits.page_default,
    };
    usize::try_from(items).unwrap_or(usize::MAX).max(1) * child_complexity
}

/// A cursor of this list, or BAD_USER_INPUT on `field`.
fn cursor(value: Option<String>, field: &'static str) -> ApiResult<Option<i64>> {
    value
        .map(|cursor| {
            cursor.parse::<i64>().map_err(|_| {
                ApiError(domain::DomainError::bad_input(
                    field,
                    "not a cursor from this list",
                ))
            })
        })
        .transpose()
}

/// The `first`/`after` (forwards) and `last`/`before` (backwards) arguments of a
/// connection field, with the page sizes of the schema's [`Limits`](crate::Limits).
pub fn page_args(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> ApiResult<PageArgs> {
    let limits = &ctx.data_unchecked::<ApiConfig>().limits;
    Ok(PageArgs {
        first: first.map(i64::from),
        after: cursor(after, "after")?,
        last: last.map(i64::from),
        before: cursor(before, "before")?,
        default_size: limits.page_default,
        max_size: limits.page_max,
    })
}

/// Gives each connection type its description: async-graphql names them
/// (`ContactConnection`, …) but says nothing of them.
pub(crate) fn describe<Q, M, S>(schema: SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S> {
    macro_rules! page_of {
        ($what:literal) => {
            concat!(
                "A page of ",
                $what,
                ": `edges` (each node with its `cursor`) or just `nodes`,\n",
                "`pageInfo` to ask for the next page (`after: pageInfo.endCursor`) or the one before ",
                "(`before: pageInfo.startCursor` with `last`), and ",
                "`totalCount`."
            )
        };
    }
    schema
        .override_output_type_description::<Conn<Account>>(page_of!("accounts"))
        .override_output_type_description::<Conn<Contact>>(page_of!("contacts"))
        .override_output_type_description::<Conn<Invitation>>(page_of!("invitations"))
        .override_output_type_description::<Conn<Invoice>>(page_of!("invoices"))
        .override_output_type_description::<Conn<Service>>(page_of!("services"))
        .override_output_type_description::<Conn<DomainName>>(page_of!("domain names"))
        .override_output_type_description::<Conn<Ticket>>(page_of!("support tickets"))
        .override_output_type_description::<Conn<EmailMessage>>(page_of!("sent emails"))
        .override_output_type_description::<Conn<AuditEntry>>(page_of!("audit log entries"))
        .override_output_type_description::<Conn<WebhookDelivery>>(page_of!("webhook deliveries"))
}

/// Builds a connection from a page; `id` gives each item's cursor.
pub fn connection<T, N>(page: Page<T>, id: impl Fn(&T) -> i64, node: impl Fn(T) -> N) -> Conn<N>
where
    N: async_graphql::OutputType,
{
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        TotalCount {
            total_count: page.total_count,
        },
    );
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|item| Edge::new(id(&item).to_string(), node(item))),
    );
    connection
}
