//! Values bound into D1 statements and what a run reports, shared by the D1 adapters.

use worker::wasm_bindgen::JsValue;
use worker::{D1Result, Env};

/// Name of the D1 binding in `wrangler.toml`.
pub(crate) const BINDING: &str = "DB";

/// The database, or why the binding is missing.
pub(crate) fn database(env: &Env) -> Result<worker::D1Database, String> {
    env.d1(BINDING)
        .map_err(|e| format!("D1 binding `{BINDING}`: {e}"))
}

pub(crate) fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// Epoch milliseconds, revisions and counts stay below 2^53: exact as JavaScript numbers.
pub(crate) fn number(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

/// A number, or SQL `NULL` for none.
pub(crate) fn optional_number(n: Option<u64>) -> JsValue {
    n.map_or(JsValue::NULL, number)
}

/// Rows a statement changed.
pub(crate) fn rows_changed(result: &D1Result) -> worker::Result<usize> {
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0))
}
