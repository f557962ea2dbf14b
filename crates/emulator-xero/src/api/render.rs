//! Records to Xero's JSON: PascalCase fields in Xero's order, MS dates with their ISO
//! companions, amounts as JSON numbers with fixed decimals (2 dp; Quantity 4 dp; UnitAmount
//! 2 dp or 4 dp with `unitdp=4`; CurrencyRate 6 dp), the fixed address/phone slots of contacts.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::list::is_party;
use crate::books::{Books, Contact, Document, Line, Payment, PaymentTarget};
use crate::state::XERO_APP_NAME;
use crate::wire::dates::{date_string, ms_date, ms_datetime, ms_plain, utc_string};
use crate::wire::{Json, Obj};

/// The response envelope: `Id`, `Status`, `ProviderName`, `DateTimeUTC`, `pagination` (when
/// paged) and the plural collection.
pub(crate) fn envelope(
    key: &str,
    items: Vec<Json>,
    pagination: Option<Json>,
    now: DateTime<Utc>,
) -> Json {
    let mut obj = Obj::new()
        .s("Id", Uuid::new_v4().to_string())
        .s("Status", "OK")
        .s("ProviderName", XERO_APP_NAME)
        .s("DateTimeUTC", ms_plain(now));
    if let Some(p) = pagination {
        obj = obj.j("pagination", p);
    }
    obj.arr(key, items).build()
}

fn contact_summary(books: &Books, id: Uuid) -> Json {
    let c = books.contact(id);
    Obj::new()
        .s("ContactID", id.to_string())
        .opt_s("ContactNumber", c.and_then(|c| c.number.as_deref()))
        .opt_s("Name", c.map(|c| c.name.as_str()))
        .opt_s("ContactStatus", c.map(|c| c.status.as_str()))
        .opt_s("EmailAddress", c.and_then(|c| c.email.as_deref()))
        .arr("Addresses", Vec::new())
        .arr("Phones", Vec::new())
        .arr("ContactGroups", Vec::new())
        .arr("ContactPersons", Vec::new())
        .b("HasValidationErrors", false)
        .build()
}

fn line(books: &Books, l: &Line, unitdp: u32) -> Json {
    let tracking = l
        .tracking
        .iter()
        .filter_map(|t| {
            let cat = books.tracking.iter().find(|c| c.id == t.category_id)?;
            let opt = cat.options.iter().find(|o| o.id == t.option_id)?;
            Some(
                Obj::new()
                    .s("Name", cat.name.clone())
                    .s("Option", opt.name.clone())
                    .s("TrackingCategoryID", cat.id.to_string())
                    .s("TrackingOptionID", opt.id.to_string())
                    .build(),
            )
        })
        .collect();
    let account = l
        .account_code
        .as_deref()
        .and_then(|c| books.account_by_code(c));
    let mut obj = Obj::new()
        .s("LineItemID", l.id.to_string())
        .s("Description", l.description.clone())
        .n("Quantity", l.quantity, 4)
        .n("UnitAmount", l.unit_amount, unitdp)
        .opt_s("ItemCode", l.item_code.as_deref())
        .opt_s("AccountCode", l.account_code.as_deref())
        .opt_s("AccountID", account.map(|a| a.id.to_string()).as_deref())
        .s("TaxType", l.tax_type.clone())
        .n("TaxAmount", l.tax_amount, 2)
        .n("LineAmount", l.line_amount, 2);
    if let Some(rate) = l.discount_rate {
        obj = obj.n("DiscountRate", rate, 2);
    }
    if let Some(item) = l.item_code.as_deref().and_then(|c| books.item_by_code(c)) {
        let summary = Obj::new()
            .s("ItemID", item.id.to_string())
            .s("Name", item.name.clone())
            .s("Code", item.code.clone())
            .build();
        obj = obj.j("Item", summary);
    }
    obj.arr("Tracking", tracking).build()
}

fn payment_summary(p: &Payment) -> Json {
    Obj::new()
        .s("PaymentID", p.id.to_string())
        .s("Date", ms_date(p.date))
        .n("Amount", p.amount, 2)
        .opt_s("Reference", p.reference.as_deref())
        .n("CurrencyRate", p.currency_rate, 6)
        .b("HasAccount", true)
        .b("HasValidationErrors", false)
        .build()
}

/// An invoice or credit note; `full` adds LineItems (list calls without `page` leave them out).
pub(crate) fn document(books: &Books, d: &Document, full: bool, unitdp: u32) -> Json {
    let is_invoice = d.kind == "ACCREC" || d.kind == "ACCPAY";
    let (id_key, number_key) = if is_invoice {
        ("InvoiceID", "InvoiceNumber")
    } else {
        ("CreditNoteID", "CreditNoteNumber")
    };
    let payments: Vec<Json> = books
        .payments
        .iter()
        .filter(|p| p.status == "AUTHORISED")
        .filter(|p| match p.target {
            PaymentTarget::Invoice(id) | PaymentTarget::CreditNote(id) => id == d.id,
        })
        .map(payment_summary)
        .collect();
    let mut obj = Obj::new()
        .s("Type", d.kind.clone())
        .s(id_key, d.id.to_string());
    if !d.number.is_empty() {
        obj = obj.s(number_key, d.number.clone());
    }
    obj = obj
        .opt_s("Reference", d.reference.as_deref())
        .arr("Payments", payments);
    let allocations: Vec<Json> = books
        .allocations
        .iter()
        .filter(|a| !a.deleted && (a.invoice_id == d.id || a.credit_note_id == d.id))
        .map(|a| {
            let (other_key, other_id, other_number) = if is_invoice {
                let cn = books.credit_notes.iter().find(|c| c.id == a.credit_note_id);
                (
                    "CreditNoteID",
                    a.credit_note_id,
                    cn.map(|c| c.number.clone()),
                )
            } else {
                let inv = books.invoices.iter().find(|c| c.id == a.invoice_id);
                ("InvoiceID", a.invoice_id, inv.map(|c| c.number.clone()))
            };
            let number_field = if is_invoice {
                "CreditNoteNumber"
            } else {
                "InvoiceNumber"
            };
            let other = Obj::new()
                .s(other_key, other_id.to_string())
                .opt_s(number_field, other_number.as_deref())
                .build();
            let mut entry = Obj::new()
                .s("AllocationID", a.id.to_string())
                .n("Amount", a.amount, 2)
                .s("Date", ms_date(a.date));
            entry = if is_invoice {
                entry.j("CreditNote", other)
            } else {
                entry.j("Invoice", other)
            };
            entry.b("IsDeleted", false).build()
        })
        .collect();
    if is_invoice {
        let credits: Vec<Json> = allocations
            .iter()
            .filter_map(|a| {
                let cn = a.get("CreditNote")?;
                Some(
                    Obj::new()
                        .j("CreditNoteID", cn.get("CreditNoteID")?.clone())
                        .j(
                            "CreditNoteNumber",
                            cn.get("CreditNoteNumber").cloned().unwrap_or(Json::Null),
                        )
                        .j("AppliedAmount", a.get("Amount")?.clone())
                        .j("Date", a.get("Date")?.clone())
                        .build(),
                )
            })
            .collect();
        obj = obj
            .arr("CreditNotes", credits)
            .arr("Prepayments", Vec::new())
            .arr("Overpayments", Vec::new())
            .n("AmountDue", d.amount_due(), 2)
            .n("AmountPaid", d.amount_paid, 2)
            .n("AmountCredited", d.amount_credited, 2);
    } else {
        obj = obj
            .n("RemainingCredit", d.amount_due(), 2)
            .arr("Allocations", allocations);
    }
    obj = obj
        .b("SentToContact", d.sent_to_contact)
        .n("CurrencyRate", d.currency_rate, 6)
        .b(
            "IsDiscounted",
            d.lines.iter().any(|l| l.discount_rate.is_some()),
        )
        .b("HasAttachments", false)
        .b("HasErrors", false)
        .j("Contact", contact_summary(books, d.contact_id))
        .s("DateString", date_string(d.date))
        .s("Date", ms_date(d.date));
    if let Some(due) = d.due_date {
        obj = obj
            .s("DueDateString", date_string(due))
            .s("DueDate", ms_date(due));
    }
    if let Some(paid) = d.fully_paid_on {
        obj = obj.s("FullyPaidOnDate", ms_date(paid));
    }
    if let Some(expected) = d.expected_payment_date {
        obj = obj.s("ExpectedPaymentDate", ms_date(expected));
    }
    obj = obj
        .opt_s("Url", d.url.as_deref())
        .opt_s(
            "BrandingThemeID",
            d.branding_theme_id.map(|b| b.to_string()).as_deref(),
        )
        .s("Status", d.status.clone())
        .s("LineAmountTypes", d.line_amount_types.as_str());
    if full {
        obj = obj.arr(
            "LineItems",
            d.lines.iter().map(|l| line(books, l, unitdp)).collect(),
        );
    }
    obj.n("SubTotal", d.sub_total(), 2)
        .n("TotalTax", d.total_tax(), 2)
        .n("Total", d.total(), 2)
        .s("UpdatedDateUTC", ms_datetime(d.updated))
        .s("UpdatedDateUTCString", utc_string(d.updated))
        .s("CurrencyCode", d.currency.clone())
        .build()
}

pub(crate) fn payment(books: &Books, p: &Payment) -> Json {
    let account = books.account(p.account_id);
    let account_json = Obj::new()
        .s("AccountID", p.account_id.to_string())
        .opt_s("Code", account.map(|a| a.code.as_str()))
        .opt_s("Name", account.map(|a| a.name.as_str()))
        .build();
    let mut obj = Obj::new()
        .s("PaymentID", p.id.to_string())
        .s("Date", ms_date(p.date))
        .n("BankAmount", p.amount * p.currency_rate, 2)
        .n("Amount", p.amount, 2)
        .opt_s("Reference", p.reference.as_deref())
        .n("CurrencyRate", p.currency_rate, 6)
        .s("PaymentType", p.payment_type.clone())
        .s("Status", p.status.clone())
        .s("UpdatedDateUTC", ms_datetime(p.updated))
        .s("UpdatedDateUTCString", utc_string(p.updated))
        .b("HasAccount", true)
        .b("IsReconciled", p.is_reconciled)
        .b("HasValidationErrors", false)
        .j("Account", account_json);
    let (key, doc) = match p.target {
        PaymentTarget::Invoice(id) => ("Invoice", books.invoices.iter().find(|d| d.id == id)),
        PaymentTarget::CreditNote(id) => {
            ("CreditNote", books.credit_notes.iter().find(|d| d.id == id))
        }
    };
    if let Some(d) = doc {
        let (id_key, number_key) = if key == "Invoice" {
            ("InvoiceID", "InvoiceNumber")
        } else {
            ("CreditNoteID", "CreditNoteNumber")
        };
        let summary = Obj::new()
            .s("Type", d.kind.clone())
            .s(id_key, d.id.to_string())
            .s(number_key, d.number.clone())
            .j("Contact", contact_summary(books, d.contact_id))
            .s("CurrencyCode", d.currency.clone())
            .build();
        obj = obj.j(key, summary);
    }
    obj.build()
}

pub(crate) fn contact(books: &Books, c: &Contact) -> Json {
    let addresses = ["POBOX", "STREET"]
        .iter()
        .map(|kind| {
            let a = c
                .addresses
                .iter()
                .find(|a| a.kind == *kind)
                .cloned()
                .unwrap_or_default();
            let mut obj = Obj::new().s("AddressType", *kind);
            for (i, text) in a.lines.iter().enumerate() {
                if !text.is_empty() {
                    obj = obj.s(&format!("AddressLine{}", i + 1), text.clone());
                }
            }
            obj.s("City", a.city)
                .s("Region", a.region)
                .s("PostalCode", a.postal_code)
                .s("Country", a.country)
                .s("AttentionTo", a.attention_to)
                .build()
        })
        .collect();
    let phones = ["DDI", "DEFAULT", "FAX", "MOBILE"]
        .iter()
        .map(|kind| {
            let p = c
                .phones
                .iter()
                .find(|p| p.kind == *kind)
                .cloned()
                .unwrap_or_default();
            Obj::new()
                .s("PhoneType", *kind)
                .s("PhoneNumber", p.number)
                .s("PhoneAreaCode", p.area_code)
                .s("PhoneCountryCode", p.country_code)
                .build()
        })
        .collect();
    Obj::new()
        .s("ContactID", c.id.to_string())
        .opt_s("ContactNumber", c.number.as_deref())
        .opt_s("AccountNumber", c.account_number.as_deref())
        .s("ContactStatus", c.status.clone())
        .s("Name", c.name.clone())
        .opt_s("FirstName", c.first_name.as_deref())
        .opt_s("LastName", c.last_name.as_deref())
        .opt_s("EmailAddress", c.email.as_deref())
        .s("BankAccountDetails", "")
        .opt_s("TaxNumber", c.tax_number.as_deref())
        .arr("Addresses", addresses)
        .arr("Phones", phones)
        .s("UpdatedDateUTC", ms_datetime(c.updated))
        .arr("ContactGroups", Vec::new())
        .b("IsSupplier", is_party(books, c, "ACCPAY"))
        .b("IsCustomer", is_party(books, c, "ACCREC"))
        .opt_s("DefaultCurrency", c.default_currency.as_deref())
        .arr("ContactPersons", Vec::new())
        .b("HasAttachments", false)
        .b("HasValidationErrors", false)
        .build()
}

pub(crate) use super::render_settings::{
    account, dump, item, organisation, tax_rate, tracking_category,
};
