//! The pure part of the two-way invoice sync: what the books changed since the base snapshot,
//! the three-way merge with ServiceTitan's version, and what ServiceTitan's API can take.
//!
//! # Design decisions
//!
//! * **Compare only what both systems carry.** The books' invoice is read back in canonical
//!   form, but it differs from ServiceTitan's in ways nobody edited: items and accounts are
//!   the books' own, tax is spread over lines, Xero clips texts and keeps 4 decimals, fits
//!   quantity x unit price to the line amount, and fills an empty description. So the books'
//!   side of the merge is the **accounting view** ([`accounting_view`]): the base snapshot with
//!   only the fields both sides carry taken from the books (due date, memo, each line's
//!   description, quantity, unit price and amount, lines added or removed, voided), each
//!   compared in the books' own precision so a write coming back is never an edit.
//! * **Amounts follow quantities.** A line's quantity and unit price count as changed in the
//!   books only when its amount changed too (Xero refits them to the amount); derived amounts
//!   (line amounts, subtotal, tax, total, balance) never become conflict fields on their own:
//!   after the merge they are recomputed from the merged lines ([`recompute`]). ServiceTitan's
//!   tax stays the truth: it recalculates its tax when its items change, and its next feed
//!   brings the figures the books then receive.
//! * **What ServiceTitan's API cannot take is for a person.** `PATCH /invoices/{id}` sets the
//!   due date and summary, `PATCH /invoices/{id}/items` an item's description, quantity and
//!   unit price (both idempotent). A line added or removed in the books (adding an item is not
//!   idempotent, removing one is not in the connector) and a void (no API voids an invoice)
//!   become conflict fields for manual action ([`servicetitan_edit`]).

use std::collections::HashMap;

use chrono::NaiveDate;
use ledgerbridge_core::money::round_half_away;
use ledgerbridge_core::{
    FieldConflict, FieldPath, Invoice, InvoiceLine, InvoiceStatus, Money, Segment, SourceRef,
};
use rust_decimal::Decimal;
use serde_json::Value;

/// Rekeys a books invoice's lines through the ledger's line links (target line id ->
/// ServiceTitan item id); a line without a link keeps its `acct:` key (an accountant added it).
pub fn through_links(invoice: &mut Invoice, line_links: &HashMap<String, i64>) {
    for line in &mut invoice.lines {
        if let SourceRef::Accounting(id) = &line.key
            && let Some(key) = line_links
                .get(id)
                .and_then(|st| SourceRef::servicetitan(*st))
        {
            line.key = key;
        }
    }
}

fn norm(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// Whether the books' text is the base's as the books store it (trimmed; Xero clips long
/// texts and fills an empty description with the item name).
fn same_text(base: Option<&str>, books: Option<&str>) -> bool {
    match (norm(base), norm(books)) {
        (a, b) if a == b => true,
        (None, _) => true,
        (Some(a), Some(b)) => b.chars().count() >= 255 && a.starts_with(b),
        _ => false,
    }
}

fn same_number(base: Decimal, books: Decimal) -> bool {
    base == books || round_half_away(base, books.scale().max(2)) == books
}

/// The base with the fields both systems carry taken from the books (see the module docs).
/// `lines_linked`: every line of the base has a line link, so lines missing from the books
/// were removed there (without links nothing can be said about lines, and they are left
/// alone).
pub fn accounting_view(base: &Invoice, books: &Invoice, lines_linked: bool) -> Invoice {
    let mut view = base.clone();
    if base.due_date.is_some() && books.due_date.is_some() {
        view.due_date = books.due_date;
    }
    if !same_text(base.memo.as_deref(), books.memo.as_deref()) {
        view.memo = norm(books.memo.as_deref()).map(str::to_owned);
    }
    if books.status == InvoiceStatus::Voided {
        view.status = InvoiceStatus::Voided;
    }
    if !lines_linked {
        return view;
    }
    let by_key: HashMap<&SourceRef, &InvoiceLine> =
        books.lines.iter().map(|l| (&l.key, l)).collect();
    let mut amounts_changed = false;
    view.lines.retain(|l| by_key.contains_key(&l.key));
    amounts_changed |= view.lines.len() != base.lines.len();
    for line in &mut view.lines {
        let theirs = by_key[&line.key];
        if !same_text(Some(&line.description), Some(&theirs.description)) {
            line.description = theirs.description.trim().to_owned();
        }
        if theirs.amount.amount() != line.amount.amount() {
            amounts_changed = true;
            line.amount = theirs.amount;
            if !same_number(line.quantity, theirs.quantity) {
                line.quantity = theirs.quantity;
            }
            if !same_number(line.unit_price, theirs.unit_price) {
                line.unit_price = theirs.unit_price;
            }
        }
    }
    for added in books
        .lines
        .iter()
        .filter(|l| l.key.servicetitan_id().is_none())
    {
        amounts_changed = true;
        let mut line = added.clone();
        line.description = line.description.trim().to_owned();
        view.lines.push(line);
    }
    if amounts_changed {
        view.tax = books.tax;
    }
    view
}

/// Whether a conflict path names a derived amount (recomputed after the merge, never asked of
/// a person on its own).
pub fn is_derived(path: &FieldPath) -> bool {
    match path.segments() {
        [root, field] if root.name() == "invoice" => {
            matches!(field.name(), "subtotal" | "tax" | "total" | "balance")
        }
        [item, field] => {
            item.name() == "tax_lines" || (item.name() == "lines" && field.name() == "amount")
        }
        [item] => item.name() == "tax_lines",
        _ => false,
    }
}

/// Recomputes derived amounts after a merge: the amount of each line whose quantity or unit
/// price differs from `reference`'s line (quantity x unit price, half away from zero), the
/// subtotal, and total = subtotal + tax. Tax lines that no longer sum to the tax are rescaled
/// to it in proportion (largest remainder): the books carry no breakdown, the lines keep the
/// tax zone the mappings need, and ServiceTitan's next feed brings its own figures.
pub fn recompute(invoice: &mut Invoice, reference: &Invoice) {
    let c = invoice.currency;
    let before: HashMap<&SourceRef, &InvoiceLine> =
        reference.lines.iter().map(|l| (&l.key, l)).collect();
    for line in &mut invoice.lines {
        let moved = before
            .get(&line.key)
            .is_none_or(|b| b.quantity != line.quantity || b.unit_price != line.unit_price);
        if moved && let Some(p) = line.quantity.checked_mul(line.unit_price) {
            line.amount = Money::new(round_half_away(p, c.scale()), c).unwrap_or(line.amount);
        }
    }
    if let Ok(subtotal) = Money::sum(c, invoice.lines.iter().map(|l| &l.amount)) {
        invoice.subtotal = subtotal;
    }
    if let Ok(total) = invoice.subtotal.checked_add(&invoice.tax) {
        invoice.total = total;
    }
    let tax_lines = Money::sum(c, invoice.tax_lines.iter().map(|t| &t.amount));
    if !invoice.tax_lines.is_empty() && tax_lines.ok() != Some(invoice.tax) {
        let weights: Vec<Decimal> = invoice.tax_lines.iter().map(|t| t.rate).collect();
        match ledgerbridge_core::allocate(invoice.tax, &weights) {
            Ok(parts) => {
                for (line, part) in invoice.tax_lines.iter_mut().zip(parts) {
                    line.amount = part;
                }
            }
            Err(_) => invoice.tax_lines.truncate(1),
        }
        if let [only] = invoice.tax_lines.as_mut_slice() {
            only.amount = invoice.tax;
        }
    }
}

/// One ServiceTitan invoice item to patch (`PATCH /invoices/{id}/items`, idempotent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemEdit {
    /// The ServiceTitan item id.
    pub id: i64,
    /// The description to set (the API requires it).
    pub description: String,
    /// The quantity to set (the API requires it).
    pub quantity: Decimal,
    /// The unit price, when it changes.
    pub unit_price: Option<Decimal>,
}

/// What writing `target` to ServiceTitan takes: the fields its API can set, and the changes it
/// cannot take (as conflict fields for manual action).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceTitanEdit {
    /// New due date.
    pub due_date: Option<NaiveDate>,
    /// New summary (`Some("")` clears it).
    pub memo: Option<String>,
    /// Items to patch.
    pub items: Vec<ItemEdit>,
    /// Changes ServiceTitan's API cannot take.
    pub refused: Vec<FieldConflict>,
}

impl ServiceTitanEdit {
    /// Whether the API has anything to write.
    pub fn has_writes(&self) -> bool {
        self.due_date.is_some() || self.memo.is_some() || !self.items.is_empty()
    }
}

fn path(segments: Vec<Segment>) -> FieldPath {
    FieldPath::new(segments).expect("at least one segment")
}

fn field(name: &str) -> FieldPath {
    path(vec![
        Segment::field("invoice").expect("valid"),
        Segment::field(name).expect("valid"),
    ])
}

fn line_path(key: &SourceRef) -> FieldPath {
    path(vec![Segment::item("lines", key.clone()).expect("valid")])
}

fn line_value(line: Option<&InvoiceLine>) -> Value {
    line.and_then(|l| serde_json::to_value(l).ok())
        .unwrap_or(Value::Null)
}

/// What ServiceTitan must be told to hold `target`, given what it holds now (`current`).
/// `base` and `books` give the conflict values of changes it cannot take.
pub fn servicetitan_edit(
    base: &Invoice,
    current: &Invoice,
    target: &Invoice,
    books: &Invoice,
) -> ServiceTitanEdit {
    let mut edit = ServiceTitanEdit::default();
    if target.due_date != current.due_date {
        match target.due_date {
            Some(d) => edit.due_date = Some(d),
            None => edit.refused.push(FieldConflict {
                path: field("due_date"),
                base: serde_json::to_value(base.due_date).unwrap_or_default(),
                servicetitan: serde_json::to_value(current.due_date).unwrap_or_default(),
                accounting: Value::Null,
            }),
        }
    }
    if norm(target.memo.as_deref()) != norm(current.memo.as_deref()) {
        edit.memo = Some(target.memo.clone().unwrap_or_default());
    }
    let voided = |i: &Invoice| i.status == InvoiceStatus::Voided;
    if voided(target) && !voided(current) {
        let status = |i: &Invoice| serde_json::to_value(i.status).unwrap_or_default();
        edit.refused.push(FieldConflict {
            path: field("status"),
            base: status(base),
            servicetitan: status(current),
            accounting: status(books),
        });
    }
    let now: HashMap<&SourceRef, &InvoiceLine> =
        current.lines.iter().map(|l| (&l.key, l)).collect();
    let wanted: HashMap<&SourceRef, &InvoiceLine> =
        target.lines.iter().map(|l| (&l.key, l)).collect();
    let find = |i: &Invoice, key: &SourceRef| i.lines.iter().find(|l| &l.key == key).cloned();
    for line in &target.lines {
        let Some(have) = now.get(&line.key) else {
            edit.refused.push(FieldConflict {
                path: line_path(&line.key),
                base: line_value(find(base, &line.key).as_ref()),
                servicetitan: Value::Null,
                accounting: line_value(find(books, &line.key).as_ref()),
            });
            continue;
        };
        let Some(id) = line.key.servicetitan_id() else {
            continue;
        };
        let price_moved = have.unit_price != line.unit_price;
        if have.description.trim() != line.description.trim()
            || have.quantity != line.quantity
            || price_moved
        {
            edit.items.push(ItemEdit {
                id,
                description: line.description.clone(),
                quantity: line.quantity,
                unit_price: price_moved.then_some(line.unit_price),
            });
        }
    }
    for line in current
        .lines
        .iter()
        .filter(|l| !wanted.contains_key(&l.key))
    {
        edit.refused.push(FieldConflict {
            path: line_path(&line.key),
            base: line_value(find(base, &line.key).as_ref()),
            servicetitan: line_value(Some(line)),
            accounting: line_value(find(books, &line.key).as_ref()),
        });
    }
    edit.refused.sort_by(|a, b| a.path.cmp(&b.path));
    edit
}

#[cfg(test)]
#[path = "invoice_merge_tests.rs"]
mod tests;
