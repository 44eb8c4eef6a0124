//! SynQ's ML core: labelled circuit datasets for the trainer.
//!
//! - [`families`]: seeded generators of the algorithm families users write (the family label);
//! - [`features`]: what a circuit looks like as written, before any transpilation;
//! - [`backends`]: backend profiles with published gate durations and fidelities, and the labels
//!   they give (ASAP-scheduled execution time, product-of-fidelities success probability), checked
//!   against a Pauli-trajectory simulation ([`noisy`]);
//! - [`optimization`]: what our optimizer achieves at each level (the recommender's labels);
//! - [`dataset`]: samples from generators and the corpus, the held-out split, per-task tables;
//! - [`spec`]: a training job's specification (the trainer world's `job-spec` on the wire);
//! - [`metrics`] and [`baselines`]: how models are scored, and what they must beat;
//! - [`jobs`]: the training-job state machine, leases and model versioning (pure rules);
//! - [`queue`]: those rules over a storage trait (D1/R2 at the edge, memory in tests).
//!
//! Pure and sans-IO: callers read corpus files and pass their text in.

pub mod backends;
pub mod baselines;
pub mod dataset;
pub mod families;
pub mod features;
pub mod jobs;
pub mod metrics;
pub mod noisy;
pub mod optimization;
pub mod queue;
pub mod rng;
pub mod spec;

pub use backends::{BackendLabel, BackendProfile, PROFILES};
pub use dataset::{Sample, Table, Task};
pub use families::Family;
pub use spec::{JobSpec, ModelKind, TargetTransform};
