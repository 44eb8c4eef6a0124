-- Threaded comments: one row per thread, the thread (with replies and its line anchor) as JSON.
CREATE TABLE IF NOT EXISTS comments (
    comment_id TEXT PRIMARY KEY,
    thread     TEXT NOT NULL
);
