//! The gateway's REST API under `/api/v1/gateway/`, as pure async handlers over the store and the rate
//! counters. The Worker authenticates, reads the body, and turns a [`Reply`] or an `ApiError` into HTTP.
//!
//! | method | path | who |
//! | --- | --- | --- |
//! | GET | `status` | anyone |
//! | POST, GET | `routes` | admin |
//! | GET, PUT | `routes/{id}` | admin |
//! | POST, GET | `keys` | the caller's own keys (`write`; with an API key, `admin`) |
//! | DELETE | `keys/{id}` | the key's owner, or an admin |
//! | POST | `keys/{id}/rotate` | the key's owner only (as for creating; an admin gets `403`: the answer holds the new secret) |
//! | PUT, GET | `quotas/{principal}` | admin (anyone may read their own) |
//! | POST | `quotas/check` | anyone authenticated (admins for others) |
//! | GET | `analytics` | admin |
//! | GET | `usage` | anyone authenticated (admins for others) |
//! | POST, GET | `schemas` | `write` to store, `read` to list |
//! | GET | `schemas/{name}`, `schemas/{name}/versions/{version}` | `read` |
//! | DELETE | `schemas/{name}` | the name's owner, or an admin (`write`) |
//! | PUT | `schemas/{name}/owner` | the name's owner, or an admin (`write`) |

mod keys;
#[cfg(feature = "openapi")]
pub mod openapi;
mod quotas;
mod routes;
mod schemas;
mod status;

use std::collections::BTreeMap;

use serde::Serialize;
use synq_core::{ApiError, EpochMillis, ErrorCode};

use crate::keys::KEY_ENTROPY;
use crate::limit::{Decision, LimitRequest, Limiter, RateLimit};
use crate::principal::Principal;
use crate::store::{GatewayStore, StoreError};

pub use keys::{CreateKeyRequest, KeyList, RotateKeyRequest, RotatedKey};
pub use quotas::{CheckRequest, CheckResult, QuotaView, UsageReport};
pub use routes::{MAX_ROUTES, RouteList};
pub use schemas::{DeletedSchema, SchemaList, SchemaOwnerChange, SchemaOwnership, SchemaSummary};
pub use status::GatewayStatus;

/// The path every gateway endpoint lives under.
pub const PREFIX: &str = "/api/v1/gateway/";

/// One gateway endpoint, with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET status`.
    Status,
    /// `POST routes`.
    CreateRoute,
    /// `GET routes`.
    ListRoutes,
    /// `GET routes/{id}`.
    GetRoute(String),
    /// `PUT routes/{id}`.
    UpdateRoute(String),
    /// `POST keys`.
    CreateKey,
    /// `GET keys`.
    ListKeys,
    /// `DELETE keys/{id}`.
    RevokeKey(String),
    /// `POST keys/{id}/rotate`.
    RotateKey(String),
    /// `PUT quotas/{principal}`.
    PutQuota(String),
    /// `GET quotas/{principal}`.
    GetQuota(String),
    /// `POST quotas/check`.
    CheckQuota,
    /// `GET analytics`.
    Analytics,
    /// `GET usage`.
    Usage,
    /// `POST schemas`.
    CreateSchema,
    /// `GET schemas`.
    ListSchemas,
    /// `GET schemas/{name}`.
    GetSchema(String),
    /// `GET schemas/{name}/versions/{version}`.
    GetSchemaVersion(String, String),
    /// `DELETE schemas/{name}`.
    DeleteSchema(String),
    /// `PUT schemas/{name}/owner`.
    TransferSchema(String),
}

/// Where a path under `/api/v1/gateway/` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayRoute {
    /// An endpoint.
    Endpoint(Endpoint),
    /// The path exists with other methods.
    MethodNotAllowed {
        /// Those methods, for `Allow`.
        allow: &'static str,
    },
    /// No such path.
    NotFound,
}

/// Routes `method path` (`path` without the prefix, e.g. `keys/abc/rotate`).
pub fn route(method: &str, path: &str) -> GatewayRoute {
    let segments: Vec<&str> = path.split('/').collect();
    let owned = |s: &str| s.to_owned();
    let (allow, endpoint): (&'static str, Option<Endpoint>) = match (method, segments.as_slice()) {
        ("GET", ["status"]) => ("GET", Some(Endpoint::Status)),
        (_, ["status"]) => ("GET", None),
        ("POST", ["routes"]) => ("GET, POST", Some(Endpoint::CreateRoute)),
        ("GET", ["routes"]) => ("GET, POST", Some(Endpoint::ListRoutes)),
        (_, ["routes"]) => ("GET, POST", None),
        ("GET", ["routes", id]) => ("GET, PUT", Some(Endpoint::GetRoute(owned(id)))),
        ("PUT", ["routes", id]) => ("GET, PUT", Some(Endpoint::UpdateRoute(owned(id)))),
        (_, ["routes", _]) => ("GET, PUT", None),
        ("POST", ["keys"]) => ("GET, POST", Some(Endpoint::CreateKey)),
        ("GET", ["keys"]) => ("GET, POST", Some(Endpoint::ListKeys)),
        (_, ["keys"]) => ("GET, POST", None),
        ("DELETE", ["keys", id]) => ("DELETE", Some(Endpoint::RevokeKey(owned(id)))),
        (_, ["keys", _]) => ("DELETE", None),
        ("POST", ["keys", id, "rotate"]) => ("POST", Some(Endpoint::RotateKey(owned(id)))),
        (_, ["keys", _, "rotate"]) => ("POST", None),
        ("POST", ["quotas", "check"]) => ("POST", Some(Endpoint::CheckQuota)),
        (_, ["quotas", "check"]) => ("POST", None),
        ("PUT", ["quotas", p]) => ("GET, PUT", Some(Endpoint::PutQuota(owned(p)))),
        ("GET", ["quotas", p]) => ("GET, PUT", Some(Endpoint::GetQuota(owned(p)))),
        (_, ["quotas", _]) => ("GET, PUT", None),
        ("GET", ["analytics"]) => ("GET", Some(Endpoint::Analytics)),
        (_, ["analytics"]) => ("GET", None),
        ("GET", ["usage"]) => ("GET", Some(Endpoint::Usage)),
        (_, ["usage"]) => ("GET", None),
        ("POST", ["schemas"]) => ("GET, POST", Some(Endpoint::CreateSchema)),
        ("GET", ["schemas"]) => ("GET, POST", Some(Endpoint::ListSchemas)),
        (_, ["schemas"]) => ("GET, POST", None),
        ("GET", ["schemas", name]) => ("DELETE, GET", Some(Endpoint::GetSchema(owned(name)))),
        ("DELETE", ["schemas", name]) => ("DELETE, GET", Some(Endpoint::DeleteSchema(owned(name)))),
        (_, ["schemas", _]) => ("DELETE, GET", None),
        ("PUT", ["schemas", name, "owner"]) => ("PUT", Some(Endpoint::TransferSchema(owned(name)))),
        (_, ["schemas", _, "owner"]) => ("PUT", None),
        ("GET", ["schemas", name, "versions", v]) => (
            "GET",
            Some(Endpoint::GetSchemaVersion(owned(name), owned(v))),
        ),
        (_, ["schemas", _, "versions", _]) => ("GET", None),
        _ => return GatewayRoute::NotFound,
    };
    match endpoint {
        Some(e) => GatewayRoute::Endpoint(e),
        None => GatewayRoute::MethodNotAllowed { allow },
    }
}

impl Endpoint {
    /// Its name in analytics (`gateway.keys.create`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Endpoint::Status => "gateway.status",
            Endpoint::CreateRoute => "gateway.routes.create",
            Endpoint::ListRoutes => "gateway.routes.list",
            Endpoint::GetRoute(_) => "gateway.routes.get",
            Endpoint::UpdateRoute(_) => "gateway.routes.update",
            Endpoint::CreateKey => "gateway.keys.create",
            Endpoint::ListKeys => "gateway.keys.list",
            Endpoint::RevokeKey(_) => "gateway.keys.revoke",
            Endpoint::RotateKey(_) => "gateway.keys.rotate",
            Endpoint::PutQuota(_) => "gateway.quotas.put",
            Endpoint::GetQuota(_) => "gateway.quotas.get",
            Endpoint::CheckQuota => "gateway.quotas.check",
            Endpoint::Analytics => "gateway.analytics",
            Endpoint::Usage => "gateway.usage",
            Endpoint::CreateSchema => "gateway.schemas.create",
            Endpoint::ListSchemas => "gateway.schemas.list",
            Endpoint::GetSchema(_) => "gateway.schemas.get",
            Endpoint::GetSchemaVersion(..) => "gateway.schemas.version",
            Endpoint::DeleteSchema(_) => "gateway.schemas.delete",
            Endpoint::TransferSchema(_) => "gateway.schemas.transfer",
        }
    }

    /// Whether it answers without credentials.
    pub fn is_public(&self) -> bool {
        matches!(self, Endpoint::Status)
    }
}

/// Per principal counters, wherever they live (a Durable Object per user on Cloudflare).
#[allow(async_fn_in_trait)]
pub trait RateCounters {
    /// Asks `user`'s counter. `now` is the caller's clock; a counter with a clock of its own may use that.
    async fn decide(
        &self,
        user: &str,
        request: &LimitRequest,
        now: EpochMillis,
    ) -> Result<Decision, StoreError>;
}

/// Counters in memory, for native tests.
#[derive(Debug, Default)]
pub struct MemoryCounters(std::cell::RefCell<BTreeMap<String, Limiter>>);

impl RateCounters for MemoryCounters {
    async fn decide(
        &self,
        user: &str,
        request: &LimitRequest,
        now: EpochMillis,
    ) -> Result<Decision, StoreError> {
        let mut counters = self.0.borrow_mut();
        Ok(counters
            .entry(user.to_owned())
            .or_default()
            .decide(request, now))
    }
}

/// What a handler needs besides the request.
pub struct Context<'a, S, C> {
    /// The store.
    pub store: &'a S,
    /// The rate counters.
    pub counters: &'a C,
    /// The caller (`None` only for public endpoints).
    pub principal: Option<&'a Principal>,
    /// Now.
    pub now: EpochMillis,
    /// Fresh CSPRNG bytes, for ids and key secrets.
    pub entropy: [u8; KEY_ENTROPY],
    /// The query string's parameters.
    pub query: BTreeMap<String, String>,
    /// The rate a user gets without a policy of their own.
    pub default_rate: RateLimit,
}

impl<S, C> Context<'_, S, C> {
    fn principal(&self) -> Result<&Principal, ApiError> {
        self.principal.ok_or_else(|| {
            ApiError::new(ErrorCode::Unauthorized, "this endpoint needs credentials")
        })
    }
}

/// A successful answer: a status and a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// 200 or 201.
    pub status: u16,
    /// The body.
    pub body: serde_json::Value,
}

impl Reply {
    fn ok(body: impl Serialize) -> Result<Reply, ApiError> {
        Self::with_status(200, body)
    }

    fn created(body: impl Serialize) -> Result<Reply, ApiError> {
        Self::with_status(201, body)
    }

    fn with_status(status: u16, body: impl Serialize) -> Result<Reply, ApiError> {
        let body = serde_json::to_value(body).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("answer did not serialize: {e}"),
            )
        })?;
        Ok(Reply { status, body })
    }
}

fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("no {what} `{id}`"))
}

/// Serves one endpoint.
pub async fn handle<S: GatewayStore, C: RateCounters>(
    endpoint: &Endpoint,
    cx: &Context<'_, S, C>,
    body: &[u8],
) -> Result<Reply, ApiError> {
    match endpoint {
        Endpoint::Status => status::status(cx).await,
        Endpoint::CreateRoute => routes::create(cx, body).await,
        Endpoint::ListRoutes => routes::list(cx).await,
        Endpoint::GetRoute(id) => routes::get(cx, id).await,
        Endpoint::UpdateRoute(id) => routes::update(cx, id, body).await,
        Endpoint::CreateKey => keys::create(cx, body).await,
        Endpoint::ListKeys => keys::list(cx).await,
        Endpoint::RevokeKey(id) => keys::revoke(cx, id).await,
        Endpoint::RotateKey(id) => keys::rotate(cx, id, body).await,
        Endpoint::PutQuota(principal) => quotas::put(cx, principal, body).await,
        Endpoint::GetQuota(principal) => quotas::get(cx, principal).await,
        Endpoint::CheckQuota => quotas::check(cx, body).await,
        Endpoint::Analytics => quotas::analytics(cx).await,
        Endpoint::Usage => quotas::usage(cx).await,
        Endpoint::CreateSchema => schemas::create(cx, body).await,
        Endpoint::ListSchemas => schemas::list(cx).await,
        Endpoint::GetSchema(name) => schemas::get(cx, name, None).await,
        Endpoint::GetSchemaVersion(name, v) => schemas::get(cx, name, Some(v)).await,
        Endpoint::DeleteSchema(name) => schemas::delete(cx, name).await,
        Endpoint::TransferSchema(name) => schemas::transfer(cx, name, body).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_route_to_endpoints() {
        assert_eq!(
            route("GET", "status"),
            GatewayRoute::Endpoint(Endpoint::Status)
        );
        assert_eq!(
            route("POST", "keys/abc/rotate"),
            GatewayRoute::Endpoint(Endpoint::RotateKey("abc".into()))
        );
        assert_eq!(
            route("POST", "quotas/check"),
            GatewayRoute::Endpoint(Endpoint::CheckQuota)
        );
        assert_eq!(
            route("PUT", "quotas/user:amy"),
            GatewayRoute::Endpoint(Endpoint::PutQuota("user:amy".into()))
        );
        assert_eq!(
            route("GET", "schemas/s/versions/2"),
            GatewayRoute::Endpoint(Endpoint::GetSchemaVersion("s".into(), "2".into()))
        );
        assert_eq!(
            route("DELETE", "schemas/s"),
            GatewayRoute::Endpoint(Endpoint::DeleteSchema("s".into()))
        );
        assert_eq!(
            route("PUT", "schemas/s/owner"),
            GatewayRoute::Endpoint(Endpoint::TransferSchema("s".into()))
        );
        assert_eq!(
            route("POST", "schemas/s"),
            GatewayRoute::MethodNotAllowed {
                allow: "DELETE, GET"
            }
        );
        assert_eq!(
            route("GET", "schemas/s/owner"),
            GatewayRoute::MethodNotAllowed { allow: "PUT" }
        );
        assert_eq!(
            route("DELETE", "routes/x"),
            GatewayRoute::MethodNotAllowed { allow: "GET, PUT" }
        );
        assert_eq!(
            route("GET", "quotas/check"),
            GatewayRoute::MethodNotAllowed { allow: "POST" }
        );
        assert_eq!(route("GET", "nope"), GatewayRoute::NotFound);
        assert_eq!(route("GET", "keys/a/b"), GatewayRoute::NotFound);
    }
}
