//! The endpoints: request in, response or error out.

use synq_circuits::ir::{Circuit, Operation, StandardGate};
use synq_circuits::opt::{Basis, OptError, OptimizeOptions, gate_count, optimize as run_optimizer};
use synq_circuits::sim::{SimOptions, run_shots, terminal_measurements};
use synq_circuits::{CircuitError, ParseOptions, ResourceCounts, parse_with, to_qasm2, to_qasm3};
use synq_core::{ApiError, ErrorCode};

use crate::decode;
use crate::limits::Limits;
use crate::wire::{
    AnalyzeRequest, AnalyzeResponse, DEFAULT_LEVEL, DEFAULT_SHOTS, Format, MAX_LEVEL, MAX_SHOTS,
    OptimizeRequest, OptimizeResponse, SimulateRequest, SimulateResponse,
};

/// Seeds the server picks stay below 2^53, so that JavaScript clients can send them back unchanged.
const SAFE_SEED_MASK: u64 = (1 << 53) - 1;

/// A circuit endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /api/v1/circuits/analyze`
    Analyze,
    /// `POST /api/v1/circuits/simulate`
    Simulate,
    /// `POST /api/v1/circuits/optimize`
    Optimize,
}

/// Serves one request body: the JSON response, or the error to send in the one error shape.
/// `fallback_seed` (the caller's randomness) seeds simulations whose request has no `seed`.
pub fn handle(
    endpoint: Endpoint,
    body: &[u8],
    fallback_seed: u64,
    limits: &Limits,
) -> Result<String, ApiError> {
    limits.check_body_size(body.len() as u64)?;
    let json = match endpoint {
        Endpoint::Analyze => {
            serde_json::to_string(&analyze(&decode::analyze_request(body)?, limits)?)
        }
        Endpoint::Simulate => serde_json::to_string(&simulate(
            &decode::simulate_request(body)?,
            fallback_seed,
            limits,
        )?),
        Endpoint::Optimize => {
            serde_json::to_string(&optimize(&decode::optimize_request(body)?, limits)?)
        }
    };
    json.map_err(|e| ApiError::new(ErrorCode::Internal, format!("response serialization: {e}")))
}

/// Resource counts and format of a program.
pub fn analyze(req: &AnalyzeRequest, limits: &Limits) -> Result<AnalyzeResponse, ApiError> {
    let circuit = parse(&req.qasm, limits)?;
    Ok(AnalyzeResponse {
        counts: ResourceCounts::of(&circuit).into(),
        format: format_of(&req.qasm),
    })
}

/// Runs a program's shots.
pub fn simulate(
    req: &SimulateRequest,
    fallback_seed: u64,
    limits: &Limits,
) -> Result<SimulateResponse, ApiError> {
    let shots = req.shots.unwrap_or(DEFAULT_SHOTS);
    if !(1..=MAX_SHOTS).contains(&shots) {
        return Err(ApiError::new(
            ErrorCode::InvalidMessage,
            format!("`shots` must be from 1 to {MAX_SHOTS}, not {shots}"),
        )
        .with_field("shots"));
    }
    let seed = req.seed.unwrap_or(fallback_seed & SAFE_SEED_MASK);
    let circuit = parse(&req.qasm, limits)?;

    let qubits = circuit.num_qubits();
    let requested = req
        .max_qubits
        .map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX));
    if qubits > limits.max_sim_qubits {
        return Err(ApiError::new(
            ErrorCode::LimitExceeded,
            format!(
                "the circuit has {qubits} qubits; this server simulates at most {}",
                limits.max_sim_qubits
            ),
        ));
    }
    if qubits > requested {
        return Err(ApiError::new(
            ErrorCode::LimitExceeded,
            format!("the circuit has {qubits} qubits, over `max_qubits` ({requested})"),
        )
        .with_field("max_qubits"));
    }
    let clbits = circuit.num_clbits();
    if clbits > limits.max_sim_clbits {
        return Err(ApiError::new(
            ErrorCode::LimitExceeded,
            format!(
                "the circuit has {clbits} clbits; this server simulates at most {}",
                limits.max_sim_clbits
            ),
        ));
    }
    let work = work(&circuit, shots);
    if work > limits.max_sim_work {
        return Err(ApiError::new(
            ErrorCode::LimitExceeded,
            format!(
                "the simulation would take about {work} amplitude updates, over this server's limit of {}: \
                 use fewer gates, qubits or shots, or measure only at the end",
                limits.max_sim_work
            ),
        ));
    }
    let options = SimOptions {
        max_qubits: limits.max_sim_qubits,
    };
    let counts = run_shots(&circuit, shots, seed, &options).map_err(circuit_error)?;
    Ok(SimulateResponse {
        counts,
        shots,
        seed,
        qubits,
    })
}

/// The one-qubit families a basis may use, for error messages.
const SUPPORTED_BASES: &str = "a basis is `cx` plus one of the one-qubit families rz+sx, p+sx, u3, u, \
                               rz+ry or rz+rx (with `x` optional beside sx), e.g. [\"cx\", \"rz\", \"sx\", \"x\"]";

/// Translates a program into a basis and optimizes it.
pub fn optimize(req: &OptimizeRequest, limits: &Limits) -> Result<OptimizeResponse, ApiError> {
    let level = req.level.unwrap_or(u64::from(DEFAULT_LEVEL));
    let level = u8::try_from(level)
        .ok()
        .filter(|l| *l <= MAX_LEVEL)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidMessage,
                format!("`level` must be from 0 to {MAX_LEVEL}, not {level}"),
            )
            .with_field("level")
        })?;
    let basis = match &req.basis {
        None => Basis::ibm(),
        Some(names) => Basis::from_names(names).map_err(opt_error)?,
    };
    let circuit = parse(&req.qasm, limits)?;
    let format = req.format.unwrap_or_else(|| format_of(&req.qasm));

    let estimate = translated_size(&circuit, &basis);
    if estimate > limits.max_optimize_gates {
        return Err(ApiError::new(
            ErrorCode::LimitExceeded,
            format!(
                "in this basis the circuit would take about {estimate} gates, over this server's limit of {} \
                 for optimization",
                limits.max_optimize_gates
            ),
        ));
    }
    let options = OptimizeOptions {
        level,
        basis: basis.clone(),
    };
    let optimized = run_optimizer(&circuit, &options).map_err(opt_error)?;
    let qasm = match format {
        Format::OpenQasm2 => to_qasm2(&optimized),
        Format::OpenQasm3 => to_qasm3(&optimized),
    }
    .map_err(|e| match e {
        CircuitError::Emit(why) => ApiError::new(
            ErrorCode::InvalidMessage,
            format!(
                "the optimized circuit cannot be written as {}: {why}",
                format.name()
            ),
        )
        .with_field("format"),
        e => ApiError::new(ErrorCode::Internal, format!("emitting the result: {e}")),
    })?;
    Ok(OptimizeResponse {
        qasm,
        format,
        level,
        basis: basis.gates().iter().map(|g| g.name().to_string()).collect(),
        before: ResourceCounts::of(&circuit).into(),
        after: ResourceCounts::of(&optimized).into(),
    })
}

/// About how many instructions translating `circuit` into `basis` gives: each gate weighs what one
/// gate of its kind with generic angles translates to (special angles only give fewer), everything
/// else one. Computed before translating, so that a small program of wide gates cannot fill the memory.
fn translated_size(circuit: &Circuit, basis: &Basis) -> usize {
    let mut weights: Vec<(StandardGate, usize)> = Vec::new();
    let mut total = 0usize;
    for inst in &circuit.instructions {
        let weight = match &inst.op {
            Operation::Gate(g) => match weights.iter().find(|(k, _)| *k == g.gate) {
                Some((_, w)) => *w,
                None => {
                    let w = translated_gate_size(g.gate, basis);
                    weights.push((g.gate, w));
                    w
                }
            },
            _ => 1,
        };
        total = total.saturating_add(weight);
    }
    total
}

/// Gates one `gate` with generic angles translates to in `basis` (level 0).
fn translated_gate_size(gate: StandardGate, basis: &Basis) -> usize {
    const ANGLES: [f64; 4] = [0.3, 0.7, 1.1, 1.7];
    let n = gate.num_qubits();
    let mut one = Circuit::new();
    one.add_qreg("q", n as u32);
    let qubits: Vec<u32> = (0..n as u32).collect();
    let params = ANGLES.get(..gate.num_params()).unwrap_or(&ANGLES);
    one.gate(gate, params, &qubits);
    let options = OptimizeOptions {
        level: 0,
        basis: basis.clone(),
    };
    // A standard gate always translates; were it not to, the gate counts as the largest there is.
    run_optimizer(&one, &options).map_or(64, |c| gate_count(&c).max(1))
}

/// An optimizer error in the one error shape: a bad basis or level names its field.
fn opt_error(e: OptError) -> ApiError {
    match e {
        OptError::Level(_) => {
            ApiError::new(ErrorCode::InvalidMessage, e.to_string()).with_field("level")
        }
        OptError::UnknownGate { .. } | OptError::UnsupportedBasis { .. } => {
            ApiError::new(ErrorCode::InvalidMessage, format!("{e}; {SUPPORTED_BASES}"))
                .with_field("basis")
        }
        OptError::Circuit(e) => circuit_error(e),
    }
}

fn parse(qasm: &str, limits: &Limits) -> Result<Circuit, ApiError> {
    let options = ParseOptions {
        max_operations: limits.max_operations,
        ..ParseOptions::default()
    };
    parse_with(qasm, &options).map_err(circuit_error)
}

/// A circuit error in the one error shape: bad programs are `INVALID_CIRCUIT` at a line and column,
/// programs over a limit `LIMIT_EXCEEDED`.
fn circuit_error(e: CircuitError) -> ApiError {
    let code = match e {
        CircuitError::TooLarge { .. } | CircuitError::TooManyQubits { .. } => {
            ErrorCode::LimitExceeded
        }
        _ => ErrorCode::InvalidCircuit,
    };
    let error = ApiError::new(code, e.to_string());
    match e.position() {
        Some(pos) => error.with_position(pos.line, pos.column),
        None => error,
    }
}

/// Amplitude updates a simulation needs, as `run_shots` does it: one pass and sampling when every
/// measurement comes at the end, else a pass per shot.
fn work(circuit: &Circuit, shots: u64) -> u64 {
    let qubits = circuit.num_qubits() as u32;
    let amplitudes = 1u64.checked_shl(qubits).unwrap_or(u64::MAX);
    let steps = circuit
        .instructions
        .iter()
        .filter(|i| !matches!(i.op, Operation::Barrier { .. }))
        .count() as u64;
    let pass = steps.max(1).saturating_mul(amplitudes);
    if terminal_measurements(circuit) {
        let per_shot = u64::from(qubits) + circuit.num_clbits() as u64 + 1;
        pass.saturating_add(amplitudes)
            .saturating_add(shots.saturating_mul(per_shot))
    } else {
        pass.saturating_mul(shots)
    }
}

/// The format a program that parsed declares: its first token after whitespace and comments is
/// `OPENQASM` followed by the version, else it is OpenQASM 3.
fn format_of(source: &str) -> Format {
    let rest = skip_trivia(source);
    let Some(after) = rest.strip_prefix("OPENQASM") else {
        return Format::OpenQasm3;
    };
    if after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        return Format::OpenQasm3;
    }
    let version = skip_trivia(after);
    let major: String = version.chars().take_while(char::is_ascii_digit).collect();
    if major == "2" {
        Format::OpenQasm2
    } else {
        Format::OpenQasm3
    }
}

/// `s` after leading whitespace, `//` line comments and `/* */` block comments.
fn skip_trivia(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("//") {
            s = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return s;
        }
    }
}

#[cfg(test)]
mod tests;
