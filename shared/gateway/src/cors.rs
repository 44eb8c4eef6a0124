//! CORS with a configured allow-list of origins (`*` allows any). Credentials travel in `Authorization` or
//! `X-API-Key`, never in cookies, so `Access-Control-Allow-Credentials` is never sent.

use synq_core::{ApiError, ErrorCode};

/// Methods a browser may use.
const METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE";
/// Request headers a browser may send.
const ALLOWED_HEADERS: [&str; 4] = ["authorization", "content-type", "x-api-key", "x-request-id"];
/// Response headers a script may read.
const EXPOSED_HEADERS: &str =
    "ratelimit-limit, ratelimit-remaining, ratelimit-reset, retry-after, x-request-id";

/// The allow-list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsPolicy {
    origins: Vec<String>,
    any: bool,
    max_age_s: u32,
}

impl CorsPolicy {
    /// From a comma-separated list such as `https://ide.example, http://localhost:5173` (or `*`); empty
    /// allows no cross-origin caller.
    pub fn from_list(list: &str) -> Self {
        let origins: Vec<String> = list
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|o| !o.is_empty())
            .collect();
        CorsPolicy {
            any: origins.iter().any(|o| o == "*"),
            origins,
            max_age_s: 600,
        }
    }

    /// Whether `origin` may call.
    pub fn allows(&self, origin: &str) -> bool {
        self.any || self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }

    /// Headers for an ordinary response to a request from `origin` (none when it is not allowed or absent;
    /// `Vary: Origin` whenever the answer depends on it).
    pub fn response_headers(&self, origin: Option<&str>) -> Vec<(&'static str, String)> {
        match origin {
            Some(origin) if self.allows(origin) => vec![
                ("access-control-allow-origin", origin.to_owned()),
                ("access-control-expose-headers", EXPOSED_HEADERS.to_owned()),
                ("vary", "Origin".to_owned()),
            ],
            Some(_) => vec![("vary", "Origin".to_owned())],
            None => Vec::new(),
        }
    }

    /// The answer to a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): the headers
    /// of a `204`, or `403 FORBIDDEN` naming what is not allowed.
    pub fn preflight(
        &self,
        origin: &str,
        method: &str,
        request_headers: Option<&str>,
    ) -> Result<Vec<(&'static str, String)>, ApiError> {
        if !self.allows(origin) {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("origin `{origin}` is not allowed (configure SYNQ_CORS_ORIGINS)"),
            ));
        }
        let method = method.trim().to_ascii_uppercase();
        if !METHODS.split(", ").any(|m| m == method) {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("method `{method}` is not allowed across origins"),
            ));
        }
        let asked: Vec<String> = request_headers
            .unwrap_or_default()
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        if let Some(header) = asked
            .iter()
            .find(|h| !ALLOWED_HEADERS.contains(&h.as_str()))
        {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("request header `{header}` is not allowed across origins"),
            ));
        }
        Ok(vec![
            ("access-control-allow-origin", origin.to_owned()),
            ("access-control-allow-methods", METHODS.to_owned()),
            ("access-control-allow-headers", ALLOWED_HEADERS.join(", ")),
            ("access-control-max-age", self.max_age_s.to_string()),
            ("vary", "Origin".to_owned()),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_origins_get_cors_headers() {
        let cors = CorsPolicy::from_list(" https://ide.example/ , http://localhost:5173");
        assert!(cors.allows("https://IDE.example") && cors.allows("http://localhost:5173"));
        assert!(!cors.allows("https://evil.example") && !cors.allows("https://ide.example.evil"));
        let headers = cors.response_headers(Some("https://ide.example"));
        assert_eq!(
            headers[0],
            (
                "access-control-allow-origin",
                "https://ide.example".to_owned()
            )
        );
        assert_eq!(
            cors.response_headers(Some("https://evil.example")),
            [("vary", "Origin".to_owned())]
        );
        assert!(cors.response_headers(None).is_empty());
        assert!(
            CorsPolicy::from_list("")
                .response_headers(Some("https://a"))
                .len()
                == 1
        );
        assert!(CorsPolicy::from_list("*").allows("https://anything"));
    }

    #[test]
    fn preflights_check_origin_method_and_headers() {
        let cors = CorsPolicy::from_list("https://ide.example");
        let ok = cors
            .preflight(
                "https://ide.example",
                "post",
                Some("Content-Type, Authorization"),
            )
            .unwrap();
        assert!(
            ok.iter()
                .any(|(k, v)| *k == "access-control-allow-methods" && v.contains("POST"))
        );
        for (origin, method, headers) in [
            ("https://evil.example", "GET", None),
            ("https://ide.example", "TRACE", None),
            ("https://ide.example", "GET", Some("x-secret")),
        ] {
            let e = cors.preflight(origin, method, headers).unwrap_err();
            assert_eq!(e.code, ErrorCode::Forbidden);
        }
    }
}
