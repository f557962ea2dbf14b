//! Seeded organisations: `demo` (the plumbing firm of `demo_world`) and `empty` (chart of
//! accounts and tax rates only, as a new Xero organisation has). Same seed and start, same data:
//! every random choice comes from a named `seeded_rng` stream and ids are drawn from it too.

use std::str::FromStr;

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use ledgerbridge_emulator::demo_world::{SHARED_CUSTOMERS, tenant_for_target};
use ledgerbridge_emulator::{Scenario, SeedOptions, seeded_rng};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::calc::finish_line;
use super::seed_data::{self, LOCAL_NAMES, STREETS};
use super::{Address, Contact, Phone};
use super::{Books, Document, Line, LineAmountTypes};
use crate::wire::dates::date_start;

/// A random v4 UUID drawn from a seeded stream (deterministic per seed).
pub(crate) fn uuid_from(rng: &mut ChaCha8Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

pub(crate) fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("seed amounts are valid decimals")
}

/// A timestamp on `date` at `hour` UTC, never later than `now`.
pub(crate) fn at(date: NaiveDate, hour: i64, now: DateTime<Utc>) -> DateTime<Utc> {
    (date_start(date) + Duration::hours(hour)).min(now)
}

/// Builds the organisation for `opts`.
pub(crate) fn seed(opts: SeedOptions, tenant_id: Uuid, now: DateTime<Utc>) -> Books {
    let start = opts.start;
    let mut books = Books::new(seed_data::organisation(tenant_id, start, now));
    let mut ids = seeded_rng(opts.seed, "xero-reference-ids");
    books.accounts = seed_data::accounts(&mut ids, at(start - Days::new(300), 9, now));
    books.tax_rates = seed_data::tax_rates();
    if opts.scenario == Scenario::Empty {
        return books;
    }
    // The month before the sandbox month is closed (the lock-date scenario).
    books.org.period_lock_date = Some(start - Days::new(1));
    books.items = seed_data::items(&mut ids, at(start - Days::new(200), 9, now));
    books.tracking = vec![seed_data::business_units(&mut ids)];
    seed_contacts(&mut books, opts, now);
    super::seed_docs::seed_documents(&mut books, opts, now);
    books
}

fn phone(number: &str) -> Vec<Phone> {
    let (area, rest) = number.split_once('-').unwrap_or(("", number));
    vec![Phone {
        kind: "DEFAULT".into(),
        number: rest.into(),
        area_code: area.into(),
        country_code: "1".into(),
    }]
}

fn street(line1: &str, city: &str, region: &str, zip: &str) -> Vec<Address> {
    vec![Address {
        kind: "STREET".into(),
        lines: [line1.into(), String::new(), String::new(), String::new()],
        city: city.into(),
        region: region.into(),
        postal_code: zip.into(),
        country: "USA".into(),
        attention_to: String::new(),
    }]
}

fn contact(id: Uuid, name: &str, status: &str, updated: DateTime<Utc>) -> Contact {
    Contact {
        id,
        number: None,
        account_number: None,
        status: status.into(),
        name: name.into(),
        first_name: None,
        last_name: None,
        email: None,
        tax_number: None,
        default_currency: None,
        phones: Vec::new(),
        addresses: Vec::new(),
        updated,
    }
}

fn seed_contacts(books: &mut Books, opts: SeedOptions, now: DateTime<Utc>) {
    let mut rng = seeded_rng(opts.seed, "xero-contacts");
    let tenant = tenant_for_target("xero")
        .expect("demo_world has a Xero tenant")
        .tenant_id;
    let entered = opts.start - Days::new(20);
    for (k, shared) in SHARED_CUSTOMERS
        .iter()
        .filter(|c| c.tenant_id == tenant)
        .enumerate()
    {
        let status = if shared.active_in_accounting {
            "ACTIVE"
        } else {
            "ARCHIVED"
        };
        let mut c = contact(
            uuid_from(&mut rng),
            shared.name,
            status,
            at(entered, 10 + k as i64, now),
        );
        c.email = shared.email.map(str::to_owned);
        c.phones = shared.phone.map(phone).unwrap_or_default();
        let (line1, city, region, zip) = shared.address;
        c.addresses = street(line1, city, region, zip);
        books.contacts.push(c);
    }
    let picks: Vec<&str> = LOCAL_NAMES.choose_multiple(&mut rng, 4).copied().collect();
    for (k, name) in picks.into_iter().enumerate() {
        let mut c = contact(
            uuid_from(&mut rng),
            name,
            "ACTIVE",
            at(entered + Days::new(1), 9 + k as i64, now),
        );
        let handle: String = name
            .chars()
            .filter(|ch| ch.is_ascii_alphanumeric())
            .collect();
        c.email = Some(format!("{}@example.com", handle.to_lowercase()));
        c.phones = phone(&format!("555-{}", rng.random_range(3_310_000..3_399_999)));
        let number = rng.random_range(100..9_999);
        let st = STREETS.choose(&mut rng).expect("streets");
        c.addresses = street(&format!("{number} {st}"), "Portland", "OR", "97214");
        books.contacts.push(c);
    }
    let mut supplier = contact(
        uuid_from(&mut rng),
        "Ferguson Plumbing Supply",
        "ACTIVE",
        at(entered, 8, now),
    );
    supplier.email = Some("orders@ferguson.example".into());
    books.contacts.push(supplier);
    books.contacts.push(contact(
        uuid_from(&mut rng),
        "Oldtown Laundromat",
        "ARCHIVED",
        at(entered, 7, now),
    ));
}

/// One seeded line: description, quantity, unit amount, account, tax type, item, business unit.
/// Adds `n` AUTHORISED sales invoices (`BULK-000001`, ...) with one line each, spread over the
/// seeded month and the existing customers, all stamped `now`. For connector paging tests and
/// benchmarks; deterministic per seed and number of invoices already present.
pub(crate) fn bulk_invoices(
    books: &mut Books,
    n: usize,
    seed: u64,
    start: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<Uuid> {
    let mut rng = seeded_rng(seed ^ books.invoices.len() as u64, "xero-bulk-invoices");
    let mut customers: Vec<Uuid> = books
        .contacts
        .iter()
        .filter(|c| c.status == "ACTIVE")
        .map(|c| c.id)
        .collect();
    if customers.is_empty() {
        let c = contact(uuid_from(&mut rng), "Bulk Customer", "ACTIVE", now);
        customers.push(c.id);
        books.contacts.push(c);
    }
    let first = books
        .invoices
        .iter()
        .filter(|d| d.number.starts_with("BULK-"))
        .count()
        + 1;
    let account = books
        .account_by_code("210")
        .map(|a| a.code.clone())
        .unwrap_or_else(|| "200".into());
    let mut ids = Vec::with_capacity(n);
    for k in 0..n {
        let cents: i64 = rng.random_range(5_000..250_000);
        let mut line = Line {
            id: uuid_from(&mut rng),
            description: "Service call".into(),
            quantity: Decimal::ONE,
            unit_amount: Decimal::new(cents, 2),
            item_code: None,
            account_code: Some(account.clone()),
            tax_type: "NONE".into(),
            tax_amount: Decimal::ZERO,
            line_amount: Decimal::ZERO,
            discount_rate: None,
            tracking: Vec::new(),
        };
        finish_line(&mut line, LineAmountTypes::NoTax, Decimal::ZERO, None);
        let date = start + Days::new(rng.random_range(0..28));
        let id = uuid_from(&mut rng);
        books.invoices.push(Document {
            id,
            kind: "ACCREC".into(),
            contact_id: *customers.choose(&mut rng).expect("at least one customer"),
            number: format!("BULK-{:06}", first + k),
            reference: None,
            date,
            due_date: Some(date + Days::new(30)),
            line_amount_types: LineAmountTypes::NoTax,
            status: "AUTHORISED".into(),
            currency: books.org.base_currency.clone(),
            currency_rate: Decimal::ONE,
            lines: vec![line],
            sent_to_contact: false,
            url: None,
            branding_theme_id: None,
            expected_payment_date: None,
            fully_paid_on: None,
            amount_paid: Decimal::ZERO,
            amount_credited: Decimal::ZERO,
            updated: now,
        });
        ids.push(id);
    }
    ids
}
