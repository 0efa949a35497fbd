//! Keyset pagination by id, for every list the API returns as a connection.
//!
//! A page and the list's total come back in one statement: the count is a scalar
//! subquery beside the page's columns (evaluated once, by the index), so a dashboard
//! showing three lists with their totals costs three statements, not six.

use sea_orm::sea_query::{Expr, QueryStatementBuilder};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, QueryTrait, Select,
};

use crate::{DomainError, Result};

/// Which slice of a list: `first` items after the item with id `after`. The page sizes
/// come with the request (the API's `Limits`), so the domain holds no limit of its own.
#[derive(Clone, Copy, Debug)]
pub struct PageArgs {
    pub first: Option<i64>,
    pub after: Option<i64>,
    /// Items in the page when `first` is not given.
    pub default_size: u64,
    /// The largest `first` allowed.
    pub max_size: u64,
}

#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub total_count: u64,
}

impl<T> Page<T> {
    /// The same page with each item turned into something else (or the first failure).
    pub fn try_map<U>(self, f: impl FnMut(T) -> Result<U>) -> Result<Page<U>> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_>>()?,
            has_next_page: self.has_next_page,
            total_count: self.total_count,
        })
    }
}

/// Newest first (audit log, emails) or oldest first (everything else).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    OldestFirst,
    NewestFirst,
}

/// Reads one page of `select`, ordered by `id`.
pub async fn page<E, C>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    id: C,
    args: PageArgs,
    order: Order,
) -> Result<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
{
    let max = args.max_size;
    let first = match args.first {
        None => args.default_size,
        Some(n) if u64::try_from(n).is_ok_and(|n| n <= max) => n as u64,
        Some(_) => {
            return Err(DomainError::bad_input(
                "first",
                format!("first must be between 0 and {max}"),
            ));
        }
    };
    let count = select
        .clone()
        .select_only()
        .expr(Expr::cust("COUNT(*)"))
        .into_query();
    let mut page = select.clone().expr_as(
        Expr::SubQuery(None, Box::new(count.into_sub_query_statement())),
        "total_count",
    );
    page = match order {
        Order::OldestFirst => page.order_by_asc(id),
        Order::NewestFirst => page.order_by_desc(id),
    };
    if let Some(after) = args.after {
        page = match order {
            Order::OldestFirst => page.filter(id.gt(after)),
            Order::NewestFirst => page.filter(id.lt(after)),
        };
    }
    let rows = page
        .limit(first + 1)
        .into_model::<Counted<E::Model>>()
        .all(conn)
        .await?;
    let total_count = match rows.first() {
        Some(row) => u64::try_from(row.total_count).unwrap_or_default(),
        // No row to carry the count: nothing at all, or nothing after the cursor.
        None if args.after.is_none() => 0,
        None => select.count(conn).await?,
    };
    let has_next_page = rows.len() as u64 > first;
    let items = rows
        .into_iter()
        .take(first as usize)
        .map(|row| row.model)
        .collect();
    Ok(Page {
        items,
        has_next_page,
        total_count,
    })
}

/// A row of a page, with the list's total beside it.
struct Counted<M> {
    model: M,
    total_count: i64,
}

impl<M: FromQueryResult> FromQueryResult for Counted<M> {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            model: M::from_query_result(row, pre)?,
            total_count: row.try_get(pre, "total_count")?,
        })
    }
}
