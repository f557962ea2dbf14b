//! Create / read / update / delete / void, shared by the REST endpoints and `/batch`.
//!
//! Update semantics: `"sparse": true` changes only the fields sent (a `Line` array, when sent,
//! replaces all lines); a full update replaces every writable field with what was sent, so
//! omitted fields fall back to their defaults (the stored DocNumber is kept when none is
//! sent). A voided transaction can be read, deleted or queried but not updated.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::fault::Fault;
use crate::json::{Json, Obj};
use crate::model::names::{self, WriteCtx};
use crate::model::payment::{self, Target};
use crate::model::sales::{self, check_closing_date};
use crate::model::tax::TaxInstruction;
use crate::model::{Company, Kind, prefs};
use crate::obj;

/// What a write does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
    Void,
}

impl Op {
    /// `operation=` / batch `operation` values (create when absent).
    pub fn parse(text: Option<&str>) -> Result<Op, Fault> {
        match text.map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("create") => Ok(Op::Create),
            Some("update") => Ok(Op::Update),
            Some("delete") => Ok(Op::Delete),
            Some("void") => Ok(Op::Void),
            Some(other) => Err(Fault::unsupported(other)),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Op::Create => "Create",
            Op::Update => "Update",
            Op::Delete => "Delete",
            Op::Void => "Void",
        }
    }
}

/// Envelope and derived fields a client may echo back but never sets.
const READ_ONLY: [&str; 14] = [
    "Id",
    "SyncToken",
    "MetaData",
    "domain",
    "sparse",
    "status",
    "Balance",
    "HomeBalance",
    "BalanceWithJobs",
    "RemainingCredit",
    "UnappliedAmt",
    "HomeTotalAmt",
    "FullyQualifiedName",
    "CurrentBalanceWithSubAccounts",
];

fn strip(kind: Kind, mut body: Obj) -> Obj {
    for key in READ_ONLY {
        body.remove(key);
    }
    if kind.is_sales_form() {
        for key in ["TotalAmt", "LinkedTxn", "TxnTaxDetail"] {
            body.remove(key);
        }
    }
    body
}

/// Reads one live entity (610 when missing or deleted).
pub fn read(co: &Company, kind: Kind, id: &str) -> Result<Obj, Fault> {
    co.get(kind, id)
        .map(|r| r.render())
        .ok_or_else(|| Fault::not_found(kind.name(), id))
}

/// Runs one write and returns what QuickBooks answers under the entity's key.
pub fn execute(
    co: &mut Company,
    ctx: &WriteCtx,
    kind: Kind,
    op: Op,
    request: Obj,
) -> Result<Obj, Fault> {
    if !kind.writable() || (kind == Kind::Preferences && op != Op::Update) {
        return Err(Fault::unsupported(op.label()));
    }
    crate::schema::check_write(kind, &request)?;
    match op {
        Op::Create => create(co, ctx, kind, request),
        Op::Update => update(co, ctx, kind, request),
        Op::Delete | Op::Void => {
            if !kind.is_txn() {
                return Err(Fault::unsupported(op.label()));
            }
            delete_or_void(co, ctx, kind, op, request)
        }
    }
}

fn tax_instruction(request: &Obj, is_create: bool) -> Result<TaxInstruction, Fault> {
    if let Some(detail) = request.obj("TxnTaxDetail")
        && let Some(total) = detail
            .decimal("TotalTax")
            .map_err(|_| Fault::invalid_number("TotalTax"))?
    {
        return Ok(TaxInstruction::Override(total));
    }
    let touches_tax = [
        "Line",
        "CustomerRef",
        "ShipAddr",
        "BillAddr",
        "TxnDate",
        "ApplyTaxAfterDiscount",
        "TxnTaxDetail",
    ]
    .iter()
    .any(|k| request.contains(k));
    Ok(if is_create || touches_tax {
        TaxInstruction::Recompute
    } else {
        TaxInstruction::Keep
    })
}

fn prepare(
    co: &Company,
    ctx: &WriteCtx,
    kind: Kind,
    body: Obj,
    existing: Option<&crate::model::Record>,
    instruction: TaxInstruction,
) -> Result<Obj, Fault> {
    let self_id = existing.map(|e| e.id.as_str());
    let mut body = match kind {
        k if k.is_name_list() => names::prepare(co, k, body, self_id)?,
        k if k.is_sales_form() => sales::prepare(co, ctx, k, body, existing, instruction)?,
        Kind::Payment => payment::prepare(co, ctx, body, existing)?,
        Kind::Preferences => body,
        other => return Err(Fault::unsupported(&format!("write on {}", other.name()))),
    };
    if matches!(kind, Kind::Invoice | Kind::CreditMemo) {
        // Payments already applied stay applied: the new total must still cover them.
        let total = body.decimal("TotalAmt").ok().flatten().unwrap_or_default();
        let open = match self_id {
            Some(id) => total - (co_total(co, kind, id) - payment::open_amount(co, kind, id, None)),
            None => total,
        };
        if open < Decimal::ZERO {
            return Err(
                Fault::business("the new total is less than the payments already applied")
                    .with_element("TotalAmt"),
            );
        }
        if let Some(stored) = existing {
            body.insert(
                "LinkedTxn",
                stored
                    .body
                    .get("LinkedTxn")
                    .cloned()
                    .unwrap_or(Json::Arr(vec![])),
            );
        } else {
            body.insert("LinkedTxn", Json::Arr(vec![]));
        }
        body.insert("Balance", Json::num(crate::money::round2(open)));
        if kind == Kind::CreditMemo {
            body.insert("RemainingCredit", Json::num(crate::money::round2(open)));
        }
    }
    Ok(body)
}

/// The stored TotalAmt of a transaction.
fn co_total(co: &Company, kind: Kind, id: &str) -> Decimal {
    co.get(kind, id)
        .and_then(|r| r.body.decimal("TotalAmt").ok().flatten())
        .unwrap_or_default()
}

fn create(co: &mut Company, ctx: &WriteCtx, kind: Kind, request: Obj) -> Result<Obj, Fault> {
    let instruction = tax_instruction(&request, true)?;
    let body = prepare(co, ctx, kind, strip(kind, request), None, instruction)?;
    let id = co.insert_new(kind, body, ctx.now);
    after_write(co, ctx, kind, &id, None);
    Ok(co.get(kind, &id).expect("just stored").render())
}

fn ident(request: &Obj) -> Result<(String, String), Fault> {
    let id = request
        .str("Id")
        .ok_or_else(|| Fault::required("Id"))?
        .to_owned();
    let sync = match request.get("SyncToken") {
        Some(Json::Str(s)) => s.clone(),
        Some(Json::Num(n)) => n.clone(),
        _ => return Err(Fault::required("SyncToken")),
    };
    Ok((id, sync))
}

fn existing<'a>(
    co: &'a Company,
    kind: Kind,
    request: &Obj,
) -> Result<&'a crate::model::Record, Fault> {
    let (id, sync) = ident(request)?;
    let record = co
        .get(kind, &id)
        .ok_or_else(|| Fault::not_found(kind.name(), &id))?;
    if record.sync.to_string() != sync {
        return Err(Fault::stale(kind.name(), &id));
    }
    Ok(record)
}

fn update(co: &mut Company, ctx: &WriteCtx, kind: Kind, request: Obj) -> Result<Obj, Fault> {
    let stored = existing(co, kind, &request)?.clone();
    if stored.voided {
        return Err(Fault::business(format!(
            "{} {} is voided and can't be changed",
            kind.name(),
            stored.id
        )));
    }
    let sparse = request.bool("sparse").unwrap_or(false);
    let body = if kind == Kind::Preferences {
        prefs::merged(&stored.body, &request)?
    } else {
        // In a sparse update an empty array means "not sent": python-quickbooks serialises a
        // fresh object's `Line: []` and `CustomField: []` with every sparse save.
        let request: Obj = if sparse {
            request
                .iter()
                .filter(|(_, v)| !matches!(v, Json::Arr(a) if a.is_empty()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        } else {
            request
        };
        let instruction = tax_instruction(&request, !sparse)?;
        let incoming = strip(kind, request);
        let merged = if sparse {
            let mut merged = strip(kind, stored.body.clone());
            for (k, v) in incoming.iter() {
                merged.insert(k.clone(), v.clone());
            }
            merged
        } else {
            incoming
        };
        prepare(co, ctx, kind, merged, Some(&stored), instruction)?
    };
    co.update(kind, &stored.id, body, ctx.now);
    after_write(co, ctx, kind, &stored.id, Some(&stored.body));
    Ok(co.get(kind, &stored.id).expect("just stored").render())
}

fn delete_or_void(
    co: &mut Company,
    ctx: &WriteCtx,
    kind: Kind,
    op: Op,
    request: Obj,
) -> Result<Obj, Fault> {
    let stored = existing(co, kind, &request)?.clone();
    let txn_date = stored
        .body
        .str("TxnDate")
        .and_then(crate::time::parse_date)
        .unwrap_or(ctx.today);
    check_closing_date(co, txn_date, None)?;
    if op == Op::Void && stored.voided {
        return Err(Fault::business(format!(
            "{} {} is already voided",
            kind.name(),
            stored.id
        )));
    }
    if matches!(kind, Kind::Invoice | Kind::CreditMemo) {
        payment::unlink(co, kind, &stored.id, ctx.now);
    }
    if op == Op::Delete {
        co.modify(kind, &stored.id, |r| {
            r.deleted = true;
            r.sync += 1;
            r.updated = crate::time::whole_seconds(ctx.now);
        });
        after_write(co, ctx, kind, &stored.id, Some(&stored.body));
        return Ok(co
            .get_any(kind, &stored.id)
            .expect("tombstone kept")
            .deleted_stub(false));
    }
    let mut body = if kind == Kind::Payment {
        payment::voided(stored.body.clone())
    } else {
        voided_sales(&stored.body)
    };
    let note = stored
        .body
        .str("PrivateNote")
        .map(str::trim)
        .unwrap_or_default();
    body.insert(
        "PrivateNote",
        if note.is_empty() {
            "Voided".to_owned()
        } else {
            format!("Voided - {note}")
        },
    );
    co.update(kind, &stored.id, body, ctx.now);
    co.modify(kind, &stored.id, |r| r.voided = true);
    after_write(co, ctx, kind, &stored.id, Some(&stored.body));
    Ok(co.get(kind, &stored.id).expect("just stored").render())
}

/// A voided sales form: every amount 0, lines and references kept.
fn voided_sales(body: &Obj) -> Obj {
    let zero = || Json::num(Decimal::new(0, 2));
    let mut out = body.clone();
    let lines: Vec<Json> = body
        .arr("Line")
        .iter()
        .map(|l| {
            let mut l = l.as_obj().cloned().unwrap_or_default();
            l.insert("Amount", zero());
            Json::Obj(l)
        })
        .collect();
    out.insert("Line", Json::Arr(lines));
    let mut tax = obj! {};
    if let Some(code) = body
        .obj("TxnTaxDetail")
        .and_then(|t| t.get("TxnTaxCodeRef"))
    {
        tax.insert("TxnTaxCodeRef", code.clone());
    }
    tax.insert("TotalTax", zero());
    tax.insert("TaxLine", Json::Arr(vec![]));
    out.insert("TxnTaxDetail", tax);
    for key in ["TotalAmt", "Balance"] {
        out.insert(key, zero());
    }
    if out.contains("RemainingCredit") {
        out.insert("RemainingCredit", zero());
    }
    out.insert("LinkedTxn", Json::Arr(vec![]));
    out
}

/// Derived state after a write: balances of what a payment touches, customer balances.
fn after_write(co: &mut Company, ctx: &WriteCtx, kind: Kind, id: &str, old: Option<&Obj>) {
    let Some(record) = co.get_any(kind, id) else {
        return;
    };
    let new_body = record.body.clone();
    let mut customers: BTreeSet<String> = BTreeSet::new();
    for body in [Some(&new_body), old].into_iter().flatten() {
        if let Some(c) = body.ref_value("CustomerRef") {
            customers.insert(c.to_owned());
        }
    }
    if kind == Kind::Payment {
        let mut targets: BTreeSet<Target> = BTreeSet::new();
        for body in [Some(&new_body), old].into_iter().flatten() {
            targets.extend(payment::line_targets(body).into_iter().map(|(t, _)| t));
        }
        payment::refresh_targets(co, &targets, ctx.now);
    }
    if kind == Kind::Customer {
        payment::refresh_customer(co, id);
    }
    if kind.is_txn() {
        for customer in customers {
            payment::refresh_customer(co, &customer);
        }
    }
}
