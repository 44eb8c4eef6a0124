//! Quotas (set, read, check), usage against them, and analytics.

use serde::{Deserialize, Serialize};
use synq_core::{ApiError, EpochMillis, ErrorCode};

use super::{Context, RateCounters, Reply, not_found};
use crate::analytics::{AnalyticsQuery, AnalyticsTotals, aggregate};
use crate::decode::decode_json;
use crate::keys::key_id;
use crate::limit::{BucketStatus, LimitRequest, QuotaPolicy, QuotaSpec, checks_for};
use crate::principal::{Principal, user_principal};
use crate::scope::{Scope, Scopes};
use crate::store::GatewayStore;

/// `POST quotas/check`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// Whose (`user:<id>` or `key:<id>`; default the caller; others' for admins only).
    #[serde(default)]
    pub principal: Option<String>,
    /// Also a custom route's own limit.
    #[serde(default)]
    pub route: Option<String>,
}

/// `POST quotas/check`'s answer: whether a request would be allowed now. Nothing is counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckResult {
    /// Whose.
    pub principal: String,
    /// Whether a request now would pass.
    pub allowed: bool,
    /// If not, when it would.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// Every counter it would count against.
    pub buckets: Vec<BucketStatus>,
}

/// `GET quotas/{principal}`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaView {
    /// Whose.
    pub principal: String,
    /// The limits in force.
    #[serde(flatten)]
    pub spec: QuotaSpec,
    /// Whether these are the deployment's defaults (no policy was set).
    pub default: bool,
    /// When the policy was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<EpochMillis>,
}

/// `GET usage`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageReport {
    /// Whose.
    pub principal: String,
    /// The counters now (remaining requests, quota used).
    pub buckets: Vec<BucketStatus>,
    /// Requests recorded from `from` to `to`.
    pub requests: AnalyticsTotals,
    /// The start of the quota window (or the last 24 hours without a quota).
    pub from: EpochMillis,
    /// Now.
    pub to: EpochMillis,
}

/// Checks the shape of a principal id.
fn parse_principal(principal: &str) -> Result<(), ApiError> {
    let ok = match principal.split_once(':') {
        Some(("user", user)) => !user.is_empty() && user.len() <= 256,
        Some(("key", key)) => key_id(&format!("synq_{key}_x")) == Some(key),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidMessage,
            format!("`{principal}` is not `user:<id>` or `key:<id>`"),
        )
        .with_field("principal"))
    }
}

/// The principal `id` as the counters see it, if the caller may look: themselves (as user, or any of their
/// keys), or anyone for admins.
async fn subject<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    id: Option<&str>,
) -> Result<Principal, ApiError> {
    let caller = cx.principal()?;
    let Some(id) = id.filter(|id| *id != caller.id()) else {
        return Ok(caller.clone());
    };
    parse_principal(id)?;
    let subject = match id.split_once(':') {
        Some(("key", key)) => {
            let stored = cx
                .store
                .key(key)
                .await?
                .ok_or_else(|| not_found("API key", key))?;
            Principal {
                user: stored.owner,
                key: Some(stored.id),
                scopes: Scopes::default(),
            }
        }
        _ => Principal {
            user: id.strip_prefix("user:").unwrap_or(id).to_owned(),
            key: None,
            scopes: Scopes::default(),
        },
    };
    if subject.user != caller.user && !caller.is_admin() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only admins see other principals' quotas and usage",
        ));
    }
    Ok(subject)
}

async fn counter_request<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    subject: &Principal,
    route: Option<&str>,
) -> Result<LimitRequest, ApiError> {
    let user_policy = cx.store.quota(&user_principal(&subject.user)).await?;
    let key_policy = match &subject.key {
        Some(_) => cx.store.quota(&subject.id()).await?,
        None => None,
    };
    let route = match route {
        Some(id) => Some(
            cx.store
                .route(id)
                .await?
                .ok_or_else(|| not_found("route", id))?,
        ),
        None => None,
    };
    Ok(LimitRequest {
        checks: checks_for(
            subject,
            user_policy.as_ref(),
            key_policy.as_ref(),
            route.as_ref(),
            cx.default_rate,
        ),
        consume: false,
    })
}

pub(super) async fn put<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    principal: &str,
    body: &[u8],
) -> Result<Reply, ApiError> {
    cx.principal()?.require(Scope::Admin)?;
    parse_principal(principal)?;
    let spec: QuotaSpec = decode_json(body)?;
    spec.validate()?;
    let policy = QuotaPolicy {
        principal: principal.to_owned(),
        spec,
        updated_at: cx.now,
    };
    cx.store.put_quota(&policy).await?;
    Reply::ok(QuotaView {
        principal: policy.principal,
        spec: policy.spec,
        default: false,
        updated_at: Some(policy.updated_at),
    })
}

pub(super) async fn get<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    principal: &str,
) -> Result<Reply, ApiError> {
    let subject = subject(cx, Some(principal)).await?;
    let id = if principal.starts_with("key:") {
        subject.id()
    } else {
        user_principal(&subject.user)
    };
    let view = match cx.store.quota(&id).await? {
        Some(policy) => QuotaView {
            principal: id,
            spec: policy.spec,
            default: false,
            updated_at: Some(policy.updated_at),
        },
        // A key without a policy of its own is limited by its user's.
        None if subject.key.is_some() => return Err(not_found("quota for", &id)),
        None => QuotaView {
            principal: id,
            spec: QuotaSpec {
                rate: cx.default_rate,
                quota: None,
            },
            default: true,
            updated_at: None,
        },
    };
    Reply::ok(view)
}

pub(super) async fn check<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    body: &[u8],
) -> Result<Reply, ApiError> {
    let request: CheckRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CheckRequest::default()
    } else {
        decode_json(body)?
    };
    let subject = subject(cx, request.principal.as_deref()).await?;
    let limit = counter_request(cx, &subject, request.route.as_deref()).await?;
    let decision = cx.counters.decide(&subject.user, &limit, cx.now).await?;
    Reply::ok(CheckResult {
        principal: subject.id(),
        allowed: decision.allowed,
        retry_after_ms: decision.retry_after_ms,
        buckets: decision.buckets,
    })
}

pub(super) async fn usage<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
) -> Result<Reply, ApiError> {
    let subject = subject(cx, cx.query.get("principal").map(String::as_str)).await?;
    let limit = counter_request(cx, &subject, None).await?;
    let decision = cx.counters.decide(&subject.user, &limit, cx.now).await?;
    let from = decision
        .buckets
        .iter()
        .filter_map(|b| b.quota)
        .map(|q| q.period.window(cx.now).0)
        .min()
        .unwrap_or(EpochMillis(cx.now.0.saturating_sub(86_400_000)));
    let to = EpochMillis(cx.now.0.saturating_add(1));
    let id = subject.id();
    let rows = cx.store.analytics(from, to, Some(&id)).await?;
    let query = AnalyticsQuery {
        from,
        to,
        bucket_ms: to.0 - from.0,
        route: None,
        principal: Some(id.clone()),
    };
    Reply::ok(UsageReport {
        principal: id,
        buckets: decision.buckets,
        requests: aggregate(&rows, &query).totals,
        from,
        to,
    })
}

pub(super) async fn analytics<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
) -> Result<Reply, ApiError> {
    cx.principal()?.require(Scope::Admin)?;
    let query = AnalyticsQuery::from_params(&cx.query, cx.now)?;
    let rows = cx
        .store
        .analytics(query.from, query.to, query.principal.as_deref())
        .await?;
    Reply::ok(aggregate(&rows, &query))
}
