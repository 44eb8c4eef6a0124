//! OpenQASM 2.0 and 3 text from a [`Circuit`]. Parsing the output gives back an equal circuit.
//!
//! Angles are written as exact shortest round-trip decimals, so no precision is lost.

use std::fmt::Write as _;

use crate::error::CircuitError;
use crate::ir::{Circuit, Condition, Instruction, Operation, StandardGate};
use crate::units::{Clbit, Qubit};

/// Which OpenQASM dialect to write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Two,
    Three,
}

/// OpenQASM 2.0 with `include "qelib1.inc"`. Fails on bit conditions (`if (c[0] == 1)`), which
/// OpenQASM 2 cannot express. A non-zero global phase is dropped: OpenQASM 2 has no way to write it.
pub fn to_qasm2(circuit: &Circuit) -> Result<String, CircuitError> {
    emit(circuit, Dialect::Two)
}

/// OpenQASM 3.0 with `include "stdgates.inc"`, plus `gate` definitions (written with modifiers) for
/// the standard gates that `stdgates.inc` lacks.
pub fn to_qasm3(circuit: &Circuit) -> Result<String, CircuitError> {
    emit(circuit, Dialect::Three)
}

/// Formats an angle so that it parses back to the identical `f64`.
fn num(v: f64) -> String {
    format!("{v:?}")
}

fn gate_name(g: StandardGate, d: Dialect) -> &'static str {
    match (g, d) {
        (StandardGate::U, Dialect::Three) => "U",
        _ => g.name(),
    }
}

/// A definition, in terms of `stdgates.inc`, for the gates it does not have.
fn qasm3_definition(g: StandardGate) -> Option<&'static str> {
    Some(match g {
        StandardGate::Sxdg => "gate sxdg a { inv @ sx a; }",
        StandardGate::U0 => "gate u0(g) a { U(0, 0, 0) a; }",
        StandardGate::Csx => "gate csx a, b { ctrl @ sx a, b; }",
        StandardGate::Cu1 => "gate cu1(l) a, b { ctrl @ p(l) a, b; }",
        StandardGate::Cu3 => "gate cu3(t, p, l) a, b { ctrl @ U(t, p, l) a, b; }",
        StandardGate::Rxx => "gate rxx(t) a, b { h a; h b; cx a, b; rz(t) b; cx a, b; h a; h b; }",
        StandardGate::Rzz => "gate rzz(t) a, b { cx a, b; rz(t) b; cx a, b; }",
        StandardGate::C3x => "gate c3x a, b, c, d { ctrl(3) @ x a, b, c, d; }",
        StandardGate::C3sqrtx => "gate c3sqrtx a, b, c, d { ctrl(3) @ sx a, b, c, d; }",
        StandardGate::C4x => "gate c4x a, b, c, d, e { ctrl(4) @ x a, b, c, d, e; }",
        StandardGate::Rccx => {
            "gate rccx a, b, c { u2(0, pi) c; u1(pi/4) c; cx b, c; u1(-pi/4) c; cx a, c; u1(pi/4) c; cx b, c; \
             u1(-pi/4) c; u2(0, pi) c; }"
        }
        StandardGate::Rc3x => {
            "gate rc3x a, b, c, d { u2(0, pi) d; u1(pi/4) d; cx c, d; u1(-pi/4) d; u2(0, pi) d; cx a, d; \
             u1(pi/4) d; cx b, d; u1(-pi/4) d; cx a, d; u1(pi/4) d; cx b, d; u1(-pi/4) d; u2(0, pi) d; \
             u1(pi/4) d; cx c, d; u1(-pi/4) d; u2(0, pi) d; }"
        }
        _ => return None,
    })
}

fn emit(circuit: &Circuit, d: Dialect) -> Result<String, CircuitError> {
    circuit.validate()?;
    let mut out = String::new();
    match d {
        Dialect::Two => out.push_str("OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"),
        Dialect::Three => {
            out.push_str("OPENQASM 3.0;\ninclude \"stdgates.inc\";\n");
            let mut used: Vec<StandardGate> = circuit
                .instructions
                .iter()
                .filter_map(|i| match &i.op {
                    Operation::Gate(g) => Some(g.gate),
                    _ => None,
                })
                .collect();
            used.sort();
            used.dedup();
            for g in used {
                if let Some(def) = qasm3_definition(g) {
                    out.push_str(def);
                    out.push('\n');
                }
            }
        }
    }
    for r in &circuit.qregs {
        let _ = match d {
            Dialect::Two => writeln!(
                out,
                "qreg {}[{}];",
                qasm2_reg_name(circuit, &r.name),
                r.size
            ),
            Dialect::Three if r.name == HARDWARE => Ok(()),
            Dialect::Three => writeln!(out, "qubit[{}] {};", r.size, r.name),
        };
    }
    for r in &circuit.cregs {
        let _ = match d {
            Dialect::Two => writeln!(out, "creg {}[{}];", r.name, r.size),
            Dialect::Three => writeln!(out, "bit[{}] {};", r.size, r.name),
        };
    }
    if d == Dialect::Three && circuit.global_phase != 0.0 {
        let _ = writeln!(out, "gphase({});", num(circuit.global_phase));
    }
    for inst in &circuit.instructions {
        let body = op_text(circuit, inst, d)?;
        match &inst.condition {
            None => out.push_str(&body),
            Some(c) => {
                let cond = cond_text(circuit, c, d)?;
                let _ = match d {
                    Dialect::Two => write!(out, "if ({cond}) {body}"),
                    Dialect::Three => write!(out, "if ({cond}) {{ {body} }}"),
                };
            }
        }
        out.push('\n');
    }
    Ok(out)
}

/// The implicit register of hardware qubits (`$0`, `$1`, …) that the parser creates.
const HARDWARE: &str = "$";

/// OpenQASM 2 has no hardware qubits: their register is written as `q` (or `hw` if `q` is taken).
fn qasm2_reg_name<'a>(c: &Circuit, name: &'a str) -> &'a str {
    if name != HARDWARE {
        name
    } else if c.qregs.iter().chain(&c.cregs).any(|r| r.name == "q") {
        "hw"
    } else {
        "q"
    }
}

fn qubit(c: &Circuit, q: Qubit, d: Dialect) -> Result<String, CircuitError> {
    c.qubit_location(q)
        .map(|(r, i)| match d {
            Dialect::Three if r.name == HARDWARE => format!("${i}"),
            _ => format!("{}[{i}]", qasm2_reg_name(c, &r.name)),
        })
        .ok_or_else(|| CircuitError::Emit(format!("qubit {} out of range", q.0)))
}

fn clbit(c: &Circuit, b: Clbit) -> Result<String, CircuitError> {
    c.clbit_location(b)
        .map(|(r, i)| format!("{}[{i}]", r.name))
        .ok_or_else(|| CircuitError::Emit(format!("clbit {} out of range", b.0)))
}

fn qubit_list(c: &Circuit, qs: &[Qubit], d: Dialect) -> Result<String, CircuitError> {
    Ok(qs
        .iter()
        .map(|q| qubit(c, *q, d))
        .collect::<Result<Vec<_>, _>>()?
        .join(", "))
}

fn op_text(c: &Circuit, inst: &Instruction, d: Dialect) -> Result<String, CircuitError> {
    Ok(match &inst.op {
        Operation::Gate(g) => {
            let name = gate_name(g.gate, d);
            let args = qubit_list(c, &g.qubits, d)?;
            if g.params.is_empty() {
                format!("{name} {args};")
            } else {
                let ps: Vec<String> = g.params.iter().map(|p| num(*p)).collect();
                format!("{name}({}) {args};", ps.join(", "))
            }
        }
        Operation::Measure { qubit: q, clbit: b } => match d {
            Dialect::Two => format!("measure {} -> {};", qubit(c, *q, d)?, clbit(c, *b)?),
            Dialect::Three => format!("{} = measure {};", clbit(c, *b)?, qubit(c, *q, d)?),
        },
        Operation::Reset { qubit: q } => format!("reset {};", qubit(c, *q, d)?),
        Operation::Barrier { qubits } => format!("barrier {};", qubit_list(c, qubits, d)?),
    })
}

fn cond_text(c: &Circuit, cond: &Condition, d: Dialect) -> Result<String, CircuitError> {
    match cond {
        Condition::Register { creg, value } => {
            let r = c
                .cregs
                .get(*creg)
                .ok_or_else(|| CircuitError::Emit(format!("no register {creg}")))?;
            Ok(format!("{} == {value}", r.name))
        }
        Condition::Parity { clbits, value } => match d {
            Dialect::Two => Err(CircuitError::Emit(
                "OpenQASM 2 cannot condition on bit parities".into(),
            )),
            Dialect::Three => {
                let bits = clbits
                    .iter()
                    .map(|b| clbit(c, *b))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(format!("({}) == {}", bits.join(" ^ "), u8::from(*value)))
            }
        },
        Condition::Bit { clbit: b, value } => match d {
            Dialect::Two => Err(CircuitError::Emit(
                "OpenQASM 2 cannot condition on a single bit".into(),
            )),
            Dialect::Three => Ok(format!("{} == {}", clbit(c, *b)?, u8::from(*value))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn sample() -> Circuit {
        let mut c = Circuit::new();
        c.add_qreg("q", 3);
        c.add_creg("c", 2);
        c.gate(StandardGate::H, &[], &[0])
            .gate(StandardGate::U, &[0.1, -0.2, 1e-9], &[1])
            .gate(StandardGate::Rzz, &[1e300], &[0, 2])
            .gate(
                StandardGate::C3sqrtx,
                &[],
                &[0, 1, 2].map(|x| x % 3).map(|x| x),
            )
            .measure(0, 1);
        c.instructions.pop();
        c.instructions.pop();
        c.measure(2, 0);
        c.instructions.push(Instruction {
            op: Operation::Gate(crate::ir::GateOp {
                gate: StandardGate::X,
                params: vec![],
                qubits: vec![Qubit(1)],
            }),
            condition: Some(Condition::Register { creg: 0, value: 2 }),
        });
        c
    }

    #[test]
    fn qasm2_round_trips() {
        let c = sample();
        let text = to_qasm2(&c).unwrap();
        assert!(text.contains("if (c == 2) x q[1];"), "{text}");
        assert_eq!(parse(&text).unwrap(), c);
    }

    #[test]
    fn qasm3_round_trips_with_definitions_and_phase() {
        let mut c = sample();
        c.global_phase = 0.25;
        c.gate(StandardGate::Cu1, &[0.5], &[0, 1])
            .gate(StandardGate::Sxdg, &[], &[2]);
        c.instructions.push(Instruction {
            op: Operation::Reset { qubit: Qubit(0) },
            condition: Some(Condition::Bit {
                clbit: Clbit(1),
                value: true,
            }),
        });
        c.instructions.push(Instruction {
            op: Operation::Reset { qubit: Qubit(1) },
            condition: Some(Condition::Parity {
                clbits: vec![Clbit(0), Clbit(1)],
                value: false,
            }),
        });
        let text = to_qasm3(&c).unwrap();
        assert!(text.contains("gate cu1(l) a, b"), "{text}");
        assert!(
            text.contains("if ((c[0] ^ c[1]) == 0) { reset q[1]; }"),
            "{text}"
        );
        assert_eq!(parse(&text).unwrap(), c);
        assert!(to_qasm2(&c).is_err());
    }

    #[test]
    fn hardware_qubits_round_trip_in_qasm3() {
        let c = parse("OPENQASM 3.0;\nbit[1] m;\nrz(-0.5) $2;\ncx $0, $2;\nm[0] = measure $1;\n")
            .unwrap();
        assert_eq!(c.num_qubits(), 3);
        let text = to_qasm3(&c).unwrap();
        assert!(text.contains("cx $0, $2;"), "{text}");
        assert_eq!(parse(&text).unwrap(), c);
        let two = to_qasm2(&c).unwrap();
        assert!(
            two.contains("qreg q[3];") && two.contains("cx q[0], q[2];"),
            "{two}"
        );
    }
}
