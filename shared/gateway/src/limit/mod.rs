//! Rate limits and quotas: the policies, the limiter state one principal's counter keeps (a Durable Object
//! on Cloudflare: one single writer per principal makes the counts exact under concurrency), and the
//! standard response headers.

mod checks;
mod headers;
mod limiter;
mod persist;
mod policy;

pub use checks::checks_for;
pub use headers::rate_limit_headers;
pub use limiter::{BucketStatus, Decision, LimitCheck, LimitRequest, Limiter, QuotaStatus};
pub use persist::{HeldLimiter, MAX_UNPERSISTED_QUOTA, PERSIST_INTERVAL_MS, Persist};
pub use policy::{MAX_PER_MINUTE, Quota, QuotaPeriod, QuotaPolicy, QuotaSpec, RateLimit};
