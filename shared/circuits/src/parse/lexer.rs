//! Tokenizer shared by the OpenQASM 2 and 3 parsers. Tracks line and column for every token.

use crate::error::CircuitError;
use crate::units::Position;

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    /// An integer literal (no dot, no exponent).
    Int(u64),
    /// A real literal.
    Real(f64),
    Str(String),
    /// A hardware qubit such as `$3`.
    Hardware(u32),
    /// Punctuation or operator, as written: `;` `,` `(` `)` `[` `]` `{` `}` `->` `==` `!=` `=`
    /// `+` `-` `*` `/` `^` `**` `@` `:` `<` `>` `<=` `>=` `!`.
    Sym(&'static str),
}

/// A token and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) pos: Position,
}

const SYMBOLS: [&str; 25] = [
    "->", "==", "!=", "<=", ">=", "**", ";", ",", "(", ")", "[", "]", "{", "}", "=", "+", "-", "*",
    "/", "^", "@", ":", "<", ">", "!",
];

struct Cursor<'a> {
    rest: &'a str,
    line: u32,
    column: u32,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.rest.chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let mut it = self.rest.chars();
        let c = it.next()?;
        self.rest = it.as_str();
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else {
            self.column = self.column.saturating_add(1);
        }
        Some(c)
    }

    fn pos(&self) -> Position {
        Position::new(self.line, self.column)
    }
}

fn syntax(pos: Position, message: impl Into<String>) -> CircuitError {
    CircuitError::Syntax {
        pos,
        message: message.into(),
    }
}

/// Splits source text into tokens, dropping whitespace and comments.
pub(crate) fn tokenize(source: &str) -> Result<Vec<Token>, CircuitError> {
    let mut cur = Cursor {
        rest: source,
        line: 1,
        column: 1,
    };
    let mut out = Vec::new();
    while let Some(c) = cur.peek() {
        let pos = cur.pos();
        if c.is_whitespace() {
            cur.bump();
        } else if c == '/' && cur.peek2() == Some('/') {
            while let Some(c) = cur.bump() {
                if c == '\n' {
                    break;
                }
            }
        } else if c == '/' && cur.peek2() == Some('*') {
            cur.bump();
            cur.bump();
            let mut closed = false;
            while let Some(c) = cur.bump() {
                if c == '*' && cur.peek() == Some('/') {
                    cur.bump();
                    closed = true;
                    break;
                }
            }
            if !closed {
                return Err(syntax(pos, "unterminated block comment"));
            }
        } else if c.is_alphabetic() || c == '_' {
            let mut s = String::new();
            while let Some(c) = cur.peek() {
                if c.is_alphanumeric() || c == '_' {
                    s.push(c);
                    cur.bump();
                } else {
                    break;
                }
            }
            out.push(Token {
                tok: Tok::Ident(s),
                pos,
            });
        } else if c.is_ascii_digit()
            || (c == '.' && cur.peek2().is_some_and(|d| d.is_ascii_digit()))
        {
            out.push(Token {
                tok: number(&mut cur, pos)?,
                pos,
            });
        } else if c == '"' || c == '\'' {
            cur.bump();
            let mut s = String::new();
            loop {
                match cur.bump() {
                    Some(d) if d == c => break,
                    Some('\n') | None => return Err(syntax(pos, "unterminated string")),
                    Some(d) => s.push(d),
                }
            }
            out.push(Token {
                tok: Tok::Str(s),
                pos,
            });
        } else if c == '$' {
            cur.bump();
            let mut digits = String::new();
            while let Some(d) = cur.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(d);
                cur.bump();
            }
            let n = digits
                .parse::<u32>()
                .map_err(|_| syntax(pos, "bad hardware qubit after `$`"))?;
            out.push(Token {
                tok: Tok::Hardware(n),
                pos,
            });
        } else if c == '#' {
            // `#pragma …` and similar directives run to the end of the line; they do not change the circuit.
            while let Some(c) = cur.bump() {
                if c == '\n' {
                    break;
                }
            }
        } else {
            let sym = SYMBOLS.iter().find(|s| cur.rest.starts_with(**s));
            match sym {
                Some(s) => {
                    for _ in 0..s.len() {
                        cur.bump();
                    }
                    out.push(Token {
                        tok: Tok::Sym(s),
                        pos,
                    });
                }
                None => return Err(syntax(pos, format!("unexpected character `{c}`"))),
            }
        }
    }
    Ok(out)
}

fn number(cur: &mut Cursor<'_>, pos: Position) -> Result<Tok, CircuitError> {
    let mut s = String::new();
    let mut real = false;
    let push_digits = |cur: &mut Cursor<'_>, s: &mut String| {
        while let Some(d) = cur.peek() {
            if d.is_ascii_digit() {
                s.push(d);
                cur.bump();
            } else if d == '_' {
                cur.bump();
            } else {
                break;
            }
        }
    };
    push_digits(cur, &mut s);
    if cur.peek() == Some('.') {
        real = true;
        s.push('.');
        cur.bump();
        push_digits(cur, &mut s);
    }
    if matches!(cur.peek(), Some('e' | 'E')) {
        let next = cur.peek2();
        if next.is_some_and(|d| d.is_ascii_digit() || d == '+' || d == '-') {
            real = true;
            s.push('e');
            cur.bump();
            if let Some(sign) = cur.peek().filter(|d| *d == '+' || *d == '-') {
                s.push(sign);
                cur.bump();
            }
            let before = s.len();
            push_digits(cur, &mut s);
            if s.len() == before {
                return Err(syntax(pos, "missing exponent digits"));
            }
        }
    }
    if real {
        let v: f64 = s
            .parse()
            .map_err(|_| syntax(pos, format!("bad number `{s}`")))?;
        if !v.is_finite() {
            return Err(syntax(pos, format!("number `{s}` is out of range")));
        }
        Ok(Tok::Real(v))
    } else {
        s.parse::<u64>()
            .map(Tok::Int)
            .map_err(|_| syntax(pos, format!("integer `{s}` is out of range")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers_idents_symbols() {
        assert_eq!(
            toks("rz(-1.5e-3) q[0]; // c\n"),
            vec![
                Tok::Ident("rz".into()),
                Tok::Sym("("),
                Tok::Sym("-"),
                Tok::Real(1.5e-3),
                Tok::Sym(")"),
                Tok::Ident("q".into()),
                Tok::Sym("["),
                Tok::Int(0),
                Tok::Sym("]"),
                Tok::Sym(";"),
            ]
        );
        assert_eq!(toks("measure q -> c"), toks("measure /* x */ q->c"));
        assert_eq!(
            toks(".5 2. 1_000 θ"),
            vec![
                Tok::Real(0.5),
                Tok::Real(2.0),
                Tok::Int(1000),
                Tok::Ident("θ".into())
            ]
        );
    }

    #[test]
    fn positions_are_line_and_column() {
        let t = tokenize("OPENQASM 2.0;\n  qreg q[1];").unwrap();
        assert_eq!(t[3].pos, Position::new(2, 3));
    }

    #[test]
    fn errors_carry_positions() {
        let e = tokenize("x\n  ?").unwrap_err();
        assert_eq!(e.position(), Some(Position::new(2, 3)));
        assert!(tokenize("/* open").is_err());
        assert!(tokenize("1e999").is_err());
        assert!(tokenize("99999999999999999999999").is_err());
        assert!(tokenize("\"abc").is_err());
    }
}
