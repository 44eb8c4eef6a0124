-- The API gateway's control plane (D1): API keys, custom routes, quota policies, request analytics rolled
-- up by minute, and the GraphQL schema registry. Read and written by shared/gateway/src/sql_store.rs
-- (synq_gateway::GatewayStore). Times are epoch milliseconds.

-- Keys are stored as a SHA-256 hash beside their public id (the lookup prefix); never the secret.
CREATE TABLE gateway_keys (
    key_id      TEXT    PRIMARY KEY,          -- 12 hex digits, also inside the key: synq_<id>_<secret>
    owner       TEXT    NOT NULL,             -- the user whose requests the key makes
    name        TEXT    NOT NULL,
    scopes      TEXT    NOT NULL,             -- JSON array: ["read", "write", "admin"]
    hash        TEXT    NOT NULL,             -- SHA-256 of the whole key, hex
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,                      -- after a rotation: the end of the grace period
    revoked_at  INTEGER,
    replaced_by TEXT    REFERENCES gateway_keys (key_id)
);
CREATE INDEX gateway_keys_by_owner ON gateway_keys (owner, created_at);

-- A route's configuration (path pattern, methods, target, auth, limit, transforms) is one JSON document:
-- it is only ever read and written whole, and matched in the Worker.
CREATE TABLE gateway_routes (
    route_id   TEXT    PRIMARY KEY,           -- rt_ and 12 hex digits
    spec       TEXT    NOT NULL,              -- JSON synq_gateway::routes::RouteSpec
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE gateway_quotas (
    principal  TEXT    PRIMARY KEY,           -- user:<id> or key:<id>
    spec       TEXT    NOT NULL,              -- JSON synq_gateway::limit::QuotaSpec
    updated_at INTEGER NOT NULL
);

-- One row per minute, route, status and principal; a batch of requests adds into it (ON CONFLICT).
CREATE TABLE gateway_analytics (
    minute         INTEGER NOT NULL,          -- start of the minute
    route          TEXT    NOT NULL,          -- built-in endpoint name or custom route id
    status         INTEGER NOT NULL,
    principal      TEXT    NOT NULL,          -- '' when unauthenticated
    count          INTEGER NOT NULL,
    latency_sum_ms INTEGER NOT NULL,
    latency_max_ms INTEGER NOT NULL,
    PRIMARY KEY (minute, route, status, principal)
) WITHOUT ROWID;
CREATE INDEX gateway_analytics_by_principal ON gateway_analytics (principal, minute);

CREATE TABLE gateway_schemas (
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,              -- 1, 2, … per name
    sdl        TEXT    NOT NULL,
    hash       TEXT    NOT NULL,              -- SHA-256 of the document, hex
    types      INTEGER NOT NULL,
    created_by TEXT    NOT NULL,              -- user:<id> or key:<id>
    created_at INTEGER NOT NULL,
    PRIMARY KEY (name, version)
);
