//! Labelled samples and the per-task tables a trainer consumes.
//!
//! A sample is one circuit with its features (from the circuit as written) and its labels (from real
//! procedures: the backend schedules, the optimizer, the generator's family). Samples come from the
//! generators and from the committed corpus (`shared/circuits/tests/corpus/`), whose files are named
//! `<family>_<alg|native>_<size>.qasm`.

use serde::{Deserialize, Serialize};
use synq_circuits::Circuit;

use crate::backends::{BackendLabel, PROFILES};
use crate::families::Family;
use crate::features::{feature_names, features};
use crate::optimization::OptimizationLabel;
use crate::rng::Seeded;

/// Why a circuit could not become a sample.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{name}: {source}")]
    Parse {
        name: String,
        source: synq_circuits::CircuitError,
    },
    #[error("{name}: {source}")]
    Optimize {
        name: String,
        source: synq_circuits::OptError,
    },
}

/// One labelled circuit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// `generated/<family>/<index>` or `corpus/<file stem>`.
    pub name: String,
    /// The family, when it is one the generators know.
    pub family: Option<Family>,
    /// The features (see [`feature_names`]).
    pub features: Vec<f32>,
    /// Unitary gates as written (the baseline regressor's only input).
    pub gates: usize,
    /// One label per backend, in [`PROFILES`] order.
    pub backends: Vec<BackendLabel>,
    pub optimization: OptimizationLabel,
}

impl Sample {
    /// Labels a circuit.
    pub fn of(name: &str, family: Option<Family>, circuit: &Circuit) -> Result<Self, DatasetError> {
        let optimize_error = |source| DatasetError::Optimize {
            name: name.to_string(),
            source,
        };
        let backends = PROFILES
            .iter()
            .map(|p| p.label(circuit))
            .collect::<Result<Vec<_>, _>>()
            .map_err(optimize_error)?;
        Ok(Self {
            name: name.to_string(),
            family,
            features: features(circuit),
            gates: synq_circuits::opt::gate_count(circuit),
            backends,
            optimization: OptimizationLabel::of(circuit).map_err(optimize_error)?,
        })
    }
}

/// `per_family` generated circuits of every family, at most `max_qubits` qubits each.
pub fn generated(
    seed: u64,
    per_family: usize,
    max_qubits: usize,
) -> Result<Vec<Sample>, DatasetError> {
    let mut rng = Seeded::new(seed);
    let mut out = Vec::with_capacity(per_family * Family::ALL.len());
    for family in Family::ALL {
        for i in 0..per_family {
            let circuit = family.generate(&mut rng, max_qubits);
            out.push(Sample::of(
                &format!("generated/{}/{i}", family.name()),
                Some(family),
                &circuit,
            )?);
        }
    }
    Ok(out)
}

/// The family of a corpus file from its stem (`qpeexact_native_8` → phase estimation), when the
/// generators know it; MQT Bench's other benchmarks (amplitude estimation, HHL, quantum walks, …)
/// have none and serve as circuits unlike any known family.
pub fn corpus_family(stem: &str) -> Option<Family> {
    let benchmark = stem
        .split_once("_alg_")
        .or_else(|| stem.split_once("_native_"))
        .map_or(stem, |(b, _)| b);
    Some(match benchmark {
        "ghz" => Family::Ghz,
        "qft" | "qftentangled" => Family::Qft,
        "wstate" => Family::WState,
        "grover" => Family::Grover,
        "qaoa" => Family::Qaoa,
        "vqe_real_amp" | "vqe_su2" | "vqe_two_local" => Family::Vqe,
        "bv" => Family::BernsteinVazirani,
        "dj" => Family::DeutschJozsa,
        "cdkm_ripple_carry_adder"
        | "draper_qft_adder"
        | "vbe_ripple_carry_adder"
        | "full_adder"
        | "half_adder"
        | "modular_adder" => Family::Adder,
        "qpeexact" | "qpeinexact" => Family::PhaseEstimation,
        "randomcircuit" => Family::Random,
        _ => return None,
    })
}

/// Labels corpus files given as `(file stem, OpenQASM source)`.
pub fn corpus(files: &[(String, String)]) -> Result<Vec<Sample>, DatasetError> {
    files
        .iter()
        .map(|(stem, source)| {
            let circuit = synq_circuits::parse(source).map_err(|source| DatasetError::Parse {
                name: stem.clone(),
                source,
            })?;
            Sample::of(&format!("corpus/{stem}"), corpus_family(stem), &circuit)
        })
        .collect()
}

/// Whether a sample is in the held-out split: a seeded hash of its name, so the split does not
/// depend on the order samples were made in.
pub fn is_test(name: &str, seed: u64, test_fraction: f64) -> bool {
    // FNV-1a over the seed and the name.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Finalise (splitmix64) so near-identical names spread evenly.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    (h >> 11) as f64 / (1u64 << 53) as f64 <= test_fraction
}

/// The model a training job fits: what its targets are and which samples it uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Execution time of one shot on every backend profile (ns).
    ExecutionTime,
    /// Success probability on every backend profile.
    SuccessProbability,
    /// The algorithm family.
    Family,
    /// Clusters of the known families; circuits far from every cluster are anomalies.
    Anomaly,
    /// The lowest optimization level that reaches the fewest gates.
    OptimizationLevel,
    /// The share of gates the best level removes.
    OptimizationReduction,
}

impl Task {
    /// Every task.
    pub const ALL: [Task; 6] = [
        Task::ExecutionTime,
        Task::SuccessProbability,
        Task::Family,
        Task::Anomaly,
        Task::OptimizationLevel,
        Task::OptimizationReduction,
    ];

    /// The wire name (snake case).
    pub fn name(self) -> &'static str {
        match self {
            Task::ExecutionTime => "execution_time",
            Task::SuccessProbability => "success_probability",
            Task::Family => "family",
            Task::Anomaly => "anomaly",
            Task::OptimizationLevel => "optimization_level",
            Task::OptimizationReduction => "optimization_reduction",
        }
    }

    /// The task a wire name names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// Row-major features and targets, as the trainer's `dataset` record carries them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub feature_names: Vec<String>,
    pub features: Vec<f32>,
    pub target_names: Vec<String>,
    pub targets: Vec<f32>,
    /// The sample behind each row (empty when the table came over the wire).
    pub row_names: Vec<String>,
}

impl Table {
    /// Number of rows (`features` holds `rows × feature_names.len()` values).
    pub fn rows(&self) -> usize {
        self.features.len() / self.feature_names.len().max(1)
    }
}

/// The training and test tables of `task` over `samples`, split by [`is_test`].
pub fn tables(task: Task, samples: &[Sample], seed: u64, test_fraction: f64) -> (Table, Table) {
    let target_names: Vec<String> = match task {
        Task::ExecutionTime | Task::SuccessProbability => PROFILES
            .iter()
            .map(|p| format!("{}:{}", task.name(), p.name))
            .collect(),
        Task::Family => Family::ALL.iter().map(|f| f.name().to_string()).collect(),
        Task::Anomaly => Vec::new(),
        Task::OptimizationLevel => (0..4).map(|l| format!("level_{l}")).collect(),
        Task::OptimizationReduction => vec!["expected_reduction".into()],
    };
    let empty = || Table {
        feature_names: feature_names(),
        target_names: target_names.clone(),
        ..Table::default()
    };
    let (mut train, mut test) = (empty(), empty());
    for s in samples {
        let held_out = is_test(&s.name, seed, test_fraction);
        let targets: Vec<f32> = match task {
            Task::ExecutionTime => s.backends.iter().map(|b| b.execution_ns as f32).collect(),
            Task::SuccessProbability => s
                .backends
                .iter()
                .map(|b| b.success_probability as f32)
                .collect(),
            Task::Family => match s.family {
                Some(f) => vec![f.index() as f32],
                None => continue,
            },
            // Train on the known families only; score on held-out known and every unknown one.
            Task::Anomaly => match (s.family, held_out) {
                (Some(_), false) => Vec::new(),
                (Some(_), true) => vec![0.0],
                (None, _) => vec![1.0],
            },
            Task::OptimizationLevel => vec![f32::from(s.optimization.best_level)],
            Task::OptimizationReduction => vec![s.optimization.expected_reduction() as f32],
        };
        let into = if held_out || (task == Task::Anomaly && s.family.is_none()) {
            &mut test
        } else {
            &mut train
        };
        into.features.extend_from_slice(&s.features);
        into.targets.extend(targets);
        into.row_names.push(s.name.clone());
    }
    (train, test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_names_map_to_families() {
        assert_eq!(
            corpus_family("qpeexact_native_8"),
            Some(Family::PhaseEstimation)
        );
        assert_eq!(corpus_family("vqe_real_amp_alg_3"), Some(Family::Vqe));
        assert_eq!(
            corpus_family("cdkm_ripple_carry_adder_alg_4"),
            Some(Family::Adder)
        );
        assert_eq!(corpus_family("hhl_alg_5"), None);
        assert_eq!(corpus_family("bv_dynamic_alg_3"), None);
    }

    #[test]
    fn split_is_stable_and_near_the_fraction() {
        let names: Vec<String> = (0..2000).map(|i| format!("generated/x/{i}")).collect();
        let held = names.iter().filter(|n| is_test(n, 7, 0.25)).count();
        assert!((400..600).contains(&held), "{held}");
        assert!(
            names
                .iter()
                .all(|n| is_test(n, 7, 0.25) == is_test(n, 7, 0.25))
        );
    }

    #[test]
    fn tables_have_consistent_shapes() {
        let samples = generated(1, 3, 6).unwrap();
        for task in Task::ALL {
            let (train, test) = tables(task, &samples, 1, 0.3);
            let f = train.feature_names.len();
            for t in [&train, &test] {
                assert_eq!(t.features.len(), t.rows() * f, "{task:?}");
                let per_row = match task {
                    Task::ExecutionTime | Task::SuccessProbability => t.target_names.len(),
                    Task::Anomaly if std::ptr::eq(t, &train) => 0,
                    _ => 1,
                };
                assert_eq!(t.targets.len(), t.rows() * per_row, "{task:?}");
            }
            assert!(train.rows() + test.rows() == samples.len(), "{task:?}");
        }
    }
}
