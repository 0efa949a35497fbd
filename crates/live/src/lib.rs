//! Live events. The event log (written by the domain in each change's transaction) is
//! the truth; the [`EventBus`] only says "something new" — in-process, or across
//! instances over Redis pub/sub, which is at-most-once. The [`LiveFeed`] of each
//! instance reads new log rows once and fans them out to that instance's subscribers.
//! The same Redis connection keeps the throttles' state ([`RedisRates`]).

mod bus;
mod feed;
mod rates;

pub use bus::{EventBus, Wake};
pub use feed::{Live, LiveFeed};
pub use rates::RedisRates;
