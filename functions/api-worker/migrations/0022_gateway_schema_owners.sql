-- Every GraphQL schema name has an owner: the user who published its version 1 (also when they used an API
-- key). Only the owner or a gateway admin publishes further versions; the owner is copied onto every version
-- row, so a publish is one conditional INSERT (shared/gateway/src/sql_store.rs) and the per-owner cap on
-- names counts version-1 rows.
ALTER TABLE gateway_schemas ADD COLUMN owner TEXT NOT NULL DEFAULT '';  -- a user id; '' = nobody

-- Existing names: the publisher of version 1 owns them. `user:<id>` is that user; `key:<id>` is the key's
-- owner (keys are never deleted, so one is found); anything else stays '' (no owner: only an admin may
-- publish further versions of it).
UPDATE gateway_schemas SET owner = COALESCE((
    SELECT CASE
        WHEN substr(first.created_by, 1, 5) = 'user:' THEN substr(first.created_by, 6)
        WHEN substr(first.created_by, 1, 4) = 'key:' THEN
            (SELECT k.owner FROM gateway_keys k WHERE k.key_id = substr(first.created_by, 5))
    END
    FROM gateway_schemas first
    WHERE first.name = gateway_schemas.name AND first.version = 1
), '');

-- How many names an owner has (their version-1 rows), for the cap.
CREATE INDEX gateway_schemas_by_owner ON gateway_schemas (owner, version);
