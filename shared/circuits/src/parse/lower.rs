//! Lowering: walks the syntax tree, evaluates expressions, expands `gate` definitions, modifiers,
//! loops and broadcasts, and builds the [`Circuit`].

use std::collections::BTreeMap;
use std::rc::Rc;

use super::ast::{
    Cond, Expr, ExprKind, ForIter, GateCall, GateDef, Modifier, Operand, Program, Stmt, StmtKind,
};
use super::eval::{eval, eval_index};
use super::parser::HARDWARE_REGISTER;
use super::{ParseOptions, StandardDefinitions};
use crate::error::CircuitError;
use crate::ir::{Circuit, Condition, GateOp, Instruction, Operation, StandardGate};
use crate::units::{Clbit, Position, Qubit};

/// Deepest chain of gate definitions calling each other that is expanded.
const MAX_EXPANSION_DEPTH: usize = 64;

type R<T> = Result<T, CircuitError>;

fn semantic(pos: Position, message: impl Into<String>) -> CircuitError {
    CircuitError::Semantic {
        pos,
        message: message.into(),
    }
}

fn unsupported(pos: Position, what: impl Into<String>) -> CircuitError {
    CircuitError::Unsupported {
        pos,
        what: what.into(),
    }
}

/// A modifier with its argument evaluated.
#[derive(Clone, Copy)]
enum Mod {
    Inv,
    Pow(f64),
    Ctrl(u32, bool),
}

/// A gate with its modifiers folded: control qubits (with polarity), targets and a total exponent.
struct Folded {
    controls: Vec<(Qubit, bool)>,
    targets: Vec<Qubit>,
    exponent: f64,
}

pub(crate) struct Lowerer<'o> {
    circuit: Circuit,
    qregs: BTreeMap<String, (u32, u32)>,
    cregs: BTreeMap<String, (usize, u32, u32)>,
    gates: BTreeMap<String, Rc<GateDef>>,
    scopes: Vec<BTreeMap<String, f64>>,
    options: &'o ParseOptions,
    version: u32,
    ops: usize,
}

impl<'o> Lowerer<'o> {
    pub(crate) fn new(options: &'o ParseOptions, version: u32) -> Self {
        Self {
            circuit: Circuit::new(),
            qregs: BTreeMap::new(),
            cregs: BTreeMap::new(),
            gates: BTreeMap::new(),
            scopes: vec![BTreeMap::new()],
            options,
            version,
            ops: 0,
        }
    }

    pub(crate) fn lower(mut self, program: &Program) -> R<Circuit> {
        // Hardware qubits `$n` live in one implicit register, declared first, up to the highest index used.
        if let Some((max, pos)) = max_hardware_qubit(&program.stmts) {
            let size = Expr {
                kind: ExprKind::Num(f64::from(max) + 1.0),
                pos,
            };
            self.declare(HARDWARE_REGISTER, Some(&size), true, pos)?;
        }
        for stmt in &program.stmts {
            self.stmt(stmt, None)?;
        }
        Ok(self.circuit)
    }

    fn lookup(&self, name: &str) -> Option<f64> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
    }

    fn eval(&self, e: &Expr) -> R<f64> {
        eval(e, &|n| self.lookup(n))
    }

    fn push(&mut self, op: Operation, cond: Option<&Condition>, pos: Position) -> R<()> {
        self.ops += 1;
        if self.ops > self.options.max_operations {
            return Err(CircuitError::TooLarge {
                pos,
                what: format!("more than {} operations", self.options.max_operations),
            });
        }
        self.circuit.instructions.push(Instruction {
            op,
            condition: cond.cloned(),
        });
        Ok(())
    }

    fn stmt(&mut self, stmt: &Stmt, cond: Option<&Condition>) -> R<()> {
        let pos = stmt.pos;
        match &stmt.kind {
            StmtKind::Include(path) => match path.as_str() {
                "qelib1.inc" | "stdgates.inc" => Ok(()),
                other => Err(unsupported(
                    pos,
                    format!("include \"{other}\" (only qelib1.inc and stdgates.inc are built in)"),
                )),
            },
            StmtKind::QReg { name, size } | StmtKind::CReg { name, size } => {
                let quantum = matches!(stmt.kind, StmtKind::QReg { .. });
                self.declare(name, size.as_ref(), quantum, pos)
            }
            StmtKind::Gate(def) => self.define(def),
            StmtKind::Call(call) => self.call(call, cond),
            StmtKind::Measure { src, dst } => {
                let qs = self.qubits_of(src)?;
                let cs = self.clbits_of(dst)?;
                if qs.len() != cs.len() {
                    return Err(semantic(
                        pos,
                        format!("measuring {} qubits into {} bits", qs.len(), cs.len()),
                    ));
                }
                for (qubit, clbit) in qs.into_iter().zip(cs) {
                    self.push(Operation::Measure { qubit, clbit }, cond, pos)?;
                }
                Ok(())
            }
            StmtKind::Reset(target) => {
                for qubit in self.qubits_of(target)? {
                    self.push(Operation::Reset { qubit }, cond, pos)?;
                }
                Ok(())
            }
            StmtKind::Barrier(args) => {
                let mut qubits = Vec::new();
                if args.is_empty() {
                    qubits = (0..self.circuit.num_qubits() as u32).map(Qubit).collect();
                }
                for a in args {
                    for q in self.qubits_of(a)? {
                        if !qubits.contains(&q) {
                            qubits.push(q);
                        }
                    }
                }
                if qubits.is_empty() {
                    return Ok(());
                }
                self.push(Operation::Barrier { qubits }, cond, pos)
            }
            StmtKind::If {
                cond: c,
                body,
                else_body,
            } => {
                if cond.is_some() {
                    return Err(unsupported(pos, "nested `if`"));
                }
                let condition = self.condition(c)?;
                let otherwise = match (&condition, else_body.is_empty()) {
                    (_, true) => None,
                    (Condition::Bit { clbit, value }, false) => Some(Condition::Bit {
                        clbit: *clbit,
                        value: !value,
                    }),
                    (Condition::Parity { clbits, value }, false) => Some(Condition::Parity {
                        clbits: clbits.clone(),
                        value: !value,
                    }),
                    (Condition::Register { .. }, false) => {
                        return Err(unsupported(pos, "`else` on a whole-register condition"));
                    }
                };
                for s in body {
                    self.stmt(s, Some(&condition))?;
                }
                if let Some(otherwise) = otherwise {
                    for s in else_body {
                        self.stmt(s, Some(&otherwise))?;
                    }
                }
                Ok(())
            }
            StmtKind::For { var, iter, body } => {
                for v in self.loop_values(iter, pos)? {
                    self.scopes.push(BTreeMap::from([(var.clone(), v)]));
                    let r = body.iter().try_for_each(|s| self.stmt(s, cond));
                    self.scopes.pop();
                    r?;
                }
                Ok(())
            }
            StmtKind::Const { name, value } => {
                let v = self.eval(value)?;
                if let Some(scope) = self.scopes.last_mut() {
                    scope.insert(name.clone(), v);
                }
                Ok(())
            }
        }
    }

    fn declare(&mut self, name: &str, size: Option<&Expr>, quantum: bool, pos: Position) -> R<()> {
        if self.qregs.contains_key(name) || self.cregs.contains_key(name) {
            return Err(semantic(pos, format!("`{name}` is already declared")));
        }
        let size = match size {
            Some(e) => eval_index(e, &|n| self.lookup(n))?,
            None => 1,
        };
        if quantum {
            let total = self.circuit.num_qubits().saturating_add(size as usize);
            if total > self.options.max_qubits {
                return Err(CircuitError::TooLarge {
                    pos,
                    what: format!("more than {} qubits", self.options.max_qubits),
                });
            }
            let first = self.circuit.add_qreg(name, size);
            self.qregs.insert(name.to_string(), (first.0, size));
        } else {
            let total = self.circuit.num_clbits().saturating_add(size as usize);
            if total > self.options.max_qubits {
                return Err(CircuitError::TooLarge {
                    pos,
                    what: format!("more than {} clbits", self.options.max_qubits),
                });
            }
            let first = self.circuit.add_creg(name, size);
            self.cregs.insert(
                name.to_string(),
                (self.circuit.cregs.len() - 1, first.0, size),
            );
        }
        Ok(())
    }

    fn define(&mut self, def: &Rc<GateDef>) -> R<()> {
        if let Some(g) = StandardGate::from_name(&def.name)
            && g.num_params() == def.params.len()
            && g.num_qubits() == def.qubits.len()
            && (self.options.standard_definitions == StandardDefinitions::Standard
                || self.version == 2
                || g.in_stdgates())
        {
            // A definition of a standard gate (as exporters write for gates outside stdgates.inc):
            // the standard meaning is kept, so the gate stays countable by name.
            return Ok(());
        }
        if def.name == "gphase" || self.gates.contains_key(&def.name) {
            return Err(semantic(
                def.pos,
                format!("gate `{}` is already defined", def.name),
            ));
        }
        for (i, q) in def.qubits.iter().enumerate() {
            if def.qubits.iter().skip(i + 1).any(|o| o == q) {
                return Err(semantic(def.pos, format!("qubit argument `{q}` repeated")));
            }
        }
        self.gates.insert(def.name.clone(), Rc::clone(def));
        Ok(())
    }

    fn condition(&self, c: &Cond) -> R<Condition> {
        let v = self.eval(&c.value)?;
        if v.fract() != 0.0 || !(0.0..18_446_744_073_709_551_616.0).contains(&v) {
            return Err(semantic(
                c.value.pos,
                format!("condition value {v} is not an unsigned integer"),
            ));
        }
        if let [t] = c.targets.as_slice()
            && t.index.is_none()
        {
            let Some(&(creg, _, size)) = self.cregs.get(&t.name) else {
                return Err(semantic(
                    t.pos,
                    format!("unknown classical register `{}`", t.name),
                ));
            };
            return match (c.negate, size) {
                (false, _) => Ok(Condition::Register {
                    creg,
                    value: v as u64,
                }),
                (true, 1) if v <= 1.0 => Ok(Condition::Register {
                    creg,
                    value: u64::from(v == 0.0),
                }),
                (true, _) => Err(unsupported(t.pos, "`!` on a register")),
            };
        }
        if v > 1.0 {
            return Err(semantic(c.value.pos, "a bit can only equal 0 or 1"));
        }
        let value = (v == 1.0) ^ c.negate;
        let mut clbits = Vec::new();
        for t in &c.targets {
            if t.index.is_none() {
                return Err(unsupported(
                    t.pos,
                    "whole registers inside a bit expression",
                ));
            }
            clbits.extend(self.clbits_of(t)?);
        }
        match clbits.as_slice() {
            [clbit] => Ok(Condition::Bit {
                clbit: *clbit,
                value,
            }),
            _ => Ok(Condition::Parity { clbits, value }),
        }
    }

    fn loop_values(&self, iter: &ForIter, pos: Position) -> R<Vec<f64>> {
        match iter {
            ForIter::Set(items) => items.iter().map(|e| self.eval(e)).collect(),
            ForIter::Range { start, step, end } => {
                let a = self.eval(start)?;
                let s = match step {
                    Some(e) => self.eval(e)?,
                    None => 1.0,
                };
                let b = self.eval(end)?;
                if s == 0.0 || a.fract() != 0.0 || s.fract() != 0.0 || b.fract() != 0.0 {
                    return Err(semantic(
                        pos,
                        "loop range must be integers with a non-zero step",
                    ));
                }
                let count = ((b - a) / s).floor() + 1.0;
                if count > self.options.max_operations as f64 {
                    return Err(CircuitError::TooLarge {
                        pos,
                        what: "loop has too many iterations".into(),
                    });
                }
                let count = if count > 0.0 { count as usize } else { 0 };
                Ok((0..count).map(|k| a + s * k as f64).collect())
            }
        }
    }

    fn qubits_of(&self, op: &Operand) -> R<Vec<Qubit>> {
        let Some(&(offset, size)) = self.qregs.get(&op.name) else {
            return Err(semantic(
                op.pos,
                format!("unknown quantum register `{}`", op.name),
            ));
        };
        Ok(self
            .select(op, offset, size)?
            .into_iter()
            .map(Qubit)
            .collect())
    }

    fn clbits_of(&self, op: &Operand) -> R<Vec<Clbit>> {
        let Some(&(_, offset, size)) = self.cregs.get(&op.name) else {
            return Err(semantic(
                op.pos,
                format!("unknown classical register `{}`", op.name),
            ));
        };
        Ok(self
            .select(op, offset, size)?
            .into_iter()
            .map(Clbit)
            .collect())
    }

    fn select(&self, op: &Operand, offset: u32, size: u32) -> R<Vec<u32>> {
        match &op.index {
            None => Ok((offset..offset + size).collect()),
            Some(ix) => {
                let i = eval_index(ix, &|n| self.lookup(n))?;
                if i >= size {
                    return Err(semantic(
                        ix.pos,
                        format!("index {i} out of range for `{}[{size}]`", op.name),
                    ));
                }
                Ok(vec![offset + i])
            }
        }
    }

    fn eval_mods(&self, mods: &[Modifier], lookup: &dyn Fn(&str) -> Option<f64>) -> R<Vec<Mod>> {
        mods.iter()
            .map(|m| {
                Ok(match m {
                    Modifier::Inv => Mod::Inv,
                    Modifier::Pow(e) => Mod::Pow(eval(e, lookup)?),
                    Modifier::Ctrl(n) | Modifier::NegCtrl(n) => {
                        let count = match n {
                            Some(e) => eval_index(e, lookup)?,
                            None => 1,
                        };
                        if count == 0 {
                            return Err(semantic(
                                n.as_ref().map_or_else(Position::default, |e| e.pos),
                                "ctrl count must be at least 1",
                            ));
                        }
                        Mod::Ctrl(count, matches!(m, Modifier::Ctrl(_)))
                    }
                })
            })
            .collect()
    }

    /// Splits the qubits of a call between the controls its modifiers take and the gate's targets.
    fn fold(mods: &[Mod], qubits: &[Qubit], pos: Position) -> R<Folded> {
        let mut controls = Vec::new();
        let mut exponent = 1.0;
        let mut rest = qubits;
        for m in mods {
            match *m {
                Mod::Inv => exponent = -exponent,
                Mod::Pow(p) => exponent *= p,
                Mod::Ctrl(n, positive) => {
                    let Some((head, tail)) = rest.split_at_checked(n as usize) else {
                        return Err(semantic(pos, "not enough qubits for the control modifiers"));
                    };
                    controls.extend(head.iter().map(|q| (*q, positive)));
                    rest = tail;
                }
            }
        }
        for (i, q) in qubits.iter().enumerate() {
            if qubits.iter().skip(i + 1).any(|o| o == q) {
                return Err(semantic(
                    pos,
                    format!("qubit {} used twice in one gate", q.0),
                ));
            }
        }
        Ok(Folded {
            controls,
            targets: rest.to_vec(),
            exponent,
        })
    }

    fn call(&mut self, call: &GateCall, cond: Option<&Condition>) -> R<()> {
        let params = call
            .params
            .iter()
            .map(|e| self.eval(e))
            .collect::<R<Vec<f64>>>()?;
        let mods = self.eval_mods(&call.modifiers, &|n| self.lookup(n))?;
        let args = call
            .args
            .iter()
            .map(|a| Ok((self.qubits_of(a)?, a.index.is_none())))
            .collect::<R<Vec<_>>>()?;
        let mut width: Option<usize> = None;
        for (qs, whole) in &args {
            if *whole {
                match width {
                    Some(w) if w != qs.len() => {
                        return Err(semantic(
                            call.pos,
                            "registers of different sizes in one gate call",
                        ));
                    }
                    _ => width = Some(qs.len()),
                }
            }
        }
        for j in 0..width.unwrap_or(1) {
            let qubits: Vec<Qubit> = args
                .iter()
                .filter_map(|(qs, whole)| if *whole { qs.get(j) } else { qs.first() })
                .copied()
                .collect();
            let folded = Self::fold(&mods, &qubits, call.pos)?;
            self.apply(&call.name, params.clone(), folded, cond, call.pos, 0)?;
        }
        Ok(())
    }

    fn apply(
        &mut self,
        name: &str,
        params: Vec<f64>,
        g: Folded,
        cond: Option<&Condition>,
        pos: Position,
        depth: usize,
    ) -> R<()> {
        if depth > MAX_EXPANSION_DEPTH {
            return Err(CircuitError::TooLarge {
                pos,
                what: "gate definitions nest too deeply".into(),
            });
        }
        let negated: Vec<Qubit> = g
            .controls
            .iter()
            .filter(|(_, p)| !p)
            .map(|(q, _)| *q)
            .collect();
        for q in &negated {
            self.push_gate(StandardGate::X, vec![], vec![*q], cond, pos)?;
        }
        let mut g = g;
        for c in &mut g.controls {
            c.1 = true;
        }
        self.apply_positive(name, params, g, cond, pos, depth)?;
        for q in &negated {
            self.push_gate(StandardGate::X, vec![], vec![*q], cond, pos)?;
        }
        Ok(())
    }

    fn apply_positive(
        &mut self,
        name: &str,
        params: Vec<f64>,
        g: Folded,
        cond: Option<&Condition>,
        pos: Position,
        depth: usize,
    ) -> R<()> {
        let controls: Vec<Qubit> = g.controls.iter().map(|(q, _)| *q).collect();
        if name == "gphase" {
            let [theta] = params.as_slice() else {
                return Err(semantic(pos, "gphase takes one parameter"));
            };
            if !g.targets.is_empty() {
                return Err(semantic(pos, "gphase takes no qubits"));
            }
            let theta = theta * g.exponent;
            return match controls.as_slice() {
                [] => {
                    if cond.is_none() {
                        self.circuit.global_phase += theta;
                    }
                    Ok(())
                }
                [c] => self.push_gate(StandardGate::P, vec![theta], vec![*c], cond, pos),
                [a, b] => self.push_gate(StandardGate::Cp, vec![theta], vec![*a, *b], cond, pos),
                _ => Err(unsupported(pos, "gphase with more than two controls")),
            };
        }
        if let Some(def) = self.gates.get(name).cloned() {
            return self.expand(&def, &params, g, controls, cond, pos, depth);
        }
        let Some(gate) = StandardGate::from_name(name) else {
            return Err(semantic(pos, format!("unknown gate `{name}`")));
        };
        if params.len() != gate.num_params() || g.targets.len() != gate.num_qubits() {
            return Err(semantic(
                pos,
                format!(
                    "`{name}` takes {} parameters and {} qubits, got {} and {}",
                    gate.num_params(),
                    gate.num_qubits(),
                    params.len(),
                    g.targets.len()
                ),
            ));
        }
        let e = g.exponent;
        let (base, reps) = if e == 1.0 {
            ((gate, params), 1usize)
        } else if e.fract() == 0.0 {
            let reps = e.abs();
            if reps > self.options.max_operations as f64 {
                return Err(CircuitError::TooLarge {
                    pos,
                    what: "pow exponent too large".into(),
                });
            }
            let base = if e < 0.0 {
                gate.inverse(&params)
                    .ok_or_else(|| unsupported(pos, format!("inverse of `{name}`")))?
            } else {
                (gate, params)
            };
            (base, reps as usize)
        } else {
            let base = gate
                .power(&params, e)
                .ok_or_else(|| unsupported(pos, format!("pow({e}) of `{name}`")))?;
            (base, 1)
        };
        let (cgate, cparams) = base.0.controlled(&base.1, controls.len()).ok_or_else(|| {
            unsupported(
                pos,
                format!(
                    "`{}` with {} control(s) is not a standard gate",
                    base.0.name(),
                    controls.len()
                ),
            )
        })?;
        let mut qubits = controls;
        qubits.extend(&g.targets);
        for _ in 0..reps {
            self.push_gate(cgate, cparams.clone(), qubits.clone(), cond, pos)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn expand(
        &mut self,
        def: &GateDef,
        params: &[f64],
        g: Folded,
        controls: Vec<Qubit>,
        cond: Option<&Condition>,
        pos: Position,
        depth: usize,
    ) -> R<()> {
        if params.len() != def.params.len() || g.targets.len() != def.qubits.len() {
            return Err(semantic(
                pos,
                format!(
                    "`{}` takes {} parameters and {} qubits, got {} and {}",
                    def.name,
                    def.params.len(),
                    def.qubits.len(),
                    params.len(),
                    g.targets.len()
                ),
            ));
        }
        if g.exponent.fract() != 0.0 {
            return Err(unsupported(
                pos,
                format!("non-integer pow of the defined gate `{}`", def.name),
            ));
        }
        if g.exponent.abs() > self.options.max_operations as f64 {
            return Err(CircuitError::TooLarge {
                pos,
                what: "pow exponent too large".into(),
            });
        }
        let reps = g.exponent.abs() as usize;
        let inverse = g.exponent < 0.0;
        let env: BTreeMap<&str, f64> = def
            .params
            .iter()
            .map(String::as_str)
            .zip(params.iter().copied())
            .collect();
        let globals = self.scopes.first().cloned().unwrap_or_default();
        let lookup = |n: &str| env.get(n).copied().or_else(|| globals.get(n).copied());
        let wires: BTreeMap<&str, Qubit> = def
            .qubits
            .iter()
            .map(String::as_str)
            .zip(g.targets.iter().copied())
            .collect();
        let wire = |o: &Operand| -> R<Qubit> {
            if o.index.is_some() {
                return Err(semantic(
                    o.pos,
                    "gate bodies refer to their qubit arguments without indices",
                ));
            }
            wires
                .get(o.name.as_str())
                .copied()
                .ok_or_else(|| semantic(o.pos, format!("unknown qubit `{}` in gate body", o.name)))
        };
        for _ in 0..reps {
            let body: Box<dyn Iterator<Item = &Stmt>> = if inverse {
                Box::new(def.body.iter().rev())
            } else {
                Box::new(def.body.iter())
            };
            for stmt in body {
                match &stmt.kind {
                    StmtKind::Call(inner) => {
                        let inner_params = inner
                            .params
                            .iter()
                            .map(|e| eval(e, &lookup))
                            .collect::<R<Vec<f64>>>()?;
                        let mods = self.eval_mods(&inner.modifiers, &lookup)?;
                        let qubits = inner.args.iter().map(&wire).collect::<R<Vec<Qubit>>>()?;
                        let mut folded = Self::fold(&mods, &qubits, inner.pos)?;
                        if inverse {
                            folded.exponent = -folded.exponent;
                        }
                        let mut all = g.controls.clone();
                        all.extend(folded.controls);
                        folded.controls = all;
                        self.apply(
                            &inner.name,
                            inner_params,
                            folded,
                            cond,
                            inner.pos,
                            depth + 1,
                        )?;
                    }
                    StmtKind::Barrier(args) => {
                        let mut qubits = args.iter().map(&wire).collect::<R<Vec<Qubit>>>()?;
                        if args.is_empty() {
                            qubits = g.targets.clone();
                        }
                        qubits.extend(&controls);
                        self.push(Operation::Barrier { qubits }, cond, stmt.pos)?;
                    }
                    _ => {
                        return Err(unsupported(
                            stmt.pos,
                            "only gate calls and barriers inside gate definitions",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn push_gate(
        &mut self,
        gate: StandardGate,
        params: Vec<f64>,
        qubits: Vec<Qubit>,
        cond: Option<&Condition>,
        pos: Position,
    ) -> R<()> {
        if params.iter().any(|p| !p.is_finite()) {
            return Err(semantic(pos, "gate parameter is not a finite number"));
        }
        self.push(
            Operation::Gate(GateOp {
                gate,
                params,
                qubits,
            }),
            cond,
            pos,
        )
    }
}

/// The highest hardware qubit `$n` a program names, and where.
fn max_hardware_qubit(stmts: &[Stmt]) -> Option<(u32, Position)> {
    let mut best: Option<(u32, Position)> = None;
    let mut see = |o: &Operand| {
        if o.name == HARDWARE_REGISTER
            && let Some(Expr {
                kind: ExprKind::Num(n),
                pos,
            }) = &o.index
        {
            let n = *n as u32;
            if best.is_none_or(|(b, _)| n > b) {
                best = Some((n, *pos));
            }
        }
    };
    let mut stack: Vec<&Stmt> = stmts.iter().collect();
    while let Some(stmt) = stack.pop() {
        match &stmt.kind {
            StmtKind::Call(c) => c.args.iter().for_each(&mut see),
            StmtKind::Measure { src, .. } => see(src),
            StmtKind::Reset(o) => see(o),
            StmtKind::Barrier(args) => args.iter().for_each(&mut see),
            StmtKind::If {
                body, else_body, ..
            } => stack.extend(body.iter().chain(else_body)),
            StmtKind::For { body, .. } => stack.extend(body),
            _ => {}
        }
    }
    best
}
