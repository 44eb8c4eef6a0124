//! What a caller may do: `read` < `write` < `admin`, each allowing what the ones below it allow.

use serde::{Deserialize, Serialize};

/// One scope. Ordered: a higher scope includes the lower ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Reads (`GET`, `HEAD`).
    Read,
    /// Reads and changes (every other method on the API).
    Write,
    /// Configures the gateway: routes, quotas, everyone's analytics and usage.
    Admin,
}

impl Scope {
    /// The scope an HTTP method needs by default: `read` for safe methods, `write` for the others.
    pub fn for_method(method: &str) -> Scope {
        match method.to_ascii_uppercase().as_str() {
            "GET" | "HEAD" | "OPTIONS" => Scope::Read,
            _ => Scope::Write,
        }
    }

    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }
}

/// The scopes a caller holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// These scopes, sorted, without repeats.
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Self {
        let mut list: Vec<Scope> = scopes.into_iter().collect();
        list.sort();
        list.dedup();
        Scopes(list)
    }

    /// Whether these scopes allow what `needed` allows.
    pub fn allows(&self, needed: Scope) -> bool {
        self.0.iter().any(|s| *s >= needed)
    }

    /// Whether every scope in `other` is allowed by these.
    pub fn covers(&self, other: &Scopes) -> bool {
        other.0.iter().all(|s| self.allows(*s))
    }

    /// The scopes, sorted.
    pub fn as_slice(&self) -> &[Scope] {
        &self.0
    }

    /// The highest scope held, if any.
    pub fn highest(&self) -> Option<Scope> {
        self.0.last().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_scopes_include_lower_ones() {
        let write = Scopes::new([Scope::Write]);
        assert!(write.allows(Scope::Read) && write.allows(Scope::Write));
        assert!(!write.allows(Scope::Admin));
        assert!(write.covers(&Scopes::new([Scope::Read, Scope::Write])));
        assert!(!Scopes::new([Scope::Read]).covers(&write));
        assert!(!Scopes::default().allows(Scope::Read));
        assert_eq!(
            Scopes::new([Scope::Admin, Scope::Read, Scope::Admin]).as_slice(),
            [Scope::Read, Scope::Admin]
        );
    }

    #[test]
    fn methods_map_to_scopes() {
        assert_eq!(Scope::for_method("get"), Scope::Read);
        assert_eq!(Scope::for_method("HEAD"), Scope::Read);
        assert_eq!(Scope::for_method("POST"), Scope::Write);
        assert_eq!(Scope::for_method("DELETE"), Scope::Write);
    }
}
