-- Which sessions an API key opened WebSockets on, so that revoking the key (or rotating it) reaches the
-- sessions that hold its sockets (read and written by shared/gateway/src/sql_store.rs). One row per key
-- and session, written when a socket opens (only while the key is usable); a session whose sockets have
-- all closed is told anyway and finds none. Rows are pruned: a revoked key's once every session was told,
-- and those of keys revoked or expired synq_gateway::store::KEY_SOCKET_RETENTION_MS ago whenever a key
-- socket is noted. An active key's rows stay while it lives (one per session it opened sockets on).
CREATE TABLE gateway_key_sockets (
    key_id     TEXT    NOT NULL,               -- gateway_keys.key_id
    session_id TEXT    NOT NULL,
    opened_at  INTEGER NOT NULL,               -- the latest socket's opening
    PRIMARY KEY (key_id, session_id)
);
