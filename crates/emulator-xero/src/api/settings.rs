//! Writes to the organisation's settings: Items, TaxRates (custom `TAX00n` rates), Accounts
//! and TrackingCategories / their options.

use uuid::Uuid;

use super::batch::WriteOpts;
use crate::books::{
    Account, Books, Item, PriceDetails, TaxComponent, TaxRate, TrackingCategory, TrackingOption,
};
use crate::wire::{Json, fixed};

type Written = Result<(Uuid, Vec<String>), Vec<String>>;

fn details(
    books: &Books,
    input: Option<&Json>,
    into: &mut PriceDetails,
    unitdp: u32,
    errors: &mut Vec<String>,
) {
    let Some(input) = input else { return };
    match input.decimal_of("UnitPrice") {
        Ok(Some(p)) => into.unit_price = Some(fixed(p, unitdp)),
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
    if let Some(code) = input.str_of("AccountCode") {
        if books.account_by_code(code).is_none() {
            errors.push(format!("Account code '{code}' is not a valid code."));
        }
        into.account_code = Some(code.to_owned());
    }
    if let Some(t) = input.str_of("TaxType") {
        if books.tax_rate(t).is_none() {
            errors.push(format!("The TaxType code '{t}' does not exist."));
        }
        into.tax_type = Some(t.to_owned());
    }
}

pub(crate) fn write_item(books: &mut Books, input: &Json, opts: &WriteOpts) -> Written {
    let by_key = |books: &Books, key: &str| {
        Uuid::parse_str(key)
            .ok()
            .and_then(|id| books.items.iter().position(|i| i.id == id))
            .or_else(|| {
                books
                    .items
                    .iter()
                    .position(|i| i.code.eq_ignore_ascii_case(key))
            })
    };
    let existing = match (&opts.path_id, input.str_of("ItemID"), input.str_of("Code")) {
        (Some(key), _, _) => by_key(books, key),
        (None, Some(id), _) => {
            Some(by_key(books, id).ok_or_else(|| vec![format!("Item {id} could not be found.")])?)
        }
        (None, None, Some(code)) if !opts.create_only => by_key(books, code),
        _ => None,
    };
    let mut errors = Vec::new();
    let mut item = match existing {
        Some(i) => books.items[i].clone(),
        None => Item {
            id: Uuid::new_v4(),
            code: String::new(),
            name: String::new(),
            description: None,
            purchase_description: None,
            is_sold: true,
            is_purchased: true,
            sales: PriceDetails::default(),
            purchase: PriceDetails::default(),
            updated: opts.now,
        },
    };
    if let Some(code) = input.str_of("Code") {
        if books
            .items
            .iter()
            .any(|i| i.id != item.id && i.code.eq_ignore_ascii_case(code))
        {
            errors.push(format!(
                "Price List Item with Code ''{code}'' already exists"
            ));
        }
        item.code = code.to_owned();
    }
    if item.code.is_empty() || item.code.chars().count() > 30 {
        errors.push("Item Code is required and must be 30 characters or fewer.".into());
    }
    item.name = input.str_of("Name").map(str::to_owned).unwrap_or(item.name);
    if item.name.chars().count() > 50 {
        errors.push("Item Name must be 50 characters or fewer.".into());
    }
    item.description = input
        .str_of("Description")
        .map(str::to_owned)
        .or(item.description);
    item.purchase_description = input
        .str_of("PurchaseDescription")
        .map(str::to_owned)
        .or(item.purchase_description);
    item.is_sold = input.bool_of("IsSold").unwrap_or(item.is_sold);
    item.is_purchased = input.bool_of("IsPurchased").unwrap_or(item.is_purchased);
    details(
        books,
        input.get("SalesDetails"),
        &mut item.sales,
        opts.unitdp,
        &mut errors,
    );
    details(
        books,
        input.get("PurchaseDetails"),
        &mut item.purchase,
        opts.unitdp,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    item.updated = opts.now;
    let id = item.id;
    match existing {
        Some(i) => books.items[i] = item,
        None => books.items.push(item),
    }
    Ok((id, Vec::new()))
}

/// Creates (PUT) or updates (POST, matched by TaxType or Name) a tax rate. Its id for the
/// batch helper is derived from the TaxType; the caller renders by TaxType.
pub(crate) fn write_tax_rate(
    books: &mut Books,
    input: &Json,
    opts: &WriteOpts,
) -> Result<String, Vec<String>> {
    let name = input.str_of("Name").unwrap_or("").trim().to_owned();
    let existing = input
        .str_of("TaxType")
        .and_then(|t| {
            books
                .tax_rates
                .iter()
                .position(|r| r.tax_type.eq_ignore_ascii_case(t))
        })
        .or_else(|| {
            books
                .tax_rates
                .iter()
                .position(|r| r.name.eq_ignore_ascii_case(&name))
        });
    if opts.create_only && existing.is_some() {
        return Err(vec![format!("A tax rate named '{name}' already exists.")]);
    }
    let mut errors = Vec::new();
    let mut components = Vec::new();
    for c in input
        .get("TaxComponents")
        .and_then(Json::as_array)
        .unwrap_or(&[])
    {
        match c.decimal_of("Rate") {
            Ok(Some(rate)) => components.push(TaxComponent {
                name: c.str_of("Name").unwrap_or("Tax").to_owned(),
                rate,
            }),
            Ok(None) => errors.push("Each tax component needs a Rate.".into()),
            Err(e) => errors.push(e),
        }
    }
    match existing {
        Some(i) => {
            if !errors.is_empty() {
                return Err(errors);
            }
            let rate = &mut books.tax_rates[i];
            if !name.is_empty() {
                rate.name = name;
            }
            if !components.is_empty() {
                rate.components = components;
            }
            if let Some(s) = input.str_of("Status") {
                rate.status = s.to_uppercase();
            }
            Ok(rate.tax_type.clone())
        }
        None => {
            if name.is_empty() {
                errors.push("A tax rate needs a Name.".into());
            }
            if components.is_empty() {
                errors.push("A tax rate needs at least one tax component.".into());
            }
            if !errors.is_empty() {
                return Err(errors);
            }
            let n = books
                .tax_rates
                .iter()
                .filter(|r| r.tax_type.starts_with("TAX"))
                .count()
                + 1;
            let tax_type = format!("TAX{n:03}");
            books.tax_rates.push(TaxRate {
                name,
                tax_type: tax_type.clone(),
                report_tax_type: input
                    .str_of("ReportTaxType")
                    .unwrap_or("USSALESTAX")
                    .to_owned(),
                status: "ACTIVE".into(),
                components,
                applies_to_revenue: true,
                applies_to_expenses: false,
            });
            Ok(tax_type)
        }
    }
}

const ACCOUNT_TYPES: [(&str, &str); 16] = [
    ("BANK", "ASSET"),
    ("CURRENT", "ASSET"),
    ("FIXED", "ASSET"),
    ("INVENTORY", "ASSET"),
    ("NONCURRENT", "ASSET"),
    ("PREPAYMENT", "ASSET"),
    ("CURRLIAB", "LIABILITY"),
    ("LIABILITY", "LIABILITY"),
    ("TERMLIAB", "LIABILITY"),
    ("EQUITY", "EQUITY"),
    ("DIRECTCOSTS", "EXPENSE"),
    ("EXPENSE", "EXPENSE"),
    ("OVERHEADS", "EXPENSE"),
    ("DEPRECIATN", "EXPENSE"),
    ("REVENUE", "REVENUE"),
    ("SALES", "REVENUE"),
];

/// `PUT /Accounts` (one unwrapped account).
pub(crate) fn create_account(books: &mut Books, input: &Json, opts: &WriteOpts) -> Written {
    let mut errors = Vec::new();
    let code = input.str_of("Code").unwrap_or("").trim().to_owned();
    let name = input.str_of("Name").unwrap_or("").trim().to_owned();
    let kind = input.str_of("Type").unwrap_or("").to_uppercase();
    if code.is_empty()
        || code.len() > 10
        || books
            .accounts
            .iter()
            .any(|a| a.code.eq_ignore_ascii_case(&code))
    {
        errors.push("Please enter a unique Code.".into());
    }
    if name.is_empty()
        || books
            .accounts
            .iter()
            .any(|a| a.name.eq_ignore_ascii_case(&name))
    {
        errors.push("Please enter a unique Name.".into());
    }
    let class = ACCOUNT_TYPES
        .iter()
        .find(|(t, _)| *t == kind)
        .map(|(_, c)| *c);
    if class.is_none() {
        errors.push(format!("Account Type '{kind}' is not valid."));
    }
    let (Some(class), true) = (class, errors.is_empty()) else {
        return Err(errors);
    };
    let id = Uuid::new_v4();
    books.accounts.push(Account {
        id,
        code,
        name,
        kind: kind.clone(),
        class: class.into(),
        status: "ACTIVE".into(),
        tax_type: input.str_of("TaxType").unwrap_or("NONE").to_owned(),
        description: input.str_of("Description").map(str::to_owned),
        enable_payments: input.bool_of("EnablePaymentsToAccount").unwrap_or(false),
        bank_account_number: input.str_of("BankAccountNumber").map(str::to_owned),
        currency: (kind == "BANK").then(|| books.org.base_currency.clone()),
        system_account: None,
        updated: opts.now,
    });
    Ok((id, Vec::new()))
}

/// `PUT /TrackingCategories` (`{"Name": ...}`).
pub(crate) fn create_tracking_category(books: &mut Books, input: &Json) -> Written {
    let name = input.str_of("Name").unwrap_or("").trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(vec![
            "A tracking category needs a Name of at most 100 characters.".into(),
        ]);
    }
    if books
        .tracking
        .iter()
        .any(|c| c.name.eq_ignore_ascii_case(&name))
    {
        return Err(vec![format!(
            "A tracking category named '{name}' already exists."
        )]);
    }
    if books
        .tracking
        .iter()
        .filter(|c| c.status == "ACTIVE")
        .count()
        >= 2
    {
        return Err(vec![
            "An organisation can have at most 2 active tracking categories.".into(),
        ]);
    }
    let id = Uuid::new_v4();
    books.tracking.push(TrackingCategory {
        id,
        name,
        status: "ACTIVE".into(),
        options: Vec::new(),
    });
    Ok((id, Vec::new()))
}

/// `PUT /TrackingCategories/{id}/Options` (`{"Name": ...}` or `{"Options": [...]}`).
pub(crate) fn create_tracking_option(books: &mut Books, category: usize, input: &Json) -> Written {
    let name = input.str_of("Name").unwrap_or("").trim().to_owned();
    let cat = &mut books.tracking[category];
    if name.is_empty() || name.chars().count() > 100 {
        return Err(vec![
            "A tracking option needs a Name of at most 100 characters.".into(),
        ]);
    }
    if cat
        .options
        .iter()
        .any(|o| o.name.eq_ignore_ascii_case(&name))
    {
        return Err(vec![format!(
            "For each specified tracking option the name must be unique ('{name}')."
        )]);
    }
    let id = Uuid::new_v4();
    cat.options.push(TrackingOption {
        id,
        name,
        status: "ACTIVE".into(),
    });
    Ok((id, Vec::new()))
}
