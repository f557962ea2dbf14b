//! QuickBooks records to the canonical model, for diffs, echo detection and payments that
//! flow back to ServiceTitan.
//!
//! Ids are translated through the ledger's links ([`ReadContext`]): a linked customer,
//! invoice or line becomes its ServiceTitan `st:` reference, anything else keeps its
//! QuickBooks id as `acct:` (a line an accountant added). Fields QuickBooks does not carry
//! (a line's GL account, the tax breakdown) come back empty; compare only what both carry.

use std::collections::HashMap;

use ledgerbridge_core::{
    Address, Allocation, Currency, Customer, Invoice, InvoiceLine, InvoiceStatus, Money, Payment,
    PaymentStatus, SourceRef,
};
use rust_decimal::Decimal;

use crate::read::Remote;
use crate::wire::{self, Ref};

/// Links and reverse mappings, filled by the caller from the ledger.
#[derive(Clone, Debug, Default)]
pub struct ReadContext {
    /// The company's home currency.
    pub home_currency: Option<Currency>,
    /// QuickBooks customer id -> ServiceTitan customer id.
    pub customers: HashMap<String, i64>,
    /// QuickBooks invoice id -> ServiceTitan invoice id.
    pub invoices: HashMap<String, i64>,
    /// (QuickBooks invoice id, line id) -> ServiceTitan invoice item id.
    pub lines: HashMap<(String, String), i64>,
    /// QuickBooks Item id -> ServiceTitan item code.
    pub items: HashMap<String, String>,
    /// QuickBooks Class id -> ServiceTitan business unit.
    pub classes: HashMap<String, String>,
    /// QuickBooks PaymentMethod id -> ServiceTitan payment type.
    pub payment_methods: HashMap<String, String>,
}

impl ReadContext {
    fn currency(&self, r: Option<&Ref>) -> Result<Currency, String> {
        match r {
            Some(r) => Currency::new(&r.value).map_err(|e| e.to_string()),
            None => Ok(self.home_currency.unwrap_or(Currency::USD)),
        }
    }
}

fn link(map: &HashMap<String, i64>, id: &str) -> Result<SourceRef, String> {
    match map.get(id) {
        Some(st) => {
            SourceRef::servicetitan(*st).ok_or_else(|| format!("linked id {st} is negative"))
        }
        None => SourceRef::accounting(id).map_err(|e| e.to_string()),
    }
}

fn money(value: Option<Decimal>, field: &str, currency: Currency) -> Result<Money, String> {
    Money::new(value.unwrap_or_default(), currency).map_err(|e| format!("{field}: {e}"))
}

/// The canonical display name of a QuickBooks customer: its name without the
/// `(ST id)` suffix the bridge adds to keep names unique.
pub fn canonical_display_name(name: &str, servicetitan_id: Option<i64>) -> String {
    servicetitan_id
        .and_then(|id| name.strip_suffix(&format!(" (ST {id})")))
        .unwrap_or(name)
        .to_owned()
}

/// A customer; `servicetitan_id` is the linked ServiceTitan customer, when there is one.
pub fn customer(c: &wire::Customer, servicetitan_id: Option<i64>) -> Result<Customer, String> {
    let name = c.display_name.as_deref().ok_or("DisplayName is missing")?;
    let addr = c.bill_addr.clone().unwrap_or_default();
    Ok(Customer {
        display_name: canonical_display_name(name, servicetitan_id),
        company_name: c.company_name.clone(),
        email: c
            .primary_email_addr
            .as_ref()
            .and_then(|e| e.address.clone()),
        phone: c
            .primary_phone
            .as_ref()
            .and_then(|p| p.free_form_number.clone()),
        billing_address: Address {
            line1: addr.line1,
            line2: addr.line2,
            city: addr.city,
            region: addr.country_sub_division_code,
            postal_code: addr.postal_code,
            country: addr.country,
        },
        tax_exempt: c.taxable == Some(false),
        currency: c
            .currency_ref
            .as_ref()
            .map(|r| Currency::new(&r.value))
            .transpose()
            .map_err(|e| e.to_string())?,
        active: c.active.unwrap_or(true),
    })
}

/// Whether a transaction is voided: QuickBooks zeroes it and prefixes the note with "Voided".
fn voided(deleted: bool, total: Option<Decimal>, note: Option<&str>) -> bool {
    deleted || (total.is_some_and(|t| t.is_zero()) && note.is_some_and(|n| n.starts_with("Voided")))
}

/// An invoice (or credit memo) with its lines.
pub fn invoice(r: &Remote<wire::Invoice>, cx: &ReadContext) -> Result<Invoice, String> {
    let w = &r.record;
    let currency = cx.currency(w.currency_ref.as_ref())?;
    let mut lines = Vec::new();
    for line in w.line.iter().flatten() {
        if line.is_subtotal() || (line.amount.is_none() && !line.is_sales_item()) {
            continue;
        }
        let line_id = line.id.clone().unwrap_or_default();
        let key = match cx.lines.get(&(r.id.clone(), line_id.clone())) {
            Some(st) => SourceRef::servicetitan(*st).ok_or("linked line id is negative")?,
            None => SourceRef::accounting(&line_id).map_err(|e| format!("line id: {e}"))?,
        };
        let detail = line.sales_item_line_detail.clone().unwrap_or_default();
        let amount = money(line.amount, "Line.Amount", currency)?;
        let tax_code = detail.tax_code_ref.as_ref().map(|t| t.value.clone());
        lines.push(InvoiceLine {
            key,
            item: detail.item_ref.as_ref().map(|i| {
                cx.items
                    .get(&i.value)
                    .cloned()
                    .unwrap_or_else(|| i.name.clone().unwrap_or_else(|| i.value.clone()))
            }),
            description: line.description.clone().unwrap_or_default(),
            quantity: detail.qty.unwrap_or(Decimal::ONE),
            unit_price: detail.unit_price.unwrap_or(amount.amount()),
            amount,
            gl_account: None,
            taxable: tax_code.as_deref().is_some_and(|c| c != "NON"),
            tax_code: tax_code.filter(|c| c != "TAX" && c != "NON"),
        });
    }
    let subtotal =
        Money::sum(currency, lines.iter().map(|l| &l.amount)).map_err(|e| e.to_string())?;
    let tax = money(
        w.txn_tax_detail.as_ref().and_then(|t| t.total_tax),
        "TotalTax",
        currency,
    )?;
    let total = match w.total_amt {
        Some(t) => money(Some(t), "TotalAmt", currency)?,
        None => subtotal.checked_add(&tax).map_err(|e| e.to_string())?,
    };
    let customer = w.customer_ref.as_ref().ok_or("CustomerRef is missing")?;
    Ok(Invoice {
        number: w.doc_number.clone().unwrap_or_default(),
        customer: link(&cx.customers, &customer.value)?,
        invoice_date: w.txn_date.ok_or("TxnDate is missing")?,
        due_date: w.due_date,
        status: if voided(r.deleted, w.total_amt, w.private_note.as_deref()) {
            InvoiceStatus::Voided
        } else {
            InvoiceStatus::Posted
        },
        currency,
        lines,
        tax_lines: Vec::new(),
        subtotal,
        tax,
        balance: match w.balance {
            Some(b) => money(Some(b), "Balance", currency)?,
            None => total,
        },
        total,
        memo: w.customer_memo.as_ref().map(|m| m.value.clone()),
        business_unit: w.class_ref.as_ref().map(|c| {
            cx.classes
                .get(&c.value)
                .cloned()
                .unwrap_or_else(|| c.value.clone())
        }),
    })
}

/// A payment with its allocations (to invoices; credit-memo lines are not allocations).
pub fn payment(r: &Remote<wire::Payment>, cx: &ReadContext) -> Result<Payment, String> {
    let w = &r.record;
    let currency = cx.currency(w.currency_ref.as_ref())?;
    let amount = money(w.total_amt, "TotalAmt", currency)?;
    let mut allocations = Vec::new();
    for line in w.line.iter().flatten() {
        for txn in line.linked_txn.iter().filter(|t| t.txn_type == "Invoice") {
            allocations.push(Allocation {
                invoice: link(&cx.invoices, &txn.txn_id)?,
                amount: money(line.amount, "Line.Amount", currency)?,
            });
        }
    }
    let applied =
        Money::sum(currency, allocations.iter().map(|a| &a.amount)).map_err(|e| e.to_string())?;
    let unapplied = match w.unapplied_amt {
        Some(u) => money(Some(u), "UnappliedAmt", currency)?,
        None => amount.checked_sub(&applied).map_err(|e| e.to_string())?,
    };
    let customer = w.customer_ref.as_ref().ok_or("CustomerRef is missing")?;
    Ok(Payment {
        date: w.txn_date.ok_or("TxnDate is missing")?,
        amount,
        payment_type: w
            .payment_method_ref
            .as_ref()
            .map(|m| {
                cx.payment_methods
                    .get(&m.value)
                    .cloned()
                    .unwrap_or_else(|| m.name.clone().unwrap_or_else(|| m.value.clone()))
            })
            .unwrap_or_default(),
        reference: w.payment_ref_num.clone(),
        customer: link(&cx.customers, &customer.value)?,
        allocations,
        unapplied,
        memo: None,
        status: if voided(r.deleted, w.total_amt, w.private_note.as_deref()) {
            PaymentStatus::Voided
        } else {
            PaymentStatus::Posted
        },
    })
}
