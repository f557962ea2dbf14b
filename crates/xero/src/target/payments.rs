//! Payments recorded in Xero, read for the way back to ServiceTitan: `GET /Payments` with
//! `If-Modified-Since` through the connector's change walk, each element read as raw JSON
//! first so one that does not fit is quarantined with exactly what Xero sent.
//!
//! Only customer payments of sales invoices (`ACCRECPAYMENT`) flow back; supplier payments,
//! credit-note refunds, prepayments and overpayments are not ServiceTitan payments. A Xero
//! payment pays one invoice; its customer is the invoice's contact (Xero names it in the
//! payment's `Invoice` element), and its payment method is the code of the account it was
//! deposited to.

use crate::map::payment_from_xero;
use crate::wire::dates::parse_datetime;
use crate::wire::payment::Payment as XeroPayment;
use crate::{Changes, Mappings, Xero};
use chrono::{DateTime, Utc};
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use ledgerbridge_core::{Currency, SourceRef};
use serde::Deserialize;
use serde_json::Value;

use ledgerbridge_protocol::{BooksPayment, BooksPayments, BooksQuarantined};

/// One element of `Payments`, unparsed.
#[derive(Deserialize)]
#[serde(transparent)]
struct RawPayment(Value);

impl Changes for RawPayment {
    const PATH: &'static str = "/Payments";
    const KEY: &'static str = "Payments";
    const OPERATION: &'static str = "list payments";
    fn id(&self) -> Option<&str> {
        self.0.get("PaymentID").and_then(Value::as_str)
    }
    fn version(&self) -> Option<DateTime<Utc>> {
        self.0
            .get("UpdatedDateUTC")
            .and_then(Value::as_str)
            .and_then(parse_datetime)
    }
}

/// Payments changed since `cursor`, keyed by Xero ids.
pub(crate) async fn payment_changes<P: TokenProvider>(
    xero: &Xero<P>,
    cursor: Option<DateTime<Utc>>,
) -> Result<BooksPayments, ConnectorError> {
    let (raw, next) = xero.all_changes::<RawPayment>(cursor).await?;
    let mut out = BooksPayments {
        cursor: next.max(cursor),
        ..BooksPayments::default()
    };
    for r in raw {
        let id = r.id().map(str::to_owned);
        match to_books(&r.0) {
            Ok(Some(p)) => out.payments.push(p),
            Ok(None) => {}
            Err(reason) => out.quarantined.push(BooksQuarantined {
                reason: format!("Xero Payment {}: {reason}", id.as_deref().unwrap_or("?")),
                id,
                raw: r.0.to_string(),
            }),
        }
    }
    Ok(out)
}

fn text<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter()
        .try_fold(v, |at, key| at.get(key))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// One element as a [`BooksPayment`]; `None` for a payment that does not flow back.
fn to_books(raw: &Value) -> Result<Option<BooksPayment>, String> {
    if text(raw, &["PaymentType"]).is_some_and(|t| t != "ACCRECPAYMENT") {
        return Ok(None);
    }
    let Some(invoice_id) = text(raw, &["Invoice", "InvoiceID"]) else {
        return Ok(None);
    };
    let id = text(raw, &["PaymentID"]).ok_or("no PaymentID")?.to_owned();
    let payment: XeroPayment = serde_json::from_value(raw.clone()).map_err(|e| e.to_string())?;
    let currency = match text(raw, &["Invoice", "CurrencyCode"]) {
        Some(code) => Currency::new(code).map_err(|e| e.to_string())?,
        None => Currency::USD,
    };
    let invoice = SourceRef::accounting(invoice_id).map_err(|e| e.to_string())?;
    let customer = match text(raw, &["Invoice", "Contact", "ContactID"]) {
        Some(c) => SourceRef::accounting(c).map_err(|e| e.to_string())?,
        // Without the contact, the invoice stands for its customer (ServiceTitan takes the
        // customer from the invoices a payment is split to).
        None => invoice.clone(),
    };
    let method = text(raw, &["Account", "Code"])
        .or_else(|| text(raw, &["Account", "AccountID"]))
        .unwrap_or("(no account)")
        .to_owned();
    let canonical = payment_from_xero(&payment, invoice, customer, currency, &Mappings::new())
        .map_err(|e| e.to_string())?;
    Ok(Some(BooksPayment {
        id,
        version: payment.updated_date_utc.map(|u| u.to_rfc3339()),
        updated: payment.updated_date_utc,
        method,
        payment: canonical,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerbridge_core::PaymentStatus;
    use serde_json::json;

    #[test]
    fn a_customer_payment_names_its_invoice_contact_and_account_code() {
        let raw = json!({
            "PaymentID": "p-1", "PaymentType": "ACCRECPAYMENT", "Status": "AUTHORISED",
            "Date": "/Date(1767225600000+0000)/", "Amount": 150.0, "Reference": "5521",
            "UpdatedDateUTC": "/Date(1767225600000+0000)/",
            "Account": {"AccountID": "a-1", "Code": "090"},
            "Invoice": {"InvoiceID": "i-1", "CurrencyCode": "USD", "Contact": {"ContactID": "c-1"}}
        });
        let p = to_books(&raw).unwrap().unwrap();
        assert_eq!((p.id.as_str(), p.method.as_str()), ("p-1", "090"));
        assert_eq!(p.payment.allocations[0].invoice.to_string(), "acct:i-1");
        assert_eq!(p.payment.customer.to_string(), "acct:c-1");
        assert_eq!(p.payment.amount.amount().to_string(), "150.00");
        assert_eq!(p.payment.status, PaymentStatus::Posted);
        let deleted = json!({"PaymentID": "p-2", "PaymentType": "ACCRECPAYMENT",
            "Status": "DELETED", "Date": "/Date(1767225600000+0000)/", "Amount": 1,
            "Invoice": {"InvoiceID": "i-1"}});
        assert_eq!(
            to_books(&deleted).unwrap().unwrap().payment.status,
            PaymentStatus::Voided
        );
    }

    #[test]
    fn supplier_payments_and_credit_note_refunds_do_not_flow_back() {
        let supplier = json!({"PaymentID": "p", "PaymentType": "ACCPAYPAYMENT",
            "Invoice": {"InvoiceID": "i"}});
        assert!(to_books(&supplier).unwrap().is_none());
        let refund = json!({"PaymentID": "p", "PaymentType": "ARCREDITPAYMENT",
            "CreditNote": {"CreditNoteID": "n"}});
        assert!(to_books(&refund).unwrap().is_none());
        let broken = json!({"PaymentID": "p", "PaymentType": "ACCRECPAYMENT",
            "Invoice": {"InvoiceID": "i"}, "Amount": "lots"});
        assert!(to_books(&broken).is_err());
    }
}
