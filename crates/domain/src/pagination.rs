//! Keyset pagination by id, for every list the API returns as a connection.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
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
    let total_count = select.clone().count(conn).await?;
    let mut select = match order {
        Order::OldestFirst => select.order_by_asc(id),
        Order::NewestFirst => select.order_by_desc(id),
    };
    if let Some(after) = args.after {
        select = match order {
            Order::OldestFirst => select.filter(id.gt(after)),
            Order::NewestFirst => select.filter(id.lt(after)),
        };
    }
    let mut items = select.limit(first + 1).all(conn).await?;
    let has_next_page = items.len() as u64 > first;
    items.truncate(first as usize);
    Ok(Page {
        items,
        has_next_page,
        total_count,
    })
}
