//! Reading the `LineItems` of an invoice or credit note write. A line with a known
//! `LineItemID` updates that line (fields not sent are kept); a line without one is new; lines
//! not sent are dropped. Defaults come from the item (`ItemCode`), then the account.

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::books::calc::finish_line;
use crate::books::{Books, Line, LineAmountTypes, LineTracking};
use crate::wire::{Json, fixed};

pub(crate) const DESCRIPTION_REQUIRED: &str =
    "The description field is mandatory for each line item.";

/// Reads the sent lines against the current ones; messages go to `errors`.
pub(crate) fn read_lines(
    books: &Books,
    sent: &[Json],
    current: &[Line],
    types: LineAmountTypes,
    receivable: bool,
    unitdp: u32,
    errors: &mut Vec<String>,
) -> Vec<Line> {
    let mut out = Vec::with_capacity(sent.len());
    for input in sent {
        let existing = match input.str_of("LineItemID") {
            Some(id) => match Uuid::parse_str(id)
                .ok()
                .and_then(|id| current.iter().find(|l| l.id == id))
            {
                Some(line) => Some(line.clone()),
                None => {
                    errors.push(format!(
                        "The LineItemID {id} does not exist on this document."
                    ));
                    continue;
                }
            },
            None => None,
        };
        if let Some(line) = read_line(books, input, existing, types, receivable, unitdp, errors) {
            out.push(line);
        }
    }
    out
}

fn decimal(input: &Json, key: &str, errors: &mut Vec<String>) -> Option<Decimal> {
    input.decimal_of(key).unwrap_or_else(|e| {
        errors.push(e);
        None
    })
}

fn read_line(
    books: &Books,
    input: &Json,
    existing: Option<Line>,
    types: LineAmountTypes,
    receivable: bool,
    unitdp: u32,
    errors: &mut Vec<String>,
) -> Option<Line> {
    let before = errors.len();
    let is_new = existing.is_none();
    let mut line = existing.unwrap_or_else(|| Line {
        id: Uuid::new_v4(),
        description: String::new(),
        quantity: Decimal::ONE,
        unit_amount: Decimal::ZERO,
        item_code: None,
        account_code: None,
        tax_type: String::new(),
        tax_amount: Decimal::ZERO,
        line_amount: Decimal::ZERO,
        discount_rate: None,
        tracking: Vec::new(),
    });
    let item = match input.str_of("ItemCode").filter(|c| !c.is_empty()) {
        Some(code) => match books.item_by_code(code) {
            Some(item) => {
                line.item_code = Some(item.code.clone());
                Some(item)
            }
            None => {
                errors.push(format!("Item code '{code}' is not valid."));
                None
            }
        },
        None => None,
    };
    let details = item.map(|i| if receivable { &i.sales } else { &i.purchase });
    if let Some(d) = input.str_of("Description") {
        line.description = d.to_owned();
    } else if is_new {
        line.description = item.and_then(|i| i.description.clone()).unwrap_or_default();
    }
    if line.description.trim().is_empty() {
        errors.push(DESCRIPTION_REQUIRED.into());
    }
    let quantity = decimal(input, "Quantity", errors);
    let unit = decimal(input, "UnitAmount", errors);
    let sent_line_amount = decimal(input, "LineAmount", errors);
    if let Some(q) = quantity {
        line.quantity = fixed(q, 4);
    }
    match (unit, quantity, sent_line_amount) {
        (Some(u), _, _) => line.unit_amount = fixed(u, unitdp),
        // Only a line amount: one unit of that amount (a sent LineAmount is otherwise derived).
        (None, None, Some(amount)) if is_new => {
            line.quantity = Decimal::ONE;
            line.unit_amount = fixed(amount, unitdp);
        }
        (None, _, _) if is_new => {
            line.unit_amount = details
                .and_then(|d| d.unit_price)
                .map(|p| fixed(p, unitdp))
                .unwrap_or_default();
        }
        _ => {}
    }
    if let Some(rate) = decimal(input, "DiscountRate", errors) {
        if !receivable {
            errors.push("Discounts are only available on sales documents.".into());
        } else if rate < Decimal::ZERO || rate > Decimal::ONE_HUNDRED {
            errors.push("DiscountRate must be between 0 and 100.".into());
        }
        line.discount_rate = (!rate.is_zero()).then_some(rate);
    }
    let account_code = input.str_of("AccountCode").map(str::to_owned).or_else(|| {
        input
            .str_of("AccountID")
            .and_then(|id| Uuid::parse_str(id).ok())
            .and_then(|id| books.account(id))
            .map(|a| a.code.clone())
    });
    match account_code {
        Some(code) => match books.account_by_code(&code) {
            Some(a) if a.status == "ACTIVE" => line.account_code = Some(a.code.clone()),
            _ => errors.push(format!(
                "Account code '{code}' is not a valid code for this document."
            )),
        },
        None if is_new => line.account_code = details.and_then(|d| d.account_code.clone()),
        None => {}
    }
    let tax_type = input.str_of("TaxType").map(str::to_owned).or_else(|| {
        (is_new || line.tax_type.is_empty()).then(|| {
            details
                .and_then(|d| d.tax_type.clone())
                .or_else(|| {
                    line.account_code
                        .as_deref()
                        .and_then(|c| books.account_by_code(c))
                        .map(|a| a.tax_type.clone())
                })
                .unwrap_or_else(|| "NONE".into())
        })
    });
    if let Some(t) = tax_type {
        match books.tax_rate(&t) {
            Some(rate) if rate.status == "ACTIVE" && (if receivable { rate.applies_to_revenue } else { rate.applies_to_expenses }) => {
                line.tax_type = rate.tax_type.clone()
            }
            _ => errors.push(format!("The TaxType code '{t}' does not exist or cannot be used for this type of transaction.")),
        }
    }
    if let Some(tracking) = input.get("Tracking").and_then(Json::as_array) {
        if tracking.len() > 2 {
            errors.push("A line item can have at most 2 tracking categories.".into());
        }
        let mut resolved: Vec<LineTracking> = Vec::new();
        for t in tracking {
            match books.resolve_tracking(
                t.str_of("TrackingCategoryID"),
                t.str_of("TrackingOptionID"),
                t.str_of("Name"),
                t.str_of("Option"),
            ) {
                Ok(r) => resolved.push(r),
                Err(e) => errors.push(e),
            }
        }
        line.tracking = resolved;
    }
    let tax_override = decimal(input, "TaxAmount", errors);
    let rate = books
        .tax_rate(&line.tax_type)
        .map(|t| t.rate())
        .unwrap_or_default();
    finish_line(&mut line, types, rate, tax_override);
    if line.line_amount.abs() > Decimal::new(999_999_999_999, 2) {
        errors.push("The line amount cannot exceed 9,999,999,999.99.".into());
    }
    (errors.len() == before).then_some(line)
}
