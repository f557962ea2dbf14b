//! `Invoice`, `LineItem`, `CreditNote` and credit-note `Allocation` (API facts §3).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Message;
use super::amount;
use super::dates::{date_opt, datetime_opt};

/// A contact as an invoice names it: by id on the way out; id, name and number on the way in.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct ContactRef {
    /// The contact's id.
    #[serde(rename = "ContactID", default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// Its name (read only here: an invoice never renames its contact).
    #[serde(rename = "Name", default, skip_serializing)]
    pub name: Option<String>,
    /// Its number (our ServiceTitan customer key).
    #[serde(rename = "ContactNumber", default, skip_serializing)]
    pub contact_number: Option<String>,
}

/// A tracking category and option on a line (`Name` + `Option`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct TrackingRef {
    /// The category's name ("Business Unit").
    #[serde(default)]
    pub name: String,
    /// The option's name.
    #[serde(default)]
    pub option: String,
}

/// One line of an invoice or credit note.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct LineItem {
    /// Xero's line id: sent on update so the line is updated, not deleted and re-created.
    #[serde(
        rename = "LineItemID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub line_item_id: Option<String>,
    /// At least one character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// May have decimals (4 on the wire).
    #[serde(
        default,
        deserialize_with = "amount::de",
        serialize_with = "amount::ser",
        skip_serializing_if = "Option::is_none"
    )]
    pub quantity: Option<Decimal>,
    /// Up to 4 decimals with `unitdp=4`.
    #[serde(
        default,
        deserialize_with = "amount::de",
        serialize_with = "amount::ser",
        skip_serializing_if = "Option::is_none"
    )]
    pub unit_amount: Option<Decimal>,
    /// The item code, from the item mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_code: Option<String>,
    /// The revenue account code, from the GL mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_code: Option<String>,
    /// The tax rate's `TaxType`, from the tax mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_type: Option<String>,
    /// The line's tax: sent explicitly so Xero does not recompute it (ServiceTitan's tax is
    /// the truth, distributed by largest remainder).
    #[serde(
        default,
        deserialize_with = "amount::de",
        serialize_with = "amount::ser",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax_amount: Option<Decimal>,
    /// Quantity x UnitAmount, 2 decimals.
    #[serde(
        default,
        deserialize_with = "amount::de",
        serialize_with = "amount::ser",
        skip_serializing_if = "Option::is_none"
    )]
    pub line_amount: Option<Decimal>,
    /// At most two categories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracking: Vec<TrackingRef>,
}

/// An invoice (`Type` ACCREC for the bridge's sales invoices).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Invoice {
    /// Xero's id; set on update (POST), absent on create (PUT).
    #[serde(rename = "InvoiceID", default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    /// `ACCREC` (sales) or `ACCPAY` (bills).
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The bill-to contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactRef>,
    /// ServiceTitan's invoice number: unique for ACCREC, the look-up key after a lost answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// Free text shown on the invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Invoice date.
    #[serde(default, with = "date_opt", skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Due date.
    #[serde(default, with = "date_opt", skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `Exclusive` for the bridge (line amounts before tax).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_amount_types: Option<String>,
    /// ISO currency code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// The lines; `None` leaves them untouched on update (an empty list would delete them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_items: Option<Vec<LineItem>>,
    /// Read only.
    #[serde(default, deserialize_with = "amount::de", skip_serializing)]
    pub sub_total: Option<Decimal>,
    /// Read only.
    #[serde(default, deserialize_with = "amount::de", skip_serializing)]
    pub total_tax: Option<Decimal>,
    /// Read only.
    #[serde(default, deserialize_with = "amount::de", skip_serializing)]
    pub total: Option<Decimal>,
    /// Read only.
    #[serde(default, deserialize_with = "amount::de", skip_serializing)]
    pub amount_due: Option<Decimal>,
    /// Read only.
    #[serde(default, deserialize_with = "amount::de", skip_serializing)]
    pub amount_paid: Option<Decimal>,
    /// Read only.
    #[serde(default, deserialize_with = "amount::de", skip_serializing)]
    pub amount_credited: Option<Decimal>,
    /// Read only: the payments applied (what a lost payment is looked up among).
    #[serde(default, skip_serializing)]
    pub payments: Vec<super::payment::Payment>,
    /// Read only: the version the sync compares.
    #[serde(
        rename = "UpdatedDateUTC",
        default,
        deserialize_with = "datetime_opt::deserialize",
        skip_serializing
    )]
    pub updated_date_utc: Option<DateTime<Utc>>,
    /// Per-element result of a write: OK, WARNING or ERROR.
    #[serde(default, skip_serializing)]
    pub status_attribute_string: Option<String>,
    /// Why an element was refused.
    #[serde(default, skip_serializing)]
    pub validation_errors: Vec<Message>,
    /// What Xero warned about a saved element.
    #[serde(default, skip_serializing)]
    pub warnings: Vec<Message>,
    /// Set on a refused element.
    #[serde(default, skip_serializing)]
    pub has_errors: bool,
}

/// A credit note (`Type` ACCRECCREDIT for customer credits).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct CreditNote {
    /// Xero's id.
    #[serde(
        rename = "CreditNoteID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub credit_note_id: Option<String>,
    /// `ACCRECCREDIT` or `ACCPAYCREDIT`.
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactRef>,
    /// The ServiceTitan number: the look-up key after a lost answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_note_number: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Date.
    #[serde(default, with = "date_opt", skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `Exclusive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_amount_types: Option<String>,
    /// ISO currency code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// The lines (positive amounts: the type says it is a credit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_items: Option<Vec<LineItem>>,
    /// Read only.
    #[serde(default, deserialize_with = "amount::de", skip_serializing)]
    pub total: Option<Decimal>,
    /// Read only.
    #[serde(default, deserialize_with = "amount::de", skip_serializing)]
    pub total_tax: Option<Decimal>,
    /// Read only: what is left to allocate.
    #[serde(default, deserialize_with = "amount::de", skip_serializing)]
    pub remaining_credit: Option<Decimal>,
    /// Read only.
    #[serde(default, skip_serializing)]
    pub allocations: Vec<Allocation>,
    /// Read only.
    #[serde(
        rename = "UpdatedDateUTC",
        default,
        deserialize_with = "datetime_opt::deserialize",
        skip_serializing
    )]
    pub updated_date_utc: Option<DateTime<Utc>>,
    /// Per-element result of a write.
    #[serde(default, skip_serializing)]
    pub status_attribute_string: Option<String>,
    /// Why an element was refused.
    #[serde(default, skip_serializing)]
    pub validation_errors: Vec<Message>,
    /// Warnings on a saved element.
    #[serde(default, skip_serializing)]
    pub warnings: Vec<Message>,
}

/// An invoice named by id (or, read back, with its number).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct InvoiceRef {
    /// The invoice's id.
    #[serde(rename = "InvoiceID", default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    /// Its number (read only).
    #[serde(rename = "InvoiceNumber", default, skip_serializing)]
    pub invoice_number: Option<String>,
}

/// Part of a credit note applied to an invoice.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Allocation {
    /// Xero's id (read only).
    #[serde(rename = "AllocationID", default, skip_serializing)]
    pub allocation_id: Option<String>,
    /// The invoice credited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceRef>,
    /// The amount applied.
    #[serde(
        default,
        deserialize_with = "amount::de",
        serialize_with = "amount::ser",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    /// The allocation date (the lock date applies to it).
    #[serde(default, with = "date_opt", skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Per-element result of a write.
    #[serde(default, skip_serializing)]
    pub status_attribute_string: Option<String>,
    /// Why an element was refused.
    #[serde(default, skip_serializing)]
    pub validation_errors: Vec<Message>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn the_documented_response_element_reads_exactly() {
        let text = r#"{ "Type": "ACCREC", "InvoiceID": "ed255415-e141-4150-aab7-89c3bbbb851c", "InvoiceNumber": "INV-0007",
          "Reference": "Website Design", "AmountDue": 40.00, "AmountPaid": 0.00, "CurrencyRate": 1.000000, "HasErrors": false,
          "Contact": { "ContactID": "430fa14a-f945-44d3-9f97-5df5e28441b8", "Name": "Liam Gallagher" },
          "DateString": "2019-03-11T00:00:00", "Date": "/Date(1552262400000+0000)/", "DueDate": "/Date(1544400000000+0000)/",
          "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
          "LineItems": [ { "Description": "Acme Tires", "UnitAmount": 20.00, "TaxType": "NONE", "TaxAmount": 0.00,
                           "LineAmount": 40.00, "AccountCode": "200", "Tracking": [], "Quantity": 2.0000,
                           "LineItemID": "5f7a612b-fdcc-4d33-90fa-a9f6bc6db32f", "ValidationErrors": [] } ],
          "SubTotal": 40.00, "TotalTax": 0.00, "Total": 40.00,
          "UpdatedDateUTC": "/Date(1552327126117+0000)/", "CurrencyCode": "NZD", "StatusAttributeString": "OK" }"#;
        let invoice: Invoice = serde_json::from_str(text).unwrap();
        assert_eq!(invoice.total, Some(dec!(40.00)));
        assert_eq!(invoice.date, NaiveDate::from_ymd_opt(2019, 3, 11));
        let line = &invoice.line_items.as_ref().unwrap()[0];
        assert_eq!(line.quantity.unwrap().to_string(), "2.0000");
        assert_eq!(
            line.line_item_id.as_deref(),
            Some("5f7a612b-fdcc-4d33-90fa-a9f6bc6db32f")
        );
        assert_eq!(
            invoice.updated_date_utc.unwrap().timestamp_millis(),
            1552327126117
        );
    }

    #[test]
    fn a_status_only_update_sends_no_lines_and_no_read_only_fields() {
        let void = Invoice {
            invoice_id: Some("abc".into()),
            status: Some("VOIDED".into()),
            total: Some(dec!(10)),
            ..Invoice::default()
        };
        assert_eq!(
            serde_json::to_string(&void).unwrap(),
            r#"{"InvoiceID":"abc","Status":"VOIDED"}"#
        );
    }
}
