//! The request and response bodies of the circuit endpoints (serde: one definition for the server,
//! clients and tests).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synq_circuits::ResourceCounts;

/// Shots a simulation runs when the request names none.
pub const DEFAULT_SHOTS: u64 = 1024;
/// Most shots one simulation request may ask for.
pub const MAX_SHOTS: u64 = 100_000;

/// `POST /api/v1/circuits/analyze`: `{"qasm": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    /// An OpenQASM 2.0 or 3 program (3 when it has no `OPENQASM` header).
    pub qasm: String,
}

/// The OpenQASM version a program declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Format {
    /// `OPENQASM 2.0;`
    #[serde(rename = "openqasm2")]
    OpenQasm2,
    /// `OPENQASM 3;` (or no header).
    #[serde(rename = "openqasm3")]
    OpenQasm3,
}

impl Format {
    /// Its wire name: `openqasm2` or `openqasm3`.
    pub fn name(self) -> &'static str {
        match self {
            Format::OpenQasm2 => "openqasm2",
            Format::OpenQasm3 => "openqasm3",
        }
    }
}

/// What a circuit uses (after `gate` definitions, loops and broadcasts are expanded).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    /// Qubits declared.
    pub qubits: usize,
    /// Classical bits declared.
    pub clbits: usize,
    /// Every operation by name, `measure`, `reset` and `barrier` included (as Qiskit's `count_ops`).
    pub gate_counts: BTreeMap<String, usize>,
    /// Unitary gates in total.
    pub gates: usize,
    /// Gates on one qubit.
    pub one_qubit: usize,
    /// Gates on two qubits.
    pub two_qubit: usize,
    /// Gates on three or more qubits.
    pub multi_qubit: usize,
    /// `cx` gates.
    pub cx: usize,
    /// `t` plus `tdg` gates.
    pub t_count: usize,
    /// Depth as Qiskit defines it (barriers add no layer).
    pub depth: usize,
    /// Measurements.
    pub measurements: usize,
}

impl From<ResourceCounts> for Counts {
    fn from(c: ResourceCounts) -> Self {
        Counts {
            qubits: c.qubits,
            clbits: c.clbits,
            gate_counts: c.ops_by_name,
            gates: c.gates,
            one_qubit: c.one_qubit_gates,
            two_qubit: c.two_qubit_gates,
            multi_qubit: c.multi_qubit_gates,
            cx: c.cx,
            t_count: c.t_count,
            depth: c.depth,
            measurements: c.measurements,
        }
    }
}

/// The answer to `analyze`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyzeResponse {
    /// The resource counts.
    pub counts: Counts,
    /// Which OpenQASM the program was.
    pub format: Format,
}

/// `POST /api/v1/circuits/simulate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// An OpenQASM 2.0 or 3 program.
    pub qasm: String,
    /// Shots, 1 to [`MAX_SHOTS`]; [`DEFAULT_SHOTS`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shots: Option<u64>,
    /// Seed of the measurement sampling; the server picks one (below 2^53) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The caller's own qubit cap; the server's limit applies when it is larger or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_qubits: Option<u64>,
}

/// The answer to `simulate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimulateResponse {
    /// Outcomes as Qiskit writes them (registers last to first, separated by spaces, each with its
    /// highest bit first) and how often each came up.
    pub counts: BTreeMap<String, u64>,
    /// Shots run.
    pub shots: u64,
    /// The seed used: send it back to get the same counts.
    pub seed: u64,
    /// Qubits simulated.
    pub qubits: usize,
}

/// Optimization level when the request names none.
pub const DEFAULT_LEVEL: u8 = 2;
/// Highest optimization level.
pub const MAX_LEVEL: u8 = 3;

/// `POST /api/v1/circuits/optimize`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OptimizeRequest {
    /// An OpenQASM 2.0 or 3 program.
    pub qasm: String,
    /// 0 (translate into the basis only) to [`MAX_LEVEL`]; [`DEFAULT_LEVEL`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u64>,
    /// The gate names of the target basis (`qelib1.inc` spelling); IBM's `cx, rz, sx, x` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Vec<String>>,
    /// The OpenQASM version of the answer; the input's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
}

/// The answer to `optimize`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptimizeResponse {
    /// The optimized program, in `format`, using only the gates of `basis`.
    pub qasm: String,
    /// The OpenQASM version of `qasm`.
    pub format: Format,
    /// The level applied.
    pub level: u8,
    /// The basis's gates, without repeats.
    pub basis: Vec<String>,
    /// Counts of the input as parsed (what `analyze` reports).
    pub before: Counts,
    /// Counts of the optimized circuit.
    pub after: Counts,
}
