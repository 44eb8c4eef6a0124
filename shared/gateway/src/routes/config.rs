//! A route's configuration as stored and as sent to `…/gateway/routes`, and its validation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synq_core::{ApiError, EpochMillis, ErrorCode};

use super::pattern::PathPattern;
use crate::limit::RateLimit;
use crate::scope::Scope;

/// Paths of the built-in API, which a custom route may not claim.
pub const RESERVED_PREFIXES: [&str; 3] = ["/api/v1/", "/sessions/", "/healthz"];
/// The methods a route may list.
const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
/// Headers a transformation may not touch: they frame the message, which the runtime owns.
const FRAMING_HEADERS: [&str; 8] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "keep-alive",
    "te",
    "trailer",
];
const MAX_URL_LEN: usize = 2048;
const MAX_RULES: usize = 32;

/// One of our handlers a route may point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum HandlerName {
    /// `GET /healthz`'s answer.
    #[serde(rename = "health")]
    Health,
    /// The gateway's status.
    #[serde(rename = "gateway.status")]
    GatewayStatus,
    /// `POST /api/v1/circuits/analyze`.
    #[serde(rename = "circuits.analyze")]
    CircuitsAnalyze,
    /// `POST /api/v1/circuits/simulate`.
    #[serde(rename = "circuits.simulate")]
    CircuitsSimulate,
    /// `POST /api/v1/circuits/optimize`.
    #[serde(rename = "circuits.optimize")]
    CircuitsOptimize,
}

/// Where a route sends requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RouteTarget {
    /// `{"handler": "circuits.analyze"}`: one of ours.
    Handler(HandlerName),
    /// `{"upstream": "https://example.com/v1/{id}"}`: an HTTP(S) URL; `{param}`s of the pattern are filled
    /// in, what `*` matched is appended, the query string is kept.
    Upstream(String),
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RouteAuth {
    /// Anyone, without credentials.
    None,
    /// A JWT or an API key with `read` (or higher).
    #[default]
    Read,
    /// … with `write`.
    Write,
    /// … with `admin`.
    Admin,
}

impl RouteAuth {
    /// The scope a caller needs, if credentials are needed at all.
    pub fn required(self) -> Option<Scope> {
        match self {
            RouteAuth::None => None,
            RouteAuth::Read => Some(Scope::Read),
            RouteAuth::Write => Some(Scope::Write),
            RouteAuth::Admin => Some(Scope::Admin),
        }
    }
}

/// Headers to set and to remove (removals first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HeaderRules {
    /// Name → value, replacing what is there.
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    /// Names to drop.
    #[serde(default)]
    pub remove: Vec<String>,
}

/// What a route changes on the way through.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Transform {
    /// On the request, before the target sees it.
    #[serde(default)]
    pub request_headers: HeaderRules,
    /// On the response, before the caller sees it.
    #[serde(default)]
    pub response_headers: HeaderRules,
    /// JSON request body: field path (`a.b` is field `b` of object `a`) → new name.
    #[serde(default)]
    pub request_rename: BTreeMap<String, String>,
    /// JSON response body: the same.
    #[serde(default)]
    pub response_rename: BTreeMap<String, String>,
}

/// A route as an admin writes it (`POST` and `PUT …/gateway/routes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// The path pattern (`/v2/things/{id}`, `/files/*`).
    pub path: String,
    /// The methods it answers (`HEAD` is also answered where `GET` is).
    pub methods: Vec<String>,
    /// Where requests go.
    pub target: RouteTarget,
    /// Who may call it.
    #[serde(default)]
    pub auth: RouteAuth,
    /// A limit per caller on this route, on top of the caller's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// Transformations.
    #[serde(default)]
    pub transform: Transform,
    /// A disabled route is kept but not served.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// Free text for the admins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn enabled_by_default() -> bool {
    true
}

/// A stored route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RouteConfig {
    /// `rt_` and 12 hex digits.
    pub id: String,
    /// The configuration.
    #[serde(flatten)]
    pub spec: RouteSpec,
    /// When it was made.
    pub created_at: EpochMillis,
    /// When it was last changed.
    pub updated_at: EpochMillis,
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidMessage, message).with_field(field)
}

impl RouteSpec {
    /// Checks everything a stored route must satisfy; methods are upper-cased and sorted on the way.
    pub fn validate(&mut self) -> Result<PathPattern, ApiError> {
        let pattern = PathPattern::parse(&self.path)?;
        if let Some(prefix) = reserved_prefix(&self.path) {
            return Err(invalid(
                "path",
                format!("paths under `{prefix}` belong to the built-in API"),
            ));
        }
        if self.methods.is_empty() {
            return Err(invalid("methods", "list at least one method"));
        }
        for method in &mut self.methods {
            method.make_ascii_uppercase();
            if !METHODS.contains(&method.as_str()) {
                return Err(invalid(
                    "methods",
                    format!("`{method}` is not one of {}", METHODS.join(", ")),
                ));
            }
        }
        self.methods.sort();
        self.methods.dedup();
        if let RouteTarget::Upstream(url) = &self.target {
            validate_upstream(url)?;
        }
        if let Some(limit) = &self.rate_limit {
            limit.validate("rate_limit.")?;
        }
        let t = &self.transform;
        validate_headers("transform.request_headers", &t.request_headers)?;
        validate_headers("transform.response_headers", &t.response_headers)?;
        validate_renames("transform.request_rename", &t.request_rename)?;
        validate_renames("transform.response_rename", &t.response_rename)?;
        if self.description.as_ref().is_some_and(|d| d.len() > 1024) {
            return Err(invalid("description", "at most 1024 bytes"));
        }
        Ok(pattern)
    }
}

/// The built-in prefix `path` falls under, if any: custom routes never apply there.
pub fn reserved_prefix(path: &str) -> Option<&'static str> {
    RESERVED_PREFIXES
        .iter()
        .find(|p| path.starts_with(*p) || format!("{path}/") == **p)
        .copied()
}

fn validate_upstream(url: &str) -> Result<(), ApiError> {
    let field = "target.upstream";
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| invalid(field, "an upstream is an http:// or https:// URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || url.len() > MAX_URL_LEN || url.chars().any(|c| c.is_whitespace()) {
        return Err(invalid(
            field,
            format!("`{url}` is not an absolute URL of at most {MAX_URL_LEN} bytes"),
        ));
    }
    if url.contains('#') {
        return Err(invalid(field, "an upstream URL has no fragment"));
    }
    Ok(())
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn validate_headers(field: &str, rules: &HeaderRules) -> Result<(), ApiError> {
    if rules.set.len() + rules.remove.len() > MAX_RULES {
        return Err(invalid(field, format!("at most {MAX_RULES} header rules")));
    }
    for name in rules.set.keys().chain(&rules.remove) {
        if !is_token(name) {
            return Err(invalid(field, format!("`{name}` is not a header name")));
        }
        if FRAMING_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(invalid(
                field,
                format!("`{name}` frames the message and cannot be changed"),
            ));
        }
    }
    for (name, value) in &rules.set {
        if value.len() > 4096 || value.bytes().any(|b| b < 0x20 && b != b'\t' || b == 0x7f) {
            return Err(invalid(
                field,
                format!("the value for `{name}` is over 4096 bytes or has control characters"),
            ));
        }
    }
    Ok(())
}

fn validate_renames(field: &str, renames: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if renames.len() > MAX_RULES {
        return Err(invalid(field, format!("at most {MAX_RULES} renames")));
    }
    for (from, to) in renames {
        if from.is_empty() || from.split('.').any(str::is_empty) {
            return Err(invalid(
                field,
                format!("`{from}` is not a field path (names joined by `.`)"),
            ));
        }
        if to.is_empty() || to.contains('.') {
            return Err(invalid(
                field,
                format!("`{to}`: the new name is one field name, without `.`"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> RouteSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_full_route_reads_and_validates() {
        let mut s = spec(serde_json::json!({
            "path": "/v2/analyze",
            "methods": ["post", "POST"],
            "target": {"handler": "circuits.analyze"},
            "auth": "write",
            "rate_limit": {"requests_per_minute": 5, "burst": 2},
            "transform": {
                "request_headers": {"set": {"x-via": "gateway"}, "remove": ["x-debug"]},
                "request_rename": {"program": "qasm"},
                "response_rename": {"counts.gates": "total_gates"}
            }
        }));
        s.validate().unwrap();
        assert_eq!(s.methods, ["POST"]);
        assert!(s.enabled);
        assert_eq!(s.auth.required(), Some(Scope::Write));
        let up = spec(serde_json::json!({
            "path": "/mirror/*", "methods": ["GET"], "target": {"upstream": "http://127.0.0.1:9/x"}
        }));
        assert_eq!(up.auth, RouteAuth::Read);
        assert_eq!(
            up.target,
            RouteTarget::Upstream("http://127.0.0.1:9/x".into())
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let base = serde_json::json!({"path": "/v2/x", "methods": ["GET"], "target": {"handler": "health"}});
        let cases = [
            ("path", serde_json::json!("/api/v1/circuits/analyze")),
            ("path", serde_json::json!("/healthz")),
            ("path", serde_json::json!("/sessions/x/ws")),
            ("path", serde_json::json!("no-slash")),
            ("methods", serde_json::json!([])),
            ("methods", serde_json::json!(["FETCH"])),
            (
                "target.upstream",
                serde_json::json!({"upstream": "ftp://x"}),
            ),
            (
                "target.upstream",
                serde_json::json!({"upstream": "https:///x"}),
            ),
            (
                "target.upstream",
                serde_json::json!({"upstream": "https://a b"}),
            ),
            (
                "rate_limit.burst",
                serde_json::json!({"requests_per_minute": 1, "burst": 0}),
            ),
            (
                "transform.request_headers",
                serde_json::json!({"request_headers": {"remove": ["Content-Length"]}}),
            ),
            (
                "transform.response_headers",
                serde_json::json!({"response_headers": {"set": {"bad name": "x"}}}),
            ),
            (
                "transform.response_headers",
                serde_json::json!({"response_headers": {"set": {"x": "a\nb"}}}),
            ),
            (
                "transform.request_rename",
                serde_json::json!({"request_rename": {"a..b": "c"}}),
            ),
            (
                "transform.response_rename",
                serde_json::json!({"response_rename": {"a": "b.c"}}),
            ),
        ];
        for (field, value) in cases {
            let mut json = base.clone();
            let key = match field {
                "target.upstream" => "target",
                f if f.starts_with("transform") => "transform",
                f if f.starts_with("rate_limit") => "rate_limit",
                f => f,
            };
            json[key] = value.clone();
            let e = spec(json).validate().unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field), "{value}: {e}");
        }
    }
}
