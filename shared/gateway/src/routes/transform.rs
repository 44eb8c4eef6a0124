//! Applying a route's transformations: header rules, JSON field renames, and the upstream URL.

use std::collections::BTreeMap;

use serde_json::Value;

use super::config::HeaderRules;
use super::pattern::PathMatch;

/// The headers of a request or response, as the platform holds them.
pub trait HeaderMap {
    /// Replaces a header.
    fn set(&mut self, name: &str, value: &str);
    /// Drops a header.
    fn remove(&mut self, name: &str);
}

impl HeaderRules {
    /// Removes, then sets.
    pub fn apply(&self, headers: &mut impl HeaderMap) {
        for name in &self.remove {
            headers.remove(name);
        }
        for (name, value) in &self.set {
            headers.set(name, value);
        }
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }
}

/// `body` with the fields renamed (`a.b` → `c` renames field `b` of object `a` to `c`), or `None` when
/// nothing changes: no renames, a body that is not JSON, or no field found. A rename onto an existing
/// field replaces it.
pub fn rename_fields(body: &[u8], renames: &BTreeMap<String, String>) -> Option<Vec<u8>> {
    if renames.is_empty() {
        return None;
    }
    let mut json: Value = serde_json::from_slice(body).ok()?;
    let mut changed = false;
    for (path, to) in renames {
        let mut names: Vec<&str> = path.split('.').collect();
        let Some(last) = names.pop() else { continue };
        let parent = names
            .iter()
            .try_fold(&mut json, |value, name| value.get_mut(*name));
        if let Some(Value::Object(object)) = parent
            && let Some(value) = object.remove(last)
        {
            object.insert(to.clone(), value);
            changed = true;
        }
    }
    changed.then(|| serde_json::to_vec(&json).ok()).flatten()
}

/// The URL to send a request to: `{param}`s of `upstream` filled in from the match, what `*` matched
/// appended (with one `/` between), and `query` (without its `?`) kept.
pub fn upstream_url(upstream: &str, matched: &PathMatch, query: Option<&str>) -> String {
    let mut url = matched
        .params
        .iter()
        .fold(upstream.to_owned(), |url, (name, value)| {
            url.replace(&format!("{{{name}}}"), value)
        });
    if let Some(rest) = matched.rest.as_deref().filter(|r| !r.is_empty()) {
        if !url.ends_with('/') {
            url.push('/');
        }
        url.push_str(rest);
    }
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(query);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Headers(BTreeMap<String, String>);

    impl HeaderMap for Headers {
        fn set(&mut self, name: &str, value: &str) {
            self.0.insert(name.to_ascii_lowercase(), value.to_owned());
        }
        fn remove(&mut self, name: &str) {
            self.0.remove(&name.to_ascii_lowercase());
        }
    }

    #[test]
    fn header_rules_remove_then_set() {
        let mut headers = Headers::default();
        headers.set("x-debug", "1");
        headers.set("x-via", "old");
        let rules = HeaderRules {
            set: BTreeMap::from([("X-Via".into(), "gateway".into())]),
            remove: vec!["X-Debug".into(), "x-via".into()],
        };
        rules.apply(&mut headers);
        assert_eq!(
            headers.0,
            BTreeMap::from([("x-via".to_owned(), "gateway".to_owned())])
        );
    }

    #[test]
    fn renames_fields_at_paths() {
        let renames = BTreeMap::from([
            ("program".to_owned(), "qasm".to_owned()),
            ("counts.gates".to_owned(), "total".to_owned()),
            ("missing.x".to_owned(), "y".to_owned()),
        ]);
        let out = rename_fields(
            br#"{"program":"OPENQASM 2.0;","counts":{"gates":3,"depth":2},"keep":1}"#,
            &renames,
        )
        .unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"qasm":"OPENQASM 2.0;","counts":{"total":3,"depth":2},"keep":1})
        );
        assert_eq!(rename_fields(b"not json", &renames), None);
        assert_eq!(rename_fields(br#"{"other":1}"#, &renames), None);
        assert_eq!(rename_fields(br#"[1]"#, &renames), None);
        assert_eq!(rename_fields(br#"{"program":1}"#, &BTreeMap::new()), None);
    }

    #[test]
    fn upstream_urls_take_params_rest_and_query() {
        let matched = PathMatch {
            params: BTreeMap::from([("id".to_owned(), "42".to_owned())]),
            rest: Some("a/b".into()),
        };
        assert_eq!(
            upstream_url("https://up.example/items/{id}", &matched, Some("x=1")),
            "https://up.example/items/42/a/b?x=1"
        );
        assert_eq!(
            upstream_url(
                "http://127.0.0.1:9/?k=v",
                &PathMatch::default(),
                Some("x=1")
            ),
            "http://127.0.0.1:9/?k=v&x=1"
        );
        assert_eq!(
            upstream_url(
                "http://h/base/",
                &PathMatch {
                    rest: Some(String::new()),
                    ..Default::default()
                },
                None
            ),
            "http://h/base/"
        );
    }
}
