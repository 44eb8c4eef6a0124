//! The sessions' documents through their Durable Objects: `synq_collab::SessionDocs` as a `POST /rest`
//! on the session's stub (served by the DO's `rest` module).

use synq_collab::{DocCall, DocResponse, SessionDocs};
use synq_core::{ApiError, ErrorCode};
use worker::wasm_bindgen::JsValue;
use worker::{Env, Method, Request, RequestInit};

use crate::session_stub;

/// The DO's internal route (its URL only needs to be absolute).
const REST_URL: &str = "https://session.internal/rest";

pub(crate) struct DoDocs<'a> {
    pub(crate) env: &'a Env,
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Internal, format!("session call failed: {e}"))
}

impl SessionDocs for DoDocs<'_> {
    async fn call(&self, call: &DocCall) -> Result<DocResponse, ApiError> {
        let body = serde_json::to_string(call).map_err(internal)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_body(Some(JsValue::from_str(&body)));
        let request = Request::new_with_init(REST_URL, &init).map_err(internal)?;
        let stub = session_stub(self.env, &call.session_id)?;
        let mut response = stub.fetch_with_request(request).await.map_err(internal)?;
        let text = response.text().await.map_err(internal)?;
        if response.status_code() == 200 {
            return serde_json::from_str(&text).map_err(internal);
        }
        #[derive(serde::Deserialize)]
        struct Refusal {
            error: ApiError,
        }
        let refusal: Refusal = serde_json::from_str(&text).map_err(internal)?;
        Err(refusal.error)
    }
}
