//! Custom routes: a path pattern and a method set mapped to one of our handlers or to an upstream URL, with
//! an auth requirement, an optional per-route rate limit and simple transformations. Routes are data (the
//! control-plane store); the Worker serves them after its built-in routes, which always win.

mod config;
mod pattern;
mod table;
mod transform;

pub use config::{
    HandlerName, HeaderRules, RESERVED_PREFIXES, RouteAuth, RouteConfig, RouteSpec, RouteTarget,
    Transform, reserved_prefix,
};
pub use pattern::{MAX_PATTERN_LEN, PathMatch, PathPattern};
pub use table::{RouteLookup, RouteTable};
pub use transform::{HeaderMap, rename_fields, upstream_url};
