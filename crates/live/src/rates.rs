//! Throttle state in Redis, so every instance counts against one limit: the domain's
//! [`gcra`](domain::throttle::gcra) run as one Lua script, atomic in Redis.

use async_trait::async_trait;
use domain::throttle::{Decision, Limit, RateStore};
use domain::{DomainError, Result};
use redis::Script;
use redis::aio::ConnectionManager;

/// `domain::throttle::gcra`, line for line: KEYS[1] holds the key's theoretical arrival
/// time in ms; ARGV = now, interval, period (ms) and cost. Answers {retry_after, tat}.
const GCRA: &str = r"
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local per = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now)
local new_tat = math.max(tat + cost * interval, now)
local allow_at = new_tat - per
if cost > 0 and now < allow_at then
  return {allow_at - now, tat}
end
if new_tat > now then
  redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
else
  redis.call('DEL', KEYS[1])
end
return {0, new_tat}
";

pub struct RedisRates {
    redis: ConnectionManager,
    script: Script,
    /// Prefix of every key: deployments (or test servers) sharing one Redis keep apart.
    namespace: String,
}

impl RedisRates {
    pub(crate) fn new(redis: ConnectionManager, namespace: &str) -> Self {
        Self {
            redis,
            script: Script::new(GCRA),
            namespace: namespace.to_owned(),
        }
    }
}

#[async_trait]
impl RateStore for RedisRates {
    async fn spend(&self, key: &str, limit: Limit, cost: i64, now_ms: i64) -> Result<Decision> {
        let mut redis = self.redis.clone();
        let (retry_after_ms, tat_ms): (i64, i64) = self
            .script
            .key(format!("{}:throttle:{key}", self.namespace))
            .arg(now_ms)
            .arg(limit.interval_ms())
            .arg(limit.per_ms())
            .arg(cost)
            .invoke_async(&mut redis)
            .await
            .map_err(|e| DomainError::Internal(format!("throttle store: {e}")))?;
        Ok(Decision {
            retry_after_ms,
            tat_ms,
        })
    }
}
