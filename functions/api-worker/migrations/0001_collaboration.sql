-- The sessions index (D1): every session made through the collaboration REST API, its lineage, and the
-- roles its owners granted. The documents are not here: each lives in its Session Durable Object.
-- Applied by `wrangler d1 migrations apply DB` (scripts/dev.sh and the e2e harness do it locally).
CREATE TABLE sessions (
    session_id      TEXT    PRIMARY KEY,
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    created_by      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL, -- epoch milliseconds
    updated_at      INTEGER NOT NULL,
    parent_id       TEXT    REFERENCES sessions (session_id), -- a branch's parent
    base_revision   INTEGER,                                  -- the parent revision it forked at
    merged_by       TEXT,
    merged_at       INTEGER,
    merged_revision INTEGER                                   -- the parent's revision after the merge
);
CREATE INDEX sessions_by_parent ON sessions (parent_id);

CREATE TABLE participants (
    session_id TEXT    NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
    user_id    TEXT    NOT NULL,
    role       TEXT    NOT NULL CHECK (role IN ('owner', 'editor', 'viewer', 'guest')),
    added_by   TEXT    NOT NULL,
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX participants_by_user ON participants (user_id, session_id);
