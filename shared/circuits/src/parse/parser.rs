//! Recursive-descent parser from tokens to the syntax tree, for OpenQASM 2 and the OpenQASM 3 core.
//!
//! It never panics: every look-ahead is checked, and nesting is bounded so hostile input cannot
//! overflow the stack.

use std::rc::Rc;

use super::ast::{
    BinOp, Cond, Expr, ExprKind, ForIter, GateCall, GateDef, Modifier, Operand, Program, Stmt,
    StmtKind,
};
use super::lexer::{Tok, Token};
use crate::error::CircuitError;
use crate::units::Position;

/// The name of the implicit register that holds hardware qubits `$0`, `$1`, ….
pub(crate) const HARDWARE_REGISTER: &str = "$";

/// Deepest nesting of parentheses, blocks and unary operators accepted.
const MAX_DEPTH: usize = 200;

const TYPE_KEYWORDS: [&str; 6] = ["int", "uint", "float", "angle", "bool", "complex"];
const UNSUPPORTED_KEYWORDS: [&str; 14] = [
    "input",
    "output",
    "def",
    "defcal",
    "cal",
    "defcalgrammar",
    "while",
    "extern",
    "box",
    "delay",
    "let",
    "return",
    "switch",
    "duration",
];

pub(crate) struct Parser<'t> {
    toks: &'t [Token],
    i: usize,
    depth: usize,
    end: Position,
}

type R<T> = Result<T, CircuitError>;

impl<'t> Parser<'t> {
    pub(crate) fn new(toks: &'t [Token], end: Position) -> Self {
        Self {
            toks,
            i: 0,
            depth: 0,
            end,
        }
    }

    fn peek(&self) -> Option<&'t Tok> {
        self.toks.get(self.i).map(|t| &t.tok)
    }

    fn peek_at(&self, k: usize) -> Option<&'t Tok> {
        self.toks.get(self.i.saturating_add(k)).map(|t| &t.tok)
    }

    fn pos(&self) -> Position {
        self.toks.get(self.i).map_or(self.end, |t| t.pos)
    }

    fn err(&self, message: impl Into<String>) -> CircuitError {
        let found = match self.peek() {
            None => "end of input".to_string(),
            Some(t) => describe(t),
        };
        CircuitError::Syntax {
            pos: self.pos(),
            message: format!("{}, found {found}", message.into()),
        }
    }

    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }

    fn is_ident(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(x)) if x == s)
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        if self.is_sym(s) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, s: &str) -> R<()> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            Err(self.err(format!("expected `{s}`")))
        }
    }

    fn ident(&mut self) -> R<String> {
        match self.peek() {
            Some(Tok::Ident(s)) => {
                self.i += 1;
                Ok(s.clone())
            }
            _ => Err(self.err("expected an identifier")),
        }
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(CircuitError::TooLarge {
                pos: self.pos(),
                what: format!("nesting deeper than {MAX_DEPTH}"),
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub(crate) fn program(mut self) -> R<Program> {
        let mut version = 3;
        if self.is_ident("OPENQASM") {
            self.i += 1;
            let pos = self.pos();
            version = match self.peek() {
                Some(Tok::Int(v)) => *v,
                Some(Tok::Real(v)) => v.trunc() as u64,
                _ => return Err(self.err("expected a version number")),
            } as u32;
            if version != 2 && version != 3 {
                return Err(CircuitError::Unsupported {
                    pos,
                    what: format!("OpenQASM version {version}"),
                });
            }
            self.i += 1;
            self.expect_sym(";")?;
        }
        let mut stmts = Vec::new();
        while self.peek().is_some() {
            self.stmt(&mut stmts)?;
        }
        Ok(Program { version, stmts })
    }

    /// Parses one statement (or a `{ … }` block) and appends what it yields.
    fn stmt(&mut self, out: &mut Vec<Stmt>) -> R<()> {
        let pos = self.pos();
        let push = |out: &mut Vec<Stmt>, kind| out.push(Stmt { kind, pos });
        if self.eat_sym("{") {
            self.enter()?;
            while !self.eat_sym("}") {
                if self.peek().is_none() {
                    return Err(self.err("expected `}`"));
                }
                self.stmt(out)?;
            }
            self.leave();
            return Ok(());
        }
        if self.eat_sym(";") {
            return Ok(());
        }
        let Some(Tok::Ident(word)) = self.peek() else {
            return Err(self.err("expected a statement"));
        };
        match word.as_str() {
            "OPENQASM" => Err(self.err("the version header must come first")),
            "include" => {
                self.i += 1;
                let Some(Tok::Str(path)) = self.peek() else {
                    return Err(self.err("expected a file name in quotes"));
                };
                self.i += 1;
                self.expect_sym(";")?;
                push(out, StmtKind::Include(path.clone()));
                Ok(())
            }
            "qreg" | "creg" => {
                let quantum = word == "qreg";
                self.i += 1;
                let name = self.ident()?;
                self.expect_sym("[")?;
                let size = Some(self.expr()?);
                self.expect_sym("]")?;
                self.expect_sym(";")?;
                push(
                    out,
                    if quantum {
                        StmtKind::QReg { name, size }
                    } else {
                        StmtKind::CReg { name, size }
                    },
                );
                Ok(())
            }
            "qubit" | "bit" => {
                let quantum = word == "qubit";
                self.i += 1;
                let size = self.designator()?;
                let name = self.ident()?;
                push(
                    out,
                    if quantum {
                        StmtKind::QReg {
                            name: name.clone(),
                            size,
                        }
                    } else {
                        StmtKind::CReg {
                            name: name.clone(),
                            size,
                        }
                    },
                );
                if !quantum && self.eat_sym("=") {
                    let mpos = self.pos();
                    if !self.is_ident("measure") {
                        return Err(self.err("expected `measure`"));
                    }
                    self.i += 1;
                    let src = self.operand()?;
                    let dst = Operand {
                        name,
                        index: None,
                        pos: mpos,
                    };
                    out.push(Stmt {
                        kind: StmtKind::Measure { src, dst },
                        pos: mpos,
                    });
                }
                self.expect_sym(";")
            }
            "opaque" => {
                self.i += 1;
                let name = self.ident()?;
                Err(CircuitError::Opaque { pos, name })
            }
            "gate" => {
                self.i += 1;
                let def = self.gate_def(pos)?;
                push(out, StmtKind::Gate(Rc::new(def)));
                Ok(())
            }
            "measure" => {
                self.i += 1;
                let src = self.operand()?;
                if !self.eat_sym("->") {
                    return Err(CircuitError::Unsupported {
                        pos,
                        what:
                            "`measure` without a target (use `measure q -> c;` or `c = measure q;`)"
                                .into(),
                    });
                }
                let dst = self.operand()?;
                self.expect_sym(";")?;
                push(out, StmtKind::Measure { src, dst });
                Ok(())
            }
            "reset" => {
                self.i += 1;
                let target = self.operand()?;
                self.expect_sym(";")?;
                push(out, StmtKind::Reset(target));
                Ok(())
            }
            "barrier" => {
                self.i += 1;
                let args = if self.is_sym(";") {
                    Vec::new()
                } else {
                    self.operands()?
                };
                self.expect_sym(";")?;
                push(out, StmtKind::Barrier(args));
                Ok(())
            }
            "if" => {
                self.i += 1;
                self.expect_sym("(")?;
                let cond = self.cond()?;
                self.expect_sym(")")?;
                let body = self.body()?;
                let else_body = if self.is_ident("else") {
                    self.i += 1;
                    self.body()?
                } else {
                    Vec::new()
                };
                push(
                    out,
                    StmtKind::If {
                        cond,
                        body,
                        else_body,
                    },
                );
                Ok(())
            }
            "for" => {
                self.i += 1;
                if let Some(Tok::Ident(t)) = self.peek()
                    && TYPE_KEYWORDS.contains(&t.as_str())
                {
                    self.i += 1;
                    self.designator()?;
                }
                let var = self.ident()?;
                if !self.is_ident("in") {
                    return Err(self.err("expected `in`"));
                }
                self.i += 1;
                let iter = self.for_iter()?;
                let body = self.body()?;
                push(out, StmtKind::For { var, iter, body });
                Ok(())
            }
            "const" => {
                self.i += 1;
                self.typed_const(out, pos)
            }
            w if TYPE_KEYWORDS.contains(&w) => self.typed_const(out, pos),
            w if UNSUPPORTED_KEYWORDS.contains(&w) => Err(CircuitError::Unsupported {
                pos,
                what: format!("`{w}` statements"),
            }),
            "inv" | "pow" | "ctrl" | "negctrl"
                if matches!(self.peek_at(1), Some(Tok::Sym("@" | "("))) =>
            {
                let call = self.gate_call()?;
                push(out, StmtKind::Call(call));
                Ok(())
            }
            _ => {
                // `c[0] = measure q[0];` or a gate call.
                if self.assignment_ahead() {
                    let dst = self.operand()?;
                    self.expect_sym("=")?;
                    if !self.is_ident("measure") {
                        return Err(CircuitError::Unsupported {
                            pos,
                            what: "classical assignments other than `= measure`".into(),
                        });
                    }
                    self.i += 1;
                    let src = self.operand()?;
                    self.expect_sym(";")?;
                    push(out, StmtKind::Measure { src, dst });
                    return Ok(());
                }
                let call = self.gate_call()?;
                push(out, StmtKind::Call(call));
                Ok(())
            }
        }
    }

    /// Whether the tokens ahead read `name =` or `name[…] =`.
    fn assignment_ahead(&self) -> bool {
        match self.peek_at(1) {
            Some(Tok::Sym("=")) => true,
            Some(Tok::Sym("[")) => {
                let mut k = 2;
                let mut depth = 1usize;
                while let Some(t) = self.peek_at(k) {
                    match t {
                        Tok::Sym("[") => depth += 1,
                        Tok::Sym("]") => {
                            depth -= 1;
                            if depth == 0 {
                                return matches!(self.peek_at(k + 1), Some(Tok::Sym("=")));
                            }
                        }
                        Tok::Sym(";") => return false,
                        _ => {}
                    }
                    k += 1;
                }
                false
            }
            _ => false,
        }
    }

    /// `const float x = expr;` or `int[32] n = expr;` (the keyword `const` already eaten).
    fn typed_const(&mut self, out: &mut Vec<Stmt>, pos: Position) -> R<()> {
        match self.peek() {
            Some(Tok::Ident(t)) if TYPE_KEYWORDS.contains(&t.as_str()) => self.i += 1,
            _ => return Err(self.err("expected a type")),
        }
        self.designator()?;
        let name = self.ident()?;
        if !self.eat_sym("=") {
            return Err(CircuitError::Unsupported {
                pos,
                what: "classical variables without a constant initializer".into(),
            });
        }
        let value = self.expr()?;
        self.expect_sym(";")?;
        out.push(Stmt {
            kind: StmtKind::Const { name, value },
            pos,
        });
        Ok(())
    }

    /// An optional `[size]`.
    fn designator(&mut self) -> R<Option<Expr>> {
        if self.eat_sym("[") {
            let e = self.expr()?;
            self.expect_sym("]")?;
            Ok(Some(e))
        } else {
            Ok(None)
        }
    }

    fn body(&mut self) -> R<Vec<Stmt>> {
        self.enter()?;
        let mut body = Vec::new();
        self.stmt(&mut body)?;
        self.leave();
        Ok(body)
    }

    fn gate_def(&mut self, pos: Position) -> R<GateDef> {
        let name = self.ident()?;
        let mut params = Vec::new();
        if self.eat_sym("(") && !self.eat_sym(")") {
            loop {
                params.push(self.ident()?);
                if self.eat_sym(")") {
                    break;
                }
                self.expect_sym(",")?;
            }
        }
        let mut qubits = vec![self.ident()?];
        while self.eat_sym(",") {
            qubits.push(self.ident()?);
        }
        self.expect_sym("{")?;
        self.enter()?;
        let mut body = Vec::new();
        while !self.eat_sym("}") {
            if self.peek().is_none() {
                return Err(self.err("expected `}`"));
            }
            self.stmt(&mut body)?;
        }
        self.leave();
        Ok(GateDef {
            name,
            params,
            qubits,
            body,
            pos,
        })
    }

    fn gate_call(&mut self) -> R<GateCall> {
        let pos = self.pos();
        let mut modifiers = Vec::new();
        loop {
            let m = match self.peek() {
                Some(Tok::Ident(w)) if matches!(self.peek_at(1), Some(Tok::Sym("@" | "("))) => {
                    match w.as_str() {
                        "inv" => {
                            self.i += 1;
                            Modifier::Inv
                        }
                        "pow" => {
                            self.i += 1;
                            self.expect_sym("(")?;
                            let e = self.expr()?;
                            self.expect_sym(")")?;
                            Modifier::Pow(e)
                        }
                        "ctrl" | "negctrl" => {
                            let neg = w == "negctrl";
                            self.i += 1;
                            let n = if self.eat_sym("(") {
                                let e = self.expr()?;
                                self.expect_sym(")")?;
                                Some(e)
                            } else {
                                None
                            };
                            if neg {
                                Modifier::NegCtrl(n)
                            } else {
                                Modifier::Ctrl(n)
                            }
                        }
                        _ => break,
                    }
                }
                _ => break,
            };
            self.expect_sym("@")?;
            modifiers.push(m);
            if modifiers.len() > MAX_DEPTH {
                return Err(CircuitError::TooLarge {
                    pos,
                    what: "too many gate modifiers".into(),
                });
            }
        }
        let name = self.ident()?;
        let mut params = Vec::new();
        if self.eat_sym("(") && !self.eat_sym(")") {
            loop {
                params.push(self.expr()?);
                if self.eat_sym(")") {
                    break;
                }
                self.expect_sym(",")?;
            }
        }
        let args = if self.is_sym(";") {
            Vec::new()
        } else {
            self.operands()?
        };
        self.expect_sym(";")?;
        Ok(GateCall {
            modifiers,
            name,
            params,
            args,
            pos,
        })
    }

    fn operands(&mut self) -> R<Vec<Operand>> {
        let mut v = vec![self.operand()?];
        while self.eat_sym(",") {
            v.push(self.operand()?);
        }
        Ok(v)
    }

    fn operand(&mut self) -> R<Operand> {
        let pos = self.pos();
        if let Some(Tok::Hardware(n)) = self.peek() {
            self.i += 1;
            let index = Some(Expr {
                kind: ExprKind::Num(f64::from(*n)),
                pos,
            });
            return Ok(Operand {
                name: HARDWARE_REGISTER.to_string(),
                index,
                pos,
            });
        }
        let name = self.ident()?;
        let index = if self.eat_sym("[") {
            let e = self.expr()?;
            if self.is_sym(":") || self.is_sym(",") {
                return Err(CircuitError::Unsupported {
                    pos,
                    what: "register slices".into(),
                });
            }
            self.expect_sym("]")?;
            Some(e)
        } else {
            None
        };
        Ok(Operand { name, index, pos })
    }

    fn cond(&mut self) -> R<Cond> {
        let pos = self.pos();
        let (targets, negate) = self.bit_xor()?;
        let value = if self.eat_sym("==") {
            self.expr()?
        } else if self.is_sym(")") {
            Expr {
                kind: ExprKind::Num(1.0),
                pos,
            }
        } else {
            return Err(CircuitError::Unsupported {
                pos: self.pos(),
                what: "conditions other than `==`".into(),
            });
        };
        Ok(Cond {
            targets,
            negate,
            value,
        })
    }

    /// `a ^ b ^ …` over bits, each possibly negated or parenthesised.
    fn bit_xor(&mut self) -> R<(Vec<Operand>, bool)> {
        let (mut targets, mut negate) = self.bit_term()?;
        while self.eat_sym("^") {
            let (more, n) = self.bit_term()?;
            targets.extend(more);
            negate ^= n;
        }
        Ok((targets, negate))
    }

    fn bit_term(&mut self) -> R<(Vec<Operand>, bool)> {
        self.enter()?;
        let r = if self.eat_sym("!") {
            let (t, n) = self.bit_term()?;
            (t, !n)
        } else if self.eat_sym("(") {
            let r = self.bit_xor()?;
            self.expect_sym(")")?;
            r
        } else {
            (vec![self.operand()?], false)
        };
        self.leave();
        Ok(r)
    }

    fn for_iter(&mut self) -> R<ForIter> {
        if self.eat_sym("[") {
            let start = self.expr()?;
            self.expect_sym(":")?;
            let second = self.expr()?;
            let (step, end) = if self.eat_sym(":") {
                (Some(second), self.expr()?)
            } else {
                (None, second)
            };
            self.expect_sym("]")?;
            Ok(ForIter::Range { start, step, end })
        } else if self.eat_sym("{") {
            let mut v = Vec::new();
            if !self.eat_sym("}") {
                loop {
                    v.push(self.expr()?);
                    if self.eat_sym("}") {
                        break;
                    }
                    self.expect_sym(",")?;
                }
            }
            Ok(ForIter::Set(v))
        } else {
            Err(self.err("expected a range `[a:b]` or a set `{…}`"))
        }
    }

    pub(crate) fn expr(&mut self) -> R<Expr> {
        self.enter()?;
        let mut lhs = self.term()?;
        loop {
            let op = if self.is_sym("+") {
                BinOp::Add
            } else if self.is_sym("-") {
                BinOp::Sub
            } else {
                break;
            };
            let pos = self.pos();
            self.i += 1;
            let rhs = self.term()?;
            lhs = Expr {
                kind: ExprKind::Bin(op, Box::new(lhs), Box::new(rhs)),
                pos,
            };
        }
        self.leave();
        Ok(lhs)
    }

    fn term(&mut self) -> R<Expr> {
        let mut lhs = self.unary()?;
        loop {
            let op = if self.is_sym("*") {
                BinOp::Mul
            } else if self.is_sym("/") {
                BinOp::Div
            } else {
                break;
            };
            let pos = self.pos();
            self.i += 1;
            let rhs = self.unary()?;
            lhs = Expr {
                kind: ExprKind::Bin(op, Box::new(lhs), Box::new(rhs)),
                pos,
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> R<Expr> {
        let pos = self.pos();
        self.enter()?;
        let e = if self.eat_sym("-") {
            let inner = self.unary()?;
            Expr {
                kind: ExprKind::Neg(Box::new(inner)),
                pos,
            }
        } else if self.eat_sym("+") {
            self.unary()?
        } else {
            let base = self.primary()?;
            if self.is_sym("^") || self.is_sym("**") {
                let pos = self.pos();
                self.i += 1;
                let exp = self.unary()?;
                Expr {
                    kind: ExprKind::Bin(BinOp::Pow, Box::new(base), Box::new(exp)),
                    pos,
                }
            } else {
                base
            }
        };
        self.leave();
        Ok(e)
    }

    fn primary(&mut self) -> R<Expr> {
        let pos = self.pos();
        match self.peek() {
            Some(Tok::Int(v)) => {
                self.i += 1;
                Ok(Expr {
                    kind: ExprKind::Num(*v as f64),
                    pos,
                })
            }
            Some(Tok::Real(v)) => {
                self.i += 1;
                Ok(Expr {
                    kind: ExprKind::Num(*v),
                    pos,
                })
            }
            Some(Tok::Ident(name)) => {
                self.i += 1;
                if self.eat_sym("(") {
                    let mut args = Vec::new();
                    if !self.eat_sym(")") {
                        loop {
                            args.push(self.expr()?);
                            if self.eat_sym(")") {
                                break;
                            }
                            self.expect_sym(",")?;
                        }
                    }
                    Ok(Expr {
                        kind: ExprKind::Call(name.clone(), args),
                        pos,
                    })
                } else {
                    Ok(Expr {
                        kind: ExprKind::Ident(name.clone()),
                        pos,
                    })
                }
            }
            Some(Tok::Sym("(")) => {
                self.i += 1;
                let e = self.expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            _ => Err(self.err("expected an expression")),
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Int(v) => format!("`{v}`"),
        Tok::Real(v) => format!("`{v}`"),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::Hardware(n) => format!("`${n}`"),
        Tok::Sym(s) => format!("`{s}`"),
    }
}
