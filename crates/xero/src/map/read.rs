//! Xero -> canonical records, for the accounting side of the diff.
//!
//! Codes are translated back to ServiceTitan's through the same mappings (the canonical model
//! holds ServiceTitan-side codes), and lines are keyed by the ServiceTitan line the ledger
//! linked to their `LineItemID`, else by `acct:{LineItemID}` (a line the accountant added).

use std::collections::HashMap;

use ledgerbridge_core::{
    Address, Allocation, Currency, Customer, Invoice, InvoiceLine, InvoiceStatus, Money, Payment,
    PaymentStatus, SourceRef,
};
use rust_decimal::Decimal;

use super::{MapError, Mappings, unsupported};
use crate::wire::contact::Contact;
use crate::wire::invoice::Invoice as XeroInvoice;
use crate::wire::payment::Payment as XeroPayment;

/// Xero's document status as the canonical one.
pub fn status_from_xero(status: &str) -> InvoiceStatus {
    match status.to_ascii_uppercase().as_str() {
        "VOIDED" | "DELETED" => InvoiceStatus::Voided,
        "AUTHORISED" | "PAID" => InvoiceStatus::Posted,
        _ => InvoiceStatus::Draft,
    }
}

fn money(value: Option<Decimal>, currency: Currency) -> Result<Money, MapError> {
    Ok(Money::rounded(value.unwrap_or_default(), currency)?)
}

fn non_blank(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Maps a Xero invoice (read with its lines) to the canonical invoice. `customer` is the
/// ServiceTitan customer linked to its contact; `line_keys` maps `LineItemID` -> ServiceTitan
/// line. Xero keeps tax per line only, so `tax_lines` is empty and `tax` is `TotalTax`.
pub fn invoice_from_xero(
    invoice: &XeroInvoice,
    customer: SourceRef,
    line_keys: &HashMap<String, SourceRef>,
    mappings: &Mappings,
) -> Result<Invoice, MapError> {
    let currency = match invoice.currency_code.as_deref() {
        Some(code) => Currency::new(code)?,
        None => return Err(unsupported("the invoice carries no currency")),
    };
    let date = invoice
        .date
        .ok_or_else(|| unsupported("the invoice carries no date"))?;
    let mut business_unit = None;
    let lines = invoice
        .line_items
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|line| {
            let id = line.line_item_id.clone().unwrap_or_default();
            let key = match line_keys.get(&id) {
                Some(key) => key.clone(),
                None => SourceRef::accounting(id.clone())
                    .map_err(|_| unsupported("a line carries no usable LineItemID"))?,
            };
            if business_unit.is_none()
                && let Some(category) = &mappings.tracking_category
                && let Some(t) = line
                    .tracking
                    .iter()
                    .find(|t| t.name.eq_ignore_ascii_case(category))
            {
                business_unit = Some(
                    Mappings::reverse(&mappings.business_units, &t.option)
                        .unwrap_or(&t.option)
                        .to_owned(),
                );
            }
            let item = line.item_code.as_deref().map(|code| {
                Mappings::reverse(&mappings.items, code)
                    .unwrap_or(code)
                    .to_owned()
            });
            let gl_account = line.account_code.as_deref().map(|code| {
                Mappings::reverse(&mappings.gl_accounts, code)
                    .unwrap_or(code)
                    .to_owned()
            });
            let tax_type = line.tax_type.as_deref().unwrap_or_default();
            let taxable = !tax_type.eq_ignore_ascii_case(&mappings.exempt_tax_type)
                || line.tax_amount.is_some_and(|t| !t.is_zero());
            let tax_code = taxable
                .then(|| Mappings::reverse(&mappings.tax_types, tax_type).map(str::to_owned))
                .flatten();
            Ok(InvoiceLine {
                key,
                item,
                description: line.description.clone().unwrap_or_default(),
                quantity: line.quantity.unwrap_or(Decimal::ONE),
                unit_price: line.unit_amount.unwrap_or_default(),
                amount: money(line.line_amount, currency)?,
                gl_account,
                taxable,
                tax_code,
            })
        })
        .collect::<Result<Vec<_>, MapError>>()?;
    Ok(Invoice {
        number: invoice.invoice_number.clone().unwrap_or_default(),
        customer,
        invoice_date: date,
        due_date: invoice.due_date,
        status: status_from_xero(invoice.status.as_deref().unwrap_or("DRAFT")),
        currency,
        lines,
        tax_lines: Vec::new(),
        subtotal: money(invoice.sub_total, currency)?,
        tax: money(invoice.total_tax, currency)?,
        total: money(invoice.total, currency)?,
        balance: money(invoice.amount_due, currency)?,
        memo: non_blank(invoice.reference.as_deref()),
        business_unit,
    })
}

/// Maps a Xero contact to the canonical customer (the billing address is the `POBOX` slot,
/// the phone the `DEFAULT` one).
pub fn contact_from_xero(contact: &Contact, mappings: &Mappings) -> Result<Customer, MapError> {
    let address = contact
        .addresses
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|a| a.address_type.eq_ignore_ascii_case("POBOX"));
    let phone = contact
        .phones
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|p| p.phone_type.eq_ignore_ascii_case("DEFAULT"))
        .and_then(|p| non_blank(p.phone_number.as_deref()));
    let billing_address = address
        .map(|a| Address {
            line1: non_blank(a.address_line1.as_deref()),
            line2: non_blank(a.address_line2.as_deref()),
            city: non_blank(a.city.as_deref()),
            region: non_blank(a.region.as_deref()),
            postal_code: non_blank(a.postal_code.as_deref()),
            country: non_blank(a.country.as_deref()),
        })
        .unwrap_or_default();
    Ok(Customer {
        display_name: contact.name.clone().unwrap_or_default(),
        company_name: None,
        email: non_blank(contact.email_address.as_deref()),
        phone,
        billing_address,
        tax_exempt: contact
            .accounts_receivable_tax_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(&mappings.exempt_tax_type)),
        currency: contact
            .default_currency
            .as_deref()
            .map(Currency::new)
            .transpose()?,
        active: !contact
            .contact_status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("ARCHIVED")),
    })
}

/// Maps a Xero payment (one invoice) to a canonical payment with one allocation.
/// `invoice` and `customer` are the ServiceTitan records the ledger linked; the payment type
/// is the one whose deposit account the payment went to.
pub fn payment_from_xero(
    payment: &XeroPayment,
    invoice: SourceRef,
    customer: SourceRef,
    currency: Currency,
    mappings: &Mappings,
) -> Result<Payment, MapError> {
    let amount = money(payment.amount, currency)?;
    let account = payment
        .account
        .as_ref()
        .and_then(|a| a.code.as_deref())
        .unwrap_or_default();
    let payment_type = Mappings::reverse(&mappings.payment_accounts, account)
        .unwrap_or(account)
        .to_owned();
    let voided = payment
        .status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("DELETED"));
    Ok(Payment {
        date: payment
            .date
            .ok_or_else(|| unsupported("the payment carries no date"))?,
        amount,
        payment_type,
        reference: non_blank(payment.reference.as_deref()),
        customer,
        allocations: vec![Allocation { invoice, amount }],
        unapplied: Money::zero(currency),
        memo: None,
        status: if voided {
            PaymentStatus::Voided
        } else {
            PaymentStatus::Posted
        },
    })
}
