//! What the books hold, read from the emulators' `GET /_sandbox/state` dumps (the vendor
//! shapes, amounts as decimal strings), in one shape for both vendors.

use std::collections::BTreeSet;
use std::str::FromStr;

use ledgerbridge_core::System;
use rust_decimal::Decimal;
use serde_json::Value;

/// One sales invoice in the books.
#[derive(Clone, Debug)]
pub(crate) struct BooksInvoice {
    pub(crate) id: String,
    pub(crate) number: String,
    pub(crate) total: Decimal,
    pub(crate) tax: Decimal,
    pub(crate) balance: Decimal,
    pub(crate) voided: bool,
    /// The books customer it is addressed to.
    pub(crate) customer: String,
}

/// One received payment in the books (Xero: one per invoice it pays).
#[derive(Clone, Debug)]
pub(crate) struct BooksPayment {
    pub(crate) id: String,
    pub(crate) amount: Decimal,
    pub(crate) voided: bool,
}

/// The books of one company.
#[derive(Clone, Debug, Default)]
pub(crate) struct Books {
    pub(crate) invoices: Vec<BooksInvoice>,
    pub(crate) payments: Vec<BooksPayment>,
    /// Every document id: invoices, payments, credit notes/memos, refund receipts.
    pub(crate) documents: BTreeSet<String>,
    pub(crate) customers: BTreeSet<String>,
    /// Customers that are inactive (QuickBooks) or archived (Xero).
    pub(crate) inactive_customers: BTreeSet<String>,
}

pub(crate) fn money(v: &Value) -> Decimal {
    match v {
        Value::String(s) => Decimal::from_str(s).unwrap_or_else(|_| panic!("amount {s:?}")),
        Value::Number(n) => Decimal::from_str(&n.to_string()).expect("amount"),
        Value::Null => Decimal::ZERO,
        other => panic!("not an amount: {other}"),
    }
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_default()
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key].as_array().map(Vec::as_slice).unwrap_or_default()
}

impl Books {
    pub(crate) fn read(system: System, state: &Value) -> Self {
        match system {
            System::QuickBooks => Self::quickbooks(&state["entities"]),
            _ => Self::xero(state),
        }
    }

    fn quickbooks(e: &Value) -> Self {
        let mut books = Self::default();
        for i in list(e, "Invoice") {
            let note = text(&i["PrivateNote"]);
            books.invoices.push(BooksInvoice {
                id: text(&i["Id"]),
                number: text(&i["DocNumber"]),
                total: money(&i["TotalAmt"]),
                tax: money(&i["TxnTaxDetail"]["TotalTax"]),
                balance: money(&i["Balance"]),
                voided: note.contains("Voided") && money(&i["TotalAmt"]).is_zero(),
                customer: text(&i["CustomerRef"]["value"]),
            });
        }
        for p in list(e, "Payment") {
            books.payments.push(BooksPayment {
                id: text(&p["Id"]),
                amount: money(&p["TotalAmt"]),
                voided: text(&p["PrivateNote"]).contains("Voided")
                    && money(&p["TotalAmt"]).is_zero(),
            });
        }
        for kind in ["Invoice", "Payment", "CreditMemo", "RefundReceipt"] {
            books.documents.extend(
                list(e, kind)
                    .iter()
                    .map(|d| format!("{kind}:{}", text(&d["Id"]))),
            );
        }
        books.customers = list(e, "Customer").iter().map(|c| text(&c["Id"])).collect();
        books.inactive_customers = list(e, "Customer")
            .iter()
            .filter(|c| c["Active"] == false)
            .map(|c| text(&c["Id"]))
            .collect();
        books
    }

    fn xero(s: &Value) -> Self {
        let mut books = Self::default();
        for i in list(s, "Invoices") {
            if text(&i["Type"]) != "ACCREC" {
                continue;
            }
            let status = text(&i["Status"]);
            books.invoices.push(BooksInvoice {
                id: text(&i["InvoiceID"]),
                number: text(&i["InvoiceNumber"]),
                total: money(&i["Total"]),
                tax: money(&i["TotalTax"]),
                balance: money(&i["AmountDue"]),
                voided: status == "VOIDED" || status == "DELETED",
                customer: text(&i["Contact"]["ContactID"]),
            });
            books
                .documents
                .insert(format!("Invoice:{}", text(&i["InvoiceID"])));
        }
        for p in list(s, "Payments") {
            books.payments.push(BooksPayment {
                id: text(&p["PaymentID"]),
                amount: money(&p["Amount"]),
                voided: text(&p["Status"]) == "DELETED",
            });
            books
                .documents
                .insert(format!("Payment:{}", text(&p["PaymentID"])));
        }
        for c in list(s, "CreditNotes") {
            books
                .documents
                .insert(format!("CreditMemo:{}", text(&c["CreditNoteID"])));
        }
        books.customers = list(s, "Contacts")
            .iter()
            .map(|c| text(&c["ContactID"]))
            .collect();
        books.inactive_customers = list(s, "Contacts")
            .iter()
            .filter(|c| text(&c["ContactStatus"]) == "ARCHIVED")
            .map(|c| text(&c["ContactID"]))
            .collect();
        books
    }

    /// The document id `id` under whichever kind holds it (ids are unique per kind).
    pub(crate) fn document(&self, id: &str) -> Option<&String> {
        ["Invoice", "Payment", "CreditMemo", "RefundReceipt"]
            .iter()
            .find_map(|kind| self.documents.get(&format!("{kind}:{id}")))
    }
}
