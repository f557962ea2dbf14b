//! Payments and the balances they move.
//!
//! A payment line `{Amount, LinkedTxn:[{TxnId, TxnType}]}` applies money to an invoice
//! (reducing its `Balance`) or uses a credit memo (reducing its `RemainingCredit`); whatever
//! is not applied is `UnappliedAmt` (a credit for the customer). Linked invoices and credit
//! memos get the payment in their `LinkedTxn` and a new version (SyncToken + 1), so CDC and
//! `LastUpdatedTime` queries see balance changes.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::names::{WriteCtx, fill_ref, resolve_ref};
use super::sales::{check_closing_date, date_field};
use super::{Company, Kind, Record};
use crate::fault::Fault;
use crate::json::{Json, Obj, reference};
use crate::money::round2;
use crate::obj;

/// A transaction a payment line points at.
pub type Target = (Kind, String);

/// Validates and completes a payment (create, or the merged body of an update).
pub fn prepare(
    co: &Company,
    ctx: &WriteCtx,
    mut body: Obj,
    existing: Option<&Record>,
) -> Result<Obj, Fault> {
    let customer = resolve_ref(co, Kind::Customer, &body, "CustomerRef")?
        .ok_or_else(|| Fault::required("CustomerRef"))?
        .clone();
    fill_ref(&mut body, "CustomerRef", Kind::Customer, &customer);
    let total = body
        .decimal("TotalAmt")
        .map_err(|_| Fault::invalid_number("TotalAmt"))?
        .ok_or_else(|| Fault::required("TotalAmt"))?;
    let total = round2(total);
    if total < Decimal::ZERO {
        return Err(Fault::business(
            "a payment amount can't be negative; record refunds with a RefundReceipt",
        )
        .with_element("TotalAmt"));
    }
    let txn_date = date_field(&body, "TxnDate")?.unwrap_or(ctx.today);
    check_closing_date(co, txn_date, existing)?;
    body.insert("TxnDate", txn_date.to_string());
    if !body.contains("DepositToAccountRef")
        && let Some(undeposited) = co
            .live(Kind::Account)
            .find(|a| a.body.str("AccountSubType") == Some("UndepositedFunds"))
    {
        body.insert("DepositToAccountRef", reference(&undeposited.id, None));
    }
    for (field, kind) in [
        ("DepositToAccountRef", Kind::Account),
        ("PaymentMethodRef", Kind::PaymentMethod),
    ] {
        if let Some(r) = resolve_ref(co, kind, &body, field)? {
            let r = r.clone();
            fill_ref(&mut body, field, kind, &r);
        }
    }
    let self_id = existing.map(|e| e.id.as_str());
    let mut lines = Vec::new();
    let mut applied_invoices = Decimal::ZERO;
    let mut used_credits = Decimal::ZERO;
    let mut per_target: Vec<(Target, Decimal)> = Vec::new();
    for line in body.arr("Line").iter().filter_map(Json::as_obj) {
        let amount = line
            .decimal("Amount")
            .map_err(|_| Fault::invalid_number("Line.Amount"))?
            .ok_or_else(|| Fault::required("Line.Amount"))?;
        let amount = round2(amount);
        if amount < Decimal::ZERO {
            return Err(Fault::business("a payment line amount can't be negative")
                .with_element("Line.Amount"));
        }
        let links = line.arr("LinkedTxn");
        if links.len() != 1 {
            return Err(
                Fault::invalid_request("each payment line links exactly one transaction")
                    .with_element("Line.LinkedTxn"),
            );
        }
        let link = links[0]
            .as_obj()
            .ok_or_else(|| Fault::required("Line.LinkedTxn.TxnId"))?;
        let txn_id = link
            .str("TxnId")
            .ok_or_else(|| Fault::required("Line.LinkedTxn.TxnId"))?
            .to_owned();
        let txn_type = link
            .str("TxnType")
            .ok_or_else(|| Fault::required("Line.LinkedTxn.TxnType"))?;
        let kind = match txn_type {
            "Invoice" => Kind::Invoice,
            "CreditMemo" => Kind::CreditMemo,
            other => return Err(Fault::invalid_enum("TxnType", other)),
        };
        let target = co
            .get(kind, &txn_id)
            .ok_or_else(|| Fault::not_found(kind.name(), &txn_id))?;
        if target.body.ref_value("CustomerRef") != Some(customer.id.as_str()) {
            return Err(Fault::business(format!(
                "{} {txn_id} belongs to another customer",
                kind.name()
            )));
        }
        if target.voided {
            return Err(Fault::business(format!(
                "{} {txn_id} is voided",
                kind.name()
            )));
        }
        let open = open_amount(co, kind, &txn_id, self_id);
        let already: Decimal = per_target
            .iter()
            .filter(|((k, i), _)| *k == kind && *i == txn_id)
            .map(|(_, a)| *a)
            .sum();
        if already + amount > open {
            return Err(Fault::business(format!(
                "the amount applied to {} {txn_id} ({}) exceeds its open balance ({open})",
                kind.name(),
                already + amount
            ))
            .with_element("Line.Amount"));
        }
        per_target.push(((kind, txn_id.clone()), amount));
        match kind {
            Kind::Invoice => applied_invoices += amount,
            _ => used_credits += amount,
        }
        lines.push(Json::Obj(obj! {
            "Amount" => Json::num(amount),
            "LinkedTxn" => Json::Arr(vec![Json::Obj(obj! { "TxnId" => txn_id, "TxnType" => kind.txn_type() })]),
        }));
    }
    let unapplied = total - (applied_invoices - used_credits);
    if unapplied < Decimal::ZERO {
        return Err(Fault::business(format!(
            "the amounts applied ({}) exceed the payment total ({total})",
            applied_invoices - used_credits
        ))
        .with_element("TotalAmt"));
    }
    body.insert("Line", Json::Arr(lines));
    body.insert("TotalAmt", Json::num(total));
    body.insert("UnappliedAmt", Json::num(round2(unapplied)));
    body.insert(
        "ProcessPayment",
        body.bool("ProcessPayment").unwrap_or(false),
    );
    body.insert(
        "CurrencyRef",
        reference("USD", Some("United States Dollar")),
    );
    Ok(body)
}

/// What is still open on an invoice (balance) or credit memo (remaining credit), not counting
/// the payment `except`.
pub fn open_amount(co: &Company, kind: Kind, id: &str, except: Option<&str>) -> Decimal {
    let Some(target) = co.get(kind, id) else {
        return Decimal::ZERO;
    };
    let total = target
        .body
        .decimal("TotalAmt")
        .ok()
        .flatten()
        .unwrap_or_default();
    let (applied, _) = applied_to(co, kind, id, except);
    total - applied
}

/// The sum applied to a target by live payments (but `except`), and those payments' ids.
fn applied_to(co: &Company, kind: Kind, id: &str, except: Option<&str>) -> (Decimal, Vec<String>) {
    let mut sum = Decimal::ZERO;
    let mut payments = Vec::new();
    for payment in payments_to(co, kind, id).filter(|p| Some(p.id.as_str()) != except) {
        let mut linked = false;
        for (target, amount) in line_targets(&payment.body) {
            if target.0 == kind && target.1 == id {
                sum += amount;
                linked = true;
            }
        }
        if linked {
            payments.push(payment.id.clone());
        }
    }
    (sum, payments)
}

/// Live payments with a line linked to (kind, id), in id order (through the index).
fn payments_to<'a>(co: &'a Company, kind: Kind, id: &str) -> impl Iterator<Item = &'a Record> {
    co.index()
        .payments_to(kind, id)
        .filter_map(|p| co.get(Kind::Payment, &p.0))
}

/// The (target, amount) pairs of a payment's lines.
pub fn line_targets(body: &Obj) -> Vec<(Target, Decimal)> {
    body.arr("Line")
        .iter()
        .filter_map(Json::as_obj)
        .filter_map(line_target)
        .collect()
}

/// The target and amount of one payment line.
fn line_target(line: &Obj) -> Option<(Target, Decimal)> {
    let amount = line.decimal("Amount").ok().flatten()?;
    let link = line.arr("LinkedTxn").first()?.as_obj()?;
    let kind = Kind::parse(link.str("TxnType")?)?;
    Some(((kind, link.str("TxnId")?.to_owned()), amount))
}

/// Recomputes `Balance`/`RemainingCredit` and `LinkedTxn` of the given invoices and credit
/// memos; those that change get a new version at `now`.
pub fn refresh_targets(co: &mut Company, targets: &BTreeSet<Target>, now: DateTime<Utc>) {
    for (kind, id) in targets {
        let Some(record) = co.get(*kind, id) else {
            continue;
        };
        let (applied, payments) = applied_to(co, *kind, id, None);
        let total = record
            .body
            .decimal("TotalAmt")
            .ok()
            .flatten()
            .unwrap_or_default();
        let balance = Json::num(round2(total - applied));
        let linked = Json::Arr(
            payments
                .iter()
                .map(|p| Json::Obj(obj! { "TxnId" => p.as_str(), "TxnType" => "Payment" }))
                .collect(),
        );
        let mut body = record.body.clone();
        let balance_key = if *kind == Kind::CreditMemo {
            "RemainingCredit"
        } else {
            "Balance"
        };
        let unchanged =
            body.get(balance_key) == Some(&balance) && body.get("LinkedTxn") == Some(&linked);
        if unchanged {
            continue;
        }
        body.insert("Balance", balance.clone());
        if *kind == Kind::CreditMemo {
            body.insert("RemainingCredit", balance);
        }
        body.insert("LinkedTxn", linked);
        co.update(*kind, id, body, now);
    }
}

/// Recomputes a customer's open balance (no new version: `Balance` is read-only and derived).
pub fn refresh_customer(co: &mut Company, customer_id: &str) {
    // Through the customer index: a write costs the customer's transactions, not the company's.
    let sum = |kind: Kind, field: &str| -> Decimal {
        co.index()
            .of_customer(kind, customer_id)
            .filter_map(|id| co.get(kind, &id.0))
            .filter_map(|r| r.body.decimal(field).ok().flatten())
            .sum()
    };
    let balance = round2(
        sum(Kind::Invoice, "Balance")
            - sum(Kind::Payment, "UnappliedAmt")
            - sum(Kind::CreditMemo, "RemainingCredit"),
    );
    co.modify(Kind::Customer, customer_id, |customer| {
        customer.body.insert("Balance", Json::num(balance));
        customer.body.insert("BalanceWithJobs", Json::num(balance));
    });
}

/// Removes every payment line pointing at a voided or deleted invoice/credit memo; those
/// payments keep their total as unapplied credit (a payment left over-applied loses all its
/// links). Returns the payments changed.
pub fn unlink(co: &mut Company, kind: Kind, id: &str, now: DateTime<Utc>) -> Vec<String> {
    let affected: Vec<(String, Obj)> = payments_to(co, kind, id)
        .map(|p| (p.id.clone(), p.body.clone()))
        .collect();
    let mut changed = Vec::new();
    for (payment_id, mut body) in affected {
        let keep: Vec<Json> = body
            .arr("Line")
            .iter()
            .filter(|l| {
                l.as_obj()
                    .and_then(line_target)
                    .is_none_or(|((k, i), _)| !(k == kind && i == id))
            })
            .cloned()
            .collect();
        body.insert("Line", Json::Arr(keep));
        let total = body.decimal("TotalAmt").ok().flatten().unwrap_or_default();
        let mut applied = net_applied(&body);
        if applied > total {
            body.insert("Line", Json::Arr(Vec::new()));
            applied = Decimal::ZERO;
        }
        body.insert("UnappliedAmt", Json::num(round2(total - applied)));
        co.update(Kind::Payment, &payment_id, body, now);
        changed.push(payment_id);
    }
    changed
}

/// Invoices paid minus credits used.
fn net_applied(body: &Obj) -> Decimal {
    line_targets(body)
        .into_iter()
        .map(|((k, _), a)| if k == Kind::CreditMemo { -a } else { a })
        .sum()
}

/// A voided payment: total, unapplied and line amounts become 0 (links kept for history).
pub fn voided(mut body: Obj) -> Obj {
    let zero = Json::num(Decimal::new(0, 2));
    let lines: Vec<Json> = body
        .arr("Line")
        .iter()
        .map(|l| {
            let mut l = l.as_obj().cloned().unwrap_or_default();
            l.insert("Amount", zero.clone());
            Json::Obj(l)
        })
        .collect();
    body.insert("Line", Json::Arr(lines));
    body.insert("TotalAmt", zero.clone());
    body.insert("UnappliedAmt", zero);
    body
}
