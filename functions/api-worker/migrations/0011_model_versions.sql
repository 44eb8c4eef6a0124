-- The model registry: every model a completed training job registered, one row per task and semantic
-- version (synq_ml::jobs::next_version). The ONNX bytes live in R2 (binding MODELS) under `blob_key`.
CREATE TABLE model_versions (
    task       TEXT    NOT NULL,
    major      INTEGER NOT NULL,  -- three columns, so that ORDER BY sorts versions as versions
    minor      INTEGER NOT NULL,
    patch      INTEGER NOT NULL,
    job_id     TEXT    NOT NULL REFERENCES training_jobs (job_id),
    blob_key   TEXT    NOT NULL,
    metrics    TEXT    NOT NULL,  -- [[name, value], …] on held-out data
    created_at INTEGER NOT NULL,
    PRIMARY KEY (task, major, minor, patch)
);
