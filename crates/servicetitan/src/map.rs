//! ServiceTitan records to the canonical model. Pure functions: everything they need (tax
//! zones, contacts, the tenant's currency) is passed in.
//!
//! ServiceTitan's numbers are the truth: the invoice's `subTotal`, `salesTax`, `total` and
//! `balance` are taken as stated (never recomputed), line amounts are the items' `total`, and
//! an amount with more decimals than the currency has is refused (the record is quarantined)
//! rather than silently rounded. A tax zone with several component rates splits the invoice's
//! one tax amount over its components by largest remainder, so the parts add up to the cent.
//!
//! Which zone taxed an invoice ([`tax_zone`]), in order: the invoice's own `taxZoneId` (2026
//! and live tenants only); its `salesTaxCode` when that names a known zone by id *and* name
//! (the 2025 invoice's only tax reference; accepted only when both agree, so a code from
//! another id space can never pick a wrong zone); else the `taxZoneId` of its service location
//! in CRM (the documented carrier, one look-up per 50 locations). The invoice's own record
//! comes first because it says how the invoice was taxed when it was written, where the
//! location says where it is now, and because it costs no request. A zone or location that
//! could not be read quarantines the invoice rather than guess its split.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::{
    Allocation, Currency, Customer, Invoice, InvoiceLine, InvoiceStatus, Money, Payment,
    PaymentStatus, SourceRef, TaxLine, allocate,
};
use rust_decimal::Decimal;

use crate::wire::customer::{ContactWire, CustomerWire};
use crate::wire::invoice::{InvoiceItemWire, InvoiceWire};
use crate::wire::payment::PaymentWire;
use crate::wire::reference::TaxZone;
use crate::wire::{non_blank, plain_text};

fn money(value: Option<Decimal>, field: &str, currency: Currency) -> Result<Money, String> {
    let value = value.ok_or_else(|| format!("{field} is missing"))?;
    Money::new(value, currency).map_err(|e| format!("{field}: {e}"))
}

fn st_ref(id: i64, what: &str) -> Result<SourceRef, String> {
    SourceRef::servicetitan(id).ok_or_else(|| format!("{what} id {id} is negative"))
}

fn date(t: Option<DateTime<Utc>>, field: &str) -> Result<NaiveDate, String> {
    t.map(|t| t.date_naive())
        .ok_or_else(|| format!("{field} is missing"))
}

fn line(item: &InvoiceItemWire, currency: Currency) -> Result<InvoiceLine, String> {
    let field = |name: &str| format!("items[{}].{name}", item.id);
    let description = item
        .description
        .as_deref()
        .map(plain_text)
        .filter(|d| !d.is_empty())
        .or_else(|| non_blank(item.display_name.as_deref()))
        .or_else(|| non_blank(item.sku_name.as_deref()))
        .unwrap_or_default();
    Ok(InvoiceLine {
        key: st_ref(item.id, "item")?,
        item: non_blank(item.sku_name.as_deref()),
        description,
        quantity: item
            .quantity
            .ok_or_else(|| format!("{} is missing", field("quantity")))?,
        unit_price: item
            .price
            .ok_or_else(|| format!("{} is missing", field("price")))?,
        amount: money(item.total, &field("total"), currency)?,
        gl_account: item.general_ledger_account.as_ref().and_then(|gl| {
            non_blank(gl.number.as_deref()).or_else(|| non_blank(gl.name.as_deref()))
        }),
        taxable: item.taxable,
        tax_code: None,
    })
}

/// The tenant's tax zones by id, and those whose record could not be read (with why).
#[derive(Debug, Default)]
pub(crate) struct ZoneIndex {
    pub(crate) zones: HashMap<i64, TaxZone>,
    pub(crate) unreadable: HashMap<i64, String>,
}

impl ZoneIndex {
    fn get(&self, id: i64, source: &str) -> Result<Option<&TaxZone>, String> {
        match self.unreadable.get(&id) {
            Some(reason) => Err(format!(
                "tax zone {id} ({source}) could not be read: {reason}"
            )),
            None => Ok(self.zones.get(&id)),
        }
    }
}

/// What the CRM said about an invoice's service location: its tax zone, or why its record
/// could not be read.
pub(crate) type LocationZone = Result<Option<i64>, String>;

/// The zone that taxed `wire` (see the module docs for the order); `Err` quarantines it.
pub(crate) fn tax_zone<'a>(
    wire: &InvoiceWire,
    location: Option<&LocationZone>,
    index: &'a ZoneIndex,
) -> Result<Option<&'a TaxZone>, String> {
    if let Some(zone) = invoice_zone(wire, index)? {
        return Ok(Some(zone));
    }
    match location {
        Some(Err(reason)) => Err(reason.clone()),
        Some(Ok(Some(id))) => index.get(*id, "the location's taxZoneId"),
        Some(Ok(None)) | None => Ok(None),
    }
}

/// The zone the invoice names itself: its `taxZoneId`, else a `salesTaxCode` that names a
/// known zone by id and name. `Ok(None)`: ask its location.
pub(crate) fn invoice_zone<'a>(
    wire: &InvoiceWire,
    index: &'a ZoneIndex,
) -> Result<Option<&'a TaxZone>, String> {
    if let Some(zone) = wire
        .tax_zone_id
        .map(|id| index.get(id, "taxZoneId"))
        .transpose()?
        .flatten()
    {
        return Ok(Some(zone));
    }
    Ok(wire.sales_tax_code.as_ref().and_then(|code| {
        let zone = index.zones.get(&code.id)?;
        let same = match (&code.name, &zone.name) {
            (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
            _ => false,
        };
        same.then_some(zone)
    }))
}

fn tax_lines(
    wire: &InvoiceWire,
    tax: Money,
    zone: Option<&TaxZone>,
) -> Result<Vec<TaxLine>, String> {
    if let Some(zone) = zone.filter(|z| !z.rates.is_empty()) {
        let weights: Vec<Decimal> = zone.rates.iter().map(|r| r.tax_rate).collect();
        if weights.iter().all(Decimal::is_zero) && !tax.is_zero() {
            // Tax over a zone whose rates are all zero has no proportion to follow: keep only
            // ServiceTitan's total, as for an invoice without a zone.
            return Ok(vec![]);
        }
        let parts = allocate(tax, &weights)
            .map_err(|e| format!("salesTax over tax zone {}: {e}", zone.id))?;
        return zone
            .rates
            .iter()
            .zip(parts)
            .map(|(rate, amount)| {
                Ok(TaxLine {
                    key: st_ref(rate.id, "tax rate")?,
                    name: rate
                        .tax_name
                        .clone()
                        .unwrap_or_else(|| format!("Tax {}", rate.id)),
                    rate: rate.tax_rate,
                    amount,
                })
            })
            .collect();
    }
    match &wire.sales_tax_code {
        Some(code) => Ok(vec![TaxLine {
            key: st_ref(code.id, "sales tax code")?,
            name: code
                .name
                .clone()
                .unwrap_or_else(|| format!("Tax {}", code.id)),
            rate: code.tax_rate.unwrap_or_default(),
            amount: tax,
        }]),
        None => Ok(vec![]),
    }
}

/// The invoice's status: inactive is voided, `Pending` is a draft, `Posted`/`Exported` final
/// (any other word was quarantined before, see [`crate::sanity`]).
fn invoice_status(wire: &InvoiceWire) -> InvoiceStatus {
    if !wire.active {
        return InvoiceStatus::Voided;
    }
    match wire.sync_status.as_deref() {
        Some(s) if s.eq_ignore_ascii_case("posted") || s.eq_ignore_ascii_case("exported") => {
            InvoiceStatus::Posted
        }
        _ => InvoiceStatus::Draft,
    }
}

/// Maps an invoice with its items, taxed in `zone` (see [`tax_zone`]); `Err(reason)`
/// quarantines it.
pub(crate) fn invoice(
    wire: InvoiceWire,
    currency: Currency,
    zone: Option<&TaxZone>,
) -> Result<SourceRecord<Invoice>, String> {
    crate::sanity::sync_status(wire.sync_status.as_deref(), true)?;
    let customer = wire.customer.as_ref().ok_or("customer is missing")?;
    let mut items = wire.items.clone().unwrap_or_default();
    items.sort_by_key(|i| (i.order.unwrap_or(i32::MAX), i.id));
    let lines = items
        .iter()
        .map(|i| line(i, currency))
        .collect::<Result<Vec<_>, _>>()?;
    let tax = money(wire.sales_tax.or(Some(Decimal::ZERO)), "salesTax", currency)?;
    let total = money(wire.total, "total", currency)?;
    let record = Invoice {
        number: non_blank(wire.reference_number.as_deref()).unwrap_or_else(|| wire.id.to_string()),
        customer: st_ref(customer.id, "customer")?,
        invoice_date: date(wire.invoice_date, "invoiceDate")?,
        due_date: wire.due_date.map(|d| d.date_naive()),
        status: invoice_status(&wire),
        currency,
        tax_lines: tax_lines(&wire, tax, zone)?,
        lines,
        subtotal: money(wire.sub_total, "subTotal", currency)?,
        tax,
        total,
        balance: money(wire.balance.or(wire.total), "balance", currency)?,
        memo: wire
            .summary
            .as_deref()
            .map(plain_text)
            .filter(|s| !s.is_empty()),
        business_unit: wire
            .business_unit
            .as_ref()
            .map(|b| b.name.clone().unwrap_or_else(|| b.id.to_string())),
    };
    crate::sanity::invoice_adds_up(&record)?;
    Ok(SourceRecord {
        id: wire.id,
        modified_on: wire.modified_on.unwrap_or(wire.created_on),
        export_id: wire.export_id,
        remote_status: wire.sync_status,
        record,
    })
}

/// Maps a payment with its applications; `Err(reason)` quarantines it. `listed_active` is
/// what a record without an `active` field is taken to be (the list pass it came from).
pub(crate) fn payment(
    wire: PaymentWire,
    currency: Currency,
    listed_active: bool,
) -> Result<SourceRecord<Payment>, String> {
    crate::sanity::sync_status(wire.sync_status.as_deref(), false)?;
    let customer = wire.customer.as_ref().ok_or("customer is missing")?;
    let amount = money(wire.total, "total", currency)?;
    // One invoice may appear in several applications; the canonical record keys by invoice.
    let mut by_invoice: BTreeMap<i64, Money> = BTreeMap::new();
    for applied in wire.applied_to.iter().flatten() {
        let part = money(
            applied.applied_amount,
            &format!("appliedTo[{}].appliedAmount", applied.applied_to),
            currency,
        )?;
        let sum = by_invoice
            .entry(applied.applied_to)
            .or_insert_with(|| Money::zero(currency));
        *sum = sum.checked_add(&part).map_err(|e| e.to_string())?;
    }
    let allocations = by_invoice
        .into_iter()
        .map(|(invoice, amount)| {
            Ok(Allocation {
                invoice: st_ref(invoice, "invoice")?,
                amount,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let applied =
        Money::sum(currency, allocations.iter().map(|a| &a.amount)).map_err(|e| e.to_string())?;
    let unapplied = match wire.unapplied_amount {
        Some(u) => Money::new(u, currency).map_err(|e| format!("unappliedAmount: {e}"))?,
        None => amount.checked_sub(&applied).map_err(|e| e.to_string())?,
    };
    let record = Payment {
        date: date(wire.date, "date")?,
        amount,
        payment_type: non_blank(wire.type_name.as_deref())
            .or_else(|| wire.type_id.map(|id| format!("type {id}")))
            .ok_or("type is missing")?,
        reference: non_blank(wire.check_number.as_deref())
            .or_else(|| non_blank(wire.auth_code.as_deref()))
            .or_else(|| non_blank(wire.reference_number.as_deref())),
        customer: st_ref(customer.id, "customer")?,
        allocations,
        unapplied,
        memo: non_blank(wire.memo.as_deref()),
        status: if wire.active.unwrap_or(listed_active) {
            PaymentStatus::Posted
        } else {
            PaymentStatus::Voided
        },
    };
    crate::sanity::payment_adds_up(&record)?;
    Ok(SourceRecord {
        id: wire.id,
        modified_on: wire.modified_on,
        export_id: wire.export_id,
        remote_status: wire.sync_status,
        record,
    })
}

/// Maps a customer with its contacts (first active email; first active phone or mobile).
pub(crate) fn customer(
    wire: CustomerWire,
    contacts: &[ContactWire],
) -> Result<SourceRecord<Customer>, String> {
    let name = non_blank(Some(&wire.name)).ok_or("name is blank")?;
    crate::sanity::customer_type(wire.kind.as_ref())?;
    let first = |kinds: &[&str]| {
        let mut live: Vec<&ContactWire> = contacts
            .iter()
            .filter(|c| c.active && kinds.iter().any(|k| c.kind().eq_ignore_ascii_case(k)))
            .collect();
        live.sort_by_key(|c| c.id);
        live.into_iter().find_map(|c| non_blank(c.value.as_deref()))
    };
    let record = Customer {
        company_name: wire.is_commercial().then(|| name.clone()),
        display_name: name,
        email: first(&["Email"]),
        phone: first(&["Phone", "MobilePhone", "LandlinePhone"]),
        billing_address: wire
            .address
            .as_ref()
            .map(|a| a.to_core())
            .unwrap_or_default(),
        tax_exempt: wire.tax_exempt.unwrap_or(false),
        currency: None,
        active: wire.active,
    };
    Ok(SourceRecord {
        id: wire.id,
        modified_on: wire.modified_on,
        export_id: None,
        remote_status: None,
        record,
    })
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
