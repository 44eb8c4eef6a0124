//! The runner's side of datasets: reading the committed corpus from disk and labelling it with the
//! generated circuits (`synq-ml` does the labelling; this only does the file IO).

use std::path::{Path, PathBuf};

use synq_ml::Sample;
use synq_ml::dataset::{corpus, generated};

/// How a job's dataset is made. The defaults are what the models are measured with.
#[derive(Clone, Debug, PartialEq)]
pub struct DataOptions {
    pub seed: u64,
    /// Generated circuits per family.
    pub per_family: usize,
    pub max_qubits: usize,
    /// The corpus folder (`shared/circuits/tests/corpus`), or none for generated circuits only.
    pub corpus: Option<PathBuf>,
    pub test_fraction: f64,
}

impl Default for DataOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            per_family: 80,
            max_qubits: 14,
            corpus: Some(default_corpus()),
            test_fraction: 0.25,
        }
    }
}

/// The corpus committed beside this crate.
pub fn default_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/circuits/tests/corpus")
}

fn qasm_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "qasm"))
        .collect();
    files.sort();
    Ok(files)
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every corpus circuit once: the OpenQASM 2 files (small and large), plus the OpenQASM 3 files
/// that have no OpenQASM 2 twin (the dynamic circuits).
pub fn corpus_files(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut paths = qasm_files(&dir.join("qasm2"))?;
    paths.extend(qasm_files(&dir.join("large/qasm2"))?);
    let known: std::collections::BTreeSet<String> = paths.iter().map(|p| stem(p)).collect();
    paths.extend(
        qasm_files(&dir.join("qasm3"))?
            .into_iter()
            .filter(|p| !known.contains(&stem(p))),
    );
    paths
        .into_iter()
        .map(|p| Ok((stem(&p), std::fs::read_to_string(&p)?)))
        .collect()
}

/// Generated plus corpus samples.
pub fn samples(options: &DataOptions) -> anyhow::Result<Vec<Sample>> {
    let mut out = generated(options.seed, options.per_family, options.max_qubits)?;
    if let Some(dir) = &options.corpus {
        out.extend(corpus(&corpus_files(dir)?)?);
    }
    Ok(out)
}
