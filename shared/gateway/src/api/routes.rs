//! Route endpoints (admins only): create, list, get, replace.

use serde::{Deserialize, Serialize};
use synq_core::ApiError;

use super::{Context, RateCounters, Reply, not_found};
use crate::decode::decode_json;
use crate::keys::hex;
use crate::routes::{RouteConfig, RouteSpec};
use crate::scope::Scope;
use crate::store::GatewayStore;

/// The most routes a deployment keeps: every request that no built-in route takes is matched against all.
pub const MAX_ROUTES: usize = 1_000;

/// `GET routes`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RouteList {
    /// Every route, oldest first.
    pub routes: Vec<RouteConfig>,
}

fn admin<S, C>(cx: &Context<'_, S, C>) -> Result<(), ApiError> {
    cx.principal()?.require(Scope::Admin)
}

pub(super) async fn create<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    body: &[u8],
) -> Result<Reply, ApiError> {
    admin(cx)?;
    let mut spec: RouteSpec = decode_json(body)?;
    spec.validate()?;
    if cx.store.routes().await?.len() >= MAX_ROUTES {
        return Err(ApiError::new(
            synq_core::ErrorCode::LimitExceeded,
            format!("at most {MAX_ROUTES} routes; update or disable one"),
        ));
    }
    let route = RouteConfig {
        id: format!("rt_{}", hex(&cx.entropy[..6])),
        spec,
        created_at: cx.now,
        updated_at: cx.now,
    };
    cx.store.put_route(&route).await?;
    Reply::created(route)
}

pub(super) async fn list<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
) -> Result<Reply, ApiError> {
    admin(cx)?;
    Reply::ok(RouteList {
        routes: cx.store.routes().await?,
    })
}

pub(super) async fn get<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    id: &str,
) -> Result<Reply, ApiError> {
    admin(cx)?;
    let route = cx
        .store
        .route(id)
        .await?
        .ok_or_else(|| not_found("route", id))?;
    Reply::ok(route)
}

pub(super) async fn update<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    id: &str,
    body: &[u8],
) -> Result<Reply, ApiError> {
    admin(cx)?;
    let mut spec: RouteSpec = decode_json(body)?;
    spec.validate()?;
    let mut route = cx
        .store
        .route(id)
        .await?
        .ok_or_else(|| not_found("route", id))?;
    route.spec = spec;
    route.updated_at = cx.now;
    cx.store.put_route(&route).await?;
    Reply::ok(route)
}
