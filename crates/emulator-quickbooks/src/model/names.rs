//! Name-list entities: Customer, Item, Account, Class, PaymentMethod.
//!
//! Choices (see the crate docs): names are unique ignoring case and surrounding spaces, and
//! inactive objects keep their name (so re-creating an inactive customer's name is a 6240,
//! which is how QuickBooks surprises integrations); customers share the 6240 name space with
//! vendors and employees, which this emulator does not serve.

use axum::http::StatusCode;
use chrono::NaiveDate;

use super::{Company, Kind, Record};
use crate::fault::Fault;
use crate::json::{Json, Obj, reference};
use crate::model::tax;

/// What a write needs to know besides the company.
#[derive(Clone, Copy, Debug)]
pub struct WriteCtx {
    pub now: chrono::DateTime<chrono::Utc>,
    pub today: NaiveDate,
    /// `include=allowduplicatedocnum`.
    pub allow_duplicate_doc_number: bool,
}

/// The field holding a name-list object's display name.
pub fn name_field(kind: Kind) -> &'static str {
    match kind {
        Kind::Customer => "DisplayName",
        _ => "Name",
    }
}

/// The referenced record, if `field` holds a reference: it must exist, be live and (for name
/// lists) active, else 610.
pub fn resolve_ref<'a>(
    co: &'a Company,
    kind: Kind,
    body: &Obj,
    field: &str,
) -> Result<Option<&'a Record>, Fault> {
    let Some(value) = body.get(field) else {
        return Ok(None);
    };
    if matches!(value, Json::Null) {
        return Ok(None);
    }
    let id = value
        .as_obj()
        .and_then(|r| r.str("value"))
        .ok_or_else(|| Fault::required(&format!("{field}.value")))?;
    let record = co
        .get(kind, id)
        .ok_or_else(|| Fault::inactive_reference(field))?;
    if kind.is_name_list() && record.body.bool("Active") == Some(false) {
        return Err(Fault::inactive_reference(field));
    }
    Ok(Some(record))
}

/// Rewrites `field` as `{"value": id, "name": <the object's name>}`.
pub fn fill_ref(body: &mut Obj, field: &str, kind: Kind, record: &Record) {
    let name = record
        .body
        .str(name_field(kind))
        .unwrap_or_default()
        .to_owned();
    body.insert(field, reference(&record.id, Some(&name)));
}

/// Validates and completes a name-list object (create or the merged result of an update).
pub fn prepare(
    co: &Company,
    kind: Kind,
    mut body: Obj,
    self_id: Option<&str>,
) -> Result<Obj, Fault> {
    match kind {
        Kind::Customer => customer(co, &mut body)?,
        Kind::Item => item(co, &mut body)?,
        Kind::Account => account(&mut body)?,
        Kind::Class => {
            body.insert("SubClass", body.bool("SubClass").unwrap_or(false));
        }
        Kind::PaymentMethod => {
            let t = body.str("Type").unwrap_or("NON_CREDIT_CARD").to_owned();
            if t != "CREDIT_CARD" && t != "NON_CREDIT_CARD" {
                return Err(Fault::invalid_enum("Type", &t));
            }
            body.insert("Type", t);
        }
        _ => {}
    }
    let field = name_field(kind);
    let name = body
        .str(field)
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if name.is_empty() {
        return Err(if kind == Kind::Customer {
            Fault::no_name()
        } else {
            Fault::required(field)
        });
    }
    let max = if kind == Kind::Customer { 500 } else { 100 };
    if name.chars().count() > max {
        return Err(Fault::length(field, max, name.chars().count()));
    }
    if let Some(existing) = find_by_name(co, kind, &name).filter(|r| Some(r.id.as_str()) != self_id)
    {
        return Err(Fault::duplicate_name(&existing.id).with_element(field));
    }
    body.insert(field, name.clone());
    if kind != Kind::PaymentMethod {
        body.insert("FullyQualifiedName", name);
    }
    body.insert("Active", body.bool("Active").unwrap_or(true));
    Ok(body)
}

/// A name-list object by name (case-insensitive, trimmed), active or not.
pub fn find_by_name<'a>(co: &'a Company, kind: Kind, name: &str) -> Option<&'a Record> {
    co.index()
        .named(kind, name)
        .find_map(|id| co.get(kind, &id.0))
}

fn customer(co: &Company, body: &mut Obj) -> Result<(), Fault> {
    if let Some(given) = body.str("GivenName")
        && given.chars().count() > 25
    {
        return Err(Fault::length("GivenName", 25, given.chars().count()));
    }
    let display = body.str("DisplayName").map(str::trim).unwrap_or_default();
    if display.is_empty() {
        let parts: Vec<&str> = ["Title", "GivenName", "MiddleName", "FamilyName", "Suffix"]
            .iter()
            .filter_map(|k| body.str(k).map(str::trim).filter(|s| !s.is_empty()))
            .collect();
        let built = if parts.is_empty() {
            body.str("CompanyName")
                .map(str::trim)
                .unwrap_or_default()
                .to_owned()
        } else {
            parts.join(" ")
        };
        body.insert("DisplayName", built);
    }
    if !body.contains("PrintOnCheckName") {
        let display = body.str("DisplayName").unwrap_or_default().to_owned();
        body.insert("PrintOnCheckName", display);
    }
    let taxable = body.bool("Taxable").unwrap_or(true);
    body.insert("Taxable", taxable);
    body.insert("Job", body.bool("Job").unwrap_or(false));
    body.insert(
        "BillWithParent",
        body.bool("BillWithParent").unwrap_or(false),
    );
    if !body.contains("PreferredDeliveryMethod") {
        body.insert("PreferredDeliveryMethod", "Print");
    }
    body.insert(
        "CurrencyRef",
        reference("USD", Some("United States Dollar")),
    );
    for field in ["Balance", "BalanceWithJobs"] {
        if !body.contains(field) {
            body.insert(field, Json::num(rust_decimal::Decimal::new(0, 2)));
        }
    }
    // With automated sales tax, QuickBooks fills the customer's default tax code from its
    // address; tax-exempt customers have none.
    let address = body
        .obj("ShipAddr")
        .or_else(|| body.obj("BillAddr"))
        .cloned();
    let zone = if taxable {
        tax::zone_for(co, address.as_ref())
    } else {
        None
    };
    match zone {
        Some(code) => body.insert("DefaultTaxCodeRef", reference(&code, None)),
        None => {
            body.remove("DefaultTaxCodeRef");
        }
    }
    Ok(())
}

const ITEM_TYPES: [&str; 14] = [
    "Inventory",
    "NonInventory",
    "Service",
    "Group",
    "Category",
    "Discount",
    "Payment",
    "Tax",
    "Tax Group",
    "Other Charge",
    "Subtotal",
    "Assembly",
    "Bundle",
    "Fixed Asset",
];

fn item(co: &Company, body: &mut Obj) -> Result<(), Fault> {
    let item_type = body.str("Type").unwrap_or("Service").to_owned();
    if !ITEM_TYPES.contains(&item_type.as_str()) {
        return Err(Fault::invalid_enum("Type", &item_type));
    }
    if matches!(
        item_type.as_str(),
        "Service" | "NonInventory" | "Inventory" | "Other Charge"
    ) && !body.contains("IncomeAccountRef")
    {
        return Err(Fault::required("IncomeAccountRef"));
    }
    for field in ["IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"] {
        if let Some(account) = resolve_ref(co, Kind::Account, body, field)? {
            let account = account.clone();
            fill_ref(body, field, Kind::Account, &account);
        }
    }
    for field in ["UnitPrice", "PurchaseCost", "QtyOnHand"] {
        match body.decimal(field) {
            Ok(Some(v)) => body.insert(field, Json::num(v.normalize())),
            Ok(None) => {}
            Err(_) => return Err(Fault::invalid_number(field)),
        }
    }
    let taxable_default = matches!(item_type.as_str(), "NonInventory" | "Inventory");
    body.insert("Taxable", body.bool("Taxable").unwrap_or(taxable_default));
    body.insert(
        "SalesTaxIncluded",
        body.bool("SalesTaxIncluded").unwrap_or(false),
    );
    body.insert(
        "TrackQtyOnHand",
        body.bool("TrackQtyOnHand").unwrap_or(false),
    );
    body.insert("Type", item_type);
    Ok(())
}

/// AccountType -> Classification (XSD `AccountTypeEnum` groups).
fn classification(account_type: &str) -> Option<&'static str> {
    Some(match account_type {
        "Bank" | "Accounts Receivable" | "Other Current Asset" | "Fixed Asset" | "Other Asset" => {
            "Asset"
        }
        "Accounts Payable" | "Credit Card" | "Other Current Liability" | "Long Term Liability" => {
            "Liability"
        }
        "Equity" => "Equity",
        "Income" | "Other Income" => "Revenue",
        "Expense" | "Other Expense" | "Cost of Goods Sold" => "Expense",
        "Non-Posting" => "Asset",
        _ => return None,
    })
}

fn account(body: &mut Obj) -> Result<(), Fault> {
    let Some(account_type) = body.str("AccountType").map(str::to_owned) else {
        return Err(Fault::new(
            StatusCode::BAD_REQUEST,
            "ValidationFault",
            6010,
            "Invalid Account.AccountType && Account.SubType",
            "You must specify either an Account.AccountType or an Account.AccountSubType.",
        ));
    };
    let class = classification(&account_type)
        .ok_or_else(|| Fault::invalid_enum("AccountType", &account_type))?;
    body.insert("Classification", class);
    body.insert("SubAccount", body.bool("SubAccount").unwrap_or(false));
    body.insert(
        "CurrencyRef",
        reference("USD", Some("United States Dollar")),
    );
    for field in ["CurrentBalance", "CurrentBalanceWithSubAccounts"] {
        if !body.contains(field) {
            body.insert(field, Json::int(0));
        }
    }
    Ok(())
}
