//! Evaluation of parameter and index expressions to `f64`.

use std::f64::consts::{E, PI, TAU};

use super::ast::{BinOp, Expr, ExprKind};
use crate::error::CircuitError;

fn semantic(e: &Expr, message: String) -> CircuitError {
    CircuitError::Semantic {
        pos: e.pos,
        message,
    }
}

/// Evaluates `e`, looking names up with `lookup` before the built-in constants.
/// The result is always finite.
pub(crate) fn eval(e: &Expr, lookup: &dyn Fn(&str) -> Option<f64>) -> Result<f64, CircuitError> {
    let v = match &e.kind {
        ExprKind::Num(v) => *v,
        ExprKind::Ident(name) => match lookup(name) {
            Some(v) => v,
            None => match name.as_str() {
                "pi" | "π" => PI,
                "tau" | "τ" => TAU,
                "euler" | "ℇ" => E,
                "true" => 1.0,
                "false" => 0.0,
                _ => {
                    return Err(semantic(
                        e,
                        format!("unknown identifier `{name}` in expression"),
                    ));
                }
            },
        },
        ExprKind::Neg(inner) => -eval(inner, lookup)?,
        ExprKind::Bin(op, a, b) => {
            let (a, b) = (eval(a, lookup)?, eval(b, lookup)?);
            match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => {
                    if b == 0.0 {
                        return Err(semantic(e, "division by zero".into()));
                    }
                    a / b
                }
                BinOp::Pow => a.powf(b),
            }
        }
        ExprKind::Call(f, args) => {
            let [arg] = args.as_slice() else {
                return Err(semantic(
                    e,
                    format!("`{f}` takes one argument, got {}", args.len()),
                ));
            };
            let x = eval(arg, lookup)?;
            match f.as_str() {
                "sin" => x.sin(),
                "cos" => x.cos(),
                "tan" => x.tan(),
                "exp" => x.exp(),
                "ln" | "log" => x.ln(),
                "sqrt" => x.sqrt(),
                "arcsin" | "asin" => x.asin(),
                "arccos" | "acos" => x.acos(),
                "arctan" | "atan" => x.atan(),
                _ => return Err(semantic(e, format!("unknown function `{f}`"))),
            }
        }
    };
    if v.is_finite() {
        Ok(v)
    } else {
        Err(semantic(e, "expression is not a finite number".into()))
    }
}

/// Evaluates `e` to a non-negative integer that fits in `u32`.
pub(crate) fn eval_index(
    e: &Expr,
    lookup: &dyn Fn(&str) -> Option<f64>,
) -> Result<u32, CircuitError> {
    let v = eval(e, lookup)?;
    if v.fract() != 0.0 || v < 0.0 || v > f64::from(u32::MAX) {
        return Err(semantic(
            e,
            format!("expected a non-negative integer, got {v}"),
        ));
    }
    Ok(v as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::lexer::tokenize;
    use crate::parse::parser::Parser;
    use crate::units::Position;

    fn ev(src: &str) -> Result<f64, CircuitError> {
        let toks = tokenize(src).unwrap();
        let e = Parser::new(&toks, Position::default()).expr().unwrap();
        eval(&e, &|n| (n == "a").then_some(2.0))
    }

    #[test]
    fn arithmetic_and_constants() {
        assert!((ev("-pi/2 + 3*a").unwrap() - (6.0 - PI / 2.0)).abs() < 1e-15);
        assert_eq!(ev("2^3^2").unwrap(), 512.0);
        assert_eq!(ev("-2**2").unwrap(), -4.0);
        assert!((ev("cos(pi)").unwrap() + 1.0).abs() < 1e-15);
        assert!((ev("τ - 2*π").unwrap()).abs() < 1e-15);
        assert!(ev("1/0").is_err());
        assert!(ev("sqrt(-1)").is_err());
        assert!(ev("foo").is_err());
        assert!(ev("sin(1, 2)").is_err());
    }
}
