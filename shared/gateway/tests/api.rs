#![allow(clippy::unwrap_used)]
//! The gateway's REST handlers over the in-memory store and counters: keys end to end through
//! authentication, who may do what, routes, quotas and usage, analytics, the schema registry.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use serde_json::{Value, json};
use synq_core::auth::{Hs256Secret, SessionClaims, TokenVerifier, issue_hs256};
use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::analytics::{RequestRecord, rollup};
use synq_gateway::api::{
    self, Context, Endpoint, GatewayRoute, MemoryCounters, RateCounters, Reply,
};
use synq_gateway::keys::KEY_ENTROPY;
use synq_gateway::limit::{LimitRequest, RateLimit, checks_for};
use synq_gateway::{
    AuthConfig, CachedKeys, Credential, GatewayStore, KEY_CACHE_TTL_MS, KeyCache, MemoryStore,
    Principal, authenticate,
};

const NOW: EpochMillis = EpochMillis(1_800_000_000_000);
const SECRET: &[u8] = b"gateway-test-secret";

/// The in-memory store and counters never wait, so one poll finishes every future.
fn run<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut TaskContext::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("an in-memory future was pending"),
    }
}

struct Gateway {
    store: MemoryStore,
    counters: MemoryCounters,
    auth: AuthConfig,
    now: EpochMillis,
    seed: u8,
}

impl Gateway {
    fn new() -> Self {
        Gateway {
            store: MemoryStore::default(),
            counters: MemoryCounters::default(),
            auth: AuthConfig {
                verifier: TokenVerifier::default().with_hs256(Hs256Secret::new(SECRET)),
                admins: BTreeSet::from(["root".to_owned()]),
            },
            now: NOW,
            seed: 0,
        }
    }

    fn jwt(&self, user: &str) -> String {
        let claims = SessionClaims {
            sub: user.into(),
            ..Default::default()
        };
        issue_hs256(&Hs256Secret::new(SECRET), claims, self.now, 3_600_000).unwrap()
    }

    fn who(&self, credential: &str) -> Result<Principal, ApiError> {
        let credential =
            Credential::from_request(Some(&format!("Bearer {credential}")), None, None);
        run(authenticate(&credential, &self.auth, &self.store, self.now)).map(|c| c.principal)
    }

    /// `method path` as `credential` (a JWT or a key), with `body`; `path` may carry a query string.
    fn call(
        &mut self,
        credential: &str,
        method: &str,
        path: &str,
        body: Value,
    ) -> Result<Reply, ApiError> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let GatewayRoute::Endpoint(endpoint) = api::route(method, path) else {
            panic!("{method} {path} is not an endpoint");
        };
        let principal = if endpoint.is_public() {
            None
        } else {
            Some(self.who(credential)?)
        };
        self.seed = self.seed.wrapping_add(1);
        let query = query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<BTreeMap<_, _>>();
        let cx = Context {
            store: &self.store,
            counters: &self.counters,
            principal: principal.as_ref(),
            now: self.now,
            entropy: [self.seed; KEY_ENTROPY],
            query,
            default_rate: RateLimit::DEFAULT_USER,
        };
        let body = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(&body).unwrap()
        };
        run(api::handle(&endpoint, &cx, &body))
    }

    fn ok(&mut self, credential: &str, method: &str, path: &str, body: Value) -> Value {
        match self.call(credential, method, path, body) {
            Ok(reply) => reply.body,
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    fn err(&mut self, credential: &str, method: &str, path: &str, body: Value) -> ApiError {
        self.call(credential, method, path, body).unwrap_err()
    }
}

#[test]
fn a_key_is_created_used_rotated_and_revoked() {
    let mut gw = Gateway::new();
    let alice = gw.jwt("alice");
    let created = gw
        .call(
            &alice,
            "POST",
            "keys",
            json!({"name": "ci", "scopes": ["read", "write"]}),
        )
        .unwrap();
    assert_eq!(created.status, 201);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["status"], "active");

    let by_key = gw.who(&secret).unwrap();
    assert_eq!(
        (by_key.user.as_str(), by_key.id()),
        ("alice", format!("key:{id}"))
    );
    assert!(gw.who(&format!("{secret}x")).is_err());

    // Listing shows metadata only.
    let list = gw.ok(&secret, "GET", "keys", Value::Null);
    assert_eq!(list["keys"][0]["id"], id.as_str());
    assert!(!list.to_string().contains(&secret));

    // Rotation: both work during the grace period, the old one not after.
    let rotated = gw.ok(
        &alice,
        "POST",
        &format!("keys/{id}/rotate"),
        json!({"grace_period_ms": 60_000}),
    );
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    let new_id = rotated["id"].as_str().unwrap().to_owned();
    assert_eq!(rotated["previous"]["status"], "rotating");
    assert_eq!(rotated["previous"]["replaced_by"], new_id.as_str());
    assert!(gw.who(&secret).is_ok() && gw.who(&new_secret).is_ok());
    gw.now = EpochMillis(NOW.0 + 60_000);
    assert_eq!(gw.who(&secret).unwrap_err().code, ErrorCode::TokenExpired);
    assert!(gw.who(&new_secret).is_ok());

    // Revocation is immediate.
    let revoked = gw.ok(&alice, "DELETE", &format!("keys/{new_id}"), Value::Null);
    assert_eq!(revoked["status"], "revoked");
    let e = gw.who(&new_secret).unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthorized);
    assert!(e.message.contains("revoked"));
}

#[test]
fn a_key_caller_carries_its_owner_without_token_roles_and_its_expiry() {
    let mut gw = Gateway::new();
    let claims = SessionClaims {
        sub: "amy".into(),
        roles: [("*".to_owned(), synq_core::auth::Role::Editor)].into(),
        ..Default::default()
    };
    let token = issue_hs256(&Hs256Secret::new(SECRET), claims, gw.now, 3_600_000).unwrap();
    let credential = |c: &str| Credential::from_request(None, Some(c), None);
    let by_jwt = run(authenticate(
        &credential(&token),
        &gw.auth,
        &gw.store,
        gw.now,
    ))
    .unwrap();
    assert_eq!(
        by_jwt.claims.role_in("any"),
        Some(synq_core::auth::Role::Editor)
    );
    assert!(by_jwt.valid_until.is_some_and(|t| t.0 >= NOW.0 + 3_600_000));

    let expires = NOW.0 + 5_000;
    let created = gw.ok(
        &token,
        "POST",
        "keys",
        json!({"name": "bot", "scopes": ["read"], "expires_at": expires}),
    );
    let secret = created["secret"].as_str().unwrap();
    let by_key = run(authenticate(
        &credential(secret),
        &gw.auth,
        &gw.store,
        gw.now,
    ))
    .unwrap();
    assert_eq!(by_key.claims.sub, "amy");
    assert!(
        by_key.claims.roles.is_empty(),
        "token roles do not travel with a key"
    );
    assert_eq!(by_key.valid_until, Some(EpochMillis(expires)));
    assert_eq!(
        by_key.principal.scopes.as_slice(),
        [synq_gateway::Scope::Read]
    );
}

#[test]
fn a_cached_key_sees_a_revocation_elsewhere_within_the_ttl_and_at_once_when_forgotten() {
    let mut gw = Gateway::new();
    let alice = gw.jwt("alice");
    let mut made = Vec::new();
    for name in ["elsewhere", "here"] {
        let created = gw.ok(&alice, "POST", "keys", json!({ "name": name }));
        let secret = created["secret"].as_str().unwrap();
        let id = created["id"].as_str().unwrap();
        made.push((
            Credential::from_request(None, Some(secret), None),
            id.to_owned(),
        ));
    }
    let cache = std::cell::RefCell::new(KeyCache::default());
    let who = |credential: &Credential, now: EpochMillis| {
        let keys = CachedKeys {
            store: &gw.store,
            cache: &cache,
            now,
        };
        run(authenticate(credential, &gw.auth, &keys, now))
    };
    let revoke_in_store = |id: &str| {
        run(gw.store.revoke_key(id, NOW)).unwrap().unwrap();
    };
    for (credential, _) in &made {
        assert!(
            who(credential, NOW).is_ok(),
            "read from the store, and kept"
        );
    }

    // Revoked behind this cache's back (through another isolate): the copy serves until its TTL ends.
    let (elsewhere, id) = &made[0];
    revoke_in_store(id);
    assert!(who(elsewhere, EpochMillis(NOW.0 + KEY_CACHE_TTL_MS - 1)).is_ok());
    let refused = who(elsewhere, EpochMillis(NOW.0 + KEY_CACHE_TTL_MS)).unwrap_err();
    assert!(refused.message.contains("revoked"), "{refused:?}");

    // The isolate that revokes forgets its copy: no lag there.
    let (here, id) = &made[1];
    revoke_in_store(id);
    cache.borrow_mut().forget(id);
    assert_eq!(who(here, NOW).unwrap_err().code, ErrorCode::Unauthorized);
}

#[test]
fn keys_never_exceed_their_creator() {
    let mut gw = Gateway::new();
    let alice = gw.jwt("alice");
    let e = gw.err(
        &alice,
        "POST",
        "keys",
        json!({"name": "x", "scopes": ["admin"]}),
    );
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::Forbidden, Some("scopes"))
    );
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "x", "scopes": []}), "scopes"),
        (json!({"name": "x", "scopes": ["root"]}), "scopes[0]"),
        (json!({"name": "x", "expires_at": NOW.0}), "expires_at"),
        (json!({"scopes": ["read"]}), "name"),
    ] {
        let e = gw.err(&alice, "POST", "keys", body.clone());
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidMessage, Some(field)),
            "{body}"
        );
    }
    // A write key cannot mint keys; an admin's admin key can.
    let write = gw.ok(
        &alice,
        "POST",
        "keys",
        json!({"name": "w", "scopes": ["write"]}),
    );
    let write = write["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        gw.err(&write, "POST", "keys", json!({"name": "y"})).code,
        ErrorCode::Forbidden
    );
    let root = gw.jwt("root");
    let admin = gw.ok(
        &root,
        "POST",
        "keys",
        json!({"name": "a", "scopes": ["admin"]}),
    );
    let admin = admin["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        gw.call(&admin, "POST", "keys", json!({"name": "b"}))
            .unwrap()
            .status,
        201
    );
    // Others' keys are not found; admins may revoke them.
    let bob = gw.jwt("bob");
    let alices = gw.ok(&alice, "GET", "keys", Value::Null)["keys"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        gw.err(&bob, "DELETE", &format!("keys/{alices}"), Value::Null)
            .code,
        ErrorCode::NotFound
    );
    assert_eq!(
        gw.ok(&root, "DELETE", &format!("keys/{alices}"), Value::Null)["status"],
        "revoked"
    );
    // An expired key.
    let expiring = gw.ok(
        &alice,
        "POST",
        "keys",
        json!({"name": "e", "expires_at": NOW.0 + 10}),
    );
    gw.now = EpochMillis(NOW.0 + 10);
    assert_eq!(
        gw.who(expiring["secret"].as_str().unwrap())
            .unwrap_err()
            .code,
        ErrorCode::TokenExpired
    );
}

#[test]
fn only_its_owner_rotates_a_key_and_an_admin_may_revoke_it() {
    let mut gw = Gateway::new();
    let (alice, bob, root) = (gw.jwt("alice"), gw.jwt("bob"), gw.jwt("root"));
    let created = gw.ok(&alice, "POST", "keys", json!({"name": "ci"}));
    let id = created["id"].as_str().unwrap().to_owned();
    let rotate = format!("keys/{id}/rotate");

    // An admin sees the key but may not take a secret that acts as alice: 403, and nothing changes.
    let refused = gw.err(&root, "POST", &rotate, Value::Null);
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert_eq!(refused.code.http_status(), 403);
    assert!(refused.message.contains("owner"), "{}", refused.message);
    let admin_key = gw.ok(
        &root,
        "POST",
        "keys",
        json!({"name": "ops", "scopes": ["admin"]}),
    );
    let admin_key = admin_key["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        gw.err(&admin_key, "POST", &rotate, Value::Null).code,
        ErrorCode::Forbidden
    );
    assert_eq!(
        gw.ok(&alice, "GET", "keys", Value::Null)["keys"][0]["status"],
        "active"
    );
    // Anyone else does not learn that it exists.
    assert_eq!(
        gw.err(&bob, "POST", &rotate, Value::Null).code,
        ErrorCode::NotFound
    );
    // The owner rotates; the admin revokes.
    let rotated = gw.call(&alice, "POST", &rotate, Value::Null).unwrap();
    assert_eq!(rotated.status, 201);
    let new_id = rotated.body["id"].as_str().unwrap();
    assert_eq!(
        gw.ok(&root, "DELETE", &format!("keys/{new_id}"), Value::Null)["status"],
        "revoked"
    );
}

#[test]
fn a_socket_needs_read_and_edits_only_with_write() {
    use synq_core::auth::Role;
    let mut gw = Gateway::new();
    let (alice, root) = (gw.jwt("alice"), gw.jwt("root"));
    let key = |gw: &mut Gateway, token: &str, scopes: Value| {
        let created = gw.ok(
            token,
            "POST",
            "keys",
            json!({"name": "k", "scopes": scopes}),
        );
        created["secret"].as_str().unwrap().to_owned()
    };
    let reader = key(&mut gw, &alice, json!(["read"]));
    let writer = key(&mut gw, &alice, json!(["write"]));
    let ops = key(&mut gw, &root, json!(["admin"]));

    let by_reader = gw.who(&reader).unwrap();
    by_reader.may_join().unwrap();
    assert_eq!(by_reader.join_role(Role::Editor), Role::Guest);
    let by_writer = gw.who(&writer).unwrap();
    by_writer.may_join().unwrap();
    assert_eq!(by_writer.join_role(Role::Editor), Role::Editor);
    assert_eq!(gw.who(&alice).unwrap().join_role(Role::Owner), Role::Owner);

    // Root is no longer an admin: the admin-only key keeps no scope, and cannot join.
    gw.auth.admins.clear();
    let by_ops = gw.who(&ops).unwrap();
    assert!(by_ops.scopes.as_slice().is_empty());
    let refused = by_ops.may_join().unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert!(refused.message.contains("`read`"), "{}", refused.message);
}

#[test]
fn routes_are_for_admins_and_validated() {
    let mut gw = Gateway::new();
    let root = gw.jwt("root");
    let alice = gw.jwt("alice");
    let spec = json!({"path": "/v2/analyze", "methods": ["POST"], "target": {"handler": "circuits.analyze"},
                      "transform": {"request_rename": {"program": "qasm"}}});
    assert_eq!(
        gw.err(&alice, "POST", "routes", spec.clone()).code,
        ErrorCode::Forbidden
    );
    let created = gw.call(&root, "POST", "routes", spec).unwrap();
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("rt_"));
    assert_eq!(
        gw.ok(&root, "GET", &format!("routes/{id}"), Value::Null)["path"],
        "/v2/analyze"
    );
    let updated = gw.ok(&root, "PUT", &format!("routes/{id}"),
        json!({"path": "/v2/analyze", "methods": ["POST"], "target": {"handler": "circuits.analyze"}, "enabled": false}));
    assert_eq!(
        (updated["enabled"].as_bool(), updated["created_at"].as_u64()),
        (Some(false), Some(NOW.0))
    );
    assert_eq!(
        gw.ok(&root, "GET", "routes", Value::Null)["routes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let e = gw.err(
        &root,
        "PUT",
        &format!("routes/{id}"),
        json!({"path": "/api/v1/x", "methods": ["GET"], "target": {"handler": "health"}}),
    );
    assert_eq!(e.field.as_deref(), Some("path"));
    assert_eq!(
        gw.err(&root, "GET", "routes/rt_nope", Value::Null).code,
        ErrorCode::NotFound
    );
    assert_eq!(
        gw.err(&root, "POST", "routes", Value::Null).code,
        ErrorCode::MalformedMessage
    );
}

#[test]
fn quotas_limit_and_usage_reports_them() {
    let mut gw = Gateway::new();
    let root = gw.jwt("root");
    let alice = gw.jwt("alice");
    let spec = json!({"rate": {"requests_per_minute": 60, "burst": 2}, "quota": {"limit": 100, "period": "day"}});
    assert_eq!(
        gw.err(&alice, "PUT", "quotas/user:alice", spec.clone())
            .code,
        ErrorCode::Forbidden
    );
    assert_eq!(
        gw.err(&root, "PUT", "quotas/alice", spec.clone())
            .field
            .as_deref(),
        Some("principal")
    );
    gw.ok(&root, "PUT", "quotas/user:alice", spec);
    assert_eq!(
        gw.ok(&alice, "GET", "quotas/user:alice", Value::Null)["rate"]["burst"],
        2
    );
    let bobs = gw.ok(&root, "GET", "quotas/user:bob", Value::Null);
    assert_eq!(
        (
            bobs["default"].as_bool(),
            bobs["rate"]["requests_per_minute"].as_u64()
        ),
        (Some(true), Some(1000))
    );
    assert_eq!(
        gw.err(&alice, "GET", "quotas/user:bob", Value::Null).code,
        ErrorCode::Forbidden
    );

    // Two requests counted as the Worker counts them, then the check says no.
    let principal = gw.who(&alice).unwrap();
    let policy = run(gw.store.quota("user:alice")).unwrap();
    let request = LimitRequest {
        checks: checks_for(
            &principal,
            policy.as_ref(),
            None,
            None,
            RateLimit::DEFAULT_USER,
        ),
        consume: true,
    };
    for _ in 0..2 {
        assert!(
            run(gw.counters.decide("alice", &request, gw.now))
                .unwrap()
                .allowed
        );
    }
    let check = gw.ok(&alice, "POST", "quotas/check", Value::Null);
    assert_eq!(
        (check["allowed"].as_bool(), check["retry_after_ms"].as_u64()),
        (Some(false), Some(1000))
    );
    assert_eq!(check["buckets"][0]["quota"]["used"], 2);
    // Checking counts nothing.
    let again = gw.ok(&alice, "POST", "quotas/check", json!({}));
    assert_eq!(again["buckets"][0]["quota"]["used"], 2);

    let records: Vec<RequestRecord> = (0..3)
        .map(|i| RequestRecord {
            at: NOW,
            route: "circuits.analyze".into(),
            status: if i < 2 { 200 } else { 429 },
            principal: "user:alice".into(),
            latency_ms: 4,
        })
        .collect();
    run(gw.store.add_analytics(&rollup(&records))).unwrap();
    let usage = gw.ok(&alice, "GET", "usage", Value::Null);
    assert_eq!(usage["principal"], "user:alice");
    assert_eq!(usage["requests"]["requests"], 3);
    assert_eq!(usage["requests"]["by_status"]["429"], 1);
    assert_eq!(usage["buckets"][0]["quota"]["remaining"], 98);
    assert_eq!(
        gw.err(&alice, "GET", "usage?principal=user:bob", Value::Null)
            .code,
        ErrorCode::Forbidden
    );
    assert_eq!(
        gw.ok(&root, "GET", "usage?principal=user:alice", Value::Null)["requests"]["requests"],
        3
    );

    // Analytics is for admins.
    assert_eq!(
        gw.err(&alice, "GET", "analytics", Value::Null).code,
        ErrorCode::Forbidden
    );
    let report = gw.ok(&root, "GET", "analytics?bucket=hour", Value::Null);
    assert_eq!(report["totals"]["by_route"]["circuits.analyze"], 3);
    assert_eq!(
        gw.err(&root, "GET", "analytics?bucket=week", Value::Null)
            .field
            .as_deref(),
        Some("bucket")
    );
}

#[test]
fn the_schema_registry_versions_valid_documents() {
    let mut gw = Gateway::new();
    let alice = gw.jwt("alice");
    let v1 = gw
        .call(
            &alice,
            "POST",
            "schemas",
            json!({"name": "ide", "sdl": "type Query { a: Int }"}),
        )
        .unwrap();
    assert_eq!((v1.status, v1.body["version"].as_u64()), (201, Some(1)));
    let same = gw
        .call(
            &alice,
            "POST",
            "schemas",
            json!({"name": "ide", "sdl": "type Query { a: Int }"}),
        )
        .unwrap();
    assert_eq!((same.status, same.body["version"].as_u64()), (200, Some(1)));
    let v2 = gw.ok(
        &alice,
        "POST",
        "schemas",
        json!({"name": "ide", "sdl": "type Query { a: Int b: String }"}),
    );
    assert_eq!(v2["version"], 2);
    assert_eq!(
        gw.ok(&alice, "GET", "schemas/ide", Value::Null)["version"],
        2
    );
    assert_eq!(
        gw.ok(&alice, "GET", "schemas/ide/versions/1", Value::Null)["sdl"],
        "type Query { a: Int }"
    );
    let list = gw.ok(&alice, "GET", "schemas", Value::Null);
    assert_eq!(
        (
            list["schemas"][0]["version"].as_u64(),
            list["schemas"][0].get("sdl")
        ),
        (Some(2), None)
    );
    let e = gw.err(
        &alice,
        "POST",
        "schemas",
        json!({"name": "ide", "sdl": "type Query {\n  a: Nope\n}"}),
    );
    assert_eq!(
        (e.code, e.field.as_deref(), e.line),
        (ErrorCode::InvalidMessage, Some("sdl"), Some(2))
    );
    assert_eq!(
        gw.err(&alice, "GET", "schemas/ide/versions/x", Value::Null)
            .field
            .as_deref(),
        Some("version")
    );
    assert_eq!(
        gw.err(&alice, "GET", "schemas/ide/versions/9", Value::Null)
            .code,
        ErrorCode::NotFound
    );
    // A read-only key may read but not store.
    let read = gw.ok(&alice, "POST", "keys", json!({"name": "r"}))["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        gw.ok(&read, "GET", "schemas/ide", Value::Null)["version"],
        2
    );
    assert_eq!(
        gw.err(
            &read,
            "POST",
            "schemas",
            json!({"name": "x", "sdl": "type Query { a: Int }"})
        )
        .code,
        ErrorCode::Forbidden
    );
}

/// `POST schemas` as `who`: document number `n` under `name`.
fn publish(gw: &mut Gateway, who: &str, name: &str, n: u32) -> Result<Reply, ApiError> {
    let sdl = format!("type Query {{ v{n}: Int }}");
    gw.call(who, "POST", "schemas", json!({"name": name, "sdl": sdl}))
}

/// A refusal with `code`, whose message says `needle`.
fn refused(result: Result<Reply, ApiError>, code: ErrorCode, needle: &str) {
    let e = result.map(|r| r.body).unwrap_err();
    assert_eq!(e.code, code, "{}", e.message);
    assert!(e.message.contains(needle), "{}", e.message);
}

#[test]
fn only_a_schemas_owner_or_an_admin_publishes_its_versions() {
    let mut gw = Gateway::new();
    let (alice, bob, root) = (gw.jwt("alice"), gw.jwt("bob"), gw.jwt("root"));
    publish(&mut gw, &alice, "ide", 1).unwrap();
    // Another user may read it, but not publish a new version, nor the same document again: 403.
    for n in [2, 1] {
        let e = publish(&mut gw, &bob, "ide", n);
        refused(
            e,
            ErrorCode::Forbidden,
            "owned by `alice`: only its owner, or an admin, may publish new versions",
        );
    }
    assert_eq!(ErrorCode::Forbidden.http_status(), 403);
    let read = gw.ok(&bob, "GET", "schemas/ide", Value::Null);
    assert_eq!(
        (read["version"].as_u64(), read["owner"].as_str()),
        (Some(1), Some("alice"))
    );
    // Through a key the owner is the key's user; an admin may publish too, and the owner stays.
    let key = gw.ok(
        &alice,
        "POST",
        "keys",
        json!({"name": "ci", "scopes": ["read", "write"]}),
    )["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let v2 = publish(&mut gw, &key, "ide", 2).unwrap().body;
    assert_eq!(
        (v2["version"].as_u64(), v2["owner"].as_str()),
        (Some(2), Some("alice"))
    );
    assert!(v2["created_by"].as_str().unwrap().starts_with("key:"));
    let v3 = publish(&mut gw, &root, "ide", 3).unwrap().body;
    assert_eq!(
        (
            v3["version"].as_u64(),
            v3["owner"].as_str(),
            v3["created_by"].as_str()
        ),
        (Some(3), Some("alice"), Some("user:root"))
    );
    // A name first published through a key belongs to the key's user.
    publish(&mut gw, &key, "by-key", 1).unwrap();
    publish(&mut gw, &alice, "by-key", 2).unwrap();
    let list = gw.ok(&bob, "GET", "schemas", Value::Null);
    let owners: Vec<_> = list["schemas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["owner"].as_str().unwrap()))
        .collect();
    assert_eq!(owners, [("by-key", "alice"), ("ide", "alice")]);
}

#[test]
fn only_a_schemas_owner_or_an_admin_deletes_it_or_gives_it_away() {
    let mut gw = Gateway::new();
    let (alice, bob, root) = (gw.jwt("alice"), gw.jwt("bob"), gw.jwt("root"));
    publish(&mut gw, &alice, "ide", 1).unwrap();
    publish(&mut gw, &alice, "ide", 2).unwrap();
    let give = |to: &str| json!({ "owner": to });
    // Another user, and a read-only key of the owner's: 403; an unknown name: 404.
    for (method, path, body) in [
        ("DELETE", "schemas/ide", Value::Null),
        ("PUT", "schemas/ide/owner", give("bob")),
    ] {
        refused(
            gw.call(&bob, method, path, body.clone()),
            ErrorCode::Forbidden,
            "owned by `alice`: only its owner, or an admin, may",
        );
        let read = gw.ok(&alice, "POST", "keys", json!({"name": "r"}))["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        refused(
            gw.call(&read, method, path, body.clone()),
            ErrorCode::Forbidden,
            "`write` scope",
        );
        let missing = path.replace("ide", "nope");
        refused(
            gw.call(&alice, method, &missing, body),
            ErrorCode::NotFound,
            "no schema `nope`",
        );
    }
    for bad in [
        json!({"owner": ""}),
        json!({"owner": " "}),
        json!({"owner": "a\nb"}),
        json!({"owner": " bob"}),
    ] {
        let e = gw.err(&alice, "PUT", "schemas/ide/owner", bad);
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidMessage, Some("owner"))
        );
    }
    let extra = gw.err(
        &alice,
        "PUT",
        "schemas/ide/owner",
        json!({"owner": "bob", "x": 1}),
    );
    assert_eq!(extra.code, ErrorCode::InvalidMessage);

    // The owner may not give it away (bob is not asked); an admin gives it to bob: bob publishes,
    // alice no more.
    refused(
        gw.call(&alice, "PUT", "schemas/ide/owner", give("bob")),
        ErrorCode::Forbidden,
        "only an admin may give schema `ide` to another user",
    );
    let moved = gw.ok(&root, "PUT", "schemas/ide/owner", give("bob"));
    assert_eq!(
        moved,
        json!({"name": "ide", "owner": "bob", "previous_owner": "alice"})
    );
    refused(
        publish(&mut gw, &alice, "ide", 3),
        ErrorCode::Forbidden,
        "owned by `bob`",
    );
    let v3 = publish(&mut gw, &bob, "ide", 3).unwrap().body;
    assert_eq!(
        (v3["version"].as_u64(), v3["owner"].as_str()),
        (Some(3), Some("bob"))
    );
    assert_eq!(
        gw.ok(&alice, "GET", "schemas/ide/versions/1", Value::Null)["owner"],
        "bob"
    );
    // Giving it to its owner changes nothing; an admin gives it back, and deletes it.
    let same = gw.ok(&bob, "PUT", "schemas/ide/owner", give("bob"));
    assert_eq!(same["previous_owner"], "bob");
    gw.ok(&root, "PUT", "schemas/ide/owner", give("alice"));
    let deleted = gw.ok(&root, "DELETE", "schemas/ide", Value::Null);
    assert_eq!(
        deleted,
        json!({"name": "ide", "owner": "alice", "versions": 3})
    );
    refused(
        gw.call(&alice, "GET", "schemas/ide", Value::Null),
        ErrorCode::NotFound,
        "no schema `ide`",
    );
    // The name is free: bob publishes a new version 1, and deletes it himself.
    let anew = publish(&mut gw, &bob, "ide", 9).unwrap();
    assert_eq!(
        (
            anew.status,
            anew.body["version"].as_u64(),
            anew.body["owner"].as_str()
        ),
        (201, Some(1), Some("bob"))
    );
    let own = gw.ok(&bob, "DELETE", "schemas/ide", Value::Null);
    assert_eq!(own["versions"], 1);
}

#[test]
fn a_schema_is_given_only_to_a_user_with_room_for_it() {
    use synq_gateway::schema::MAX_SCHEMAS_PER_OWNER;
    let mut gw = Gateway::new();
    let (alice, carol, root) = (gw.jwt("alice"), gw.jwt("carol"), gw.jwt("root"));
    for n in 0..MAX_SCHEMAS_PER_OWNER {
        publish(&mut gw, &carol, &format!("c{n}"), 1).unwrap();
    }
    publish(&mut gw, &alice, "gift", 1).unwrap();
    refused(
        gw.call(
            &root,
            "PUT",
            "schemas/gift/owner",
            json!({"owner": "carol"}),
        ),
        ErrorCode::LimitExceeded,
        "owns 50 schemas, the most allowed, so schema `gift` cannot be given to them",
    );
    assert_eq!(
        gw.ok(&alice, "GET", "schemas/gift", Value::Null)["owner"],
        "alice"
    );
    // Once carol deletes one of hers, she has room.
    gw.ok(&carol, "DELETE", "schemas/c0", Value::Null);
    gw.ok(
        &root,
        "PUT",
        "schemas/gift/owner",
        json!({"owner": "carol"}),
    );
}

#[test]
fn schema_versions_and_names_per_owner_are_capped() {
    use synq_gateway::schema::{MAX_SCHEMA_VERSIONS, MAX_SCHEMAS_PER_OWNER};
    assert_eq!(ErrorCode::LimitExceeded.http_status(), 429);
    let mut gw = Gateway::new();
    let alice = gw.jwt("alice");
    for n in 1..=MAX_SCHEMA_VERSIONS {
        publish(&mut gw, &alice, "long", n).unwrap();
    }
    let over = publish(&mut gw, &alice, "long", 0);
    refused(over, ErrorCode::LimitExceeded, "has 100 versions");
    // The newest document again stores nothing, so it is still answered.
    let same = publish(&mut gw, &alice, "long", MAX_SCHEMA_VERSIONS).unwrap();
    assert_eq!(same.status, 200);

    for n in 1..MAX_SCHEMAS_PER_OWNER {
        publish(&mut gw, &alice, &format!("n{n}"), 1).unwrap();
    }
    let over = publish(&mut gw, &alice, "one-more", 1);
    refused(over, ErrorCode::LimitExceeded, "owns 50 schemas");
    assert_eq!(
        gw.err(&alice, "GET", "schemas/one-more", Value::Null).code,
        ErrorCode::NotFound
    );
    // Other users are not held to alice's count.
    let bob = gw.jwt("bob");
    publish(&mut gw, &bob, "one-more", 1).unwrap();
}

#[test]
fn status_is_public_and_everything_else_needs_credentials() {
    let mut gw = Gateway::new();
    let status = gw.ok("", "GET", "status", Value::Null);
    assert_eq!(
        (status["status"].as_str(), status["routes"].as_u64()),
        (Some("ok"), Some(0))
    );
    assert_eq!(
        gw.err("", "GET", "keys", Value::Null).code,
        ErrorCode::Unauthorized
    );
    assert_eq!(
        gw.err("synq_nothex______x_y", "GET", "keys", Value::Null)
            .code,
        ErrorCode::Unauthorized
    );
    assert_eq!(
        gw.err("synq_0123456789ab_x", "GET", "keys", Value::Null)
            .code,
        ErrorCode::Unauthorized
    );
    assert!(matches!(
        api::route("GET", "status"),
        GatewayRoute::Endpoint(Endpoint::Status)
    ));
}
