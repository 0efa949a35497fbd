//! Relay connections over domain pages: `edges { cursor node }`, `pageInfo`,
//! `totalCount`. Cursors are opaque to clients (they happen to be row ids).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, SimpleObject};
use domain::pagination::{Page, PageArgs};

use crate::error::{ApiError, ApiResult};
use crate::{ApiConfig, Limits};

#[derive(SimpleObject)]
pub struct TotalCount {
    /// How many items the whole list has, across pages.
    pub total_count: u64,
}

pub type Conn<N> = Connection<String, N, TotalCount>;

/// A connection field's complexity: what it selects, once for every item it may
/// return (`first`, else the default page size; never more than the largest page). So
/// `contacts(first: 100) { … }` weighs a hundred times its selection.
pub(crate) fn complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let limits = Limits::default();
    let items = match first {
        Some(first) => u64::try_from(first).unwrap_or(0).min(limits.page_max),
        None => limits.page_default,
    };
    usize::try_from(items).unwrap_or(usize::MAX).max(1) * child_complexity
}

/// The `first`/`after` arguments of a connection field, with the page sizes of the
/// schema's [`Limits`](crate::Limits).
pub fn page_args(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<PageArgs> {
    let limits = &ctx.data_unchecked::<ApiConfig>().limits;
    let after = after
        .map(|cursor| {
            cursor.parse::<i64>().map_err(|_| {
                ApiError(domain::DomainError::bad_input(
                    "after",
                    "not a cursor from this list",
                ))
            })
        })
        .transpose()?;
    Ok(PageArgs {
        first: first.map(i64::from),
        after,
        default_size: limits.page_default,
        max_size: limits.page_max,
    })
}

/// Builds a connection from a page; `id` gives each item's cursor.
pub fn connection<T, N>(page: Page<T>, id: impl Fn(&T) -> i64, node: impl Fn(T) -> N) -> Conn<N>
where
    N: async_graphql::OutputType,
{
    let mut connection = Connection::with_additional_fields(
        false,
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
