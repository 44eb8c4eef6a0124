-- One registered model per training job (a job completes once). Completing a job registers its model and
-- saves the job in one batch, and the job's save is conditioned on its model row existing: this index
-- makes that lookup direct and the rule a constraint.
CREATE UNIQUE INDEX model_versions_by_job ON model_versions (job_id);
