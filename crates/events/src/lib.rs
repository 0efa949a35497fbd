//! Live events. The event log (written by the domain in each change's transaction) is
//! the truth; the [`EventBus`] only says "something new" — in-process, or across
//! instances over Redis pub/sub, which is at-most-once. The [`LiveFeed`] of each
//! instance reads new log rows once and fans them out to that instance's subscribers.

mod bus;
mod feed;

pub use bus::{EventBus, Wake};
pub use feed::{Live, LiveFeed};
