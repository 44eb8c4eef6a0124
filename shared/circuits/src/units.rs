//! Newtypes for the indices and places that are easy to mix up.

use std::fmt;

/// A qubit of a circuit: its index in the flattened list of all quantum registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Qubit(pub u32);

/// A classical bit of a circuit: its index in the flattened list of all classical registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Clbit(pub u32);

impl Qubit {
    /// The index as a `usize`, for slices and bit shifts.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl Clbit {
    /// The index as a `usize`, for slices and bit shifts.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A place in OpenQASM source text: 1-based line and 1-based column counted in Unicode scalar values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1, in characters (not bytes).
    pub column: u32,
}

impl Position {
    /// A position from a 1-based line and column.
    pub fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}
