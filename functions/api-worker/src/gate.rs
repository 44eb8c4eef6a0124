//! What every authenticated route does first: who is calling (a JWT or an API key), whether their scopes
//! allow the request, and whether their limits do (counted in their `RateLimiter`).

use synq_core::ApiError;
use synq_gateway::routes::RouteConfig;
use synq_gateway::{Caller, Scope};
use worker::{Env, Headers, Request};

use crate::d1_gateway::D1Gateway;
use crate::{auth, limits};

/// A request that may go on.
pub(crate) struct Admitted {
    pub(crate) caller: Caller,
    /// The rate-limit headers to answer with.
    pub(crate) headers: Headers,
}

/// A request refused at the gate.
pub(crate) struct Refused {
    pub(crate) error: ApiError,
    /// The rate-limit headers, when the limits refused it.
    pub(crate) headers: Headers,
    /// Who was refused, once known.
    pub(crate) principal: Option<String>,
}

/// Authenticates the caller, checks that they hold `needed` (if any), and counts the request against
/// their limits (and `route`'s).
pub(crate) async fn admit(
    req: &Request,
    env: &Env,
    store: &D1Gateway,
    needed: Option<Scope>,
    route: Option<&RouteConfig>,
) -> Result<Admitted, Refused> {
    let caller = auth::caller(req, env, store)
        .await
        .map_err(|error| Refused {
            error,
            headers: Headers::new(),
            principal: None,
        })?;
    let principal = caller.principal.id();
    let refused = |error, headers| Refused {
        error,
        headers,
        principal: Some(principal.clone()),
    };
    if let Some(scope) = needed {
        caller
            .principal
            .require(scope)
            .map_err(|e| refused(e, Headers::new()))?;
    }
    let headers = limits::count(env, store, &caller.principal, route)
        .await
        .map_err(|(error, headers)| refused(error, headers))?;
    Ok(Admitted { caller, headers })
}
