//! What one request may cost.

use synq_core::{ApiError, ErrorCode};

/// Limits of the circuit endpoints. [`Limits::default`] is what the Cloudflare Worker serves with
/// (128 MB of memory per isolate, and a CPU budget per request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body in bytes (256 KiB): far above real OpenQASM files of Worker-sized circuits.
    pub max_body_bytes: usize,
    /// Most instructions a program may expand to (200,000), so that loops and nested `gate`
    /// definitions in a small body cannot fill the memory (an instruction takes about 100 bytes).
    pub max_operations: usize,
    /// Most qubits simulated (20). The state vector takes 16 · 2^n bytes: 16 MiB at 20 qubits, plus
    /// about as much again for the sampling tables, which leaves room in a 128 MB isolate; 22 qubits
    /// (64 MiB of state, 128 MiB with the tables) would not fit. Each gate then touches 2^20 amplitudes.
    pub max_sim_qubits: usize,
    /// Most clbits in a simulated circuit (128): every distinct outcome is a key that long, and up to
    /// [`crate::MAX_SHOTS`] of them can be distinct.
    pub max_sim_clbits: usize,
    /// Most amplitude updates one simulation may do (2^30: about 1,000 gates on 20 qubits; 1.6 s of CPU
    /// natively, measured on a 2-core CI machine, and about twice that in WebAssembly, within the
    /// Workers' default 30 s CPU limit with room for other requests): gates × 2^qubits when every
    /// measurement comes at the end (one pass, then sampling), gates × 2^qubits × shots when a
    /// measurement, reset or condition forces shot-by-shot runs.
    pub max_sim_work: u64,
    /// Most gates the translation of a program into the requested basis may take (100,000), estimated
    /// from its gate kinds before anything is translated, so that a short program of wide gates (a
    /// `ccx` weighs 19 IBM gates) cannot fill the memory. Measured natively at level 3 on 20 qubits:
    /// 100,000 gates peak at about 55 MiB and take 0.13 s; 200,000 would need about 120 MiB.
    pub max_optimize_gates: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 256 * 1024,
            max_operations: 200_000,
            max_sim_qubits: 20,
            max_sim_clbits: 128,
            max_sim_work: 1 << 30,
            max_optimize_gates: 100_000,
        }
    }
}

impl Limits {
    /// Refuses a body of `len` bytes over [`Limits::max_body_bytes`] (`MESSAGE_TOO_LARGE`); a shell
    /// calls it with the `content-length` before reading the body, and again with what it read.
    pub fn check_body_size(&self, len: u64) -> Result<(), ApiError> {
        if len > self.max_body_bytes as u64 {
            return Err(ApiError::new(
                ErrorCode::MessageTooLarge,
                format!(
                    "the body is {len} bytes, over the limit of {} bytes",
                    self.max_body_bytes
                ),
            ));
        }
        Ok(())
    }
}
