//! Two-qubit synthesis: any 4×4 unitary as the fewest CX gates its KAK coordinates allow (0–3), with
//! single-qubit unitaries around and between them.
//!
//! The interaction `N(x, y, z)` (see [`super::kak`]) is written with CX gates from control `c` to
//! target `t` as follows, after Weyl moves put the coordinates where each circuit wants them; the
//! local factors of the decomposition merge into the outer single-qubit gates.
//! - 0 CX: all coordinates 0, `N = I`.
//! - 1 CX: `N(0, 0, ±π/4) ∝ (S∓ ⊗ S∓)·CZ`, and `CZ = H_t·CX·H_t`.
//! - 2 CX: `N(x, 0, z) = CX·(Rx(−2x)_c ⊗ Rz(−2z)_t)·CX`, since a CX turns `XX` into `X_c` and `ZZ`
//!   into `Z_t`. With `Rx(θ) ∝ Rz(π/2)·SX·Rz(θ + π)·SX·Rz(π/2)` the outer Z rotations commute with
//!   the CX controls into the outer gates, leaving `sx·rz·sx` in the middle.
//! - 3 CX: `T(a, b, d) = CX·(SX_c ⊗ Rz(d)_t)·CX·(Rz(a)·SX_c ⊗ Rz(b)_t)·CX` satisfies
//!   `T(a, b, d) = (S_c ⊗ Z_t)·N(π/4 − a/2, b/2, −d/2)·(S†·H_c ⊗ Z·SX_t)` for all angles (the unit
//!   tests check it), so five cheap gates sit between the three CX gates.
//!
//! `N` is symmetric in its qubits, so every circuit also works with control and target exchanged.
//! Each variant is built, the ones with the fewest gates in the basis are multiplied out and
//! compared with the input (to [`VERIFY`]), and the first that matches is returned.

#[cfg(test)]
use std::f64::consts::FRAC_PI_4;
use std::f64::consts::{FRAC_PI_2, PI};

use super::basis::OneQubitForm;
use super::euler;
use super::kak::{self, Kak};
use super::mat::{self, Mat2};
use super::mat4::{self, Mat4};
use super::program::Node;

/// Largest entry error allowed between a synthesized block and its unitary (up to phase).
pub(crate) const VERIFY: f64 = 1e-9;

/// A two-qubit circuit and the phase `φ` with `U = e^{iφ}·circuit`.
#[derive(Clone, Debug)]
pub(crate) struct Synthesis {
    pub(crate) nodes: Vec<Node>,
    pub(crate) phase: f64,
    pub(crate) cx: usize,
}

/// Number of basis gates `nodes` lower to.
pub(crate) fn cost<'a>(nodes: impl IntoIterator<Item = &'a Node>, form: OneQubitForm) -> usize {
    nodes
        .into_iter()
        .map(|n| match n {
            Node::One { m, .. } => euler::gate_count(m, form),
            _ => 1,
        })
        .sum()
}

/// The unitary of `nodes` (all on `qubits`; `qubits[0]` is bit 0).
pub(crate) fn unitary_of<'a>(nodes: impl IntoIterator<Item = &'a Node>, qubits: [u32; 2]) -> Mat4 {
    let bit = |q: u32| usize::from(q != qubits[0]);
    nodes.into_iter().fold(mat4::IDENTITY4, |acc, n| match n {
        Node::One { q, m } => mat4::apply_one(m, bit(*q), &acc),
        Node::Cx { c, .. } => mat4::apply_cx(bit(*c), &acc),
        Node::Fixed(_) => acc,
    })
}

/// A circuit for `N` with a given number of CX gates, all from the control to the target: fixed
/// gates (control, target) between the decomposition's local factors and the first and last CX,
/// and the gates between consecutive CX gates.
#[derive(Clone, Debug)]
struct Layout {
    first: [Mat2; 2],
    last: [Mat2; 2],
    middle: Vec<[Mat2; 2]>,
    cx: usize,
}

const I2: Mat2 = mat::IDENTITY;

fn layout(coords: [f64; 3], cx: usize, form: OneQubitForm) -> Layout {
    let [x, _, z] = coords;
    match cx {
        0 => Layout {
            first: [I2; 2],
            last: [I2; 2],
            middle: Vec::new(),
            cx: 0,
        },
        1 => {
            let w = if z > 0.0 { mat::SDG } else { mat::S };
            Layout {
                first: [I2, mat::H],
                last: [w, mat::mul(&w, &mat::H)],
                middle: Vec::new(),
                cx: 1,
            }
        }
        2 => {
            // The plain Rx, or sx·rz·sx with its Z rotations moved out: whichever is shorter.
            let plain = Layout {
                first: [I2; 2],
                last: [I2; 2],
                middle: vec![[mat::rx(-2.0 * x), mat::rz(-2.0 * z)]],
                cx: 2,
            };
            let moved = mat::mul(&mat::SX, &mat::mul(&mat::rz(PI - 2.0 * x), &mat::SX));
            if euler::gate_count(&moved, form) < euler::gate_count(&mat::rx(-2.0 * x), form) {
                Layout {
                    first: [mat::rz(FRAC_PI_2), I2],
                    last: [mat::rz(FRAC_PI_2), I2],
                    middle: vec![[moved, mat::rz(-2.0 * z)]],
                    cx: 2,
                }
            } else {
                plain
            }
        }
        _ => {
            let [x, y, z] = coords;
            let (a, b, d) = (FRAC_PI_2 - 2.0 * x, 2.0 * y, -2.0 * z);
            Layout {
                first: [
                    mat::mul(&mat::H, &mat::S),
                    mat::mul(&mat::SXDG, &mat::PAULI_Z),
                ],
                last: [mat::SDG, mat::PAULI_Z],
                middle: vec![
                    [mat::mul(&mat::rz(a), &mat::SX), mat::rz(b)],
                    [mat::SX, mat::rz(d)],
                ],
                cx: 3,
            }
        }
    }
}

/// The outer single-qubit gates (before the first CX, after the last; control first) of `layout`
/// for `kak` with the control on bit `control`.
fn outer(kak: &Kak, layout: &Layout, control: usize) -> ([Mat2; 2], [Mat2; 2]) {
    let pick = |m: &[Mat2; 2], bit: usize| m.get(bit).copied().unwrap_or(I2);
    let target = 1 - control;
    let before = [
        mat::mul(&layout.first[0], &pick(&kak.before, control)),
        mat::mul(&layout.first[1], &pick(&kak.before, target)),
    ];
    let after = [
        mat::mul(&pick(&kak.after, control), &layout.last[0]),
        mat::mul(&pick(&kak.after, target), &layout.last[1]),
    ];
    if layout.cx == 0 {
        // Nothing between them: one gate per qubit.
        return (
            [
                mat::mul(&after[0], &before[0]),
                mat::mul(&after[1], &before[1]),
            ],
            [I2; 2],
        );
    }
    (before, after)
}

/// The circuit of `layout` with the outer gates `(before, after)` and its control on bit `control`.
fn build(
    (before, after): ([Mat2; 2], [Mat2; 2]),
    layout: &Layout,
    control: usize,
    qubits: [u32; 2],
) -> Vec<Node> {
    let (qc, qt) = (qubits[control], qubits[1 - control]);
    let mut nodes = vec![
        Node::One {
            q: qc,
            m: before[0],
        },
        Node::One {
            q: qt,
            m: before[1],
        },
    ];
    if layout.cx == 0 {
        return nodes;
    }
    nodes.push(Node::Cx { c: qc, t: qt });
    for [mc, mt] in &layout.middle {
        nodes.push(Node::One { q: qc, m: *mc });
        nodes.push(Node::One { q: qt, m: *mt });
        nodes.push(Node::Cx { c: qc, t: qt });
    }
    nodes.push(Node::One { q: qc, m: after[0] });
    nodes.push(Node::One { q: qt, m: after[1] });
    nodes
}

/// `u` (on `qubits`, `qubits[0]` as bit 0) with the fewest CX gates, then the fewest gates in `form`;
/// `None` when `u` is not unitary or no circuit matches it to [`VERIFY`].
pub(crate) fn synthesize(u: &Mat4, qubits: [u32; 2], form: OneQubitForm) -> Option<Synthesis> {
    let mut kak = Kak::decompose(u)?;
    kak.reduce();
    let cx = kak.cx_count();
    // Put the coordinates where the circuit for `cx` gates expects them: for one CX the ±π/4 in z;
    // for two, a zero in y and the others either way round.
    let mut placements = vec![kak.clone()];
    match cx {
        1 => {
            if let Some(k) = kak.find(kak::is_quarter) {
                placements[0].exchange(k, 2);
            }
        }
        2 => {
            if let Some(k) = kak.find(kak::is_zero) {
                placements[0].exchange(k, 1);
            }
            let mut other = placements[0].clone();
            other.exchange(0, 2);
            placements.push(other);
        }
        _ => {}
    }
    // Every variant's gate count, from its single-qubit gates alone; circuits only for the best.
    let count = |m: &Mat2| euler::gate_count(m, form);
    let mut candidates = Vec::new();
    for placed in &placements {
        let layout = layout(placed.coords, cx, form);
        let middle: usize = layout.middle.iter().flatten().map(count).sum();
        for control in if cx == 0 { 0..1 } else { 0..2 } {
            let (before, after) = outer(placed, &layout, control);
            let ends: usize = before.iter().chain(&after).map(count).sum();
            candidates.push((cx + middle + ends, control, (before, after), layout.clone()));
        }
    }
    candidates.sort_by_key(|(cost, ..)| *cost);
    candidates
        .into_iter()
        .find_map(|(_, control, ends, layout)| {
            let nodes = build(ends, &layout, control, qubits);
            let (error, phase) = mat4::distance_up_to_phase(u, &unitary_of(&nodes, qubits));
            (error < VERIFY).then_some(Synthesis { nodes, phase, cx })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::StandardGate as G;
    use crate::opt::mat::gate_unitary;
    use num_complex::Complex64 as C;
    use proptest::prelude::*;

    const IBM: OneQubitForm = OneQubitForm::ZSX { with_x: true };

    fn gate(g: G, params: &[f64]) -> Mat4 {
        let m = gate_unitary(g, params);
        std::array::from_fn(|i| m[i])
    }

    fn check(u: &Mat4, want_cx: usize) -> Synthesis {
        let s = synthesize(u, [0, 1], IBM).unwrap();
        assert_eq!(s.cx, want_cx);
        let cx = s
            .nodes
            .iter()
            .filter(|n| matches!(n, Node::Cx { .. }))
            .count();
        assert_eq!(cx, want_cx);
        let (error, _) = mat4::distance_up_to_phase(u, &unitary_of(&s.nodes, [0, 1]));
        assert!(error < 1e-9, "{error}");
        s
    }

    /// The fewest CX gates for `u` by the criteria of Shende, Markov and Bullock (Phys. Rev. A 69,
    /// 062321, 2004), which share nothing with the KAK code: with `u` scaled into SU(4) and
    /// `γ = u·(Y⊗Y)·uᵀ·(Y⊗Y)`, none when `γ = ±I`, one when `tr γ = 0` and `γ² = −I`, two when
    /// `tr γ` is real, three otherwise.
    fn minimal_cx(u: &Mat4) -> usize {
        let det = mat4::det(u);
        let su = u.map(|x| x * C::from_polar(1.0, -det.arg() / 4.0));
        let yy = mat4::kron(&mat::PAULI_Y, &mat::PAULI_Y);
        let gamma = mat4::mul(&su, &mat4::mul(&yy, &mat4::mul(&mat4::transpose(&su), &yy)));
        let trace: C = (0..4).map(|k| gamma[k * 5]).sum();
        let off = |m: &Mat4, d: C| {
            (0..16)
                .map(|i| (m[i] - if i % 5 == 0 { d } else { C::new(0.0, 0.0) }).norm())
                .fold(0.0, f64::max)
        };
        let tol = 1e-9;
        if off(&gamma, C::new(1.0, 0.0)) < tol || off(&gamma, C::new(-1.0, 0.0)) < tol {
            0
        } else if trace.norm() < tol && off(&mat4::mul(&gamma, &gamma), C::new(-1.0, 0.0)) < tol {
            1
        } else if trace.im.abs() < tol {
            2
        } else {
            3
        }
    }

    fn u3(p: [f64; 3]) -> Mat2 {
        crate::opt::mat::gate_matrix(G::U3, &p)
    }

    /// `(A₁ ⊗ A₀)·N(x, y, z)·(B₁ ⊗ B₀)`: every two-qubit unitary has this form (up to phase).
    fn from_parts(a: [[f64; 3]; 2], coords: [f64; 3], b: [[f64; 3]; 2]) -> Mat4 {
        let n = Kak {
            after: [u3(a[0]), u3(a[1])],
            coords,
            before: [u3(b[0]), u3(b[1])],
        };
        n.matrix()
    }

    fn angle() -> impl Strategy<Value = f64> {
        prop_oneof![
            prop::sample::select(vec![0.0, FRAC_PI_4, FRAC_PI_2, PI, -FRAC_PI_2, -FRAC_PI_4]),
            -4.0f64..4.0,
        ]
    }

    /// A two-qubit circuit: CX gates either way and u3 gates, as nodes on qubits 0 and 1.
    fn circuit() -> impl Strategy<Value = Vec<Node>> {
        let node = prop_oneof![
            (0u32..2).prop_map(|c| Node::Cx { c, t: 1 - c }),
            ((0u32..2), [angle(), angle(), angle()]).prop_map(|(q, p)| Node::One { q, m: u3(p) }),
        ];
        prop::collection::vec(node, 0..14)
    }

    /// Largest entry of `u − e^{iφ}·circuit`, with the phase the synthesis returned.
    fn exact_error(u: &Mat4, s: &Synthesis, qubits: [u32; 2]) -> f64 {
        let built = unitary_of(&s.nodes, qubits).map(|x| x * C::from_polar(1.0, s.phase));
        u.iter()
            .zip(&built)
            .map(|(a, b)| (a - b).norm())
            .fold(0.0, f64::max)
    }

    fn reproduces(u: &Mat4, s: &Synthesis) -> Result<(), TestCaseError> {
        prop_assert!(exact_error(u, s, [0, 1]) < 1e-9, "{:?}", s.nodes);
        let cx = s
            .nodes
            .iter()
            .filter(|n| matches!(n, Node::Cx { .. }))
            .count();
        prop_assert_eq!(cx, s.cx);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_circuits_are_rebuilt_with_their_minimal_cx_count(nodes in circuit(), bits in 0usize..2) {
            // On qubits (0, 1) or (1, 0): which block qubit is bit 0 must not matter.
            let qubits = if bits == 0 { [0, 1] } else { [1, 0] };
            let u = unitary_of(&nodes, qubits);
            let s = synthesize(&u, qubits, IBM).unwrap();
            prop_assert!(exact_error(&u, &s, qubits) < 1e-9, "{:?}", s.nodes);
            let written = nodes.iter().filter(|n| matches!(n, Node::Cx { .. })).count();
            prop_assert_eq!(s.cx, minimal_cx(&u));
            prop_assert!(s.cx <= written.min(3));
        }

        #[test]
        fn random_unitaries_are_rebuilt_with_their_minimal_cx_count(
            a in [[angle(), angle(), angle()], [angle(), angle(), angle()]],
            coords in [angle(), angle(), angle()],
            b in [[angle(), angle(), angle()], [angle(), angle(), angle()]],
            phase in -3.0f64..3.0,
        ) {
            let u = from_parts(a, coords, b).map(|x| x * C::from_polar(1.0, phase));
            let s = synthesize(&u, [0, 1], IBM).unwrap();
            reproduces(&u, &s)?;
            prop_assert_eq!(s.cx, minimal_cx(&u));
        }
    }

    #[test]
    fn near_special_points_neither_panic_nor_lose_precision() {
        let specials = [
            [0.0, 0.0, 0.0],
            [FRAC_PI_4, 0.0, 0.0],
            [FRAC_PI_4, FRAC_PI_4, 0.0],
            [FRAC_PI_4, FRAC_PI_4, FRAC_PI_4],
            [FRAC_PI_4, FRAC_PI_4, -FRAC_PI_4],
            [0.3, 0.3, 0.3],
            [0.3, 0.3, 0.0],
            [FRAC_PI_2, FRAC_PI_2, PI],
        ];
        let locals = [[0.3, 1.2, -0.4], [2.0, -0.1, 0.9]];
        for coords in specials {
            for delta in [0.0, 1e-15, 1e-13, 1e-11, 1e-9, 1e-7, 1e-4] {
                for (k, sign) in [(0, 1.0), (1, -1.0), (2, 1.0)] {
                    let mut c = coords;
                    c[k] += sign * delta;
                    for outer in [[[0.0; 3]; 2], locals] {
                        let u = from_parts(outer, c, outer);
                        let s = synthesize(&u, [0, 1], IBM).unwrap();
                        reproduces(&u, &s).unwrap();
                        if delta == 0.0 {
                            assert_eq!(s.cx, minimal_cx(&u), "{c:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn known_gates_use_their_cx_count() {
        check(&mat4::IDENTITY4, 0);
        check(&mat4::mul(&gate(G::Cx, &[]), &gate(G::Cx, &[])), 0);
        check(&gate(G::Cx, &[]), 1);
        check(&gate(G::Cy, &[]), 1);
        check(&mat4::cx(1), 1);
        check(&gate(G::Cp, &[0.3]), 2);
        check(&gate(G::Cu3, &[0.3, 0.2, -1.0]), 2);
        check(&gate(G::Swap, &[]), 3);
        check(&mat4::mul(&gate(G::Swap, &[]), &gate(G::Cp, &[0.3])), 3);
    }

    #[test]
    fn the_three_cx_circuit_is_the_interaction_between_fixed_local_gates() {
        for (a, b, d) in [(0.3, -1.2, 2.5), (-4.0, 0.0, 0.7), (1.0, 2.0, 3.0)] {
            let layout = &layout([FRAC_PI_4 - a / 2.0, b / 2.0, -d / 2.0], 3, IBM);
            let plain = Kak {
                after: [I2; 2],
                coords: [FRAC_PI_4 - a / 2.0, b / 2.0, -d / 2.0],
                before: [I2; 2],
            };
            let nodes = build(outer(&plain, layout, 0), layout, 0, [0, 1]);
            // The circuit without the fixed outer gates is T(a, b, d) …
            let t = unitary_of(&nodes[2..nodes.len() - 2], [0, 1]);
            let mut by_hand = mat4::cx(0);
            for m in [
                mat4::kron(&mat::rz(b), &mat::mul(&mat::rz(a), &mat::SX)),
                mat4::cx(0),
                mat4::kron(&mat::rz(d), &mat::SX),
                mat4::cx(0),
            ] {
                by_hand = mat4::mul(&m, &by_hand);
            }
            assert!(mat4::distance_up_to_phase(&t, &by_hand).0 < 1e-12);
            // … and with them it is the interaction.
            let n = plain.matrix();
            assert!(mat4::distance_up_to_phase(&unitary_of(&nodes, [0, 1]), &n).0 < 1e-12);
        }
    }

    #[test]
    fn middle_gates_are_short_in_the_ibm_basis() {
        // A generic 3-CX unitary: the four outer gates (at most 5 each) and 5 in the middle.
        let u = mat4::mul(&gate(G::Swap, &[]), &gate(G::Cu3, &[0.3, 0.2, -1.0]));
        let s = check(&u, 3);
        assert!(cost(&s.nodes, IBM) <= 3 + 20 + 5, "{:?}", s.nodes);
        // A controlled phase: one Z rotation between the two CX gates.
        let s = check(&gate(G::Cp, &[0.3]), 2);
        let middle = s
            .nodes
            .iter()
            .skip_while(|n| !matches!(n, Node::Cx { .. }))
            .skip(1)
            .take_while(|n| !matches!(n, Node::Cx { .. }));
        assert!(cost(middle, IBM) <= 1, "{:?}", s.nodes);
    }
}
