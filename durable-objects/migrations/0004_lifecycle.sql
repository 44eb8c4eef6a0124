-- The session's lifecycle: one row, status (`created`/`active`/`archived`) and last activity (epoch ms).
CREATE TABLE IF NOT EXISTS lifecycle (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    status        TEXT NOT NULL,
    last_activity INTEGER NOT NULL
);
