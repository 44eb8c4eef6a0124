#![allow(clippy::unwrap_used)]
//! The labels against independent procedures: the success-probability label against a noisy
//! simulation, and the whole corpus through every labeller.

use synq_ml::backends::PROFILES;
use synq_ml::dataset::{corpus, corpus_family};
use synq_ml::metrics::spearman;
use synq_ml::noisy::noisy_success;
use synq_ml::rng::Seeded;
use synq_ml::{Family, Sample};

/// The product of fidelities is the chance that nothing fails; the noisy simulation's output
/// fidelity also counts failures that do no harm, so it sits at or above the label — close to it,
/// and in the same order across circuits.
#[test]
fn success_probability_tracks_a_noisy_simulation() {
    let mut rng = Seeded::new(2024);
    let mut circuits = Vec::new();
    for family in Family::ALL {
        for _ in 0..3 {
            let c = family.generate(&mut rng, 5);
            if synq_circuits::sim::terminal_measurements(&c) {
                circuits.push((family, c));
            }
        }
    }
    assert!(circuits.len() >= 25);
    for backend in PROFILES {
        let (mut labels, mut simulated) = (Vec::new(), Vec::new());
        for (i, (family, c)) in circuits.iter().enumerate() {
            let label = backend.label(c).unwrap().success_probability;
            let sim = noisy_success(&backend, c, 400, i as u64).unwrap();
            // Tolerance: 400 trajectories give a standard error under 0.025, and harmless failures
            // (a Z on |0⟩, say) raise the simulation above the label, never below.
            assert!(
                sim >= label - 0.08,
                "{} {family:?}: simulated {sim:.3} far below label {label:.3}",
                backend.name
            );
            labels.push(label);
            simulated.push(sim);
        }
        let rho = spearman(&labels, &simulated);
        let mean_gap: f64 = simulated
            .iter()
            .zip(&labels)
            .map(|(s, l)| s - l)
            .sum::<f64>()
            / labels.len() as f64;
        println!(
            "{}: Spearman ρ(label, noisy sim) = {rho:.3}, mean(sim − label) = {mean_gap:.3}",
            backend.name
        );
        assert!(rho >= 0.9, "{}: ρ = {rho}", backend.name);
        assert!(
            (0.0..0.1).contains(&mean_gap),
            "{}: mean gap {mean_gap}",
            backend.name
        );
    }
}

fn corpus_files() -> Vec<(String, String)> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits/tests/corpus/qasm2");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            (stem, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn the_whole_corpus_is_labelled() {
    let files = corpus_files();
    let samples: Vec<Sample> = corpus(&files).unwrap();
    assert_eq!(samples.len(), files.len());
    let known = samples.iter().filter(|s| s.family.is_some()).count();
    assert!(
        known > 100 && known < samples.len(),
        "{known} of {}",
        samples.len()
    );
    for s in &samples {
        for (b, p) in s.backends.iter().zip(PROFILES) {
            assert!(b.execution_ns >= p.readout_ns, "{} {}", s.name, p.name);
            assert!(b.success_probability > 0.0 && b.success_probability <= 1.0);
        }
        let g = s.optimization.gates_by_level;
        assert!(
            g[1] <= g[0] && g[2] <= g[0] && g[3] <= g[0],
            "{}: {g:?}",
            s.name
        );
    }
    // Heron's short CZ makes every circuit with a two-qubit gate faster than on Eagle.
    let faster = samples
        .iter()
        .filter(|s| s.backends[1].execution_ns <= s.backends[0].execution_ns)
        .count();
    assert!(faster * 10 >= samples.len() * 9);
}

#[test]
fn corpus_files_are_labelled_by_the_benchmark_they_name() {
    use Family::*;
    for (stem, family) in [
        ("ghz_alg_5", Some(Ghz)),
        ("qftentangled_native_7", Some(Qft)),
        ("qft_alg_4", Some(Qft)),
        ("vqe_su2_native_4", Some(Vqe)),
        ("cdkm_ripple_carry_adder_alg_4", Some(Adder)),
        ("qpeinexact_alg_5", Some(PhaseEstimation)),
        ("randomcircuit_native_3", Some(Random)),
        ("bv_alg_6", Some(BernsteinVazirani)),
        // Benchmarks of no generated family stay unlabelled (the anomaly detector's test ground).
        ("bv_dynamic_alg_3", None),
        ("hhl_alg_4", None),
        ("graphstate_native_5", None),
    ] {
        assert_eq!(corpus_family(stem), family, "{stem}");
    }
}
