-- A revision's Yjs update is stored on its op row: one row written per edit instead of two (every row
-- costs a b-tree insert at commit, which delays the broadcasts the output gate holds, and is billed).
-- `yjs_updates` keeps the updates that are no revision of the text. `through_revision` is the text's
-- revision when the Yjs snapshot was taken: rows after it hold the updates the snapshot lacks (NULL for
-- a snapshot from before this migration: every row is read once, until the next snapshot).
ALTER TABLE ops ADD COLUMN yjs_seq INTEGER;
ALTER TABLE ops ADD COLUMN yjs_update BLOB;
ALTER TABLE yjs_snapshot ADD COLUMN through_revision INTEGER;
