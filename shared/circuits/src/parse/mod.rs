//! OpenQASM 2.0 and OpenQASM 3 (core) parsing into a [`Circuit`].
//!
//! A hand-written lexer and recursive-descent parser build a small syntax tree; lowering then
//! evaluates expressions and expands `gate` definitions, modifiers, loops and register broadcasts
//! into standard gates. `include "qelib1.inc"` and `include "stdgates.inc"` are built in; no other
//! file is read (the crate does no I/O).
//!
//! Qiskit's `oq3_parser`/`oq3_semantics` 0.7 were evaluated first: they build for
//! `wasm32-unknown-unknown` (~105 KB gzip), but they panic on some malformed input (an `include`
//! without a path, an unknown include file, which they also try to read from disk), do not accept
//! `measure q -> c;`, and do not cover OpenQASM 2, so they are not used.

mod ast;
mod eval;
mod lexer;
mod lower;
mod parser;

use crate::error::CircuitError;
use crate::ir::Circuit;
use crate::units::Position;

/// What a `gate` definition means when its name and arity match a [`crate::StandardGate`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StandardDefinitions {
    /// The standard gate: the definition is taken to agree with it and the gate keeps its name
    /// (exporters, ours included, define `rzz`, `cu1`, … this way for OpenQASM 3).
    #[default]
    Standard,
    /// The definition's body, unless the gate is in the format's own library (`qelib1.inc` for
    /// OpenQASM 2, `stdgates.inc` for OpenQASM 3). This is how Qiskit's importers read files, so counts
    /// then match Qiskit's.
    ExpandOutsideLibrary,
}

/// Parser settings: limits that keep hostile programs from exhausting memory, and how to read
/// definitions of standard gates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Most instructions the expanded circuit may hold.
    pub max_operations: usize,
    /// Most qubits (and, separately, clbits) the program may declare.
    pub max_qubits: usize,
    /// How definitions of standard gates are read.
    pub standard_definitions: StandardDefinitions,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            max_operations: 2_000_000,
            max_qubits: 65_536,
            standard_definitions: StandardDefinitions::Standard,
        }
    }
}

/// Parses an OpenQASM 2.0 or 3 program (chosen by its `OPENQASM` header; 3 when there is none).
pub fn parse(source: &str) -> Result<Circuit, CircuitError> {
    parse_with(source, &ParseOptions::default())
}

/// [`parse`] with explicit limits.
pub fn parse_with(source: &str, options: &ParseOptions) -> Result<Circuit, CircuitError> {
    let tokens = lexer::tokenize(source)?;
    let program = parser::Parser::new(&tokens, end_position(source)).program()?;
    lower::Lowerer::new(options, program.version).lower(&program)
}

fn end_position(source: &str) -> Position {
    let mut pos = Position::new(1, 1);
    for c in source.chars() {
        if c == '\n' {
            pos = Position::new(pos.line.saturating_add(1), 1);
        } else {
            pos.column = pos.column.saturating_add(1);
        }
    }
    pos
}

#[cfg(test)]
mod tests;
