//! Sales forms: Invoice, CreditMemo, RefundReceipt (lines, document numbers, totals, tax).

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::lines::lines;
use super::names::{WriteCtx, fill_ref, resolve_ref};
use super::tax::{self, TaxInstruction};
use super::{Company, Kind, Record};
use crate::fault::Fault;
use crate::json::{Json, Obj, reference};
use crate::money::round2;

/// Longest DocNumber QuickBooks accepts (XSD annotation).
pub const DOC_NUMBER_MAX: usize = 21;

/// Validates and completes a sales form. `existing` is the stored version on update.
pub fn prepare(
    co: &Company,
    ctx: &WriteCtx,
    kind: Kind,
    mut body: Obj,
    existing: Option<&Record>,
    instruction: TaxInstruction,
) -> Result<Obj, Fault> {
    let customer = match resolve_ref(co, Kind::Customer, &body, "CustomerRef")? {
        Some(c) => Some(c.clone()),
        None if kind == Kind::RefundReceipt => None,
        None => return Err(Fault::required("CustomerRef")),
    };
    if let Some(c) = &customer {
        fill_ref(&mut body, "CustomerRef", Kind::Customer, c);
    }
    let txn_date = date_field(&body, "TxnDate")?.unwrap_or(ctx.today);
    check_closing_date(co, txn_date, existing)?;
    body.insert("TxnDate", txn_date.to_string());
    if kind == Kind::Invoice {
        // The demo company's default terms are Net 30.
        let due = date_field(&body, "DueDate")?.unwrap_or(txn_date + Days::new(30));
        body.insert("DueDate", due.to_string());
    }
    doc_number(co, ctx, &mut body, existing)?;
    for (field, target) in [
        ("ClassRef", Kind::Class),
        ("PaymentMethodRef", Kind::PaymentMethod),
    ] {
        if let Some(r) = resolve_ref(co, target, &body, field)? {
            let r = r.clone();
            fill_ref(&mut body, field, target, &r);
        }
    }
    if kind == Kind::RefundReceipt {
        let account = resolve_ref(co, Kind::Account, &body, "DepositToAccountRef")?
            .ok_or_else(|| Fault::required("DepositToAccountRef"))?
            .clone();
        let account_type = account.body.str("AccountType").unwrap_or_default();
        if !matches!(account_type, "Bank" | "Other Current Asset" | "Credit Card") {
            return Err(Fault::business(
                "a refund must come out of a bank, other current asset or credit card account",
            )
            .with_element("DepositToAccountRef"));
        }
        fill_ref(&mut body, "DepositToAccountRef", Kind::Account, &account);
    }
    let apply_after_discount = body.bool("ApplyTaxAfterDiscount").unwrap_or(false);
    let totals = lines(co, &mut body, existing)?;
    // Tax: exempt customers pay none; otherwise AST from the ship-to address.
    let taxable_customer = customer
        .as_ref()
        .is_none_or(|c| c.body.bool("Taxable") != Some(false));
    let mut base = if taxable_customer {
        totals.taxable
    } else {
        Decimal::ZERO
    };
    if apply_after_discount && !totals.subtotal.is_zero() {
        base -= round2(totals.discount * totals.taxable / totals.subtotal);
    }
    let stored_tax = existing.and_then(|e| e.body.obj("TxnTaxDetail").cloned());
    let total_tax = match (instruction, stored_tax) {
        (TaxInstruction::Keep, Some(stored)) => {
            let total = stored
                .decimal("TotalTax")
                .ok()
                .flatten()
                .unwrap_or_default();
            body.insert("TxnTaxDetail", stored);
            total
        }
        (instruction, _) => {
            let instruction = if instruction == TaxInstruction::Keep {
                TaxInstruction::Recompute
            } else {
                instruction
            };
            let zone = if taxable_customer {
                zone(co, &body, customer.as_ref())
            } else {
                None
            };
            let (detail, total) = tax::detail(co, zone.as_deref(), base, txn_date, instruction);
            body.insert("TxnTaxDetail", detail);
            total
        }
    };
    let total = round2(totals.subtotal - totals.discount + total_tax);
    if total < Decimal::ZERO {
        return Err(
            Fault::business("the transaction total can't be negative").with_element("TotalAmt")
        );
    }
    body.insert("TotalAmt", Json::num(total));
    body.insert(
        "CurrencyRef",
        reference("USD", Some("United States Dollar")),
    );
    body.insert("ApplyTaxAfterDiscount", apply_after_discount);
    for (field, default) in [("PrintStatus", "NotSet"), ("EmailStatus", "NotSet")] {
        if body.str(field).is_none() {
            body.insert(field, default);
        }
    }
    if let Some(c) = &customer {
        for field in ["BillAddr", "ShipAddr"] {
            if !matches!(body.get(field), Some(Json::Obj(_)))
                && let Some(addr) = c.body.obj(field)
            {
                body.insert(field, addr.clone());
            }
        }
    }
    match kind {
        Kind::Invoice => {
            body.insert("Deposit", Json::int(0));
            body.insert("AllowOnlinePayment", false);
            body.insert("AllowOnlineCreditCardPayment", false);
            body.insert("AllowOnlineACHPayment", false);
            // Balance and LinkedTxn are derived from payments after the write.
            body.insert("Balance", Json::num(total));
        }
        Kind::CreditMemo => {
            body.insert("RemainingCredit", Json::num(total));
            body.insert("Balance", Json::num(total));
        }
        _ => {
            body.insert("Balance", Json::num(Decimal::new(0, 2)));
        }
    }
    Ok(body)
}

/// A `YYYY-MM-DD` field, 2070 when malformed.
pub fn date_field(body: &Obj, field: &str) -> Result<Option<NaiveDate>, Fault> {
    match body.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Str(s)) if s.trim().is_empty() => Ok(None),
        Some(Json::Str(s)) => crate::time::parse_date(s)
            .map(Some)
            .ok_or_else(|| Fault::invalid_date(field, s)),
        Some(other) => Err(Fault::invalid_date(field, &other.to_text())),
    }
}

/// 6200 when the new date, or the stored version's date, is on or before the closing date.
pub fn check_closing_date(
    co: &Company,
    txn_date: NaiveDate,
    existing: Option<&Record>,
) -> Result<(), Fault> {
    let Some(close) = co.book_close_date() else {
        return Ok(());
    };
    if txn_date <= close {
        return Err(Fault::period_closed(txn_date, close));
    }
    if let Some(old) = existing
        .and_then(|e| e.body.str("TxnDate"))
        .and_then(crate::time::parse_date)
        && old <= close
    {
        return Err(Fault::period_closed(old, close));
    }
    Ok(())
}

fn zone(co: &Company, body: &Obj, customer: Option<&Record>) -> Option<String> {
    let has_state = |a: &&Obj| a.str("CountrySubDivisionCode").is_some();
    let address = body
        .obj("ShipAddr")
        .filter(has_state)
        .or_else(|| {
            customer
                .and_then(|c| c.body.obj("ShipAddr"))
                .filter(has_state)
        })
        .or_else(|| body.obj("BillAddr").filter(has_state))
        .or_else(|| {
            customer
                .and_then(|c| c.body.obj("BillAddr"))
                .filter(has_state)
        });
    tax::zone_for(co, address)
}

fn doc_number(
    co: &Company,
    ctx: &WriteCtx,
    body: &mut Obj,
    existing: Option<&Record>,
) -> Result<(), Fault> {
    let auto = body.bool("AutoDocNumber").unwrap_or(false);
    body.remove("AutoDocNumber");
    let requested = body
        .str("DocNumber")
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let number = if auto || requested.eq_ignore_ascii_case("AUTO_GENERATE") || requested.is_empty()
    {
        match existing.and_then(|e| e.body.str("DocNumber")) {
            Some(kept) if !auto && requested.is_empty() => kept.to_owned(),
            _ => next_doc_number(co).to_string(),
        }
    } else {
        requested
    };
    let len = number.chars().count();
    if len > DOC_NUMBER_MAX {
        return Err(Fault::length("DocNumber", DOC_NUMBER_MAX, len));
    }
    if !ctx.allow_duplicate_doc_number {
        let self_id = existing.map(|e| e.id.as_str());
        for form in [Kind::Invoice, Kind::CreditMemo, Kind::RefundReceipt] {
            if let Some(other) = co
                .index()
                .with_doc_number(form, &number)
                .find(|id| Some(id.0.as_str()) != self_id)
            {
                return Err(Fault::duplicate_doc_number(
                    &number,
                    form.txn_type(),
                    &other.0,
                ));
            }
        }
    }
    body.insert("DocNumber", number);
    Ok(())
}

/// One more than the highest numeric DocNumber of any sales form (custom transaction numbers
/// are off in the demo company, so QuickBooks numbers forms itself when none is given).
pub fn next_doc_number(co: &Company) -> u64 {
    co.index().max_doc_number().map_or(1001, |n| n + 1)
}
