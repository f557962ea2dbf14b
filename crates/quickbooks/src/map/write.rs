//! Canonical records to QuickBooks bodies.
//!
//! ServiceTitan's amounts are the truth: every line carries ServiceTitan's amount, and
//! `TxnTaxDetail.TotalTax` carries its tax, which QuickBooks (automated sales tax included)
//! honours instead of computing its own, so the QuickBooks total equals ServiceTitan's to the
//! cent. `Qty`/`UnitPrice` are sent only when they multiply to the line amount (rounded half
//! away from zero); otherwise only the amount goes, because QuickBooks checks the product.

use std::collections::HashMap;

use ledgerbridge_core::limits;
use ledgerbridge_core::money::round_half_away;
use ledgerbridge_core::{Customer, Invoice, InvoiceLine, Payment, SourceRef, System};
use rust_decimal::Decimal;

use super::{MapError, Mappings, disambiguated_name};
use crate::outcome::QboStored;
use crate::wire::entities::MemoRef;
use crate::wire::{self};
use crate::wire::{
    EmailAddress, Line, LinkedTxn, PaymentLine, PhysicalAddress, Ref, SalesItemLineDetail,
    TelephoneNumber, TxnTaxDetail,
};

/// Refuses `text` for the canonical `field` when it is longer than QuickBooks takes (the
/// limits shared with the engine, the CLI and the web UI: `ledgerbridge_core::limits`).
fn too_long(field: &str, text: &str) -> Result<(), MapError> {
    let Some(limit) = limits::of(System::QuickBooks, field) else {
        return Ok(());
    };
    let len = text.chars().count();
    if len > limit.max {
        Err(MapError::TooLong {
            field: limit.remote_field,
            len,
            max: limit.max,
        })
    } else {
        Ok(())
    }
}

/// A customer body for a create (or, with [`sparse`], an update). `disambiguate` appends the
/// readable `(ST id)` suffix after QuickBooks refused the plain name (6240).
pub fn customer_body(
    customer: &Customer,
    servicetitan_id: i64,
    disambiguate: bool,
    home_currency: ledgerbridge_core::Currency,
) -> wire::Customer {
    let address = &customer.billing_address;
    let display_name = if disambiguate {
        disambiguated_name(&customer.display_name, servicetitan_id)
    } else {
        customer.display_name.trim().to_owned()
    };
    let any_address = [
        &address.line1,
        &address.line2,
        &address.city,
        &address.region,
        &address.postal_code,
        &address.country,
    ]
    .iter()
    .any(|p| p.is_some());
    wire::Customer {
        display_name: Some(display_name),
        company_name: customer.company_name.clone(),
        primary_email_addr: customer
            .email
            .clone()
            .map(|a| EmailAddress { address: Some(a) }),
        primary_phone: customer.phone.clone().map(|n| TelephoneNumber {
            free_form_number: Some(n),
        }),
        bill_addr: any_address.then(|| PhysicalAddress {
            id: None,
            line1: address.line1.clone(),
            line2: address.line2.clone(),
            city: address.city.clone(),
            country_sub_division_code: address.region.clone(),
            postal_code: address.postal_code.clone(),
            country: address.country.clone(),
        }),
        active: Some(customer.active),
        taxable: Some(!customer.tax_exempt),
        currency_ref: customer
            .currency
            .filter(|c| *c != home_currency)
            .map(|c| Ref::to(c.code())),
        notes: Some(format!("ServiceTitan customer {servicetitan_id}")),
        ..wire::Customer::default()
    }
}

/// Turns a create body into a sparse update of `id` at `sync_token`.
pub trait Sparse {
    /// Sets `Id`, `SyncToken` and `sparse: true`.
    fn sparse(self, id: &str, sync_token: &str) -> Self;
}

macro_rules! sparse {
    ($t:ty) => {
        impl Sparse for $t {
            fn sparse(mut self, id: &str, sync_token: &str) -> Self {
                self.id = Some(id.to_owned());
                self.sync_token = Some(sync_token.to_owned());
                self.sparse = Some(true);
                self
            }
        }
    };
}
sparse!(wire::Customer);
sparse!(wire::Invoice);
sparse!(wire::Payment);

/// What an invoice (or credit memo) body is built from besides the record.
#[derive(Clone, Copy, Debug)]
pub struct InvoiceContext<'a> {
    /// The ServiceTitan invoice id (for the reference back in `PrivateNote`).
    pub servicetitan_id: i64,
    /// The QuickBooks id of the linked customer.
    pub customer_id: &'a str,
    /// QuickBooks line ids already linked to ServiceTitan line keys (updates keep them).
    pub line_ids: &'a HashMap<SourceRef, String>,
    /// The company's home currency.
    pub home_currency: ledgerbridge_core::Currency,
}

/// A sales-form body and the canonical line key of each line, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct InvoiceDraft {
    /// The body (a create; make it an update with [`Sparse::sparse`]).
    pub body: wire::Invoice,
    /// The key of each line of `body.line`, in the same order.
    pub line_keys: Vec<SourceRef>,
}

impl InvoiceDraft {
    /// Pairs the draft's line keys with the line ids QuickBooks answered (same order), to be
    /// recorded in the ledger. Empty when the counts differ (then nothing is guessed).
    pub fn line_links(&self, saved: &QboStored) -> Vec<(SourceRef, String)> {
        if saved.line_ids.len() != self.line_keys.len() {
            tracing::warn!(id = %saved.id, sent = self.line_keys.len(), got = saved.line_ids.len(),
                "line counts differ; line ids not recorded");
            return Vec::new();
        }
        self.line_keys
            .iter()
            .cloned()
            .zip(saved.line_ids.iter().cloned())
            .collect()
    }
}

fn item_ref(line: &InvoiceLine, m: &Mappings) -> Result<Ref, MapError> {
    let code = line.item.as_deref();
    code.and_then(|c| m.items.get(c))
        .or(m.default_item.as_ref())
        .map(Ref::to)
        .ok_or_else(|| MapError::MissingMapping {
            kind: "item",
            value: code.unwrap_or("(no item code)").to_owned(),
        })
}

fn tax_code(keys: impl IntoIterator<Item = String>, m: &Mappings) -> Option<&String> {
    keys.into_iter()
        .find_map(|k| m.tax_codes.get(&k))
        .or(m.default_tax_code.as_ref())
}

fn sales_line(line: &InvoiceLine, id: Option<&String>, m: &Mappings) -> Result<Line, MapError> {
    let amount = line.amount.amount();
    let consistent =
        round_half_away(line.quantity * line.unit_price, 2) == amount && !line.quantity.is_zero();
    let tax_code_ref = if m.us_tax {
        Ref::to(if line.taxable { "TAX" } else { "NON" })
    } else {
        let keys = line.tax_code.iter().cloned();
        Ref::to(tax_code(keys, m).ok_or_else(|| MapError::MissingMapping {
            kind: "tax code",
            value: line.tax_code.clone().unwrap_or_else(|| "(none)".into()),
        })?)
    };
    too_long("lines[*].description", &line.description)?;
    Ok(Line {
        id: id.cloned(),
        description: Some(line.description.clone()).filter(|d| !d.is_empty()),
        amount: Some(amount),
        detail_type: Some("SalesItemLineDetail".to_owned()),
        sales_item_line_detail: Some(SalesItemLineDetail {
            item_ref: Some(item_ref(line, m)?),
            qty: consistent.then_some(line.quantity.normalize()),
            unit_price: consistent.then_some(line.unit_price.normalize()),
            tax_code_ref: Some(tax_code_ref),
            ..SalesItemLineDetail::default()
        }),
        ..Line::default()
    })
}

/// An Invoice or CreditMemo body: `DocNumber` = ServiceTitan's number, sales-item lines from
/// the mappings, `ClassRef` for the business unit, ServiceTitan's tax as `TotalTax`, and a
/// reference back in `PrivateNote`.
pub fn invoice_body(
    invoice: &Invoice,
    cx: InvoiceContext<'_>,
    m: &Mappings,
) -> Result<InvoiceDraft, MapError> {
    too_long("invoice.number", &invoice.number)?;
    let lines = invoice
        .lines
        .iter()
        .map(|l| sales_line(l, cx.line_ids.get(&l.key), m))
        .collect::<Result<Vec<_>, _>>()?;
    let class_ref = match (&invoice.business_unit, m.classes.is_empty()) {
        (Some(bu), false) => Some(Ref::to(m.classes.get(bu).ok_or_else(|| {
            MapError::MissingMapping {
                kind: "class",
                value: bu.clone(),
            }
        })?)),
        _ => None,
    };
    let txn_tax_code = if m.us_tax && invoice.lines.iter().any(|l| l.taxable) {
        let keys = invoice
            .tax_lines
            .iter()
            .flat_map(|t| [t.key.to_string(), t.name.clone()]);
        tax_code(keys, m).map(Ref::to)
    } else {
        None
    };
    let memo = invoice
        .memo
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    if let Some(memo) = memo {
        too_long("invoice.memo", memo)?;
    }
    Ok(InvoiceDraft {
        body: wire::Invoice {
            doc_number: Some(invoice.number.clone()),
            txn_date: Some(invoice.invoice_date),
            due_date: invoice.due_date,
            customer_ref: Some(Ref::to(cx.customer_id)),
            class_ref,
            currency_ref: (invoice.currency != cx.home_currency)
                .then(|| Ref::to(invoice.currency.code())),
            private_note: Some(format!(
                "ServiceTitan invoice {} (id {}), synced by ledgerbridge",
                invoice.number, cx.servicetitan_id
            )),
            customer_memo: memo.map(|m| MemoRef {
                value: m.to_owned(),
            }),
            line: Some(lines),
            txn_tax_detail: Some(TxnTaxDetail {
                txn_tax_code_ref: txn_tax_code,
                total_tax: Some(invoice.tax.amount()),
            }),
            ..wire::Invoice::default()
        },
        line_keys: invoice.lines.iter().map(|l| l.key.clone()).collect(),
    })
}

/// What a payment body is built from besides the record.
#[derive(Clone, Copy, Debug)]
pub struct PaymentContext<'a> {
    /// The ServiceTitan payment id (for the reference back).
    pub servicetitan_id: i64,
    /// The QuickBooks id of the linked customer.
    pub customer_id: &'a str,
    /// QuickBooks invoice ids of the invoices the allocations name.
    pub invoice_ids: &'a HashMap<SourceRef, String>,
    /// The company's home currency.
    pub home_currency: ledgerbridge_core::Currency,
}

fn payment_target<'a>(
    payment: &Payment,
    m: &'a Mappings,
) -> Result<&'a super::PaymentTarget, MapError> {
    m.payment_types
        .get(&payment.payment_type)
        .ok_or_else(|| MapError::MissingMapping {
            kind: "payment type",
            value: payment.payment_type.clone(),
        })
}

fn reference_note(kind: &str, servicetitan_id: i64, reference: Option<&str>) -> String {
    let mut note = stamp(kind, servicetitan_id);
    if let Some(r) = reference.filter(|r| r.chars().count() > 21) {
        note.push_str(&format!("; reference {r}"));
    }
    note
}

/// The start of the `PrivateNote` the bridge writes into a payment (`kind` "payment") or a
/// refund receipt ("refund"): what finds it again after a create whose answer was lost, since
/// neither has a number of its own.
pub fn stamp(kind: &str, servicetitan_id: i64) -> String {
    format!("ServiceTitan {kind} {servicetitan_id}, synced by ledgerbridge")
}

/// Whether `note` is the bridge's stamp for ServiceTitan record `servicetitan_id`.
pub fn note_is_stamped(note: Option<&str>, kind: &str, servicetitan_id: i64) -> bool {
    let stamp = stamp(kind, servicetitan_id);
    note.is_some_and(|n| n == stamp || n.starts_with(&format!("{stamp};")))
}

/// A Payment body: `LinkedTxn` allocations, deposit account and method from the payment-type
/// mapping, the reference (at most 21 characters; a longer one is kept whole in the note).
/// The unapplied remainder needs no field: it is `TotalAmt` minus the lines.
pub fn payment_body(
    payment: &Payment,
    cx: PaymentContext<'_>,
    m: &Mappings,
) -> Result<wire::Payment, MapError> {
    if payment.amount.is_negative() {
        return Err(MapError::Unsupported(
            "a negative payment is a refund: write it as a refund receipt".to_owned(),
        ));
    }
    let target = payment_target(payment, m)?;
    let lines = payment
        .allocations
        .iter()
        .map(|a| {
            let id = cx
                .invoice_ids
                .get(&a.invoice)
                .ok_or_else(|| MapError::NotLinked {
                    what: format!("invoice {}", a.invoice),
                })?;
            Ok(PaymentLine {
                amount: Some(a.amount.amount()),
                linked_txn: vec![LinkedTxn {
                    txn_id: id.clone(),
                    txn_type: "Invoice".to_owned(),
                }],
            })
        })
        .collect::<Result<Vec<_>, MapError>>()?;
    Ok(wire::Payment {
        customer_ref: Some(Ref::to(cx.customer_id)),
        txn_date: Some(payment.date),
        total_amt: Some(payment.amount.amount()),
        payment_ref_num: payment
            .reference
            .as_deref()
            .map(|r| r.chars().take(21).collect()),
        payment_method_ref: target.payment_method.clone().map(Ref::to),
        deposit_to_account_ref: Some(Ref::to(&target.deposit_account)),
        currency_ref: (payment.amount.currency() != cx.home_currency)
            .then(|| Ref::to(payment.amount.currency().code())),
        private_note: Some(reference_note(
            "payment",
            cx.servicetitan_id,
            payment.reference.as_deref(),
        )),
        line: Some(lines),
        ..wire::Payment::default()
    })
}

/// A RefundReceipt body for a refund (a canonical payment with a negative amount): one line
/// on the mapped refund item, paid out of the payment type's account.
pub fn refund_receipt_body(
    refund: &Payment,
    cx: PaymentContext<'_>,
    m: &Mappings,
) -> Result<wire::Invoice, MapError> {
    let amount = -refund.amount.amount();
    if amount <= Decimal::ZERO {
        return Err(MapError::Unsupported(
            "a refund has a negative amount".to_owned(),
        ));
    }
    let target = payment_target(refund, m)?;
    let item = m
        .refund_item
        .clone()
        .ok_or_else(|| MapError::MissingMapping {
            kind: "refund item",
            value: "(refunds)".to_owned(),
        })?;
    Ok(wire::Invoice {
        txn_date: Some(refund.date),
        customer_ref: Some(Ref::to(cx.customer_id)),
        deposit_to_account_ref: Some(Ref::to(&target.deposit_account)),
        payment_method_ref: target.payment_method.clone().map(Ref::to),
        private_note: Some(reference_note(
            "refund",
            cx.servicetitan_id,
            refund.reference.as_deref(),
        )),
        line: Some(vec![Line {
            description: Some(refund.memo.clone().unwrap_or_else(|| "Refund".to_owned())),
            amount: Some(amount),
            detail_type: Some("SalesItemLineDetail".to_owned()),
            sales_item_line_detail: Some(SalesItemLineDetail {
                item_ref: Some(Ref::to(item)),
                qty: Some(Decimal::ONE),
                unit_price: Some(amount),
                tax_code_ref: m.us_tax.then(|| Ref::to("NON")),
                ..SalesItemLineDetail::default()
            }),
            ..Line::default()
        }]),
        txn_tax_detail: Some(TxnTaxDetail {
            txn_tax_code_ref: None,
            total_tax: Some(Decimal::ZERO),
        }),
        ..wire::Invoice::default()
    })
}
