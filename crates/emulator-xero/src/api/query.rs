//! The `where` and `order` query parameters: a small C#-like expression language
//! (`Type=="ACCREC" AND Status=="AUTHORISED"`, `Date>=DateTime(2020, 01, 01)`,
//! `Contact.ContactID=guid("...")`, `AmountDue>=5000`, `Name.Contains("x")`, `IsSupplier`).
//! Numbers are compared as exact decimals; strings ignoring case (Xero's database collation).

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::wire::dates::date_start;
use crate::wire::parse_decimal;

/// A field's value as the filter sees it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    Null,
    Str(String),
    Num(Decimal),
    Time(DateTime<Utc>),
    Bool(bool),
    Guid(Uuid),
}

impl Val {
    pub(crate) fn date(d: NaiveDate) -> Val {
        Val::Time(date_start(d))
    }
    pub(crate) fn opt_str(s: Option<&str>) -> Val {
        s.map_or(Val::Null, |s| Val::Str(s.to_owned()))
    }
    fn rank(&self) -> u8 {
        match self {
            Val::Null => 0,
            Val::Bool(_) => 1,
            Val::Num(_) => 2,
            Val::Time(_) => 3,
            Val::Guid(_) => 4,
            Val::Str(_) => 5,
        }
    }
    /// A total order for `order` (values of different kinds order by kind).
    pub(crate) fn cmp_total(&self, other: &Val) -> Ordering {
        self.compare(other)
            .unwrap_or_else(|| self.rank().cmp(&other.rank()))
    }
    /// Comparison when the two are comparable.
    fn compare(&self, other: &Val) -> Option<Ordering> {
        Some(match (self, other) {
            (Val::Null, Val::Null) => Ordering::Equal,
            (Val::Str(a), Val::Str(b)) => a.to_lowercase().cmp(&b.to_lowercase()),
            (Val::Num(a), Val::Num(b)) => a.cmp(b),
            (Val::Time(a), Val::Time(b)) => a.cmp(b),
            (Val::Bool(a), Val::Bool(b)) => a.cmp(b),
            (Val::Guid(a), Val::Guid(b)) => a.cmp(b),
            (Val::Guid(a), Val::Str(b)) | (Val::Str(b), Val::Guid(a)) => {
                let ord = a.to_string().cmp(&b.to_lowercase());
                if matches!(self, Val::Str(_)) {
                    ord.reverse()
                } else {
                    ord
                }
            }
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Op(String),
    LParen,
    RParen,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                s.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err("unterminated string".into());
            }
            i += 1;
            out.push(Tok::Str(s));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            out.push(Tok::Num(chars[start..i].iter().collect()));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c == '(' {
            out.push(Tok::LParen);
            i += 1;
        } else if c == ')' {
            out.push(Tok::RParen);
            i += 1;
        } else if c == ',' {
            out.push(Tok::Comma);
            i += 1;
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = if ["==", "!=", ">=", "<=", "<>", "&&", "||"].contains(&two.as_str()) {
                two
            } else {
                c.to_string()
            };
            if !["==", "!=", ">=", "<=", "<>", "&&", "||", "=", ">", "<", "!"]
                .contains(&op.as_str())
            {
                return Err(format!("unexpected character '{c}'"));
            }
            i += op.chars().count();
            out.push(Tok::Op(op));
        }
    }
    Ok(out)
}

/// A parsed filter.
#[derive(Clone, Debug)]
pub(crate) enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp {
        field: String,
        func: Option<String>,
        op: String,
        value: Val,
    },
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn is_word(&self, word: &str, op: &str) -> bool {
        match self.peek() {
            Some(Tok::Ident(w)) => w.eq_ignore_ascii_case(word),
            Some(Tok::Op(o)) => o == op,
            _ => false,
        }
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.is_word("OR", "||") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.is_word("AND", "&&") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.is_word("NOT", "!") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let inner = self.or()?;
            if self.next() != Some(Tok::RParen) {
                return Err("missing ')'".into());
            }
            return Ok(inner);
        }
        self.comparison()
    }
    fn comparison(&mut self) -> Result<Expr, String> {
        let Some(Tok::Ident(path)) = self.next() else {
            return Err("expected a field name".into());
        };
        let mut field = path.clone();
        let mut func = None;
        for name in ["Contains", "StartsWith", "EndsWith", "ToLower", "ToUpper"] {
            let suffix = format!(".{}", name.to_lowercase());
            if path.to_lowercase().ends_with(&suffix) && self.peek() == Some(&Tok::LParen) {
                field = path[..path.len() - suffix.len()].to_owned();
                func = Some(name.to_owned());
            }
        }
        if let Some(f) = &func {
            self.pos += 1;
            if f == "ToLower" || f == "ToUpper" {
                if self.next() != Some(Tok::RParen) {
                    return Err("expected ')'".into());
                }
            } else {
                let value = self.value()?;
                if self.next() != Some(Tok::RParen) {
                    return Err("expected ')'".into());
                }
                return Ok(Expr::Cmp {
                    field,
                    func,
                    op: "==".into(),
                    value,
                });
            }
        }
        match self.peek() {
            Some(Tok::Op(op))
                if ["==", "!=", ">=", "<=", "<>", "=", ">", "<"].contains(&op.as_str()) =>
            {
                let op = if op == "=" {
                    "==".to_owned()
                } else if op == "<>" {
                    "!=".to_owned()
                } else {
                    op.clone()
                };
                self.pos += 1;
                let value = self.value()?;
                Ok(Expr::Cmp {
                    field,
                    func,
                    op,
                    value,
                })
            }
            _ => Ok(Expr::Cmp {
                field,
                func,
                op: "==".into(),
                value: Val::Bool(true),
            }),
        }
    }
    fn value(&mut self) -> Result<Val, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Val::Str(s)),
            Some(Tok::Num(n)) => parse_decimal(&n)
                .map(Val::Num)
                .ok_or_else(|| format!("bad number {n}")),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("true") => Ok(Val::Bool(true)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("false") => Ok(Val::Bool(false)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("null") => Ok(Val::Null),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("guid") => {
                let args = self.args()?;
                match args.as_slice() {
                    [Tok::Str(s)] => Uuid::parse_str(s)
                        .map(Val::Guid)
                        .map_err(|_| format!("bad guid {s}")),
                    _ => Err("guid(\"...\") takes one string".into()),
                }
            }
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("DateTime") => {
                let args = self.args()?;
                let nums: Vec<u32> = args
                    .iter()
                    .filter_map(|t| {
                        if let Tok::Num(n) = t {
                            n.parse().ok()
                        } else {
                            None
                        }
                    })
                    .collect();
                if nums.len() != 3 && nums.len() != 6 {
                    return Err("DateTime(y, m, d[, h, m, s]) expected".into());
                }
                let date = NaiveDate::from_ymd_opt(nums[0] as i32, nums[1], nums[2])
                    .ok_or("invalid date")?;
                let time = if nums.len() == 6 {
                    date.and_hms_opt(nums[3], nums[4], nums[5])
                } else {
                    date.and_hms_opt(0, 0, 0)
                };
                Ok(Val::Time(time.ok_or("invalid time")?.and_utc()))
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }
    fn args(&mut self) -> Result<Vec<Tok>, String> {
        if self.next() != Some(Tok::LParen) {
            return Err("expected '('".into());
        }
        let mut out = Vec::new();
        loop {
            match self.next() {
                Some(Tok::RParen) => return Ok(out),
                Some(Tok::Comma) => {}
                Some(t) => out.push(t),
                None => return Err("missing ')'".into()),
            }
        }
    }
}

/// Parses a `where` expression.
pub(crate) fn parse_where(text: &str) -> Result<Expr, String> {
    let mut parser = Parser {
        toks: tokenize(text)?,
        pos: 0,
    };
    let expr = parser.or()?;
    if parser.pos < parser.toks.len() {
        return Err(format!("unexpected {:?}", parser.toks[parser.pos]));
    }
    Ok(expr)
}

/// Evaluates a filter; `field` resolves a (lowercased, dotted) field path or `None` if unknown.
pub(crate) fn eval(expr: &Expr, field: &dyn Fn(&str) -> Option<Val>) -> Result<bool, String> {
    Ok(match expr {
        Expr::And(a, b) => eval(a, field)? && eval(b, field)?,
        Expr::Or(a, b) => eval(a, field)? || eval(b, field)?,
        Expr::Not(a) => !eval(a, field)?,
        Expr::Cmp {
            field: name,
            func,
            op,
            value,
        } => {
            let actual = field(&name.to_lowercase())
                .ok_or_else(|| format!("No property or field '{name}' exists"))?;
            let actual = match (func.as_deref(), &actual, value) {
                (Some("Contains"), Val::Str(a), Val::Str(b)) => {
                    return Ok(a.to_lowercase().contains(&b.to_lowercase()));
                }
                (Some("StartsWith"), Val::Str(a), Val::Str(b)) => {
                    return Ok(a.to_lowercase().starts_with(&b.to_lowercase()));
                }
                (Some("EndsWith"), Val::Str(a), Val::Str(b)) => {
                    return Ok(a.to_lowercase().ends_with(&b.to_lowercase()));
                }
                (Some("Contains" | "StartsWith" | "EndsWith"), _, _) => return Ok(false),
                _ => actual,
            };
            let ord = actual.compare(value);
            match op.as_str() {
                "==" => ord == Some(Ordering::Equal),
                "!=" => ord != Some(Ordering::Equal),
                ">" => ord == Some(Ordering::Greater),
                "<" => ord == Some(Ordering::Less),
                ">=" => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
                "<=" => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
                _ => false,
            }
        }
    })
}

/// Parses `order`: `Field [ASC|DESC], ...` into (lowercased field, descending).
pub(crate) fn parse_order(text: &str) -> Vec<(String, bool)> {
    text.split(',')
        .filter_map(|part| {
            let mut words = part.split_whitespace();
            let field = words.next()?.to_lowercase();
            let desc = words.next().is_some_and(|w| w.eq_ignore_ascii_case("DESC"));
            Some((field, desc))
        })
        .collect()
}
#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
