//! Creating and updating invoices and credit notes: required fields, numbering, the status
//! machine (DRAFT/SUBMITTED -> DELETED, AUTHORISED without payments -> VOIDED, PAID only by
//! payment), the lock date, and the edit rules of a part- or fully-paid document.

use chrono::Days;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::batch::WriteOpts;
use super::doc_lines::read_lines;
use super::doc_rules::{
    number_taken, paid_change, read_date, read_types, transition_ok, unique_message,
};
use crate::books::calc::finish_line;
use crate::books::{Books, Contact, DocKind, Document, LineAmountTypes};
use crate::wire::Json;
use crate::wire::dates::parse_date;

pub(crate) const PAID_EDIT: &str =
    "This document cannot be edited as it has a payment or credit note allocated to it.";

fn keys(kind: DocKind) -> (&'static str, &'static str) {
    match kind {
        DocKind::Invoice => ("InvoiceID", "InvoiceNumber"),
        DocKind::CreditNote => ("CreditNoteID", "CreditNoteNumber"),
    }
}

/// Writes one element; `Ok` carries the id and any warnings.
pub(crate) fn write(
    books: &mut Books,
    kind: DocKind,
    input: &Json,
    opts: &WriteOpts,
) -> Result<(Uuid, Vec<String>), Vec<String>> {
    let (id_key, number_key) = keys(kind);
    let existing = if let Some(key) = &opts.path_id {
        books.doc_index(kind, key)
    } else if let Some(id) = input.str_of(id_key) {
        let found = Uuid::parse_str(id)
            .ok()
            .and_then(|id| books.doc_by_id(kind, id));
        match found {
            None => return Err(vec![format!("{} {id} could not be found.", kind.noun())]),
            Some(_) if opts.create_only => {
                return Err(vec![format!(
                    "{} {id} already exists: PUT only creates, use POST to update.",
                    kind.noun()
                )]);
            }
            some => some,
        }
    } else if !opts.create_only {
        // POST with the number of an existing receivable document updates it.
        input.str_of(number_key).and_then(|n| {
            books
                .docs(kind)
                .iter()
                .position(|d| d.number == n && d.is_receivable() && d.status != "DELETED")
        })
    } else {
        None
    };
    match existing {
        Some(i) => update(books, kind, i, input, opts).map(|w| (books.docs(kind)[i].id, w)),
        None => create(books, kind, input, opts),
    }
}

/// The contact of a write: by id, by number, or by name (a new name creates the contact).
pub(crate) enum ContactRef {
    Existing(Uuid),
    New(String),
}

fn read_contact(books: &Books, input: &Json, errors: &mut Vec<String>) -> Option<ContactRef> {
    let contact = input.get("Contact")?;
    if let Some(id) = contact.str_of("ContactID") {
        return match Uuid::parse_str(id).ok().and_then(|id| books.contact(id)) {
            Some(c) => Some(ContactRef::Existing(c.id)),
            None => {
                errors.push(format!(
                    "The contact with ContactID {id} could not be found."
                ));
                None
            }
        };
    }
    if let Some(n) = contact.str_of("ContactNumber")
        && let Some(i) = books
            .contacts
            .iter()
            .position(|c| c.number.as_deref() == Some(n))
    {
        return Some(ContactRef::Existing(books.contacts[i].id));
    }
    match contact
        .str_of("Name")
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(name) => Some(match books.active_contact_named(name, None) {
            Some(c) => ContactRef::Existing(c.id),
            None => ContactRef::New(name.to_owned()),
        }),
        None => {
            errors.push("A Contact must be specified for this type of transaction".into());
            None
        }
    }
}

fn resolve_contact(books: &mut Books, contact: ContactRef, opts: &WriteOpts) -> Uuid {
    match contact {
        ContactRef::Existing(id) => id,
        ContactRef::New(name) => {
            let id = Uuid::new_v4();
            books.contacts.push(Contact {
                id,
                number: None,
                account_number: None,
                status: "ACTIVE".into(),
                name,
                first_name: None,
                last_name: None,
                email: None,
                tax_number: None,
                default_currency: None,
                phones: Vec::new(),
                addresses: Vec::new(),
                updated: opts.now,
            });
            id
        }
    }
}

fn create(
    books: &mut Books,
    kind: DocKind,
    input: &Json,
    opts: &WriteOpts,
) -> Result<(Uuid, Vec<String>), Vec<String>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let allowed_types: &[&str] = match kind {
        DocKind::Invoice => &["ACCREC", "ACCPAY"],
        DocKind::CreditNote => &["ACCRECCREDIT", "ACCPAYCREDIT"],
    };
    let type_code = input
        .str_of("Type")
        .map(str::to_uppercase)
        .unwrap_or_default();
    if !allowed_types.contains(&type_code.as_str()) {
        errors.push(format!(
            "{} Type must be one of {}.",
            kind.noun(),
            allowed_types.join(", ")
        ));
    }
    let receivable = type_code.starts_with("ACCREC");
    let contact = read_contact(books, input, &mut errors);
    if input.get("Contact").is_none() {
        errors.push("A Contact must be specified for this type of transaction".into());
    }
    let today = opts.now.date_naive();
    let date = read_date(input, "Date", &mut errors).unwrap_or(today);
    let due = read_date(input, "DueDate", &mut errors).or_else(|| {
        (kind == DocKind::Invoice).then(|| date + Days::new(u64::from(books.org.sales_due_days)))
    });
    let types = read_types(input, &mut errors).unwrap_or(LineAmountTypes::Exclusive);
    let status = input
        .str_of("Status")
        .map(str::to_uppercase)
        .unwrap_or_else(|| "DRAFT".into());
    if !["DRAFT", "SUBMITTED", "AUTHORISED"].contains(&status.as_str()) {
        errors.push(format!(
            "A new {} can only be DRAFT, SUBMITTED or AUTHORISED (not {status}).",
            kind.noun().to_lowercase()
        ));
    }
    let currency = input
        .str_of("CurrencyCode")
        .map(str::to_uppercase)
        .unwrap_or_else(|| books.org.base_currency.clone());
    if !books.org.currencies.contains(&currency) {
        errors.push(format!(
            "The currency {currency} is not enabled for this organisation."
        ));
    }
    let rate = input.decimal_of("CurrencyRate").unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let number = match input.str_of(keys(kind).1).filter(|n| !n.trim().is_empty()) {
        Some(n) if number_taken(books, kind, &type_code, n, None) => {
            errors.push(unique_message(kind));
            n.to_owned()
        }
        Some(n) => n.to_owned(),
        None if receivable => books.next_number(kind),
        None => String::new(),
    };
    let lines_in = input
        .get("LineItems")
        .and_then(Json::as_array)
        .unwrap_or(&[]);
    if lines_in.is_empty() {
        errors.push(format!(
            "A {} must have at least one line item.",
            kind.noun().to_lowercase()
        ));
    }
    let lines = read_lines(
        books,
        lines_in,
        &[],
        types,
        receivable,
        opts.unitdp,
        &mut errors,
    );
    if status != "DRAFT" && lines.iter().any(|l| l.account_code.is_none()) {
        errors.push(
            "Account code must be specified for each line item of an approved document.".into(),
        );
    }
    if books.is_locked(date) {
        errors.push(books.lock_message());
    }
    let sent = input.bool_of("SentToContact").unwrap_or(false);
    if sent && status != "AUTHORISED" {
        warnings.push("Only AUTHORISED invoices may have SentToContact updated.".into());
    }
    let mut doc = Document {
        id: Uuid::new_v4(),
        kind: type_code,
        contact_id: Uuid::nil(),
        number,
        reference: input.str_of("Reference").map(str::to_owned),
        date,
        due_date: due,
        line_amount_types: types,
        status,
        currency,
        currency_rate: rate.unwrap_or(Decimal::ONE),
        lines,
        sent_to_contact: sent && warnings.is_empty(),
        url: input.str_of("Url").map(str::to_owned),
        branding_theme_id: input
            .str_of("BrandingThemeID")
            .and_then(|b| Uuid::parse_str(b).ok()),
        expected_payment_date: input.str_of("ExpectedPaymentDate").and_then(parse_date),
        fully_paid_on: None,
        amount_paid: Decimal::ZERO,
        amount_credited: Decimal::ZERO,
        updated: opts.now,
    };
    if doc.total() < Decimal::ZERO {
        errors.push("The total of the document cannot be negative.".into());
    }
    let Some(contact) = contact.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    doc.contact_id = resolve_contact(books, contact, opts);
    let id = doc.id;
    books.docs_mut(kind).push(doc);
    books.settle(kind, id, opts.now);
    Ok((id, warnings))
}

fn update(
    books: &mut Books,
    kind: DocKind,
    i: usize,
    input: &Json,
    opts: &WriteOpts,
) -> Result<Vec<String>, Vec<String>> {
    let old = books.docs(kind)[i].clone();
    let (_, number_key) = keys(kind);
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if old.status == "DELETED" || old.status == "VOIDED" {
        return Err(vec![format!(
            "{} not of valid status for modification",
            kind.noun()
        )]);
    }
    let mut doc = old.clone();
    let contact = if input.has("Contact") {
        read_contact(books, input, &mut errors)
    } else {
        None
    };
    if let Some(date) = read_date(input, "Date", &mut errors) {
        doc.date = date;
    }
    if input.has("DueDate") {
        doc.due_date = read_date(input, "DueDate", &mut errors);
    }
    if let Some(types) = read_types(input, &mut errors) {
        doc.line_amount_types = types;
    }
    if let Some(n) = input.str_of(number_key).filter(|n| !n.trim().is_empty()) {
        if number_taken(books, kind, &doc.kind, n, Some(doc.id)) {
            errors.push(unique_message(kind));
        }
        doc.number = n.to_owned();
    }
    if let Some(r) = input.str_of("Reference") {
        doc.reference = Some(r.to_owned());
    }
    if let Some(u) = input.str_of("Url") {
        doc.url = Some(u.to_owned());
    }
    if let Some(c) = input.str_of("CurrencyCode") {
        doc.currency = c.to_uppercase();
        if !books.org.currencies.contains(&doc.currency) {
            errors.push(format!(
                "The currency {} is not enabled for this organisation.",
                doc.currency
            ));
        }
    }
    if let Some(e) = input.str_of("ExpectedPaymentDate") {
        doc.expected_payment_date = parse_date(e);
    }
    let status = input
        .str_of("Status")
        .map(str::to_uppercase)
        .unwrap_or_else(|| old.status.clone());
    if let Err(e) = transition_ok(&old.status, &status, old.has_money_applied()) {
        errors.push(e);
    }
    // PAID is only ever set by the system; "AUTHORISED" sent for a PAID document keeps it PAID.
    doc.status = if old.status == "PAID" {
        old.status.clone()
    } else {
        status
    };
    let receivable = doc.is_receivable();
    if let Some(lines) = input.get("LineItems").and_then(Json::as_array) {
        doc.lines = read_lines(
            books,
            lines,
            &old.lines,
            doc.line_amount_types,
            receivable,
            opts.unitdp,
            &mut errors,
        );
        if doc.lines.is_empty() && errors.is_empty() {
            errors.push(format!(
                "A {} must have at least one line item.",
                kind.noun().to_lowercase()
            ));
        }
    } else if doc.line_amount_types != old.line_amount_types {
        for line in &mut doc.lines {
            let rate = books
                .tax_rate(&line.tax_type)
                .map(|t| t.rate())
                .unwrap_or_default();
            finish_line(line, doc.line_amount_types, rate, None);
        }
    }
    if let Some(sent) = input.bool_of("SentToContact") {
        if doc.status == "AUTHORISED" || doc.status == "PAID" {
            doc.sent_to_contact = sent;
        } else if sent {
            warnings.push("Only AUTHORISED invoices may have SentToContact updated.".into());
        }
    }
    if doc.status != "DRAFT"
        && doc.status != "DELETED"
        && doc.lines.iter().any(|l| l.account_code.is_none())
    {
        errors.push(
            "Account code must be specified for each line item of an approved document.".into(),
        );
    }
    if books.is_locked(old.date) || books.is_locked(doc.date) {
        errors.push(books.lock_message());
    }
    if old.has_money_applied() && paid_change(&old, &doc, contact.as_ref()) {
        errors.push(PAID_EDIT.into());
    }
    if doc.total() < Decimal::ZERO {
        errors.push("The total of the document cannot be negative.".into());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Some(c) = contact {
        doc.contact_id = resolve_contact(books, c, opts);
    }
    doc.updated = opts.now;
    let id = doc.id;
    books.docs_mut(kind)[i] = doc;
    books.settle(kind, id, opts.now);
    Ok(warnings)
}
