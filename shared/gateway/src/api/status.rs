//! `GET status`: the gateway is up and can reach its store.

use serde::{Deserialize, Serialize};
use synq_core::{ApiError, EpochMillis};

use super::{Context, RateCounters, Reply};
use crate::limit::RateLimit;
use crate::store::GatewayStore;

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GatewayStatus {
    /// `ok`.
    pub status: String,
    /// The server's clock.
    pub time: EpochMillis,
    /// Custom routes configured (enabled or not).
    pub routes: u64,
    /// The rate a user gets without a policy of their own.
    pub default_rate: RateLimit,
}

pub(super) async fn status<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
) -> Result<Reply, ApiError> {
    let routes = cx.store.routes().await?;
    Reply::ok(GatewayStatus {
        status: "ok".into(),
        time: cx.now,
        routes: routes.len() as u64,
        default_rate: cx.default_rate,
    })
}
