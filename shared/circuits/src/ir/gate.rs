//! The standard gate set: every gate of `qelib1.inc` and `stdgates.inc` that the IR keeps by name.
//!
//! Gates defined by programs (`gate` blocks) are expanded into these while parsing, so counts and
//! the simulator only ever see this enum.

use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};

/// One gate of the standard libraries. Names follow `qelib1.inc` (and Qiskit's instruction names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum StandardGate {
    Id,
    X,
    Y,
    Z,
    H,
    S,
    Sdg,
    T,
    Tdg,
    Sx,
    Sxdg,
    Rx,
    Ry,
    Rz,
    /// Phase gate `p(λ)` (stdgates' `phase`).
    P,
    U0,
    U1,
    U2,
    U3,
    /// `u(θ,φ,λ)` = OpenQASM's built-in `U`.
    U,
    Cx,
    Cy,
    Cz,
    Ch,
    Csx,
    Swap,
    Crx,
    Cry,
    Crz,
    /// Controlled phase `cp(λ)` (stdgates' `cphase`).
    Cp,
    Cu1,
    Cu3,
    /// `cu(θ,φ,λ,γ)`: controlled `e^{iγ} u(θ,φ,λ)`.
    Cu,
    Rxx,
    Rzz,
    Ccx,
    Cswap,
    C3x,
    C3sqrtx,
    C4x,
    /// Relative-phase Toffoli of `qelib1.inc` (Qiskit's `rccx`).
    Rccx,
    /// Relative-phase 3-controlled X of `qelib1.inc` (Qiskit's `rcccx`).
    Rc3x,
}

/// One step of a gate's library definition: gate, parameters, and which of the gate's qubits.
pub type DefinitionStep = (StandardGate, &'static [f64], &'static [usize]);

const U2_0_PI: &[f64] = &[0.0, PI];
const QUARTER: &[f64] = &[FRAC_PI_4];
const MINUS_QUARTER: &[f64] = &[-FRAC_PI_4];

const RCCX_DEFINITION: [DefinitionStep; 9] = [
    (G::U2, U2_0_PI, &[2]),
    (G::U1, QUARTER, &[2]),
    (G::Cx, &[], &[1, 2]),
    (G::U1, MINUS_QUARTER, &[2]),
    (G::Cx, &[], &[0, 2]),
    (G::U1, QUARTER, &[2]),
    (G::Cx, &[], &[1, 2]),
    (G::U1, MINUS_QUARTER, &[2]),
    (G::U2, U2_0_PI, &[2]),
];

const RC3X_DEFINITION: [DefinitionStep; 18] = [
    (G::U2, U2_0_PI, &[3]),
    (G::U1, QUARTER, &[3]),
    (G::Cx, &[], &[2, 3]),
    (G::U1, MINUS_QUARTER, &[3]),
    (G::U2, U2_0_PI, &[3]),
    (G::Cx, &[], &[0, 3]),
    (G::U1, QUARTER, &[3]),
    (G::Cx, &[], &[1, 3]),
    (G::U1, MINUS_QUARTER, &[3]),
    (G::Cx, &[], &[0, 3]),
    (G::U1, QUARTER, &[3]),
    (G::Cx, &[], &[1, 3]),
    (G::U1, MINUS_QUARTER, &[3]),
    (G::U2, U2_0_PI, &[3]),
    (G::U1, QUARTER, &[3]),
    (G::Cx, &[], &[2, 3]),
    (G::U1, MINUS_QUARTER, &[3]),
    (G::U2, U2_0_PI, &[3]),
];

use StandardGate as G;

impl StandardGate {
    /// Every standard gate, in declaration order.
    pub const ALL: [StandardGate; 42] = [
        G::Id,
        G::X,
        G::Y,
        G::Z,
        G::H,
        G::S,
        G::Sdg,
        G::T,
        G::Tdg,
        G::Sx,
        G::Sxdg,
        G::Rx,
        G::Ry,
        G::Rz,
        G::P,
        G::U0,
        G::U1,
        G::U2,
        G::U3,
        G::U,
        G::Cx,
        G::Cy,
        G::Cz,
        G::Ch,
        G::Csx,
        G::Swap,
        G::Crx,
        G::Cry,
        G::Crz,
        G::Cp,
        G::Cu1,
        G::Cu3,
        G::Cu,
        G::Rxx,
        G::Rzz,
        G::Ccx,
        G::Cswap,
        G::C3x,
        G::C3sqrtx,
        G::C4x,
        G::Rccx,
        G::Rc3x,
    ];

    /// The gate's name as `qelib1.inc` spells it (and as counts report it).
    pub fn name(self) -> &'static str {
        match self {
            G::Id => "id",
            G::X => "x",
            G::Y => "y",
            G::Z => "z",
            G::H => "h",
            G::S => "s",
            G::Sdg => "sdg",
            G::T => "t",
            G::Tdg => "tdg",
            G::Sx => "sx",
            G::Sxdg => "sxdg",
            G::Rx => "rx",
            G::Ry => "ry",
            G::Rz => "rz",
            G::P => "p",
            G::U0 => "u0",
            G::U1 => "u1",
            G::U2 => "u2",
            G::U3 => "u3",
            G::U => "u",
            G::Cx => "cx",
            G::Cy => "cy",
            G::Cz => "cz",
            G::Ch => "ch",
            G::Csx => "csx",
            G::Swap => "swap",
            G::Crx => "crx",
            G::Cry => "cry",
            G::Crz => "crz",
            G::Cp => "cp",
            G::Cu1 => "cu1",
            G::Cu3 => "cu3",
            G::Cu => "cu",
            G::Rxx => "rxx",
            G::Rzz => "rzz",
            G::Ccx => "ccx",
            G::Cswap => "cswap",
            G::C3x => "c3x",
            G::C3sqrtx => "c3sqrtx",
            G::C4x => "c4x",
            G::Rccx => "rccx",
            G::Rc3x => "rc3x",
        }
    }

    /// The gate a name refers to in `qelib1.inc`, `stdgates.inc` or the built-ins (`U`, `CX`, `phase`, `cphase`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "U" => return Some(G::U),
            "CX" => return Some(G::Cx),
            "phase" => return Some(G::P),
            "cphase" => return Some(G::Cp),
            _ => {}
        }
        Self::ALL.iter().copied().find(|g| g.name() == name)
    }

    /// How many qubits the gate acts on.
    pub fn num_qubits(self) -> usize {
        match self {
            G::Id
            | G::X
            | G::Y
            | G::Z
            | G::H
            | G::S
            | G::Sdg
            | G::T
            | G::Tdg
            | G::Sx
            | G::Sxdg
            | G::Rx
            | G::Ry
            | G::Rz
            | G::P
            | G::U0
            | G::U1
            | G::U2
            | G::U3
            | G::U => 1,
            G::Cx
            | G::Cy
            | G::Cz
            | G::Ch
            | G::Csx
            | G::Swap
            | G::Crx
            | G::Cry
            | G::Crz
            | G::Cp
            | G::Cu1
            | G::Cu3
            | G::Cu
            | G::Rxx
            | G::Rzz => 2,
            G::Ccx | G::Cswap | G::Rccx => 3,
            G::C3x | G::C3sqrtx | G::Rc3x => 4,
            G::C4x => 5,
        }
    }

    /// How many angle parameters the gate takes.
    pub fn num_params(self) -> usize {
        match self {
            G::Rx
            | G::Ry
            | G::Rz
            | G::P
            | G::U0
            | G::U1
            | G::Crx
            | G::Cry
            | G::Crz
            | G::Cp
            | G::Cu1
            | G::Rxx
            | G::Rzz => 1,
            G::U2 => 2,
            G::U3 | G::U | G::Cu3 => 3,
            G::Cu => 4,
            _ => 0,
        }
    }

    /// Whether `stdgates.inc` (or OpenQASM 3's built-in `U`) defines this gate; the others need a
    /// `gate` definition when emitting OpenQASM 3.
    pub fn in_stdgates(self) -> bool {
        !matches!(
            self,
            G::Sxdg
                | G::U0
                | G::Csx
                | G::Cu1
                | G::Cu3
                | G::Rxx
                | G::Rzz
                | G::C3x
                | G::C3sqrtx
                | G::C4x
                | G::Rccx
                | G::Rc3x
        )
    }

    /// The library definition of the gates `qelib1.inc` builds from others (`rccx`, `rc3x`); empty for
    /// the rest, whose matrices are known directly.
    pub fn definition(self) -> &'static [DefinitionStep] {
        match self {
            G::Rccx => &RCCX_DEFINITION,
            G::Rc3x => &RC3X_DEFINITION,
            _ => &[],
        }
    }

    /// The inverse gate with its parameters, when it is a standard gate.
    pub fn inverse(self, params: &[f64]) -> Option<(StandardGate, Vec<f64>)> {
        let p = |i: usize| params.get(i).copied().unwrap_or(0.0);
        let same = |g: StandardGate| Some((g, params.to_vec()));
        let neg = |g: StandardGate| Some((g, params.iter().map(|x| -x).collect()));
        match self {
            G::Id | G::X | G::Y | G::Z | G::H | G::Cx | G::Cy | G::Cz | G::Ch | G::Swap => {
                same(self)
            }
            G::Ccx | G::Cswap | G::C3x | G::C4x | G::U0 => same(self),
            G::S => same(G::Sdg),
            G::Sdg => same(G::S),
            G::T => same(G::Tdg),
            G::Tdg => same(G::T),
            G::Sx => same(G::Sxdg),
            G::Sxdg => same(G::Sx),
            G::Rx | G::Ry | G::Rz | G::P | G::U1 => neg(self),
            G::Crx | G::Cry | G::Crz | G::Cp | G::Cu1 | G::Rxx | G::Rzz => neg(self),
            G::U2 => Some((G::U2, vec![-p(1) - PI, -p(0) + PI])),
            G::U3 | G::U | G::Cu3 => Some((self, vec![-p(0), -p(2), -p(1)])),
            G::Cu => Some((G::Cu, vec![-p(0), -p(2), -p(1), -p(3)])),
            G::Csx | G::C3sqrtx | G::Rccx | G::Rc3x => None,
        }
    }

    /// The gate raised to a real power, when that is again a standard gate (rotations scale their angle).
    pub fn power(self, params: &[f64], exponent: f64) -> Option<(StandardGate, Vec<f64>)> {
        let scaled = |g: StandardGate| Some((g, params.iter().map(|x| x * exponent).collect()));
        match self {
            G::Rx | G::Ry | G::Rz | G::P | G::U1 => scaled(self),
            G::Crx | G::Cry | G::Crz | G::Cp | G::Cu1 | G::Rxx | G::Rzz => scaled(self),
            G::Z => Some((G::P, vec![PI * exponent])),
            G::S => Some((G::P, vec![FRAC_PI_2 * exponent])),
            G::Sdg => Some((G::P, vec![-FRAC_PI_2 * exponent])),
            G::T => Some((G::P, vec![FRAC_PI_4 * exponent])),
            G::Tdg => Some((G::P, vec![-FRAC_PI_4 * exponent])),
            G::Cz => Some((G::Cp, vec![PI * exponent])),
            G::Id => Some((G::Id, vec![])),
            G::X if exponent == 0.5 => Some((G::Sx, vec![])),
            G::X if exponent == -0.5 => Some((G::Sxdg, vec![])),
            _ => None,
        }
    }

    /// The gate with `controls` more control qubits in front, when that is a standard gate.
    pub fn controlled(self, params: &[f64], controls: usize) -> Option<(StandardGate, Vec<f64>)> {
        let p = |i: usize| params.get(i).copied().unwrap_or(0.0);
        if controls == 0 {
            return Some((self, params.to_vec()));
        }
        let with = |g: StandardGate| Some((g, params.to_vec()));
        match (self, controls) {
            (G::Id, _) => None,
            (G::X, 1) => with(G::Cx),
            (G::X, 2) | (G::Cx, 1) => with(G::Ccx),
            (G::X, 3) | (G::Cx, 2) | (G::Ccx, 1) => with(G::C3x),
            (G::X, 4) | (G::Cx, 3) | (G::Ccx, 2) | (G::C3x, 1) => with(G::C4x),
            (G::Y, 1) => with(G::Cy),
            (G::Z, 1) => with(G::Cz),
            (G::H, 1) => with(G::Ch),
            (G::Sx, 1) => with(G::Csx),
            (G::Sx, 3) | (G::Csx, 2) => with(G::C3sqrtx),
            (G::Swap, 1) => with(G::Cswap),
            (G::Rx, 1) => with(G::Crx),
            (G::Ry, 1) => with(G::Cry),
            (G::Rz, 1) => with(G::Crz),
            (G::P, 1) => with(G::Cp),
            (G::U1, 1) => with(G::Cu1),
            (G::U3, 1) => with(G::Cu3),
            (G::U, 1) => Some((G::Cu, vec![p(0), p(1), p(2), 0.0])),
            (G::U2, 1) => Some((G::Cu3, vec![FRAC_PI_2, p(0), p(1)])),
            (G::S, 1) => Some((G::Cp, vec![FRAC_PI_2])),
            (G::Sdg, 1) => Some((G::Cp, vec![-FRAC_PI_2])),
            (G::T, 1) => Some((G::Cp, vec![FRAC_PI_4])),
            (G::Tdg, 1) => Some((G::Cp, vec![-FRAC_PI_4])),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for g in StandardGate::ALL {
            assert_eq!(StandardGate::from_name(g.name()), Some(g));
        }
        assert_eq!(StandardGate::from_name("U"), Some(G::U));
        assert_eq!(StandardGate::from_name("CX"), Some(G::Cx));
        assert_eq!(StandardGate::from_name("cphase"), Some(G::Cp));
        assert_eq!(StandardGate::from_name("nope"), None);
    }

    #[test]
    fn inverse_and_controls_keep_arity() {
        for g in StandardGate::ALL {
            let params = vec![0.3; g.num_params()];
            if let Some((inv, p)) = g.inverse(&params) {
                assert_eq!(inv.num_qubits(), g.num_qubits());
                assert_eq!(p.len(), inv.num_params());
            }
            if let Some((c, p)) = g.controlled(&params, 1) {
                assert_eq!(c.num_qubits(), g.num_qubits() + 1, "{g:?}");
                assert_eq!(p.len(), c.num_params());
            }
        }
    }
}
