-- The Session Durable Object's own SQLite: the op log and the latest snapshot of one session.
-- Applied on every start (idempotent); later schema changes go in new numbered files.
CREATE TABLE IF NOT EXISTS ops (
    revision     INTEGER PRIMARY KEY,
    user_id      TEXT    NOT NULL,
    operation_id TEXT    NOT NULL,
    op           TEXT    NOT NULL, -- JSON array of steps, as applied at this revision
    timestamp    INTEGER NOT NULL  -- epoch milliseconds
);
CREATE TABLE IF NOT EXISTS snapshot (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL,
    content  TEXT    NOT NULL
);
