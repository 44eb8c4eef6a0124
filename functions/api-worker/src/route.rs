//! Where a request goes. Pure, so it is unit-tested natively.

use synq_circuits_api::Endpoint;
use synq_core::session::is_valid_session_id;
use synq_gateway::api::PREFIX as GATEWAY_PREFIX;
use worker::Method;

/// A routed request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    Health,
    SessionSocket(&'a str),
    /// The y-websocket endpoint of a session (binary frames).
    SessionYjs(&'a str),
    BadSessionId,
    /// `POST /api/v1/circuits/{analyze,simulate,optimize}`: stateless, any valid token.
    Circuits(Endpoint),
    /// `/api/v1/collaboration/…`: routed, methods included, by `synq_collab`.
    Collaboration,
    /// `/api/v1/gateway/{rest}`: routed, methods included, by `synq_gateway::api`.
    Gateway(&'a str),
    /// `/api/v1/training/{rest}`: routed, methods included, by `synq_training_api`.
    Training(&'a str),
    /// `GET /api/v1/openapi.json`.
    OpenApi,
    /// `GET /api/v1/docs`.
    Docs,

    /// The path exists, but not for this method; `allow` is the method it takes.
    MethodNotAllowed {
        allow: Method,
    },
    NotFound,
}

pub(crate) fn route<'a>(method: &Method, path: &'a str) -> Route<'a> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (allow, found) = match segments.as_slice() {
        ["healthz"] => (Method::Get, Route::Health),
        ["sessions", id, "ws"] if is_valid_session_id(id) => {
            (Method::Get, Route::SessionSocket(id))
        }
        ["sessions", id, "yjs"] if is_valid_session_id(id) => (Method::Get, Route::SessionYjs(id)),
        ["sessions", _, "ws" | "yjs"] => (Method::Get, Route::BadSessionId),
        ["api", "v1", "circuits", "analyze"] => (Method::Post, Route::Circuits(Endpoint::Analyze)),
        ["api", "v1", "circuits", "simulate"] => {
            (Method::Post, Route::Circuits(Endpoint::Simulate))
        }
        ["api", "v1", "circuits", "optimize"] => {
            (Method::Post, Route::Circuits(Endpoint::Optimize))
        }
        ["api", "v1", "collaboration", _, ..] => return Route::Collaboration,
        ["api", "v1", "openapi.json"] => (Method::Get, Route::OpenApi),
        ["api", "v1", "docs"] => (Method::Get, Route::Docs),
        ["api", "v1", "gateway", _, ..] => {
            return path
                .strip_prefix(GATEWAY_PREFIX)
                .map_or(Route::NotFound, Route::Gateway);
        }
        ["api", "v1", "training", _, ..] => {
            return path
                .strip_prefix(synq_training_api::PREFIX)
                .map_or(Route::NotFound, Route::Training);
        }

        _ => return Route::NotFound,
    };
    if *method == allow {
        found
    } else {
        Route::MethodNotAllowed { allow }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synq_core::session::MAX_SESSION_ID_LEN;

    #[test]
    fn routes() {
        assert_eq!(route(&Method::Get, "/healthz"), Route::Health);
        assert_eq!(
            route(&Method::Get, "/sessions/demo/ws"),
            Route::SessionSocket("demo")
        );
        assert_eq!(
            route(&Method::Get, "/sessions/a.b_c-1/ws"),
            Route::SessionSocket("a.b_c-1")
        );
        assert_eq!(route(&Method::Get, "/sessions//ws"), Route::BadSessionId);
        assert_eq!(
            route(&Method::Get, "/sessions/demo/yjs"),
            Route::SessionYjs("demo")
        );
        assert_eq!(
            route(&Method::Get, "/sessions/a b/yjs"),
            Route::BadSessionId
        );
        assert_eq!(
            route(&Method::Post, "/sessions/demo/yjs"),
            Route::MethodNotAllowed { allow: Method::Get }
        );
        assert_eq!(
            route(&Method::Get, "/sessions/%20x/ws"),
            Route::BadSessionId
        );
        assert_eq!(
            route(&Method::Post, "/healthz"),
            Route::MethodNotAllowed { allow: Method::Get }
        );
        assert_eq!(
            route(&Method::Delete, "/sessions/demo/ws"),
            Route::MethodNotAllowed { allow: Method::Get }
        );
        assert_eq!(route(&Method::Get, "/"), Route::NotFound);
        assert_eq!(
            route(&Method::Patch, "/api/v1/collaboration/sessions/s1"),
            Route::Collaboration
        );
        assert_eq!(
            route(&Method::Get, "/api/v1/collaboration"),
            Route::NotFound
        );
        assert_eq!(route(&Method::Get, "/sessions/demo"), Route::NotFound);
        assert_eq!(
            route(&Method::Post, "/api/v1/gateway/keys/k1/rotate"),
            Route::Gateway("keys/k1/rotate")
        );
        assert_eq!(route(&Method::Get, "/api/v1/gateway"), Route::NotFound);
        assert_eq!(
            route(&Method::Put, "/api/v1/training/jobs/j1/model"),
            Route::Training("jobs/j1/model")
        );
        assert_eq!(route(&Method::Get, "/api/v1/openapi.json"), Route::OpenApi);
        assert_eq!(
            route(&Method::Post, "/api/v1/docs"),
            Route::MethodNotAllowed { allow: Method::Get }
        );

        assert_eq!(
            route(&Method::Get, "/sessions/demo/ws/extra"),
            Route::NotFound
        );
    }

    #[test]
    fn circuit_routes_take_post_only() {
        assert_eq!(
            route(&Method::Post, "/api/v1/circuits/analyze"),
            Route::Circuits(Endpoint::Analyze)
        );
        assert_eq!(
            route(&Method::Post, "/api/v1/circuits/simulate"),
            Route::Circuits(Endpoint::Simulate)
        );
        assert_eq!(
            route(&Method::Post, "/api/v1/circuits/optimize"),
            Route::Circuits(Endpoint::Optimize)
        );
        for path in [
            "/api/v1/circuits/analyze",
            "/api/v1/circuits/simulate",
            "/api/v1/circuits/optimize",
        ] {
            for method in [Method::Get, Method::Put, Method::Delete, Method::Head] {
                assert_eq!(
                    route(&method, path),
                    Route::MethodNotAllowed {
                        allow: Method::Post
                    },
                    "{method} {path}"
                );
            }
        }
        // Nothing else under /api/v1.
        for path in [
            "/api/v1/circuits",
            "/api/v1/circuits/optimise",
            "/api/v1/circuits/optimize/x",
            "/api/v1/circuits/analyze/x",
            "/api/v2/circuits/analyze",
        ] {
            assert_eq!(route(&Method::Post, path), Route::NotFound, "{path}");
        }
    }

    #[test]
    fn session_id_length_is_bounded() {
        assert!(is_valid_session_id(&"a".repeat(MAX_SESSION_ID_LEN)));
        assert!(!is_valid_session_id(&"a".repeat(MAX_SESSION_ID_LEN + 1)));
    }
}
