//! All routes, parsed once, and the lookup of the one that serves a request.

use super::config::RouteConfig;
use super::pattern::{PathMatch, PathPattern};

/// The enabled routes, ready to match.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(PathPattern, RouteConfig)>,
}

/// What a lookup found.
#[derive(Debug, PartialEq, Eq)]
pub enum RouteLookup<'a> {
    /// The route that serves the request, and what its pattern bound.
    Found {
        /// The route.
        route: &'a RouteConfig,
        /// Path parameters and rest.
        matched: PathMatch,
    },
    /// Routes match the path but none takes the method; `allow` is what they take.
    MethodNotAllowed {
        /// The methods of the matching routes, sorted.
        allow: Vec<String>,
    },
    /// No route matches the path.
    NotFound,
}

impl RouteTable {
    /// A table of the enabled routes among `routes` (a stored route whose pattern no longer parses is
    /// skipped rather than breaking every request).
    pub fn new(routes: Vec<RouteConfig>) -> Self {
        let routes = routes
            .into_iter()
            .filter(|r| r.spec.enabled)
            .filter_map(|r| Some((PathPattern::parse(&r.spec.path).ok()?, r)))
            .collect();
        RouteTable { routes }
    }

    /// How many routes it serves.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether it serves none.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The most specific route matching `path` that takes `method` (`HEAD` where `GET` is taken); ties go to
    /// the route made first.
    pub fn lookup(&self, method: &str, path: &str) -> RouteLookup<'_> {
        let method = method.to_ascii_uppercase();
        let takes = |route: &RouteConfig| {
            route.spec.methods.contains(&method)
                || (method == "HEAD" && route.spec.methods.iter().any(|m| m == "GET"))
        };
        let mut best: Option<(&PathPattern, &RouteConfig, PathMatch)> = None;
        let mut allow: Vec<String> = Vec::new();
        for (pattern, route) in &self.routes {
            let Some(matched) = pattern.matches(path) else {
                continue;
            };
            if !takes(route) {
                allow.extend(route.spec.methods.iter().cloned());
                continue;
            }
            let better = best.as_ref().is_none_or(|(p, r, _)| {
                pattern
                    .specificity(p)
                    .then(r.created_at.cmp(&route.created_at))
                    == std::cmp::Ordering::Greater
            });
            if better {
                best = Some((pattern, route, matched));
            }
        }
        match best {
            Some((_, route, matched)) => RouteLookup::Found { route, matched },
            None if allow.is_empty() => RouteLookup::NotFound,
            None => {
                allow.sort();
                allow.dedup();
                RouteLookup::MethodNotAllowed { allow }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{HandlerName, RouteSpec, RouteTarget};
    use synq_core::EpochMillis;

    fn route(id: &str, path: &str, methods: &[&str], created: u64) -> RouteConfig {
        RouteConfig {
            id: id.into(),
            spec: RouteSpec {
                path: path.into(),
                methods: methods.iter().map(|m| (*m).to_owned()).collect(),
                target: RouteTarget::Handler(HandlerName::Health),
                auth: Default::default(),
                rate_limit: None,
                transform: Default::default(),
                enabled: true,
                description: None,
            },
            created_at: EpochMillis(created),
            updated_at: EpochMillis(created),
        }
    }

    fn found<'a>(lookup: RouteLookup<'a>) -> &'a str {
        match lookup {
            RouteLookup::Found { route, .. } => &route.id,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_most_specific_route_taking_the_method_wins() {
        let table = RouteTable::new(vec![
            route("rest", "/v2/*", &["GET", "POST"], 1),
            route("param", "/v2/things/{id}", &["GET"], 2),
            route("lit", "/v2/things/special", &["GET"], 3),
            route("lit-later", "/v2/things/special", &["GET"], 4),
        ]);
        assert_eq!(found(table.lookup("GET", "/v2/things/special")), "lit");
        assert_eq!(found(table.lookup("get", "/v2/things/7")), "param");
        assert_eq!(found(table.lookup("HEAD", "/v2/things/7")), "param");
        // The param route does not take POST; the catch-all does.
        assert_eq!(found(table.lookup("POST", "/v2/things/7")), "rest");
        assert_eq!(table.lookup("GET", "/v3/x"), RouteLookup::NotFound);
        assert_eq!(
            table.lookup("DELETE", "/v2/things/7"),
            RouteLookup::MethodNotAllowed {
                allow: vec!["GET".into(), "POST".into()]
            }
        );
    }

    #[test]
    fn disabled_routes_are_not_served() {
        let mut off = route("off", "/v2/x", &["GET"], 1);
        off.spec.enabled = false;
        let table = RouteTable::new(vec![off]);
        assert!(table.is_empty());
        assert_eq!(table.lookup("GET", "/v2/x"), RouteLookup::NotFound);
    }
}
