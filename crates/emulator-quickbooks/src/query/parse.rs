//! The QuickBooks query language:
//! `SELECT * | COUNT(*) | f1, f2 FROM Entity [WHERE a op v [AND ...]] [ORDERBY | ORDER BY f
//! [ASC|DESC], ...] [STARTPOSITION n] [MAXRESULTS m]`.
//!
//! Keywords and entity names in any case; strings single-quoted with `\'` (and `\\`) escapes;
//! operators `=, <, >, <=, >=, IN (..), LIKE`; AND only (OR, `!=`, GROUP BY, JOIN are not part of
//! the language and fail to parse, code 4000).

use super::lex::{Tok, tokenize};
use crate::fault::Fault;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Lt,
    Gt,
    Le,
    Ge,
    In,
    Like,
}

/// A literal on the right of an operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lit {
    Str(String),
    Num(String),
    Bool(bool),
}

impl Lit {
    /// The literal's text (a quoted `'true'` and a bare `true` compare alike).
    pub fn text(&self) -> String {
        match self {
            Lit::Str(s) | Lit::Num(s) => s.clone(),
            Lit::Bool(b) => b.to_string(),
        }
    }
}

/// One `field op value(s)` condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cond {
    pub field: String,
    pub op: CmpOp,
    pub values: Vec<Lit>,
}

/// What the statement selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Select {
    /// `*` plus any fields listed next to it (`SELECT *, Sku`).
    All(Vec<String>),
    /// Only a field list.
    Fields(Vec<String>),
    Count,
}

/// A parsed statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub select: Select,
    pub entity: String,
    pub conditions: Vec<Cond>,
    /// (field, descending)
    pub order: Vec<(String, bool)>,
    pub start: Option<i64>,
    pub max: Option<i64>,
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|(t, _)| t.clone());
        self.pos += 1;
        t
    }

    fn error(&self, expecting: &str) -> Fault {
        match self.toks.get(self.pos) {
            Some((tok, col)) => Fault::query_parse(format!(
                "Encountered \"{}\" at line 1, column {col}. Was expecting {expecting}",
                tok.show()
            )),
            None => Fault::query_parse(format!("Encountered \"<EOF>\". Was expecting {expecting}")),
        }
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), Fault> {
        if self.is_kw(kw) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(kw))
        }
    }

    fn word(&mut self, what: &str) -> Result<String, Fault> {
        match self.peek() {
            Some(Tok::Word(w)) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.error(what)),
        }
    }

    fn literal(&mut self) -> Result<Lit, Fault> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Num(n)) => Ok(Lit::Num(n)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Lit::Bool(true)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Lit::Bool(false)),
            _ => {
                self.pos -= 1;
                Err(self.error("a quoted string, a number, true or false"))
            }
        }
    }

    fn integer(&mut self, keyword: &str) -> Result<i64, Fault> {
        match self.next() {
            Some(Tok::Num(n)) => n.parse().map_err(|_| {
                Fault::query_invalid(format!("{keyword} value {n} is not an integer"))
            }),
            Some(Tok::Str(s)) => s.trim().parse().map_err(|_| {
                Fault::query_invalid(format!("{keyword} value {s} is not an integer"))
            }),
            _ => {
                self.pos -= 1;
                Err(self.error("<INTEGER>"))
            }
        }
    }
}

/// Parses one statement.
pub fn parse(text: &str) -> Result<Query, Fault> {
    let mut p = Parser {
        toks: tokenize(text)?,
        pos: 0,
    };
    p.expect_kw("select")?;
    let select = if p.is_kw("count") {
        p.pos += 1;
        for tok in [Tok::LParen, Tok::Star, Tok::RParen] {
            if p.next() != Some(tok) {
                p.pos -= 1;
                return Err(p.error("COUNT(*)"));
            }
        }
        Select::Count
    } else {
        let mut star = false;
        let mut fields = Vec::new();
        loop {
            if p.peek() == Some(&Tok::Star) {
                p.pos += 1;
                star = true;
            } else {
                fields.push(p.word("* or a field name")?);
            }
            if p.peek() == Some(&Tok::Comma) {
                p.pos += 1;
            } else {
                break;
            }
        }
        if star {
            Select::All(fields)
        } else {
            Select::Fields(fields)
        }
    };
    p.expect_kw("from")?;
    let entity = p.word("an entity name")?;
    let mut query = Query {
        select,
        entity,
        conditions: Vec::new(),
        order: Vec::new(),
        start: None,
        max: None,
    };
    if p.is_kw("where") {
        p.pos += 1;
        loop {
            query.conditions.push(condition(&mut p)?);
            if p.is_kw("and") {
                p.pos += 1;
            } else {
                break;
            }
        }
    }
    if p.is_kw("orderby") || p.is_kw("order") {
        if p.is_kw("order") {
            p.pos += 1;
            p.expect_kw("by")?;
        } else {
            p.pos += 1;
        }
        loop {
            let field = p.word("a field name")?;
            let desc = if p.is_kw("desc") {
                p.pos += 1;
                true
            } else {
                if p.is_kw("asc") {
                    p.pos += 1;
                }
                false
            };
            query.order.push((field, desc));
            if p.peek() == Some(&Tok::Comma) {
                p.pos += 1;
            } else {
                break;
            }
        }
    }
    while p.pos < p.toks.len() {
        if p.is_kw("startposition") && query.start.is_none() {
            p.pos += 1;
            query.start = Some(p.integer("STARTPOSITION")?);
        } else if p.is_kw("maxresults") && query.max.is_none() {
            p.pos += 1;
            query.max = Some(p.integer("MAXRESULTS")?);
        } else {
            return Err(p.error("ORDERBY, STARTPOSITION, MAXRESULTS or <EOF>"));
        }
    }
    Ok(query)
}

fn condition(p: &mut Parser) -> Result<Cond, Fault> {
    let field = p.word("a field name")?;
    let op = match p.next() {
        Some(Tok::Op(op)) => op,
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => CmpOp::In,
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("like") => CmpOp::Like,
        _ => {
            p.pos -= 1;
            return Err(p.error("one of =, <, >, <=, >=, IN, LIKE"));
        }
    };
    let values = if op == CmpOp::In {
        if p.next() != Some(Tok::LParen) {
            p.pos -= 1;
            return Err(p.error("("));
        }
        let mut values = vec![p.literal()?];
        while p.peek() == Some(&Tok::Comma) {
            p.pos += 1;
            values.push(p.literal()?);
        }
        if p.next() != Some(Tok::RParen) {
            p.pos -= 1;
            return Err(p.error(")"));
        }
        values
    } else {
        vec![p.literal()?]
    };
    Ok(Cond { field, op, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_client_dialect() {
        let q = parse("select * from invoice where DocNumber = 'O\\'Brien' and TotalAmt > '300.00' orderby MetaData.LastUpdatedTime desc startposition 11 maxresults 10")
            .expect("parses");
        assert_eq!(q.entity, "invoice");
        assert_eq!(q.conditions[0].values, vec![Lit::Str("O'Brien".into())]);
        assert_eq!(q.order, vec![("MetaData.LastUpdatedTime".to_owned(), true)]);
        assert_eq!((q.start, q.max), (Some(11), Some(10)));
        let q = parse("SELECT *, Sku FROM Item ORDER BY Name MAXRESULTS 5 STARTPOSITION 2")
            .expect("parses");
        assert_eq!(q.select, Select::All(vec!["Sku".into()]));
        assert_eq!((q.start, q.max), (Some(2), Some(5)));
        let q =
            parse("Select Count(*) From Customer Where Active IN (true, false)").expect("parses");
        assert_eq!(q.select, Select::Count);
        assert_eq!(
            q.conditions[0].values,
            vec![Lit::Bool(true), Lit::Bool(false)]
        );
    }

    #[test]
    fn rejects_what_the_language_lacks() {
        for bad in [
            "SELECT * FROM Customer WHERE A = '1' OR B = '2'",
            "SELECT * FROM Customer WHERE DisplayName != 'x'",
            "SELECT * FROM Customer WHERE DisplayName = 'unterminated",
            "SELECT FROM Customer",
            "DELETE FROM Customer",
            "SELECT * FROM Customer GROUP BY DisplayName",
        ] {
            assert_eq!(parse(bad).unwrap_err().code(), "4000", "{bad}");
        }
    }
}
