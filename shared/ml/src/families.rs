//! Parameterized generators of the circuit families users write. Each draws its size and parameters
//! from a seed, so a dataset is reproducible; the family is the label.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};
use synq_circuits::{Circuit, StandardGate as G};

use crate::rng::Seeded;

/// An algorithm family: the label of the family classifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Ghz,
    Qft,
    WState,
    Grover,
    Qaoa,
    Vqe,
    BernsteinVazirani,
    DeutschJozsa,
    Adder,
    PhaseEstimation,
    Random,
}

impl Family {
    /// Every family, in class-index order.
    pub const ALL: [Family; 11] = [
        Family::Ghz,
        Family::Qft,
        Family::WState,
        Family::Grover,
        Family::Qaoa,
        Family::Vqe,
        Family::BernsteinVazirani,
        Family::DeutschJozsa,
        Family::Adder,
        Family::PhaseEstimation,
        Family::Random,
    ];

    /// The class name (snake case, as serialized).
    pub fn name(self) -> &'static str {
        match self {
            Family::Ghz => "ghz",
            Family::Qft => "qft",
            Family::WState => "w_state",
            Family::Grover => "grover",
            Family::Qaoa => "qaoa",
            Family::Vqe => "vqe",
            Family::BernsteinVazirani => "bernstein_vazirani",
            Family::DeutschJozsa => "deutsch_jozsa",
            Family::Adder => "adder",
            Family::PhaseEstimation => "phase_estimation",
            Family::Random => "random",
        }
    }

    /// The class index (position in [`Family::ALL`]).
    pub fn index(self) -> usize {
        Family::ALL.iter().position(|f| *f == self).unwrap_or(0)
    }

    /// One circuit of this family with its size and parameters drawn from `rng`; at most
    /// `max_qubits` qubits (at least 5).
    pub fn generate(self, rng: &mut Seeded, max_qubits: usize) -> Circuit {
        let max = max_qubits.max(5);
        let (lo, hi) = match self {
            Family::Grover => (2, 5),
            Family::Qaoa => (3, max),
            Family::BernsteinVazirani | Family::DeutschJozsa | Family::PhaseEstimation => {
                (2, max - 1)
            }
            Family::Adder => (1, (max - 2) / 2),
            _ => (2, max),
        };
        let size = rng.range(lo, hi);
        match self {
            Family::Ghz => ghz(rng, size),
            Family::Qft => qft_circuit(rng, size),
            Family::WState => w_state(rng, size),
            Family::Grover => grover(rng, size),
            Family::Qaoa => qaoa(rng, size),
            Family::Vqe => vqe(rng, size),
            Family::BernsteinVazirani => bernstein_vazirani(rng, size),
            Family::DeutschJozsa => deutsch_jozsa(rng, size),
            Family::Adder => adder(rng, size),
            Family::PhaseEstimation => phase_estimation(rng, size),
            Family::Random => random(rng, size),
        }
    }
}

fn with_registers(qubits: usize, clbits: usize) -> Circuit {
    let mut c = Circuit::new();
    c.add_qreg("q", qubits as u32);
    if clbits > 0 {
        c.add_creg("c", clbits as u32);
    }
    c
}

fn measure_all(c: &mut Circuit, qubits: usize) {
    for q in 0..qubits as u32 {
        c.measure(q, q);
    }
}

/// Adds a barrier over every qubit (as Qiskit users often do before measuring).
fn barrier_all(c: &mut Circuit) {
    let qubits = (0..c.num_qubits() as u32)
        .map(synq_circuits::Qubit)
        .collect();
    c.instructions.push(synq_circuits::Instruction {
        op: synq_circuits::Operation::Barrier { qubits },
        condition: None,
    });
}

fn finish(c: &mut Circuit, rng: &mut Seeded, measured: usize) {
    if rng.chance(0.5) {
        barrier_all(c);
    }
    measure_all(c, measured);
}

fn ghz(rng: &mut Seeded, n: usize) -> Circuit {
    let mut c = with_registers(n, n);
    let star = rng.chance(0.3);
    c.gate(G::H, &[], &[0]);
    for i in 1..n as u32 {
        let control = if star { 0 } else { i - 1 };
        c.gate(G::Cx, &[], &[control, i]);
    }
    finish(&mut c, rng, n);
    c
}

/// The QFT on `qubits` (controlled phases, then the swaps unless `swaps` is false).
fn qft(c: &mut Circuit, qubits: &[u32], inverse: bool, swaps: bool) {
    let n = qubits.len();
    let mut ops: Vec<(G, f64, u32, u32)> = Vec::new();
    for i in (0..n).rev() {
        ops.push((G::H, 0.0, qubits[i], qubits[i]));
        for j in (0..i).rev() {
            let angle = PI / (1u64 << (i - j)) as f64;
            ops.push((G::Cp, angle, qubits[j], qubits[i]));
        }
    }
    if swaps {
        for i in 0..n / 2 {
            ops.push((G::Swap, 0.0, qubits[i], qubits[n - 1 - i]));
        }
    }
    if inverse {
        ops.reverse();
    }
    for (gate, angle, a, b) in ops {
        match gate {
            G::H => c.gate(G::H, &[], &[a]),
            G::Cp => c.gate(G::Cp, &[if inverse { -angle } else { angle }], &[a, b]),
            _ => c.gate(gate, &[], &[a, b]),
        };
    }
}

fn qft_circuit(rng: &mut Seeded, n: usize) -> Circuit {
    let mut c = with_registers(n, n);
    // Half the instances prepare an input (as MQT Bench's qftentangled or a basis state).
    if rng.chance(0.5) {
        for q in 0..n as u32 {
            if rng.chance(0.5) {
                c.gate(G::X, &[], &[q]);
            }
        }
    }
    let qubits: Vec<u32> = (0..n as u32).collect();
    qft(&mut c, &qubits, rng.chance(0.2), rng.chance(0.8));
    finish(&mut c, rng, n);
    c
}

fn w_state(rng: &mut Seeded, n: usize) -> Circuit {
    let mut c = with_registers(n, n);
    c.gate(G::X, &[], &[0]);
    for k in 0..n - 1 {
        let remaining = (n - k) as f64;
        let theta = 2.0 * (1.0 / remaining).sqrt().acos();
        let (a, b) = (k as u32, k as u32 + 1);
        c.gate(G::Cry, &[theta], &[a, b]);
        c.gate(G::Cx, &[], &[b, a]);
    }
    finish(&mut c, rng, n);
    c
}

/// A multi-controlled Z on `qubits` (the last is the target of the X it conjugates).
fn mcz(c: &mut Circuit, qubits: &[u32]) {
    let Some((&target, controls)) = qubits.split_last() else {
        return;
    };
    match controls.len() {
        0 => {
            c.gate(G::Z, &[], &[target]);
        }
        1 => {
            c.gate(G::Cz, &[], &[controls[0], target]);
        }
        k => {
            let gate = match k {
                2 => G::Ccx,
                3 => G::C3x,
                _ => G::C4x,
            };
            c.gate(G::H, &[], &[target]);
            c.gate(gate, &[], qubits);
            c.gate(G::H, &[], &[target]);
        }
    }
}

fn grover(rng: &mut Seeded, n: usize) -> Circuit {
    let mut c = with_registers(n, n);
    let qubits: Vec<u32> = (0..n as u32).collect();
    let marked: Vec<bool> = (0..n).map(|_| rng.chance(0.5)).collect();
    let optimal = ((PI / 4.0) * ((1u64 << n) as f64).sqrt()).floor().max(1.0) as usize;
    let iterations = rng.range(1, optimal);
    for &q in &qubits {
        c.gate(G::H, &[], &[q]);
    }
    for _ in 0..iterations {
        for (&q, &m) in qubits.iter().zip(&marked) {
            if !m {
                c.gate(G::X, &[], &[q]);
            }
        }
        mcz(&mut c, &qubits);
        for (&q, &m) in qubits.iter().zip(&marked) {
            if !m {
                c.gate(G::X, &[], &[q]);
            }
        }
        for &q in &qubits {
            c.gate(G::H, &[], &[q]);
            c.gate(G::X, &[], &[q]);
        }
        mcz(&mut c, &qubits);
        for &q in &qubits {
            c.gate(G::X, &[], &[q]);
            c.gate(G::H, &[], &[q]);
        }
    }
    finish(&mut c, rng, n);
    c
}

fn qaoa(rng: &mut Seeded, n: usize) -> Circuit {
    let mut c = with_registers(n, n);
    // A random graph with each edge present with probability ½, plus a ring so it is connected.
    let mut edges: Vec<(u32, u32)> = (0..n as u32).map(|i| (i, (i + 1) % n as u32)).collect();
    for a in 0..n as u32 {
        for b in a + 2..n as u32 {
            if rng.chance(0.3) && !(a == 0 && b == n as u32 - 1) {
                edges.push((a, b));
            }
        }
    }
    let layers = rng.range(1, 3);
    let as_rzz = rng.chance(0.5);
    for q in 0..n as u32 {
        c.gate(G::H, &[], &[q]);
    }
    for _ in 0..layers {
        let gamma = rng.angle();
        let beta = rng.angle();
        for &(a, b) in &edges {
            if as_rzz {
                c.gate(G::Rzz, &[2.0 * gamma], &[a, b]);
            } else {
                c.gate(G::Cx, &[], &[a, b]);
                c.gate(G::Rz, &[2.0 * gamma], &[b]);
                c.gate(G::Cx, &[], &[a, b]);
            }
        }
        for q in 0..n as u32 {
            c.gate(G::Rx, &[2.0 * beta], &[q]);
        }
    }
    finish(&mut c, rng, n);
    c
}

fn vqe(rng: &mut Seeded, n: usize) -> Circuit {
    let mut c = with_registers(n, n);
    let reps = rng.range(1, 3);
    // RealAmplitudes (ry), EfficientSU2 (ry + rz) or a TwoLocal with cz entanglers.
    let style = rng.range(0, 2);
    let full = rng.chance(0.3);
    let rotate = |c: &mut Circuit, rng: &mut Seeded| {
        for q in 0..n as u32 {
            c.gate(G::Ry, &[rng.angle()], &[q]);
            if style >= 1 {
                c.gate(G::Rz, &[rng.angle()], &[q]);
            }
        }
    };
    for _ in 0..reps {
        rotate(&mut c, rng);
        let entangler = if style == 2 { G::Cz } else { G::Cx };
        if full {
            for a in 0..n as u32 {
                for b in a + 1..n as u32 {
                    c.gate(entangler, &[], &[a, b]);
                }
            }
        } else {
            for a in 0..n as u32 - 1 {
                c.gate(entangler, &[], &[a, a + 1]);
            }
        }
    }
    rotate(&mut c, rng);
    finish(&mut c, rng, n);
    c
}

/// Inputs `0..n`, the oracle's ancilla `n`, the inputs measured.
fn oracle_frame(rng: &mut Seeded, n: usize, oracle: impl FnOnce(&mut Circuit)) -> Circuit {
    let mut c = with_registers(n + 1, n);
    let ancilla = n as u32;
    c.gate(G::X, &[], &[ancilla]);
    for q in 0..=n as u32 {
        c.gate(G::H, &[], &[q]);
    }
    if rng.chance(0.5) {
        barrier_all(&mut c);
    }
    oracle(&mut c);
    if rng.chance(0.5) {
        barrier_all(&mut c);
    }
    for q in 0..n as u32 {
        c.gate(G::H, &[], &[q]);
    }
    measure_all(&mut c, n);
    c
}

fn bernstein_vazirani(rng: &mut Seeded, n: usize) -> Circuit {
    let secret: Vec<bool> = (0..n).map(|_| rng.chance(0.5)).collect();
    oracle_frame(rng, n, |c| {
        for (q, &bit) in secret.iter().enumerate() {
            if bit {
                c.gate(G::Cx, &[], &[q as u32, n as u32]);
            }
        }
    })
}

fn deutsch_jozsa(rng: &mut Seeded, n: usize) -> Circuit {
    let constant = rng.chance(0.25);
    let flips: Vec<bool> = (0..n).map(|_| rng.chance(0.5)).collect();
    let one = rng.chance(0.5);
    oracle_frame(rng, n, |c| {
        let ancilla = n as u32;
        if constant {
            if one {
                c.gate(G::X, &[], &[ancilla]);
            }
            return;
        }
        // A balanced function: f(x) = parity of x after flipping some bits.
        for (q, &f) in flips.iter().enumerate() {
            if f {
                c.gate(G::X, &[], &[q as u32]);
            }
        }
        for q in 0..n as u32 {
            c.gate(G::Cx, &[], &[q, ancilla]);
        }
        for (q, &f) in flips.iter().enumerate() {
            if f {
                c.gate(G::X, &[], &[q as u32]);
            }
        }
    })
}

/// Adds two `bits`-bit numbers: Cuccaro's ripple-carry adder (MAJ/UMA) or Draper's QFT adder.
fn adder(rng: &mut Seeded, bits: usize) -> Circuit {
    let bits = bits.max(1);
    if rng.chance(0.5) {
        cuccaro(rng, bits)
    } else {
        draper(rng, bits)
    }
}

fn random_inputs(c: &mut Circuit, rng: &mut Seeded, qubits: &[u32]) {
    for &q in qubits {
        if rng.chance(0.5) {
            c.gate(G::X, &[], &[q]);
        }
    }
}

fn cuccaro(rng: &mut Seeded, bits: usize) -> Circuit {
    // Qubits: carry-in 0, then a_i = 1 + 2i, b_i = 2 + 2i, carry-out last.
    let n = 2 * bits + 2;
    let mut c = with_registers(n, bits + 1);
    let a = |i: usize| (1 + 2 * i) as u32;
    let b = |i: usize| (2 + 2 * i) as u32;
    let cin = 0u32;
    let cout = (n - 1) as u32;
    let inputs: Vec<u32> = (0..bits).flat_map(|i| [a(i), b(i)]).collect();
    random_inputs(&mut c, rng, &inputs);
    let maj = |c: &mut Circuit, x: u32, y: u32, z: u32| {
        c.gate(G::Cx, &[], &[z, y]);
        c.gate(G::Cx, &[], &[z, x]);
        c.gate(G::Ccx, &[], &[x, y, z]);
    };
    let uma = |c: &mut Circuit, x: u32, y: u32, z: u32| {
        c.gate(G::Ccx, &[], &[x, y, z]);
        c.gate(G::Cx, &[], &[z, x]);
        c.gate(G::Cx, &[], &[x, y]);
    };
    let carry = |i: usize| if i == 0 { cin } else { a(i - 1) };
    for i in 0..bits {
        maj(&mut c, carry(i), b(i), a(i));
    }
    c.gate(G::Cx, &[], &[a(bits - 1), cout]);
    for i in (0..bits).rev() {
        uma(&mut c, carry(i), b(i), a(i));
    }
    for i in 0..bits {
        c.measure(b(i), i as u32);
    }
    c.measure(cout, bits as u32);
    c
}

fn draper(rng: &mut Seeded, bits: usize) -> Circuit {
    // a on 0..bits, b on bits..2·bits (+1 for the carry); b ← a + b in the Fourier basis.
    let width = bits + 1;
    let n = bits + width;
    let mut c = with_registers(n, width);
    let a: Vec<u32> = (0..bits as u32).collect();
    let b: Vec<u32> = (bits as u32..n as u32).collect();
    random_inputs(&mut c, rng, &a);
    random_inputs(&mut c, rng, &b[..bits]);
    qft(&mut c, &b, false, false);
    for (j, &target) in b.iter().enumerate() {
        for (i, &control) in a.iter().enumerate() {
            if i <= j {
                let angle = PI / (1u64 << (j - i)) as f64;
                c.gate(G::Cp, &[angle], &[control, target]);
            }
        }
    }
    qft(&mut c, &b, true, false);
    for (i, &q) in b.iter().enumerate() {
        c.measure(q, i as u32);
    }
    c
}

fn phase_estimation(rng: &mut Seeded, counting: usize) -> Circuit {
    let n = counting + 1;
    let mut c = with_registers(n, counting);
    let target = counting as u32;
    // Exact phases (k / 2^t) half the time, as in MQT Bench's qpeexact and qpeinexact.
    let phase = if rng.chance(0.5) {
        rng.range(1, (1usize << counting) - 1) as f64 / (1u64 << counting) as f64
    } else {
        rng.unit()
    };
    c.gate(G::X, &[], &[target]);
    for q in 0..counting as u32 {
        c.gate(G::H, &[], &[q]);
    }
    for k in 0..counting {
        let angle = 2.0 * PI * phase * (1u64 << k) as f64;
        c.gate(G::Cp, &[angle], &[k as u32, target]);
    }
    let counts: Vec<u32> = (0..counting as u32).collect();
    qft(&mut c, &counts, true, true);
    finish(&mut c, rng, counting);
    c
}

/// Qiskit's `random_circuit` in spirit: layers of random gates on random qubits.
fn random(rng: &mut Seeded, n: usize) -> Circuit {
    let mut c = with_registers(n, n);
    let depth = rng.range(2, 3 * n.max(2));
    let one = [
        G::H,
        G::X,
        G::Y,
        G::Z,
        G::S,
        G::T,
        G::Sx,
        G::Rx,
        G::Ry,
        G::Rz,
        G::U,
    ];
    let two = [G::Cx, G::Cz, G::Swap, G::Cp, G::Crx, G::Rzz, G::Cy];
    for _ in 0..depth {
        let mut free: Vec<u32> = (0..n as u32).collect();
        while !free.is_empty() {
            let take = if free.len() >= 3 && rng.chance(0.05) {
                3
            } else if free.len() >= 2 && rng.chance(0.4) {
                2
            } else {
                1
            };
            let mut qubits = Vec::with_capacity(take);
            for _ in 0..take {
                let i = rng.range(0, free.len() - 1);
                qubits.push(free.swap_remove(i));
            }
            let gate = match take {
                1 => *rng.pick(&one),
                2 => *rng.pick(&two),
                _ => *rng.pick(&[G::Ccx, G::Cswap]),
            };
            let params: Vec<f64> = (0..gate.num_params()).map(|_| rng.angle()).collect();
            c.gate(gate, &params, &qubits);
        }
    }
    finish(&mut c, rng, n);
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use synq_circuits::sim::{SimOptions, run_shots};

    fn counts_of(c: &Circuit) -> std::collections::BTreeMap<String, u64> {
        run_shots(c, 64, 1, &SimOptions::default()).unwrap()
    }

    #[test]
    fn every_family_generates_valid_circuits_within_the_cap() {
        let mut rng = Seeded::new(3);
        for family in Family::ALL {
            for _ in 0..20 {
                let c = family.generate(&mut rng, 8);
                c.validate().unwrap();
                assert!(c.num_qubits() <= 8, "{family:?} {}", c.num_qubits());
                assert!(c.num_qubits() >= 2);
            }
        }
    }

    #[test]
    fn generators_compute_what_their_family_computes() {
        let mut rng = Seeded::new(11);
        for _ in 0..10 {
            // GHZ: only all-zeros and all-ones.
            let c = ghz(&mut rng, 4);
            assert!(counts_of(&c).keys().all(|k| k == "0000" || k == "1111"));
            // Bernstein–Vazirani: the secret, deterministically.
            let c = bernstein_vazirani(&mut rng, 4);
            assert_eq!(counts_of(&c).len(), 1);
            // W state: exactly one qubit is one.
            let c = w_state(&mut rng, 5);
            assert!(counts_of(&c).keys().all(|k| k.matches('1').count() == 1));
        }
        // Adders add: a + b on the b register (both ripple-carry and QFT adders).
        for seed in 0..16 {
            let mut r = Seeded::new(seed);
            let c = adder(&mut r, 2);
            let counts = counts_of(&c);
            assert_eq!(
                counts.len(),
                1,
                "adder with seed {seed} is not deterministic"
            );
        }
        // Exact phase estimation reads the phase exactly.
        let mut r = Seeded::new(5);
        let mut c = with_registers(4, 3);
        let _ = &mut r;
        c.gate(G::X, &[], &[3]);
        for q in 0..3 {
            c.gate(G::H, &[], &[q]);
        }
        for k in 0..3u32 {
            c.gate(G::Cp, &[2.0 * PI * 0.625 * (1u64 << k) as f64], &[k, 3]);
        }
        qft(&mut c, &[0, 1, 2], true, true);
        measure_all(&mut c, 3);
        let counts = counts_of(&c);
        assert_eq!(counts.keys().collect::<Vec<_>>(), vec!["101"]);
    }

    #[test]
    fn grover_finds_the_marked_item() {
        for seed in 0..6 {
            let mut rng = Seeded::new(seed);
            let c = grover(&mut rng, 4);
            let counts = counts_of(&c);
            let best = counts.values().max().copied().unwrap_or(0);
            // With ≥ 1 iteration the marked item beats the uniform 1/16 by far.
            assert!(best > 64 / 4, "seed {seed}: {counts:?}");
        }
    }

    #[test]
    fn same_seed_same_circuit() {
        for family in Family::ALL {
            let a = family.generate(&mut Seeded::new(9), 10);
            let b = family.generate(&mut Seeded::new(9), 10);
            assert_eq!(a, b);
        }
    }
}
