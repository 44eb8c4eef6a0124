//! Request bodies from JSON, with errors that name the field at fault.

use serde_json::{Map, Value};
use synq_core::ApiError;
use synq_core::body::{invalid_field, json_object as object};

use crate::wire::{AnalyzeRequest, Format, OptimizeRequest, SimulateRequest};

fn invalid(field: &str, message: String) -> ApiError {
    invalid_field(field, message)
}

fn required_string(map: &mut Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match map.remove(field) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(invalid(field, format!("`{field}` is required"))),
        Some(_) => Err(invalid(field, format!("`{field}` must be a string"))),
    }
}

/// An optional whole number from 0 to 2^64 − 1; `null` counts as absent.
fn optional_u64(map: &mut Map<String, Value>, field: &str) -> Result<Option<u64>, ApiError> {
    match map.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
        Some(other) => Err(invalid(
            field,
            format!("`{field}` must be a whole number from 0 to 2^64 − 1, not {other}"),
        )),
    }
}

/// An optional list of strings; `null` counts as absent.
fn optional_strings(
    map: &mut Map<String, Value>,
    field: &str,
) -> Result<Option<Vec<String>>, ApiError> {
    let not_strings = || invalid(field, format!("`{field}` must be an array of strings"));
    match map.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(not_strings()),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(not_strings()),
    }
}

/// An optional OpenQASM version: `"openqasm2"` or `"openqasm3"`; `null` counts as absent.
fn optional_format(map: &mut Map<String, Value>, field: &str) -> Result<Option<Format>, ApiError> {
    match map.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s == "openqasm2" => Ok(Some(Format::OpenQasm2)),
        Some(Value::String(s)) if s == "openqasm3" => Ok(Some(Format::OpenQasm3)),
        Some(other) => Err(invalid(
            field,
            format!("`{field}` must be \"openqasm2\" or \"openqasm3\", not {other}"),
        )),
    }
}

pub(crate) fn analyze_request(body: &[u8]) -> Result<AnalyzeRequest, ApiError> {
    let mut map = object(body, &["qasm"])?;
    Ok(AnalyzeRequest {
        qasm: required_string(&mut map, "qasm")?,
    })
}

pub(crate) fn simulate_request(body: &[u8]) -> Result<SimulateRequest, ApiError> {
    let mut map = object(body, &["qasm", "shots", "seed", "max_qubits"])?;
    Ok(SimulateRequest {
        qasm: required_string(&mut map, "qasm")?,
        shots: optional_u64(&mut map, "shots")?,
        seed: optional_u64(&mut map, "seed")?,
        max_qubits: optional_u64(&mut map, "max_qubits")?,
    })
}

pub(crate) fn optimize_request(body: &[u8]) -> Result<OptimizeRequest, ApiError> {
    let mut map = object(body, &["qasm", "level", "basis", "format"])?;
    Ok(OptimizeRequest {
        qasm: required_string(&mut map, "qasm")?,
        level: optional_u64(&mut map, "level")?,
        basis: optional_strings(&mut map, "basis")?,
        format: optional_format(&mut map, "format")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use synq_core::ErrorCode;

    fn err(r: Result<SimulateRequest, ApiError>) -> ApiError {
        r.unwrap_err()
    }

    #[test]
    fn reads_every_field() {
        let r = simulate_request(
            br#"{"qasm": "x", "shots": 10, "seed": 18446744073709551615, "max_qubits": null}"#,
        )
        .unwrap();
        assert_eq!(
            r,
            SimulateRequest {
                qasm: "x".into(),
                shots: Some(10),
                seed: Some(u64::MAX),
                max_qubits: None
            }
        );
        assert_eq!(analyze_request(br#"{"qasm": ""}"#).unwrap().qasm, "");
    }

    #[test]
    fn names_the_field_at_fault() {
        let e = err(simulate_request(b"{\"qasm\": 1}"));
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidMessage, Some("qasm"))
        );
        let e = err(simulate_request(b"{}"));
        assert_eq!(e.field.as_deref(), Some("qasm"));
        for shots in ["-1", "1.5", "\"10\"", "1e3"] {
            let body = format!("{{\"qasm\": \"\", \"shots\": {shots}}}");
            let e = err(simulate_request(body.as_bytes()));
            assert_eq!(e.field.as_deref(), Some("shots"), "{shots}");
        }
        let e = err(simulate_request(br#"{"qasm": "", "shot": 5}"#));
        assert_eq!(e.field.as_deref(), Some("shot"));
        assert!(e.message.contains("`shots`"), "{}", e.message);
        let e = analyze_request(br#"{"qasm": "", "shots": 5}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("shots"));
    }

    #[test]
    fn reads_an_optimize_request() {
        let r = optimize_request(
            br#"{"qasm": "x", "level": 3, "basis": ["cx", "u3"], "format": "openqasm3"}"#,
        )
        .unwrap();
        assert_eq!(
            r,
            OptimizeRequest {
                qasm: "x".into(),
                level: Some(3),
                basis: Some(vec!["cx".into(), "u3".into()]),
                format: Some(Format::OpenQasm3),
            }
        );
        let r = optimize_request(br#"{"qasm": "x", "basis": null}"#).unwrap();
        assert_eq!((r.level, r.basis, r.format), (None, None, None));
        for (body, field) in [
            (r#"{"qasm": "", "level": -1}"#, "level"),
            (r#"{"qasm": "", "level": "2"}"#, "level"),
            (r#"{"qasm": "", "basis": "cx"}"#, "basis"),
            (r#"{"qasm": "", "basis": ["cx", 1]}"#, "basis"),
            (r#"{"qasm": "", "format": "qasm2"}"#, "format"),
            (r#"{"qasm": "", "format": 2}"#, "format"),
            (r#"{"qasm": "", "levels": 2}"#, "levels"),
        ] {
            let e = optimize_request(body.as_bytes()).unwrap_err();
            assert_eq!(
                (e.code, e.field.as_deref()),
                (ErrorCode::InvalidMessage, Some(field)),
                "{body}"
            );
        }
    }

    #[test]
    fn not_json_and_not_an_object() {
        assert_eq!(
            err(simulate_request(b"{\"qasm\"")).code,
            ErrorCode::MalformedMessage
        );
        assert_eq!(
            err(simulate_request(b"\xff\xfe")).code,
            ErrorCode::MalformedMessage
        );
        let e = err(simulate_request(b"[1]"));
        assert_eq!((e.code, e.field), (ErrorCode::InvalidMessage, None));
    }
}
