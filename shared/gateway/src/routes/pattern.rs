//! Path patterns: `/v2/things/{id}/parts` (`{name}` takes one segment) and `/files/*` (`*`, last only,
//! takes the rest, possibly nothing). A path matches segment by segment; among patterns that match, the
//! more specific wins: literal before `{param}` before `*`, compared from the left.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use synq_core::{ApiError, ErrorCode};

/// The longest pattern accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Rest,
}

impl Segment {
    /// Literal > param > rest.
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 2,
            Segment::Param(_) => 1,
            Segment::Rest => 0,
        }
    }
}

/// A parsed path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    segments: Vec<Segment>,
}

/// What a matching path bound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathMatch {
    /// `{name}` → the segment it matched.
    pub params: BTreeMap<String, String>,
    /// What `*` matched (without a leading `/`), when the pattern ends with it.
    pub rest: Option<String>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidMessage, message).with_field("path")
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()+,;=:@%".contains(c)
}

impl PathPattern {
    /// Parses a pattern, refusing what could not be served unambiguously.
    pub fn parse(pattern: &str) -> Result<PathPattern, ApiError> {
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(invalid(format!(
                "a path pattern is at most {MAX_PATTERN_LEN} bytes"
            )));
        }
        let Some(body) = pattern.strip_prefix('/') else {
            return Err(invalid("a path pattern starts with `/`"));
        };
        let parts: Vec<&str> = body.split('/').collect();
        let mut segments = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let segment = if *part == "*" {
                if !last {
                    return Err(invalid("`*` may only be the last segment"));
                }
                Segment::Rest
            } else if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                let ok =
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !ok {
                    return Err(invalid(format!(
                        "`{{{name}}}`: a parameter name is letters, digits and `_`"
                    )));
                }
                if segments.contains(&Segment::Param(name.to_owned())) {
                    return Err(invalid(format!("parameter `{name}` appears twice")));
                }
                Segment::Param(name.to_owned())
            } else if part.is_empty() {
                // Only the last segment may be empty: `/` itself, or a trailing slash.
                if !last {
                    return Err(invalid("a path pattern has no empty segments (`//`)"));
                }
                Segment::Literal(String::new())
            } else if part.chars().all(is_path_char) {
                Segment::Literal((*part).to_owned())
            } else {
                return Err(invalid(format!(
                    "segment `{part}` has characters a URL path cannot hold"
                )));
            };
            segments.push(segment);
        }
        Ok(PathPattern { segments })
    }

    /// What `path` binds, if it matches.
    pub fn matches(&self, path: &str) -> Option<PathMatch> {
        let body = path.strip_prefix('/')?;
        let mut parts = body.split('/');
        let mut bound = PathMatch::default();
        for segment in &self.segments {
            match segment {
                Segment::Rest => {
                    // Everything from here on (at least an empty segment: `/files/*` takes `/files/`).
                    let rest: Vec<&str> = parts.collect();
                    if rest.is_empty() {
                        return None;
                    }
                    bound.rest = Some(rest.join("/"));
                    return Some(bound);
                }
                Segment::Literal(lit) => {
                    if parts.next()? != lit {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    let value = parts.next().filter(|p| !p.is_empty())?;
                    bound.params.insert(name.clone(), value.to_owned());
                }
            }
        }
        parts.next().is_none().then_some(bound)
    }

    /// Which of two patterns is more specific (`Greater`: `self` wins).
    pub fn specificity(&self, other: &PathPattern) -> Ordering {
        for (a, b) in self.segments.iter().zip(&other.segments) {
            match a.rank().cmp(&b.rank()) {
                Ordering::Equal => {}
                unequal => return unequal,
            }
        }
        // Same shape so far: the longer pattern is more specific, unless it only adds a `*`.
        self.segments.len().cmp(&other.segments.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> PathPattern {
        PathPattern::parse(s).unwrap()
    }

    #[test]
    fn literals_params_and_rest() {
        assert!(p("/v2/health").matches("/v2/health").is_some());
        assert!(p("/v2/health").matches("/v2/health/").is_none());
        assert!(p("/v2/health").matches("/v2/healthz").is_none());
        let m = p("/v2/things/{id}/parts/{part}")
            .matches("/v2/things/42/parts/a-b")
            .unwrap();
        assert_eq!(m.params["id"], "42");
        assert_eq!(m.params["part"], "a-b");
        assert!(p("/v2/things/{id}").matches("/v2/things/").is_none());
        assert_eq!(
            p("/files/*")
                .matches("/files/a/b/c.txt")
                .unwrap()
                .rest
                .as_deref(),
            Some("a/b/c.txt")
        );
        assert_eq!(
            p("/files/*").matches("/files/").unwrap().rest.as_deref(),
            Some("")
        );
        assert!(p("/files/*").matches("/files").is_none());
        assert_eq!(
            p("/{tenant}/*")
                .matches("/acme/x/y")
                .unwrap()
                .rest
                .as_deref(),
            Some("x/y")
        );
        assert!(p("/").matches("/").is_some());
    }

    #[test]
    fn bad_patterns_are_refused_with_the_field() {
        for bad in [
            "v2",
            "/a//b",
            "/*/a",
            "/{}",
            "/{a-b}",
            "/{id}/{id}",
            "/a b",
            "/a?x=1",
            "/a#frag",
        ] {
            let e = PathPattern::parse(bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("path"), "{bad}");
        }
        assert!(PathPattern::parse(&format!("/{}", "a".repeat(MAX_PATTERN_LEN))).is_err());
    }

    #[test]
    fn more_specific_patterns_win() {
        let lit = p("/v2/things/special");
        let param = p("/v2/things/{id}");
        let rest = p("/v2/*");
        assert_eq!(lit.specificity(&param), Ordering::Greater);
        assert_eq!(param.specificity(&rest), Ordering::Greater);
        assert_eq!(rest.specificity(&lit), Ordering::Less);
        assert_eq!(
            p("/a/{x}/b").specificity(&p("/a/{x}/{y}")),
            Ordering::Greater
        );
    }

    proptest! {
        #[test]
        fn a_path_matches_its_own_literal_pattern_and_params_bind_segments(
            segments in proptest::collection::vec("[a-z0-9._-]{1,8}", 1..6),
            which in any::<prop::sample::Index>(),
        ) {
            let path = format!("/{}", segments.join("/"));
            prop_assert!(p(&path).matches(&path).is_some());
            let i = which.index(segments.len());
            let mut pattern = segments.clone();
            pattern[i] = "{x}".into();
            let m = p(&format!("/{}", pattern.join("/"))).matches(&path).unwrap();
            prop_assert_eq!(&m.params["x"], &segments[i]);
            let prefix = format!("/{}/*", segments[..i].join("/"));
            let prefix = prefix.replace("//", "/");
            let m = p(&prefix).matches(&path).unwrap();
            prop_assert_eq!(m.rest.unwrap(), segments[i..].join("/"));
        }
    }
}
