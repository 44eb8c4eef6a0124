//! Custom routes (`synq_gateway::routes`): served after the built-in routes, which always win. The table is
//! read from D1 and kept in the isolate for a few seconds. A route authenticates as it says (or not at all),
//! counts against the caller's limits and its own, renames request fields, then calls one of our handlers
//! or its upstream URL, and transforms the answer (headers on every answer, field renames on 2xx JSON).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use synq_circuits_api::{Endpoint, Limits};
use synq_core::{ApiError, ErrorCode};
use synq_gateway::GatewayStore;
use synq_gateway::api::Endpoint as GatewayEndpoint;
use synq_gateway::cache::Expiring;
use synq_gateway::routes::{
    HandlerName, HeaderMap, HeaderRules, PathMatch, RouteConfig, RouteLookup, RouteTable,
    RouteTarget, rename_fields, upstream_url,
};
use worker::js_sys::Uint8Array;
use worker::wasm_bindgen::JsValue;
use worker::{Date, Env, Fetch, Headers, Method, Request, RequestInit, Response, ResponseBody};

use crate::d1_gateway::{self, D1Gateway};
use crate::gate::{self, Refused};
use crate::{
    Served, at_most, content_length, gateway, json, limits, random_seed, read_body, read_capped,
};

/// How long the route table read from the store is used before it is read again.
const TABLE_TTL_MS: u64 = 5_000;
/// Largest request body a custom route passes on.
const MAX_BODY_BYTES: u64 = 256 * 1024;
/// Largest upstream answer a route with response field renames reads (the others stream through).
const MAX_TRANSFORMED_ANSWER_BYTES: u64 = 4 * 1024 * 1024;
/// Request headers never passed to an upstream: the caller's credentials (an upstream is not ours to
/// trust with them; a route sets its own with `request_headers`) and what frames the message.
const WITHHELD_HEADERS: [&str; 7] = [
    "authorization",
    "x-api-key",
    "cookie",
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
];
/// Upstream response headers not passed back: the body is sent anew (decoded by the runtime's fetch, maybe
/// changed).
const REFRAMED_HEADERS: [&str; 4] = [
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "connection",
];

thread_local! {
    static TABLE: RefCell<Expiring<(), Rc<RouteTable>>> = RefCell::new(Expiring::new(TABLE_TTL_MS, 1));
}

/// Drops the cached table, after this isolate changed a route.
pub(crate) fn forget_table() {
    TABLE.with(|t| t.borrow_mut().forget(&()));
}

async fn table(store: &D1Gateway) -> Result<Rc<RouteTable>, ApiError> {
    let now = Date::now().as_millis();
    if let Some(table) = TABLE.with(|t| t.borrow().get(&(), now)) {
        return Ok(table);
    }
    let table = Rc::new(RouteTable::new(store.routes().await?));
    TABLE.with(|t| t.borrow_mut().put((), Rc::clone(&table), now));
    Ok(table)
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Internal, e.to_string())
}

/// A request no built-in route took.
pub(crate) async fn serve(req: &mut Request, env: &Env) -> worker::Result<Served> {
    let store = match d1_gateway::open(env) {
        Ok(store) => store,
        Err(e) => return Served::error(&e.into(), "custom", None),
    };
    let table = match table(&store).await {
        Ok(table) => table,
        Err(e) => return Served::error(&e, "custom", None),
    };
    let path = req.path();
    let (route, matched) = match table.lookup(req.method().as_ref(), &path) {
        RouteLookup::Found { route, matched } => (route, matched),
        RouteLookup::MethodNotAllowed { allow } => {
            return Served::method_not_allowed(req, &allow.join(", "), "custom");
        }
        RouteLookup::NotFound => return Served::not_found(req, "not_found"),
    };
    let (headers, principal) = match route.spec.auth.required() {
        Some(scope) => match gate::admit(req, env, &store, Some(scope), Some(route)).await {
            Ok(admitted) => (admitted.headers, Some(admitted.caller.principal.id())),
            Err(refused) => return Refused::served(refused, &route.id),
        },
        None => match limits::count_anonymous(env, route).await {
            Ok(headers) => (headers, None),
            Err((error, headers)) => {
                let refused = Refused {
                    error,
                    headers,
                    principal: None,
                };
                return Refused::served(refused, &route.id);
            }
        },
    };
    let answer = match read_body(req, at_most(MAX_BODY_BYTES)).await {
        Ok(body) => {
            let transform = &route.spec.transform;
            let body = rename_fields(&body, &transform.request_rename).unwrap_or(body);
            match &route.spec.target {
                RouteTarget::Handler(handler) => call_handler(*handler, env, &store, &body).await,
                RouteTarget::Upstream(upstream) => {
                    call_upstream(req, upstream, &matched, route, body).await
                }
            }
        }
        Err(e) => Err(e),
    };
    let response = match answer {
        Ok(response) => transform_response(response, route).await,
        Err(e) => Err(e),
    };
    Served::answer(response, &headers, &route.id, principal)
}

/// One of our handlers, with the (renamed) body.
async fn call_handler(
    handler: HandlerName,
    env: &Env,
    store: &D1Gateway,
    body: &[u8],
) -> Result<Response, ApiError> {
    let answer = match handler {
        HandlerName::Health => Ok(r#"{"status":"ok"}"#.to_owned()),
        HandlerName::GatewayStatus => {
            let reply = gateway::run(
                &GatewayEndpoint::Status,
                env,
                store,
                None,
                body,
                BTreeMap::new(),
            )
            .await?;
            return gateway::reply_response(&reply);
        }
        HandlerName::CircuitsAnalyze => circuit(Endpoint::Analyze, body),
        HandlerName::CircuitsSimulate => circuit(Endpoint::Simulate, body),
        HandlerName::CircuitsOptimize => circuit(Endpoint::Optimize, body),
    }?;
    Ok(json(Response::ok(answer).map_err(internal)?))
}

fn circuit(endpoint: Endpoint, body: &[u8]) -> Result<String, ApiError> {
    synq_circuits_api::handle(endpoint, body, random_seed(), &Limits::default())
}

/// Headers as a transformation edits them.
struct HeaderEdit<'a>(&'a Headers);

impl HeaderMap for HeaderEdit<'_> {
    fn set(&mut self, name: &str, value: &str) {
        // Names and values were validated when the route was stored.
        let _ = self.0.set(name, value);
    }

    fn remove(&mut self, name: &str) {
        let _ = self.0.delete(name);
    }
}

fn apply(rules: &HeaderRules, headers: &Headers) {
    rules.apply(&mut HeaderEdit(headers));
}

/// The request, sent on to the route's upstream: its method, its headers but the withheld ones (then the
/// route's rules), its body, and the URL with the path parameters and the query (without `token`).
async fn call_upstream(
    req: &Request,
    upstream: &str,
    matched: &PathMatch,
    route: &RouteConfig,
    body: Vec<u8>,
) -> Result<Response, ApiError> {
    let url = req
        .url()
        .map_err(|e| ApiError::new(ErrorCode::InvalidMessage, e.to_string()))?;
    let query: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "token")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query = (!query.is_empty()).then(|| {
        worker::url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish()
    });
    let target = upstream_url(upstream, matched, query.as_deref());

    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        if !WITHHELD_HEADERS.contains(&name.as_str()) {
            headers.set(&name, &value).map_err(internal)?;
        }
    }
    apply(&route.spec.transform.request_headers, &headers);
    let method = req.method();
    let mut init = RequestInit::new();
    init.with_method(method.clone()).with_headers(headers);
    if !matches!(method, Method::Get | Method::Head) {
        init.with_body(Some(JsValue::from(Uint8Array::from(body.as_slice()))));
    }
    let request = Request::new_with_init(&target, &init).map_err(internal)?;
    Fetch::Request(request).send().await.map_err(|e| {
        ApiError::new(
            ErrorCode::UpstreamFailed,
            format!("route `{}`: the upstream did not answer: {e}", route.id),
        )
    })
}

/// The answer with the route's response transformations: header rules on every answer, field renames on a
/// successful JSON one. Only an answer whose fields are renamed is read (up to
/// [`MAX_TRANSFORMED_ANSWER_BYTES`]); any other streams through unread.
async fn transform_response(
    mut response: Response,
    route: &RouteConfig,
) -> Result<Response, ApiError> {
    let status = response.status_code();
    let transform = &route.spec.transform;
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        if !REFRAMED_HEADERS.contains(&name.as_str()) {
            headers.set(&name, &value).map_err(internal)?;
        }
    }
    apply(&transform.response_headers, &headers);
    let renames = (200..300).contains(&status) && !transform.response_rename.is_empty();
    // These statuses carry no body, and a Response refuses one (even an empty one).
    let answer = if matches!(status, 101 | 204 | 205 | 304) {
        Response::empty()
    } else if renames {
        let declared = content_length(response.headers());
        let too_large = |bytes: u64| {
            if bytes > MAX_TRANSFORMED_ANSWER_BYTES {
                return Err(ApiError::new(
                    ErrorCode::UpstreamFailed,
                    format!(
                        "route `{}`: the answer is over {MAX_TRANSFORMED_ANSWER_BYTES} bytes, the most \
                         a route that renames fields reads",
                        route.id
                    ),
                ));
            }
            Ok(())
        };
        // Our own handlers answer with bytes in hand; an upstream's answer streams in.
        let body = match response.body() {
            ResponseBody::Body(bytes) => bytes.clone(),
            _ => read_capped(declared, || response.stream(), too_large).await?,
        };
        Response::from_bytes(rename_fields(&body, &transform.response_rename).unwrap_or(body))
    } else {
        Response::from_body(match response.body() {
            ResponseBody::Empty => ResponseBody::Empty,
            ResponseBody::Body(bytes) => ResponseBody::Body(bytes.clone()),
            ResponseBody::Stream(stream) => ResponseBody::Stream(stream.clone()),
        })
    };
    Ok(answer
        .map_err(internal)?
        .with_status(status)
        .with_headers(headers))
}
