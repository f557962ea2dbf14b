//! Payments (create and delete only) and credit-note allocations. Payments apply only to
//! AUTHORISED documents and never above what is outstanding; reaching AmountDue 0 makes the
//! document PAID, deleting the payment makes it AUTHORISED again.

use rust_decimal::Decimal;
use uuid::Uuid;

use super::batch::WriteOpts;
use crate::books::{Allocation, Books, DocKind, Payment, PaymentTarget};
use crate::wire::Json;
use crate::wire::dates::parse_date;

pub(crate) const EXCEEDS: &str = "Payment amount exceeds the amount outstanding on this document";

fn find_doc(
    books: &Books,
    kind: DocKind,
    obj: Option<&Json>,
    id_key: &str,
    number_key: &str,
    top_number: Option<&str>,
) -> Option<usize> {
    if let Some(id) = obj.and_then(|o| o.str_of(id_key)) {
        return Uuid::parse_str(id)
            .ok()
            .and_then(|id| books.doc_by_id(kind, id));
    }
    let number = obj.and_then(|o| o.str_of(number_key)).or(top_number)?;
    books.doc_index(kind, number)
}

/// Creates one payment (or deletes one, for `{"PaymentID": .., "Status": "DELETED"}`).
pub(crate) fn write(
    books: &mut Books,
    input: &Json,
    opts: &WriteOpts,
) -> Result<(Uuid, Vec<String>), Vec<String>> {
    let status = input.str_of("Status").map(str::to_uppercase);
    let path_or_body_id = opts
        .path_id
        .clone()
        .or_else(|| input.str_of("PaymentID").map(str::to_owned));
    if let Some(id) = path_or_body_id {
        if status.as_deref() != Some("DELETED") {
            return Err(vec![
                "Payments cannot be modified, only created or deleted (Status DELETED).".into(),
            ]);
        }
        return delete(books, &id, opts).map(|id| (id, Vec::new()));
    }
    let mut errors = Vec::new();
    if status.as_deref().is_some_and(|s| s != "AUTHORISED") {
        errors.push("A new payment can only be AUTHORISED.".into());
    }
    let invoice_obj = input.get("Invoice");
    let credit_obj = input.get("CreditNote");
    let target = if invoice_obj.is_some() || input.has("InvoiceNumber") {
        find_doc(
            books,
            DocKind::Invoice,
            invoice_obj,
            "InvoiceID",
            "InvoiceNumber",
            input.str_of("InvoiceNumber"),
        )
        .map(|i| (DocKind::Invoice, i))
    } else if credit_obj.is_some() || input.has("CreditNoteNumber") {
        find_doc(
            books,
            DocKind::CreditNote,
            credit_obj,
            "CreditNoteID",
            "CreditNoteNumber",
            input.str_of("CreditNoteNumber"),
        )
        .map(|i| (DocKind::CreditNote, i))
    } else {
        errors.push("An Invoice or CreditNote must be specified for a payment.".into());
        None
    };
    if target.is_none() && errors.is_empty() {
        errors.push("The document the payment is for could not be found.".into());
    }
    let account = input.get("Account");
    let account = match (
        account.and_then(|a| a.str_of("AccountID")),
        account
            .and_then(|a| a.str_of("Code"))
            .or(input.str_of("Code")),
    ) {
        (Some(id), _) => Uuid::parse_str(id).ok().and_then(|id| books.account(id)),
        (None, Some(code)) => books.account_by_code(code),
        (None, None) => None,
    };
    match account {
        None => errors.push("An Account must be specified for a payment.".into()),
        Some(a) if a.kind != "BANK" && !a.enable_payments => errors.push(format!(
            "Account {} is not a bank account and does not have payments enabled.",
            a.code
        )),
        Some(_) => {}
    }
    let account_id = account.map(|a| a.id);
    let date = match input.str_of("Date") {
        Some(text) => parse_date(text).unwrap_or_else(|| {
            errors.push(format!("Date '{text}' is not a valid date."));
            opts.now.date_naive()
        }),
        None => opts.now.date_naive(),
    };
    let amount = match input.decimal_of("Amount") {
        Ok(Some(a)) if a > Decimal::ZERO => a,
        Ok(_) => {
            errors.push("Payment amount must be greater than zero.".into());
            Decimal::ZERO
        }
        Err(e) => {
            errors.push(e);
            Decimal::ZERO
        }
    };
    let rate = input
        .decimal_of("CurrencyRate")
        .ok()
        .flatten()
        .unwrap_or(Decimal::ONE);
    if books.is_locked(date) {
        errors.push(books.lock_message());
    }
    let mut payment_type = String::new();
    if let Some((kind, i)) = target {
        let doc = &books.docs(kind)[i];
        if doc.status != "AUTHORISED" {
            errors.push(format!(
                "Payments can only be made against AUTHORISED documents (this one is {}).",
                doc.status
            ));
        } else if amount > doc.amount_due() {
            errors.push(EXCEEDS.into());
        }
        payment_type = match doc.kind.as_str() {
            "ACCREC" => "ACCRECPAYMENT",
            "ACCPAY" => "ACCPAYPAYMENT",
            "ACCRECCREDIT" => "ARCREDITPAYMENT",
            _ => "APCREDITPAYMENT",
        }
        .into();
    }
    let (Some((kind, i)), Some(account_id), true) = (target, account_id, errors.is_empty()) else {
        return Err(errors);
    };
    let doc_id = books.docs(kind)[i].id;
    let id = Uuid::new_v4();
    books.payments.push(Payment {
        id,
        target: if kind == DocKind::Invoice {
            PaymentTarget::Invoice(doc_id)
        } else {
            PaymentTarget::CreditNote(doc_id)
        },
        account_id,
        date,
        amount: crate::wire::round2(amount),
        currency_rate: rate,
        reference: input.str_of("Reference").map(str::to_owned),
        is_reconciled: input.bool_of("IsReconciled").unwrap_or(false),
        status: "AUTHORISED".into(),
        payment_type,
        updated: opts.now,
    });
    books.settle(kind, doc_id, opts.now);
    Ok((id, Vec::new()))
}

fn delete(books: &mut Books, id: &str, opts: &WriteOpts) -> Result<Uuid, Vec<String>> {
    let Some(i) = Uuid::parse_str(id)
        .ok()
        .and_then(|id| books.payments.iter().position(|p| p.id == id))
    else {
        return Err(vec![format!("Payment {id} could not be found.")]);
    };
    if books.payments[i].status == "DELETED" {
        return Err(vec!["This payment has already been deleted.".into()]);
    }
    if books.is_locked(books.payments[i].date) {
        return Err(vec![books.lock_message()]);
    }
    books.payments[i].status = "DELETED".into();
    books.payments[i].updated = opts.now;
    let (kind, doc) = match books.payments[i].target {
        PaymentTarget::Invoice(d) => (DocKind::Invoice, d),
        PaymentTarget::CreditNote(d) => (DocKind::CreditNote, d),
    };
    books.settle(kind, doc, opts.now);
    Ok(books.payments[i].id)
}

/// Allocates part of an AUTHORISED credit note to an AUTHORISED invoice of the same contact.
pub(crate) fn allocate(
    books: &mut Books,
    credit_note: usize,
    input: &Json,
    opts: &WriteOpts,
) -> Result<(Uuid, Vec<String>), Vec<String>> {
    let mut errors = Vec::new();
    let cn = books.credit_notes[credit_note].clone();
    let invoice = find_doc(
        books,
        DocKind::Invoice,
        input.get("Invoice"),
        "InvoiceID",
        "InvoiceNumber",
        None,
    );
    let amount = input.decimal_of("Amount").unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let amount = amount.filter(|a| *a > Decimal::ZERO).unwrap_or_else(|| {
        errors.push("The allocation amount must be greater than zero.".into());
        Decimal::ZERO
    });
    let date = input
        .str_of("Date")
        .and_then(parse_date)
        .unwrap_or(opts.now.date_naive());
    if cn.status != "AUTHORISED" {
        errors.push(format!(
            "Only AUTHORISED credit notes can be allocated (this one is {}).",
            cn.status
        ));
    } else if amount > cn.amount_due() {
        errors.push(
            "The amount of the allocation exceeds the remaining credit on the credit note.".into(),
        );
    }
    match invoice.map(|i| &books.invoices[i]) {
        None => errors.push("The invoice to allocate to could not be found.".into()),
        Some(inv) => {
            if inv.status != "AUTHORISED" {
                errors.push(format!(
                    "Credit can only be allocated to AUTHORISED invoices (this one is {}).",
                    inv.status
                ));
            } else if amount > inv.amount_due() {
                errors.push(
                    "The amount of the allocation exceeds the amount outstanding on the invoice."
                        .into(),
                );
            }
            if inv.contact_id != cn.contact_id
                || inv.is_receivable() != cn.is_receivable()
                || inv.currency != cn.currency
            {
                errors.push("The credit note and the invoice must be for the same contact, side and currency.".into());
            }
        }
    }
    if books.is_locked(date) {
        errors.push(books.lock_message());
    }
    let (Some(inv), true) = (invoice, errors.is_empty()) else {
        return Err(errors);
    };
    let invoice_id = books.invoices[inv].id;
    let id = Uuid::new_v4();
    books.allocations.push(Allocation {
        id,
        credit_note_id: cn.id,
        invoice_id,
        amount,
        date,
        deleted: false,
    });
    books.settle(DocKind::Invoice, invoice_id, opts.now);
    books.settle(DocKind::CreditNote, cn.id, opts.now);
    Ok((id, Vec::new()))
}

/// Removes an allocation (`DELETE /CreditNotes/{id}/Allocations/{AllocationID}`).
pub(crate) fn deallocate(
    books: &mut Books,
    credit_note: Uuid,
    allocation: &str,
    opts: &WriteOpts,
) -> Option<Uuid> {
    let id = Uuid::parse_str(allocation).ok()?;
    let a = books
        .allocations
        .iter_mut()
        .find(|a| a.id == id && a.credit_note_id == credit_note && !a.deleted)?;
    a.deleted = true;
    let invoice = a.invoice_id;
    books.settle(DocKind::Invoice, invoice, opts.now);
    books.settle(DocKind::CreditNote, credit_note, opts.now);
    Some(id)
}
