//! `/api/v1/collaboration/…`: admits the caller (a JWT or an API key whose scope allows the method, within
//! their rate limit), reads the request, and hands it to `synq_collab::handle` with the D1 index and the
//! sessions' Durable Objects; writes back what it answers.

use synq_collab::{Context, RestRequest, handle, route};
use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::Scope;
use worker::{Date, Env, Request, Response};

use crate::d1_gateway;
use crate::d1_index::D1Index;
use crate::do_docs::DoDocs;
use crate::gate::{self, Refused};
use crate::{Served, at_most, json, read_body, url_and_query};

/// Largest request body: an edit is at most what one WebSocket message may carry.
const MAX_BODY_BYTES: u64 = 64 * 1024;

/// 96 bits from the platform's CSPRNG, in hex: ids of new sessions and branches, and of comments sent
/// without one.
fn new_id() -> Result<String, ApiError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub(crate) async fn serve(req: &mut Request, env: &Env) -> worker::Result<Served> {
    let method = req.method();
    let name = route(method.as_ref(), &req.path()).map_or("collaboration", |e| e.name());
    let store = match d1_gateway::open(env) {
        Ok(store) => store,
        Err(e) => return Served::error(&e.into(), name, None),
    };
    let needed = Scope::for_method(method.as_ref());
    let admitted = match gate::admit(req, env, &store, Some(needed), None).await {
        Ok(admitted) => admitted,
        Err(refused) => return Refused::served(refused, name),
    };
    let principal = admitted.caller.principal.id();
    let result = answer(req, env, &admitted.caller.claims).await;
    Served::answer(result, &admitted.headers, name, Some(principal))
}

async fn answer(
    req: &mut Request,
    env: &Env,
    caller: &synq_core::auth::SessionClaims,
) -> Result<Response, ApiError> {
    let body = read_body(req, at_most(MAX_BODY_BYTES)).await?;
    let (url, query) = url_and_query(req)?;
    let method = req.method();
    let request = RestRequest {
        method: method.as_ref(),
        path: url.path(),
        query: &query,
        body: &body,
    };
    let index = D1Index::new(env)?;
    let docs = DoDocs { env };
    let id = new_id()?;
    let ctx = Context {
        caller,
        now: EpochMillis(Date::now().as_millis()),
        new_id: &id,
        index: &index,
        docs: &docs,
    };
    let answer = handle(request, &ctx).await;
    let internal = |e: worker::Error| ApiError::new(ErrorCode::Internal, e.to_string());
    let response = if answer.body.is_empty() {
        Response::empty().map_err(internal)?
    } else {
        json(Response::ok(answer.body).map_err(internal)?)
    };
    let mut response = response.with_status(answer.status);
    if let Some(allow) = answer.allow {
        response
            .headers_mut()
            .set("allow", allow)
            .map_err(internal)?;
    }
    Ok(response)
}
