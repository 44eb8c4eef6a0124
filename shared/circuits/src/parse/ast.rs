//! The syntax tree the parser builds and the lowering pass walks. Nothing here is evaluated yet.

use std::rc::Rc;

use crate::units::Position;

/// A numeric expression (angles, sizes, indices).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    pub(crate) pos: Position,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ExprKind {
    Num(f64),
    Ident(String),
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

/// A register or one of its bits: `q`, `q[i]`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Operand {
    pub(crate) name: String,
    pub(crate) index: Option<Expr>,
    pub(crate) pos: Position,
}

/// A gate modifier of OpenQASM 3.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Modifier {
    Inv,
    Pow(Expr),
    Ctrl(Option<Expr>),
    NegCtrl(Option<Expr>),
}

/// A gate application, `mods @ name(params) args;`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct GateCall {
    pub(crate) modifiers: Vec<Modifier>,
    pub(crate) name: String,
    pub(crate) params: Vec<Expr>,
    pub(crate) args: Vec<Operand>,
    pub(crate) pos: Position,
}

/// A `gate` block.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct GateDef {
    pub(crate) name: String,
    pub(crate) params: Vec<String>,
    pub(crate) qubits: Vec<String>,
    pub(crate) body: Vec<Stmt>,
    pub(crate) pos: Position,
}

/// The condition of an `if`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Cond {
    /// One register or bit, or several bits combined with `^`.
    pub(crate) targets: Vec<Operand>,
    /// Whether the targets are negated with `!`.
    pub(crate) negate: bool,
    pub(crate) value: Expr,
}

/// What a `for` loop iterates over.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ForIter {
    Range {
        start: Expr,
        step: Option<Expr>,
        end: Expr,
    },
    Set(Vec<Expr>),
}

/// A statement with the position of its first token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Stmt {
    pub(crate) kind: StmtKind,
    pub(crate) pos: Position,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StmtKind {
    Include(String),
    QReg {
        name: String,
        size: Option<Expr>,
    },
    CReg {
        name: String,
        size: Option<Expr>,
    },
    Gate(Rc<GateDef>),
    Call(GateCall),
    Measure {
        src: Operand,
        dst: Operand,
    },
    Reset(Operand),
    Barrier(Vec<Operand>),
    If {
        cond: Cond,
        body: Vec<Stmt>,
        else_body: Vec<Stmt>,
    },
    For {
        var: String,
        iter: ForIter,
        body: Vec<Stmt>,
    },
    Const {
        name: String,
        value: Expr,
    },
}

/// A whole program.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Program {
    /// 2 or 3; 3 when the header is missing.
    pub(crate) version: u32,
    pub(crate) stmts: Vec<Stmt>,
}
