//! Which counters a request counts against, from the stored policies: the user's bucket (their policy, or
//! the deployment's default), the key's when it has a policy of its own, and the route's per caller.

use super::limiter::LimitCheck;
use super::policy::{QuotaPolicy, RateLimit};
use crate::principal::{Principal, user_principal};
use crate::routes::RouteConfig;

/// The checks for a request by `principal` (on `route`, if a custom one), given the user's and the key's
/// stored policies.
pub fn checks_for(
    principal: &Principal,
    user_policy: Option<&QuotaPolicy>,
    key_policy: Option<&QuotaPolicy>,
    route: Option<&RouteConfig>,
    default: RateLimit,
) -> Vec<LimitCheck> {
    let mut checks = vec![LimitCheck {
        key: user_principal(&principal.user),
        rate: user_policy.map_or(default, |p| p.spec.rate),
        quota: user_policy.and_then(|p| p.spec.quota),
    }];
    if let Some(policy) = key_policy.filter(|_| principal.key.is_some()) {
        checks.push(LimitCheck {
            key: principal.id(),
            rate: policy.spec.rate,
            quota: policy.spec.quota,
        });
    }
    if let Some((route, rate)) = route.and_then(|r| Some((r, r.spec.rate_limit?))) {
        checks.push(LimitCheck {
            key: format!("route:{}:{}", route.id, principal.id()),
            rate,
            quota: None,
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limit::{Quota, QuotaPeriod, QuotaSpec};
    use crate::scope::Scopes;
    use synq_core::EpochMillis;

    fn policy(principal: &str, per_minute: u32) -> QuotaPolicy {
        QuotaPolicy {
            principal: principal.into(),
            spec: QuotaSpec {
                rate: RateLimit {
                    requests_per_minute: per_minute,
                    burst: per_minute,
                },
                quota: Some(Quota {
                    limit: 10,
                    period: QuotaPeriod::Day,
                }),
            },
            updated_at: EpochMillis(0),
        }
    }

    #[test]
    fn user_then_key_then_route() {
        let by_key = Principal {
            user: "alice".into(),
            key: Some("0123456789ab".into()),
            scopes: Scopes::default(),
        };
        let checks = checks_for(&by_key, None, None, None, RateLimit::DEFAULT_USER);
        assert_eq!(checks.len(), 1);
        assert_eq!(
            (checks[0].key.as_str(), checks[0].rate),
            ("user:alice", RateLimit::DEFAULT_USER)
        );

        let user = policy("user:alice", 50);
        let key = policy("key:0123456789ab", 5);
        let checks = checks_for(
            &by_key,
            Some(&user),
            Some(&key),
            None,
            RateLimit::DEFAULT_USER,
        );
        let keys: Vec<&str> = checks.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["user:alice", "key:0123456789ab"]);
        assert_eq!(checks[1].rate.requests_per_minute, 5);
        assert!(checks[0].quota.is_some());

        // A JWT caller is not limited by a key's policy.
        let by_jwt = Principal {
            key: None,
            ..by_key
        };
        assert_eq!(
            checks_for(&by_jwt, None, Some(&key), None, RateLimit::DEFAULT_USER).len(),
            1
        );
    }
}
