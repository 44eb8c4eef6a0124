-- Version history. The op log (`ops`) now keeps the retained span of edits (compacted by the engine's
-- rule, see synq_core::session::history); beside the latest snapshot (`snapshot`, for reloads) the history
-- keeps one every `snapshot_every` revisions, and named checkpoints keep their documents for good.
CREATE TABLE IF NOT EXISTS history_snapshots (
    revision INTEGER PRIMARY KEY,
    content  TEXT    NOT NULL
);
-- The latest snapshot of a session older than this migration is its oldest rebuildable document.
INSERT OR IGNORE INTO history_snapshots (revision, content) SELECT revision, content FROM snapshot;
CREATE TABLE IF NOT EXISTS checkpoints (
    name       TEXT    PRIMARY KEY,
    revision   INTEGER NOT NULL,
    content    TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL -- epoch milliseconds
);
CREATE INDEX IF NOT EXISTS checkpoints_by_revision ON checkpoints (revision);
