-- The session's Yjs document (for y-websocket clients): every change as a v1 update, in the order it was
-- applied, and a snapshot of the whole document that includes the updates up to `through_seq` (which
-- are then deleted). Replaying both rebuilds the document with every client's ids and clocks.
CREATE TABLE IF NOT EXISTS yjs_updates (
    seq    INTEGER PRIMARY KEY,
    update_v1 BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS yjs_snapshot (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    through_seq INTEGER NOT NULL,
    state_v1    BLOB    NOT NULL
);
