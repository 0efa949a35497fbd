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

/// Which slice of a list: `first` items after the item with id `after`, or (backwards)
/// the `last` items before the item with id `before`; `after` and `before` may bound a
/// slice together. The page sizes come with the request (the API's `Limits`), so the
/// domain holds no limit of its own.
#[derive(Clone, Copy, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i64>,
    pub after: Option<i64>,
    pub last: Option<i64>,
    pub before: Option<i64>,
    /// Items in the page when `first` is not given.
    pub default_size: u64,
    /// The largest `first` allowed.
    pub max_size: u64,
}

#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    /// Items come before this page: paging backwards, more than `last` were there;
    /// forwards, the page starts after a cursor.
    pub has_previous_page: bool,
    pub total_count: u64,
}

impl<T> Page<T> {
    /// The same page with each item turned into something else (or the first failure).
    pub fn try_map<U>(self, f: impl FnMut(T) -> Result<U>) -> Result<Page<U>> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_>>()?,
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
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
    let size = |n: Option<i64>, name: &'static str| match n {
        None => Ok(args.default_size),
        Some(n) if u64::try_from(n).is_ok_and(|n| n <= max) => Ok(n as u64),
        Some(_) => Err(DomainError::bad_input(
            name,
            format!("{name} must be between 0 and {max}"),
        )),
    };
    let backwards = args.last.is_some();
    if backwards && args.first.is_some() {
        return Err(DomainError::bad_input(
            "last",
            "give first (with after) or last (with before), not both",
        ));
    }
    let take = if backwards {
        size(args.last, "last")?
    } else {
        size(args.first, "first")?
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
    // The list's own order, and "later in the list" for the cursors.
    let oldest_first = order == Order::OldestFirst;
    if let Some(after) = args.after {
        page = page.filter(if oldest_first {
            id.gt(after)
        } else {
            id.lt(after)
        });
    }
    if let Some(before) = args.before {
        page = page.filter(if oldest_first {
            id.lt(before)
        } else {
            id.gt(before)
        });
    }
    // Backwards: read from the end of the slice, then turn the page around.
    page = if oldest_first != backwards {
        page.order_by_asc(id)
    } else {
        page.order_by_desc(id)
    };
    let rows = page
        .limit(take + 1)
        .into_model::<Counted<E::Model>>()
        .all(conn)
        .await?;
    let total_count = match rows.first() {
        Some(row) => u64::try_from(row.total_count).unwrap_or_default(),
        // No row to carry the count: nothing at all, or nothing past the cursors.
        None if args.after.is_none() && args.before.is_none() => 0,
        None => select.count(conn).await?,
    };
    let more = rows.len() as u64 > take;
    let mut items: Vec<E::Model> = rows
        .into_iter()
        .take(take as usize)
        .map(|row| row.model)
        .collect();
    if backwards {
        items.reverse();
    }
    Ok(Page {
        items,
        has_next_page: if backwards {
            args.before.is_some()
        } else {
            more
        },
        has_previous_page: if backwards {
            more
        } else {
            args.after.is_some()
        },
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
