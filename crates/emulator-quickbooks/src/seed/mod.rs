//! The seeded company: Frostline Heating & Air, the demo world's HVAC tenant
//! (`demo_world::tenant_for_target("quickbooks")`), a US company in Springfield, IL with
//! automated sales tax.
//!
//! Both scenarios get what a new QuickBooks company always has: company info, preferences
//! (books closed through the day before `start`), a chart of accounts, the built-in
//! "Services" item, payment methods and the AST tax codes and rates. `demo` adds the trade's
//! items and classes (business units), the tenant's shared customers (one inactive), a
//! tax-exempt church, a few seeded-random customers in and out of the tax zones, and the
//! pre-existing invoice whose number matches a ServiceTitan invoice. Records are written
//! through the same validation as API writes; their timestamps derive from `start` only, so
//! the same seed and start give the same company.

use chrono::{Days, NaiveDate};
use ledgerbridge_emulator::demo_world::{
    PREEXISTING_INVOICES, SHARED_CUSTOMERS, tenant_for_target,
};
use ledgerbridge_emulator::{Scenario, SeedOptions, seeded_rng};
use rand::Rng;
use rand::seq::IndexedRandom;

use crate::REALM_ID;

mod bulk;
use crate::json::{Json, Obj, reference};
use crate::model::names::WriteCtx;
use crate::model::{Company, Kind};
use crate::obj;
use crate::ops::{self, Op};
use crate::time::at;
pub(crate) use bulk::bulk_invoices;

/// A fresh company for `seed`.
pub(crate) fn company(seed: &SeedOptions) -> Company {
    let mut co = Company::new(REALM_ID);
    let setup = ctx(seed.start - Days::new(60));
    reference_data(&mut co, seed, &setup);
    if seed.scenario == Scenario::Demo {
        demo(&mut co, seed);
    }
    co
}

fn ctx(day: NaiveDate) -> WriteCtx {
    WriteCtx {
        now: at(day, 8, 0),
        today: day,
        allow_duplicate_doc_number: false,
    }
}

fn create(co: &mut Company, ctx: &WriteCtx, kind: Kind, body: Obj) -> String {
    let created = ops::execute(co, ctx, kind, Op::Create, body).unwrap_or_else(|fault| {
        panic!(
            "seed data must be valid ({} {:?})",
            kind.name(),
            fault.errors
        )
    });
    created
        .str("Id")
        .expect("created entities have ids")
        .to_owned()
}

fn address(line1: &str, city: &str, state: &str, zip: &str) -> Obj {
    obj! { "Line1" => line1, "City" => city, "CountrySubDivisionCode" => state, "PostalCode" => zip, "Country" => "US" }
}

/// The company started on 1 January of the year before the seeded month.
fn company_start(start: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    chrono::NaiveDate::from_ymd_opt(start.year() - 1, 1, 1)
        .unwrap_or(start)
        .to_string()
}

fn reference_data(co: &mut Company, seed: &SeedOptions, setup: &WriteCtx) {
    let name = tenant_for_target("quickbooks").map_or("Frostline Heating & Air", |t| t.name);
    let company_addr = address("2200 Stevenson Dr", "Springfield", "IL", "62703");
    co.put(
        Kind::CompanyInfo,
        REALM_ID,
        obj! {
            "CompanyName" => name,
            "LegalName" => format!("{name} LLC"),
            "CompanyAddr" => company_addr.clone(),
            "LegalAddr" => company_addr,
            "Country" => "US",
            "FiscalYearStartMonth" => "January",
            "SupportedLanguages" => "en",
            "DefaultTimeZone" => "America/Chicago",
            // XSD `CompanyInfo.CompanyStartDate` and `NameValue` (`{Name, Value}` pairs); the
            // names are those of the CompanyInfo sample in Intuit's API reference.
            "CompanyStartDate" => company_start(seed.start),
            "NameValue" => Json::Arr(
                [
                    ("NeoEnabled", "true"),
                    ("IndustryType", "Heating and Air Conditioning Contractors"),
                    ("SubscriptionStatus", "PAID"),
                    ("OfferingSku", "QuickBooks Online Plus"),
                    ("PayrollFeature", "false"),
                    ("AccountantFeature", "false"),
                ]
                .into_iter()
                .map(|(n, v)| Json::Obj(obj! { "Name" => n, "Value" => v }))
                .collect(),
            ),
        },
        setup.now,
    );
    co.put(
        Kind::Preferences,
        "1",
        obj! {
            "AccountingInfoPrefs" => obj! {
                "TrackDepartments" => false,
                "ClassTrackingPerTxn" => false,
                "ClassTrackingPerTxnLine" => true,
                "CustomerTerminology" => "Customers",
                "BookCloseDate" => (seed.start - Days::new(1)).to_string(),
            },
            "SalesFormsPrefs" => obj! { "CustomTxnNumbers" => false, "AllowDiscount" => true, "DefaultTerms" => reference("3", Some("Net 30")) },
            "TaxPrefs" => obj! { "UsingSalesTax" => true, "PartnerTaxEnabled" => true },
            "CurrencyPrefs" => obj! { "MultiCurrencyEnabled" => false, "HomeCurrency" => reference("USD", None) },
        },
        setup.now,
    );
    for (account, account_type, sub_type) in [
        ("Services", "Income", "ServiceFeeIncome"),
        ("Sales of Product Income", "Income", "SalesOfProductIncome"),
        ("Discounts given", "Income", "DiscountsRefundsGiven"),
        (
            "Undeposited Funds",
            "Other Current Asset",
            "UndepositedFunds",
        ),
        ("Business Checking", "Bank", "Checking"),
        (
            "Accounts Receivable (A/R)",
            "Accounts Receivable",
            "AccountsReceivable",
        ),
        (
            "Illinois Department of Revenue Payable",
            "Other Current Liability",
            "SalesTaxPayable",
        ),
        (
            "Cost of Goods Sold",
            "Cost of Goods Sold",
            "SuppliesMaterialsCogs",
        ),
    ] {
        create(
            co,
            setup,
            Kind::Account,
            obj! { "Name" => account, "AccountType" => account_type, "AccountSubType" => sub_type },
        );
    }
    // AST rates: Illinois, Sangamon County, and Springfield's city rate, which changes
    // mid-month (a scenario: the rate on the invoice date applies).
    let change = seed.start + Days::new(15);
    let t = |d: NaiveDate| format!("{d}T00:00:00-06:00");
    let rates = [
        ("1", "IL State", "6.25", Json::Arr(vec![])),
        ("2", "Sangamon County", "1", Json::Arr(vec![])),
        (
            "3",
            "Springfield City",
            "2.5",
            Json::Arr(vec![
                Json::Obj(
                    obj! { "RateValue" => Json::Num("2.25".into()), "EffectiveDate" => t(NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid")), "EndDate" => t(change - Days::new(1)) },
                ),
                Json::Obj(
                    obj! { "RateValue" => Json::Num("2.5".into()), "EffectiveDate" => t(change) },
                ),
            ]),
        ),
    ];
    for (id, rate, value, history) in rates {
        co.put(Kind::TaxRate, id, obj! {
            "Name" => rate, "Description" => "Sales Tax", "Active" => true, "RateValue" => Json::Num(value.into()),
            "AgencyRef" => reference("1", Some("Illinois Department of Revenue")), "EffectiveTaxRate" => history,
            "SpecialTaxType" => "NONE", "DisplayType" => "ReadOnly",
        }, setup.now);
    }
    let rate_list = |ids: &[&str]| -> Obj {
        let details = ids.iter().enumerate().map(|(i, id)| {
            let name = co_name(id);
            Json::Obj(obj! { "TaxRateRef" => reference(id, Some(name)), "TaxTypeApplicable" => "TaxOnAmount", "TaxOrder" => Json::int(i as i64) })
        });
        obj! { "TaxRateDetail" => Json::Arr(details.collect()) }
    };
    for (id, code, taxable, rates) in [
        ("TAX", "TAX", true, vec![]),
        ("NON", "NON", false, vec![]),
        ("2", "Springfield, IL", true, vec!["1", "2", "3"]),
        ("3", "Chatham, IL", true, vec!["1", "2"]),
        ("4", "Illinois", true, vec!["1"]),
    ] {
        co.put(Kind::TaxCode, id, obj! {
            "Name" => code, "Description" => code, "Active" => true, "Hidden" => false, "Taxable" => taxable,
            "TaxGroup" => rates.len() > 1, "SalesTaxRateList" => rate_list(&rates),
            "PurchaseTaxRateList" => obj! { "TaxRateDetail" => Json::Arr(vec![]) },
        }, setup.now);
    }
    co.tax_zones = vec![
        ("IL".into(), Some("Springfield".into()), "2".into()),
        ("IL".into(), Some("Chatham".into()), "3".into()),
        ("IL".into(), None, "4".into()),
    ];
    create(
        co,
        setup,
        Kind::Item,
        obj! { "Name" => "Services", "Type" => "Service", "IncomeAccountRef" => reference("1", None) },
    );
    for (method, kind) in [
        ("Cash", "NON_CREDIT_CARD"),
        ("Check", "NON_CREDIT_CARD"),
        ("Visa", "CREDIT_CARD"),
        ("MasterCard", "CREDIT_CARD"),
        ("American Express", "CREDIT_CARD"),
        ("Discover", "CREDIT_CARD"),
    ] {
        create(
            co,
            setup,
            Kind::PaymentMethod,
            obj! { "Name" => method, "Type" => kind },
        );
    }
}

fn co_name(rate_id: &str) -> &'static str {
    match rate_id {
        "1" => "IL State",
        "2" => "Sangamon County",
        _ => "Springfield City",
    }
}

const EXTRA_CUSTOMERS: [&str; 8] = [
    "Prairie State Dental",
    "Lincoln Park Condominiums",
    "Dave & Ellen Kowalski",
    "Capitol City Diner",
    "Sunrise Senior Living",
    "Mark O'Neil",
    "Route 66 Auto Body",
    "Westside Veterinary Clinic",
];

const EXTRA_ADDRESSES: [(&str, &str, &str, &str); 4] = [
    ("910 S 5th St", "Springfield", "IL", "62702"),
    ("45 Plummer Blvd", "Chatham", "IL", "62629"),
    ("12 Main St", "Rochester", "IL", "62563"),
    ("700 Market St", "St. Louis", "MO", "63101"),
];

fn demo(co: &mut Company, seed: &SeedOptions) {
    let setup = ctx(seed.start - Days::new(60));
    for (item, item_type, price, account) in [
        ("HVAC Service Call", "Service", "89.00", "1"),
        ("Maintenance Agreement Visit", "Service", "189.00", "1"),
        ("Refrigerant R-410A (lb)", "NonInventory", "85.00", "2"),
        ("Furnace Filter 16x25x1", "NonInventory", "24.50", "2"),
        ("Equipment Installation", "Service", "1250.00", "1"),
    ] {
        create(
            co,
            &setup,
            Kind::Item,
            obj! {
                "Name" => item, "Type" => item_type, "UnitPrice" => Json::Num(price.into()), "IncomeAccountRef" => reference(account, None),
            },
        );
    }
    for class in ["Residential Service", "Commercial Service", "Installations"] {
        create(co, &setup, Kind::Class, obj! { "Name" => class });
    }
    let tenant = tenant_for_target("quickbooks").map(|t| t.tenant_id);
    let customers_day = ctx(seed.start - Days::new(20));
    for shared in SHARED_CUSTOMERS
        .iter()
        .filter(|c| Some(c.tenant_id) == tenant)
    {
        let (street, city, state, zip) = shared.address;
        let mut body = obj! { "DisplayName" => shared.name, "BillAddr" => address(street, city, state, zip), "Active" => shared.active_in_accounting };
        if let Some(email) = shared.email {
            body.insert("PrimaryEmailAddr", obj! { "Address" => email });
        }
        if let Some(phone) = shared.phone {
            body.insert("PrimaryPhone", obj! { "FreeFormNumber" => phone });
        }
        create(co, &customers_day, Kind::Customer, body);
    }
    create(
        co,
        &customers_day,
        Kind::Customer,
        obj! {
            "DisplayName" => "Grace Community Church", "CompanyName" => "Grace Community Church", "Taxable" => false,
            "BillAddr" => address("1400 W Washington St", "Springfield", "IL", "62702"), "ResaleNum" => "E9912-4410",
        },
    );
    let mut rng = seeded_rng(seed.seed, "quickbooks-customers");
    let chosen: Vec<&str> = EXTRA_CUSTOMERS
        .choose_multiple(&mut rng, 3)
        .copied()
        .collect();
    for (i, name) in chosen.into_iter().enumerate() {
        // One per zone at least: Springfield, Chatham, out of state; the rest random.
        let (street, city, state, zip) = match i {
            0 => EXTRA_ADDRESSES[0],
            1 => EXTRA_ADDRESSES[1],
            2 => EXTRA_ADDRESSES[3],
            _ => *EXTRA_ADDRESSES.choose(&mut rng).expect("non-empty"),
        };
        let phone = format!(
            "555-{:03}-{:04}",
            rng.random_range(200..=899),
            rng.random_range(0..=9999)
        );
        create(
            co,
            &customers_day,
            Kind::Customer,
            obj! {
                "DisplayName" => name, "BillAddr" => address(street, city, state, zip), "PrimaryPhone" => obj! { "FreeFormNumber" => phone },
            },
        );
    }
    for invoice in PREEXISTING_INVOICES
        .iter()
        .filter(|i| Some(i.tenant_id) == tenant)
    {
        let day = seed.start + Days::new(invoice.day_offset);
        let customer = crate::model::names::find_by_name(co, Kind::Customer, invoice.customer_name)
            .map(|c| c.id.clone())
            .expect("the pre-existing invoice's customer is seeded");
        let item = crate::model::names::find_by_name(co, Kind::Item, "Maintenance Agreement Visit")
            .map(|i| i.id.clone())
            .unwrap_or_else(|| "1".into());
        let body = obj! {
            "DocNumber" => invoice.number,
            "TxnDate" => day.to_string(),
            "CustomerRef" => reference(&customer, None),
            "Line" => Json::Arr(vec![Json::Obj(obj! {
                "Amount" => Json::Num(invoice.total.into()),
                "Description" => invoice.description,
                "DetailType" => "SalesItemLineDetail",
                "SalesItemLineDetail" => obj! {
                    "ItemRef" => reference(&item, None),
                    "Qty" => Json::Num(invoice.quantity.into()),
                    "UnitPrice" => Json::Num(invoice.unit_price.into()),
                    "TaxCodeRef" => reference("NON", None),
                },
            })]),
        };
        create(co, &ctx_at(day, 10), Kind::Invoice, body);
    }
}

fn ctx_at(day: NaiveDate, hour: u32) -> WriteCtx {
    WriteCtx {
        now: at(day, hour, 0),
        today: day,
        allow_duplicate_doc_number: false,
    }
}
