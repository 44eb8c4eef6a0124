-- The API key changes the session was told lately (synq_gateway::recent_key_changes): a join with a key
-- revoked or rotated while its upgrade was on its way is refused or re-dated. One row per key (the change
-- as its wire JSON, synq_gateway::key_sockets::KeySocketChange), stale after REMEMBER_MS and at most
-- MAX_REMEMBERED rows, pruned whenever another change is told.
CREATE TABLE IF NOT EXISTS told_key_changes (
    key_id  TEXT    PRIMARY KEY,
    change  TEXT    NOT NULL,
    told_at INTEGER NOT NULL -- epoch milliseconds
);
