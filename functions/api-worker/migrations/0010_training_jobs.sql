-- Offloaded training (issue 7): the jobs the edge queues and batch runners lease. The rules (states,
-- leases, attempts, versions) are synq_ml::jobs; this is only where a job is kept between requests.
-- A job goes pending → running → completed | failed; a running job whose lease expired is shown and
-- leased as pending again (lazily, when read). `revision` is bumped by every save and a save names the
-- revision it read, so two runners cannot both win one job (compare-and-swap).
CREATE TABLE training_jobs (
    job_id           TEXT    PRIMARY KEY,
    task             TEXT    NOT NULL,                 -- synq_ml::dataset::Task, snake case
    spec             TEXT    NOT NULL,                 -- the JobSpec as JSON (its u64 seed stays exact)
    state            TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'completed', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,       -- leases granted so far
    lease_runner     TEXT,                             -- the current lease: who, its secret, since, until
    lease_token      TEXT,
    lease_granted_at INTEGER,                          -- epoch milliseconds
    lease_expires_at INTEGER,
    progress_epoch   INTEGER,                          -- the last progress the holder reported
    progress_epochs  INTEGER,
    progress_loss    REAL,
    eta_at           INTEGER,                          -- when training should end, from its pace
    uploaded         INTEGER NOT NULL DEFAULT 0,       -- the holder stored the model blob
    metrics          TEXT    NOT NULL DEFAULT '[]',    -- [[name, value], …] on completion
    model_version    TEXT,                             -- "major.minor.patch" registered on completion
    failure          TEXT,                             -- the reason, when failed
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    revision         INTEGER NOT NULL DEFAULT 0
);
-- Leasing scans the open jobs oldest first; listing shows the newest first.
CREATE INDEX training_jobs_open ON training_jobs (created_at, job_id) WHERE state IN ('pending', 'running');
CREATE INDEX training_jobs_by_created ON training_jobs (created_at DESC, job_id DESC);
