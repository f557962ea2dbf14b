//! The query tokenizer: words, quoted strings (`\'` and `\\` escapes), numbers,
//! `* , ( )` and the comparison operators.

use super::parse::CmpOp;
use crate::fault::Fault;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Word(String),
    Str(String),
    Num(String),
    Star,
    Comma,
    LParen,
    RParen,
    Op(CmpOp),
}

impl Tok {
    pub(super) fn show(&self) -> String {
        match self {
            Tok::Word(w) => w.clone(),
            Tok::Str(s) => format!("'{s}'"),
            Tok::Num(n) => n.clone(),
            Tok::Star => "*".into(),
            Tok::Comma => ",".into(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Op(op) => format!("{op:?}"),
        }
    }
}

pub(super) fn tokenize(text: &str) -> Result<Vec<(Tok, usize)>, Fault> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        let single = match c {
            '*' => Some(Tok::Star),
            ',' => Some(Tok::Comma),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '=' => Some(Tok::Op(CmpOp::Eq)),
            _ => None,
        };
        if let Some(tok) = single {
            out.push((tok, col));
            i += 1;
            continue;
        }
        match c {
            c if c.is_whitespace() => i += 1,
            '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                let op = match (c, eq) {
                    ('<', true) => CmpOp::Le,
                    ('<', false) => CmpOp::Lt,
                    ('>', true) => CmpOp::Ge,
                    _ => CmpOp::Gt,
                };
                if chars.get(i + 1) == Some(&'>') {
                    return Err(Fault::query_parse(format!(
                        "Encountered \"<>\" at line 1, column {col}."
                    )));
                }
                out.push((Tok::Op(op), col));
                i += if eq { 2 } else { 1 };
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(Fault::query_parse(format!(
                                "Lexical error at line 1, column {}. Unterminated string starting at column {col}.",
                                chars.len() + 1
                            )));
                        }
                        Some('\\') if matches!(chars.get(i + 1), Some('\'') | Some('\\')) => {
                            s.push(chars[i + 1]);
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            s.push(*other);
                            i += 1;
                        }
                    }
                }
                out.push((Tok::Str(s), col));
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let start = i;
                i += 1;
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_ascii_digit() || *d == '.')
                {
                    i += 1;
                }
                out.push((Tok::Num(chars[start..i].iter().collect()), col));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_alphanumeric() || *d == '_' || *d == '.')
                {
                    i += 1;
                }
                out.push((Tok::Word(chars[start..i].iter().collect()), col));
            }
            other => {
                return Err(Fault::query_parse(format!(
                    "Lexical error at line 1, column {col}. Encountered: \"{other}\""
                )));
            }
        }
    }
    Ok(out)
}
