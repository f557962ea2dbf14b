//! Canonical invoice -> Xero ACCREC invoice or ACCRECCREDIT credit note.

use std::collections::HashMap;

use ledgerbridge_core::money::round_half_away;
use ledgerbridge_core::{
    Invoice, InvoiceLine, InvoiceStatus, Money, SourceRef, System, allocate, limits,
};
use rust_decimal::Decimal;

use super::{MapError, Mappings, unsupported};
use crate::wire::invoice::{ContactRef, CreditNote, Invoice as XeroInvoice, LineItem, TrackingRef};

/// Xero keeps 4 decimals of quantity and (with `unitdp=4`) of unit amount.
const WIRE_DP: u32 = 4;

/// What the ledger knows about the invoice's Xero side.
#[derive(Clone, Copy, Debug)]
pub struct InvoiceTarget<'a> {
    /// The `ContactID` of the invoice's linked customer.
    pub contact_id: &'a str,
    /// The `InvoiceID`, for an update; `None` creates.
    pub invoice_id: Option<&'a str>,
    /// ServiceTitan line key -> `LineItemID` of lines written before: sent on update so Xero
    /// updates those lines instead of deleting and re-creating them.
    pub line_ids: &'a HashMap<SourceRef, String>,
}

/// What the ledger knows about a credit note's Xero side.
#[derive(Clone, Copy, Debug)]
pub struct CreditNoteTarget<'a> {
    /// The customer's `ContactID`.
    pub contact_id: &'a str,
    /// The `CreditNoteID`, for an update.
    pub credit_note_id: Option<&'a str>,
}

/// Quantity and unit amount for a line so that Xero's `round(Quantity x UnitAmount, 2)`
/// equals `amount` exactly, keeping the source's own figures whenever they already do.
///
/// Xero keeps 4 decimals of each; ServiceTitan may carry more, or a line amount that is not
/// its quantity times its price (a rounded price). In that order: the source's quantity and
/// price; its quantity and `amount / quantity` at 4 decimals; one unit at `amount`.
pub fn fit_line(quantity: Decimal, unit_price: Decimal, amount: Decimal) -> (Decimal, Decimal) {
    let reproduces = |q: Decimal, u: Decimal| {
        q.checked_mul(u)
            .is_some_and(|p| round_half_away(p, 2) == amount)
    };
    let fits = |d: Decimal| d.normalize().scale() <= WIRE_DP;
    if fits(quantity) && fits(unit_price) && reproduces(quantity, unit_price) {
        return (quantity, unit_price);
    }
    if fits(quantity)
        && !quantity.is_zero()
        && let Some(per_unit) = amount.checked_div(quantity)
    {
        let unit = round_half_away(per_unit, WIRE_DP);
        if reproduces(quantity, unit) {
            return (quantity, unit);
        }
    }
    (Decimal::ONE, amount)
}

/// Maps `invoice` to an ACCREC invoice: ServiceTitan's number, its memo as `Reference`, lines
/// with mapped item / account / tax type / tracking and their share of the tax, and the
/// known `LineItemID`s. A voided invoice is not written this way (see
/// [`crate::write::status_change`]).
pub fn invoice_to_xero(
    invoice: &Invoice,
    target: &InvoiceTarget<'_>,
    mappings: &Mappings,
) -> Result<XeroInvoice, MapError> {
    let status = match invoice.status {
        InvoiceStatus::Draft => "DRAFT",
        InvoiceStatus::Posted => "AUTHORISED",
        InvoiceStatus::Voided => {
            return Err(unsupported(
                "a voided invoice is voided or deleted by status, not written",
            ));
        }
    };
    check_totals(invoice)?;
    // A text longer than Xero takes blocks the record: cutting it would lose data unseen.
    limits::check_invoice(System::Xero, invoice)?;
    if invoice.total.is_negative() {
        return Err(unsupported(
            "an invoice with a negative total is a credit note in Xero",
        ));
    }
    let lines = map_lines(
        &invoice.lines,
        invoice.tax,
        invoice.business_unit.as_deref(),
        mappings,
        target.line_ids,
        false,
    )?;
    Ok(XeroInvoice {
        invoice_id: target.invoice_id.map(str::to_owned),
        kind: Some("ACCREC".to_owned()),
        contact: Some(ContactRef {
            contact_id: Some(target.contact_id.to_owned()),
            ..ContactRef::default()
        }),
        invoice_number: Some(invoice.number.clone()),
        // No documented limit on `Reference` (api/xero.md): sent whole, never cut.
        reference: invoice.memo.clone(),
        date: Some(invoice.invoice_date),
        due_date: invoice.due_date,
        status: Some(status.to_owned()),
        line_amount_types: Some("Exclusive".to_owned()),
        currency_code: Some(invoice.currency.code().to_owned()),
        line_items: Some(lines),
        ..XeroInvoice::default()
    })
}

/// Maps a ServiceTitan credit (an invoice whose total is negative) to an ACCRECCREDIT credit
/// note: the same lines and tax distribution with the signs turned, since the type already
/// says it is a credit. Its allocations to invoices are written afterwards
/// ([`crate::WriteBatch::allocate_credit_note`]).
pub fn credit_note_to_xero(
    credit: &Invoice,
    target: &CreditNoteTarget<'_>,
    mappings: &Mappings,
) -> Result<CreditNote, MapError> {
    check_totals(credit)?;
    limits::check_invoice(System::Xero, credit)?;
    if !credit.total.is_negative() {
        return Err(unsupported("a credit note needs a negative total"));
    }
    let status = match credit.status {
        InvoiceStatus::Draft => "DRAFT",
        InvoiceStatus::Posted => "AUTHORISED",
        InvoiceStatus::Voided => {
            return Err(unsupported("a voided credit is not written"));
        }
    };
    let lines = map_lines(
        &credit.lines,
        credit.tax,
        credit.business_unit.as_deref(),
        mappings,
        &HashMap::new(),
        true,
    )?;
    Ok(CreditNote {
        credit_note_id: target.credit_note_id.map(str::to_owned),
        kind: Some("ACCRECCREDIT".to_owned()),
        contact: Some(ContactRef {
            contact_id: Some(target.contact_id.to_owned()),
            ..ContactRef::default()
        }),
        credit_note_number: Some(credit.number.clone()),
        reference: credit.memo.clone(),
        date: Some(credit.invoice_date),
        status: Some(status.to_owned()),
        line_amount_types: Some("Exclusive".to_owned()),
        currency_code: Some(credit.currency.code().to_owned()),
        line_items: Some(lines),
        ..CreditNote::default()
    })
}

/// The lines must add up to the subtotal and the subtotal plus tax to the total; otherwise
/// Xero's total could not equal ServiceTitan's.
fn check_totals(invoice: &Invoice) -> Result<(), MapError> {
    let currency = invoice.currency;
    let lines = Money::sum(currency, invoice.lines.iter().map(|l| &l.amount))?;
    if lines != invoice.subtotal {
        return Err(unsupported(format!(
            "invoice {}: its lines add up to {lines}, its subtotal is {}",
            invoice.number, invoice.subtotal
        )));
    }
    if invoice.subtotal.checked_add(&invoice.tax)? != invoice.total {
        return Err(unsupported(format!(
            "invoice {}: subtotal {} plus tax {} is not its total {}",
            invoice.number, invoice.subtotal, invoice.tax, invoice.total
        )));
    }
    if invoice.lines.is_empty() {
        return Err(unsupported(format!(
            "invoice {} has no lines (Xero needs at least one)",
            invoice.number
        )));
    }
    Ok(())
}

fn map_lines(
    lines: &[InvoiceLine],
    tax: Money,
    business_unit: Option<&str>,
    mappings: &Mappings,
    line_ids: &HashMap<SourceRef, String>,
    negate: bool,
) -> Result<Vec<LineItem>, MapError> {
    let weights: Vec<Decimal> = lines
        .iter()
        .map(|l| {
            if l.taxable {
                l.amount.amount()
            } else {
                Decimal::ZERO
            }
        })
        .collect();
    if !tax.is_zero() && weights.iter().all(Decimal::is_zero) {
        return Err(unsupported(
            "the invoice has tax but no taxable line with an amount to carry it",
        ));
    }
    let taxes = allocate(tax, &weights)?;
    let tracking = tracking(business_unit, mappings)?;
    let sign = if negate { -Decimal::ONE } else { Decimal::ONE };
    lines
        .iter()
        .zip(taxes)
        .map(|(line, line_tax)| {
            let amount = line.amount.amount() * sign;
            let (quantity, unit) = fit_line(line.quantity, line.unit_price * sign, amount);
            let description = match line.description.trim() {
                "" => line.item.clone().unwrap_or_else(|| "Item".to_owned()),
                text => text.to_owned(),
            };
            Ok(LineItem {
                line_item_id: line_ids.get(&line.key).cloned(),
                description: Some(description),
                quantity: Some(quantity),
                unit_amount: Some(unit),
                item_code: line
                    .item
                    .as_deref()
                    .and_then(|sku| mappings.items.get(sku).cloned()),
                account_code: Some(account_code(line, mappings)?),
                tax_type: Some(tax_type(line, mappings)?),
                tax_amount: Some(line_tax.amount() * sign),
                line_amount: Some(amount),
                tracking: tracking.clone(),
            })
        })
        .collect()
}

fn account_code(line: &InvoiceLine, mappings: &Mappings) -> Result<String, MapError> {
    let mapped = line
        .gl_account
        .as_deref()
        .and_then(|gl| mappings.gl_accounts.get(gl));
    mapped
        .or(mappings.default_account.as_ref())
        .cloned()
        .ok_or_else(|| MapError::NeedsMapping {
            kind: "gl_account",
            value: line.gl_account.clone().unwrap_or_default(),
        })
}

fn tax_type(line: &InvoiceLine, mappings: &Mappings) -> Result<String, MapError> {
    if !line.taxable {
        return Ok(mappings.exempt_tax_type.clone());
    }
    let mapped = line
        .tax_code
        .as_deref()
        .and_then(|code| mappings.tax_types.get(code));
    mapped
        .or(mappings.taxable_tax_type.as_ref())
        .cloned()
        .ok_or_else(|| MapError::NeedsMapping {
            kind: "tax_type",
            value: line.tax_code.clone().unwrap_or_default(),
        })
}

fn tracking(
    business_unit: Option<&str>,
    mappings: &Mappings,
) -> Result<Vec<TrackingRef>, MapError> {
    let (Some(category), Some(unit)) = (&mappings.tracking_category, business_unit) else {
        return Ok(Vec::new());
    };
    let option = mappings
        .business_units
        .get(unit)
        .ok_or_else(|| MapError::NeedsMapping {
            kind: "business_unit",
            value: unit.to_owned(),
        })?;
    Ok(vec![TrackingRef {
        name: category.clone(),
        option: option.clone(),
    }])
}
