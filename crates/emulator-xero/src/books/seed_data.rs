//! Reference data of the seeded organisation: a US chart of accounts, US-style tax rates
//! (custom `TAX00n` rates with components, as Xero US organisations have), the items and the
//! "Business Unit" tracking category of a plumbing firm.

use std::str::FromStr;

use chrono::{DateTime, Days, NaiveDate, Utc};
use ledgerbridge_emulator::demo_world::tenant_for_target;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::seed::uuid_from;
use super::{
    Account, Item, Organisation, PriceDetails, TaxComponent, TaxRate, TrackingCategory,
    TrackingOption,
};
use crate::wire::dates::date_start;

pub(crate) const LOCAL_NAMES: [&str; 10] = [
    "Pacific Crest Dental",
    "Rosa Delgado",
    "Willamette Brewing Co.",
    "Tom Becker",
    "Hawthorne Yoga Studio",
    "Linh Tran",
    "Alder Street Apartments",
    "Priya Raman",
    "Stumptown Fitness",
    "Greg O'Malley",
];

pub(crate) const STREETS: [&str; 6] = [
    "SE Belmont St",
    "NE Alberta St",
    "SW Naito Pkwy",
    "N Mississippi Ave",
    "SE Division St",
    "NW 23rd Ave",
];

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("seed amounts are valid decimals")
}

pub(crate) fn organisation(tenant_id: Uuid, start: NaiveDate, now: DateTime<Utc>) -> Organisation {
    let name = tenant_for_target("xero")
        .map(|t| t.name)
        .unwrap_or("Sandbox Organisation");
    Organisation {
        id: tenant_id,
        name: name.into(),
        legal_name: format!("{name} LLC"),
        short_code: "!bWp3x".into(),
        base_currency: "USD".into(),
        currencies: vec!["USD".into()],
        country_code: "US".into(),
        version: "US".into(),
        timezone: "PACIFICSTANDARDTIME".into(),
        created: date_start(start - Days::new(400)).min(now),
        period_lock_date: None,
        end_of_year_lock_date: None,
        sales_due_days: 30,
    }
}

/// (code, name, type, class, tax type, enable payments, system account)
type ChartRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    Option<&'static str>,
);

const CHART: [ChartRow; 14] = [
    (
        "090",
        "Business Checking",
        "BANK",
        "ASSET",
        "NONE",
        false,
        None,
    ),
    (
        "091",
        "Business Savings",
        "BANK",
        "ASSET",
        "NONE",
        false,
        None,
    ),
    (
        "610",
        "Accounts Receivable",
        "CURRENT",
        "ASSET",
        "NONE",
        false,
        Some("DEBTORS"),
    ),
    (
        "625",
        "Payments Clearing",
        "CURRENT",
        "ASSET",
        "NONE",
        true,
        None,
    ),
    (
        "800",
        "Accounts Payable",
        "CURRLIAB",
        "LIABILITY",
        "NONE",
        false,
        Some("CREDITORS"),
    ),
    (
        "820",
        "Sales Tax",
        "CURRLIAB",
        "LIABILITY",
        "NONE",
        false,
        Some("GST"),
    ),
    (
        "960",
        "Retained Earnings",
        "EQUITY",
        "EQUITY",
        "NONE",
        false,
        Some("RETAINEDEARNINGS"),
    ),
    ("200", "Sales", "REVENUE", "REVENUE", "NONE", false, None),
    (
        "210",
        "Service Revenue",
        "REVENUE",
        "REVENUE",
        "NONE",
        false,
        None,
    ),
    (
        "220",
        "Equipment & Materials Revenue",
        "REVENUE",
        "REVENUE",
        "TAX001",
        false,
        None,
    ),
    (
        "260",
        "Other Revenue",
        "REVENUE",
        "REVENUE",
        "NONE",
        false,
        None,
    ),
    (
        "310",
        "Cost of Goods Sold",
        "DIRECTCOSTS",
        "EXPENSE",
        "INPUT",
        false,
        None,
    ),
    (
        "429",
        "General Expenses",
        "OVERHEADS",
        "EXPENSE",
        "INPUT",
        false,
        None,
    ),
    (
        "493",
        "Vehicle Expenses",
        "OVERHEADS",
        "EXPENSE",
        "INPUT",
        false,
        None,
    ),
];

pub(crate) fn accounts(rng: &mut ChaCha8Rng, updated: DateTime<Utc>) -> Vec<Account> {
    CHART
        .iter()
        .map(|(code, name, kind, class, tax, pay, system)| Account {
            id: uuid_from(rng),
            code: (*code).into(),
            name: (*name).into(),
            kind: (*kind).into(),
            class: (*class).into(),
            status: "ACTIVE".into(),
            tax_type: (*tax).into(),
            description: None,
            enable_payments: *pay,
            bank_account_number: (*kind == "BANK").then(|| format!("1200{code}7781")),
            currency: (*kind == "BANK").then(|| "USD".into()),
            system_account: system.map(str::to_owned),
            updated,
        })
        .collect()
}

fn rate(
    name: &str,
    tax_type: &str,
    report: &str,
    components: &[(&str, &str)],
    revenue: bool,
    expenses: bool,
) -> TaxRate {
    TaxRate {
        name: name.into(),
        tax_type: tax_type.into(),
        report_tax_type: report.into(),
        status: "ACTIVE".into(),
        components: components
            .iter()
            .map(|(n, r)| TaxComponent {
                name: (*n).into(),
                rate: dec(r),
            })
            .collect(),
        applies_to_revenue: revenue,
        applies_to_expenses: expenses,
    }
}

pub(crate) fn tax_rates() -> Vec<TaxRate> {
    vec![
        rate("Tax Exempt", "NONE", "NONE", &[("None", "0")], true, true),
        rate(
            "Tax on Sales",
            "OUTPUT",
            "OUTPUT",
            &[("Sales Tax", "0")],
            true,
            false,
        ),
        rate(
            "Tax on Purchases",
            "INPUT",
            "INPUT",
            &[("Purchase Tax", "0")],
            false,
            true,
        ),
        // A tax zone with two component rates (Vancouver, WA jobs across the river).
        rate(
            "Vancouver WA Sales Tax",
            "TAX001",
            "USSALESTAX",
            &[("WA State", "6.5"), ("Clark County", "2.2")],
            true,
            false,
        ),
        rate(
            "Idaho Sales Tax",
            "TAX002",
            "USSALESTAX",
            &[("ID State", "6.0")],
            true,
            false,
        ),
    ]
}

/// (code, name, description, unit price, account, tax type)
const ITEMS: [(&str, &str, &str, &str, &str, &str); 6] = [
    (
        "SVC-DIAG",
        "Diagnostic visit",
        "Diagnostic visit",
        "89.00",
        "210",
        "NONE",
    ),
    (
        "SVC-HR",
        "Plumbing labor",
        "Plumbing labor (per hour)",
        "125.00",
        "210",
        "NONE",
    ),
    (
        "WH-FLUSH",
        "Water heater flush",
        "Water heater flush",
        "145.00",
        "210",
        "NONE",
    ),
    (
        "DRAIN-CLR",
        "Drain clearing",
        "Main line drain clearing",
        "175.00",
        "210",
        "NONE",
    ),
    (
        "MAT-PVC",
        "PVC fittings",
        "PVC fittings (each)",
        "3.4750",
        "220",
        "TAX001",
    ),
    (
        "EQ-WH50",
        "50 gal water heater",
        "50 gal water heater, installed",
        "1189.00",
        "220",
        "TAX001",
    ),
];

pub(crate) fn items(rng: &mut ChaCha8Rng, updated: DateTime<Utc>) -> Vec<Item> {
    ITEMS
        .iter()
        .map(|(code, name, description, price, account, tax)| Item {
            id: uuid_from(rng),
            code: (*code).into(),
            name: (*name).into(),
            description: Some((*description).into()),
            purchase_description: None,
            is_sold: true,
            is_purchased: code.starts_with("MAT") || code.starts_with("EQ"),
            sales: PriceDetails {
                unit_price: Some(dec(price)),
                account_code: Some((*account).into()),
                tax_type: Some((*tax).into()),
            },
            purchase: PriceDetails::default(),
            updated,
        })
        .collect()
}

pub(crate) fn business_units(rng: &mut ChaCha8Rng) -> TrackingCategory {
    let mut options: Vec<TrackingOption> = [
        "Residential Service",
        "Commercial Service",
        "Drain Cleaning",
        "Water Heaters",
    ]
    .iter()
    .map(|name| TrackingOption {
        id: uuid_from(rng),
        name: (*name).into(),
        status: "ACTIVE".into(),
    })
    .collect();
    options.push(TrackingOption {
        id: uuid_from(rng),
        name: "Irrigation (closed)".into(),
        status: "ARCHIVED".into(),
    });
    TrackingCategory {
        id: uuid_from(rng),
        name: "Business Unit".into(),
        status: "ACTIVE".into(),
        options,
    }
}
