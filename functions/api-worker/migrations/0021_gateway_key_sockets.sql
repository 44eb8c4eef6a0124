-- Which sessions an API key opened WebSockets on, so that revoking the key (or rotating it) reaches the
-- sessions that hold its sockets (read and written by shared/gateway/src/sql_store.rs). One row per key
-- and session, written when a socket opens; a session whose sockets have all closed is told anyway and
-- finds none.
CREATE TABLE gateway_key_sockets (
    key_id     TEXT    NOT NULL,               -- gateway_keys.key_id
    session_id TEXT    NOT NULL,
    opened_at  INTEGER NOT NULL,               -- the latest socket's opening
    PRIMARY KEY (key_id, session_id)
);
