//! Demo invoices: about 500 per tenant over the month, numbered from 10001 / 20001, with the
//! pinned `demo_world::PREEXISTING_INVOICES` exactly as agreed, and the scenario cases: a
//! 150-line commercial invoice, $0 warranty invoices, adjustment invoices, voided (inactive)
//! ones, discount lines, decimal quantities, taxable and non-taxable lines, a few Pending and
//! a few already Exported by an "earlier integration".

use chrono::{DateTime, Duration, Utc};
use ledgerbridge_emulator::demo_world::PREEXISTING_INVOICES;
use rand::Rng;
use rust_decimal::{Decimal, dec};

use crate::demo::reference::rate_on;
use crate::demo::{SeedClock, rng};
use crate::model::{Customer, Invoice, InvoiceItem, Job, Location};
use crate::state::TenantData;

pub(crate) const INVOICES_PER_TENANT: usize = 500;

/// Invoices the payment generator treats specially.
#[derive(Debug, Default)]
pub(crate) struct Specials {
    /// Two invoices of one customer, paid by one payment.
    pub split: Vec<i64>,
    /// Paid with more than its total (the rest unapplied, later refunded).
    pub overpaid: Option<i64>,
    /// Never paid by the generic generator.
    pub unpaid: Vec<i64>,
}

pub(crate) struct Draft {
    pub(crate) number: String,
    pub(crate) customer_id: i64,
    pub(crate) day: i64,
    pub(crate) lines: Vec<(usize, Decimal)>,
    pub(crate) status: &'static str,
    pub(crate) active: bool,
    pub(crate) adjustment_to: Option<i64>,
    pub(crate) summary: Option<String>,
}

fn sku_indices(t: &TenantData, kind: &str) -> Vec<usize> {
    t.skus
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == kind)
        .map(|(i, _)| i)
        .collect()
}

fn pick(r: &mut impl Rng, from: &[usize]) -> usize {
    from[r.random_range(0..from.len())]
}

/// Quantity for a price-book item: decimals for hourly labour and goods sold by length/weight.
fn quantity(t: &TenantData, sku: usize, r: &mut impl Rng) -> Decimal {
    let name = &t.skus[sku].name;
    if name.contains("Hourly") {
        [dec!(1), dec!(1.5), dec!(2), dec!(2.25), dec!(3.5)][r.random_range(0..5)]
    } else if name.contains("(ft)") || name.contains("(lb)") {
        [dec!(1.75), dec!(2.25), dec!(12.5), dec!(25), dec!(3.5)][r.random_range(0..5)]
    } else if t.skus[sku].kind == "Material" {
        Decimal::from(r.random_range(1..4))
    } else {
        Decimal::ONE
    }
}

/// Typical lines: a service, some materials, sometimes equipment, sometimes a discount.
pub(crate) fn typical_lines(t: &TenantData, r: &mut impl Rng) -> Vec<(usize, Decimal)> {
    let (services, materials) = (sku_indices(t, "Service"), sku_indices(t, "Material"));
    let (equipment, discounts) = (sku_indices(t, "Equipment"), sku_indices(t, "PriceModifier"));
    let service = pick(r, &services);
    let mut lines = vec![(service, quantity(t, service, r))];
    for _ in 0..r.random_range(0..4) {
        let m = pick(r, &materials);
        lines.push((m, quantity(t, m, r)));
    }
    if r.random_range(0..100) < 7 {
        lines.push((pick(r, &equipment), Decimal::ONE));
    }
    if r.random_range(0..100) < 12 {
        lines.push((discounts[r.random_range(0..2)], Decimal::ONE));
    }
    lines
}

pub(crate) fn first_location(t: &TenantData, customer: i64) -> Option<&Location> {
    t.locations.values().find(|l| l.customer_id == customer)
}

fn build(t: &mut TenantData, index: usize, clock: &SeedClock, r: &mut impl Rng, d: Draft) -> i64 {
    let created = clock.at(d.day, 540 + r.random_range(0..540));
    let modified = if d.active {
        (created + Duration::minutes(r.random_range(0..2000))).min(clock.at(400, 0))
    } else {
        clock.at(d.day + 3, 700)
    };
    stamp_and_insert(t, index, clock.day(d.day), created, modified, d.day, r, d)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn stamp_and_insert(
    t: &mut TenantData,
    index: usize,
    date: DateTime<Utc>,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    day: i64,
    r: &mut impl Rng,
    d: Draft,
) -> i64 {
    let id = t.next_id();
    let location = first_location(t, d.customer_id).map(|l| (l.id, l.tax_zone_id));
    let commercial = t
        .customers
        .get(&d.customer_id)
        .is_some_and(|c| c.kind == "Commercial");
    let units: Vec<i64> = t.business_units.keys().copied().collect();
    let has = |kind: &str| d.lines.iter().any(|(s, _)| t.skus[*s].kind == kind);
    let bu =
        if has("Equipment") {
            units[1]
        } else if d.lines.iter().any(|(s, _)| {
            t.skus[*s].name.contains("Maintenance") || t.skus[*s].name.contains("Flush")
        }) {
            units[2]
        } else {
            units[0]
        };
    let tax_zone_id = location.and_then(|l| l.1);
    let tax_rate = tax_zone_id
        .map(|z| rate_on(t, index, z, day))
        .unwrap_or_default();
    let mut items = Vec::with_capacity(d.lines.len());
    for (order, (sku, qty)) in d.lines.iter().enumerate() {
        let s = t.skus[*sku].clone();
        let item_id = t.next_id();
        let mut stamp = t.stamp(created);
        stamp.modified_on = created;
        items.push(InvoiceItem {
            id: item_id,
            sku_id: s.id,
            sku_name: s.name.clone(),
            kind: s.kind.clone(),
            description: s.description.clone(),
            quantity: *qty,
            price: s.price,
            cost: s.cost,
            taxable: s.taxable,
            inventory: s.kind == "Material",
            gl_account_id: Some(s.gl_account_id),
            business_unit_id: Some(bu),
            order: order as i32 + 1,
            sold_hours: s.name.contains("Hourly").then_some(*qty),
            service_date: Some(date),
            technician_id: Some(30 + r.random_range(0..6)),
            active: true,
            stamp,
        });
    }
    let mut stamp = t.stamp(created);
    stamp.modified_on = modified.max(created);
    let job_kind = ["Service Call", "Install", "Maintenance"]
        [units.iter().position(|u| *u == bu).unwrap_or(0)];
    let week = day.div_euclid(7);
    let mut inv = Invoice {
        id,
        number: d.number.clone(),
        sync_status: d.status.to_owned(),
        summary: d.summary,
        invoice_date: date,
        due_date: if commercial {
            date + Duration::days(30)
        } else {
            date
        },
        customer_id: d.customer_id,
        location_id: location.map(|l| l.0),
        business_unit_id: Some(bu),
        term_name: if commercial {
            "Net 30"
        } else {
            "Due Upon Receipt"
        }
        .to_owned(),
        created_by: "office".to_owned(),
        batch: (d.status != "Pending").then(|| {
            (
                900 + week,
                format!("{}", 100 + week),
                format!("Week {} batch", week + 1),
            )
        }),
        adjustment_to_id: d.adjustment_to,
        job: Some(Job {
            id: t.next_id(),
            number: format!("J{}", d.number.replace('-', "")),
            kind: job_kind.to_owned(),
        }),
        sent_status: if d.status == "Pending" {
            "NotSent"
        } else {
            "Sent"
        }
        .to_owned(),
        review_status: if d.status == "Pending" {
            "NeedsReview"
        } else {
            "Reviewed"
        }
        .to_owned(),
        items,
        active: d.active,
        import_id: None,
        export_id: (d.status == "Exported").then(|| format!("LEGACY-{}", d.number)),
        tax_zone_id,
        tax_rate,
        sub_total: Decimal::ZERO,
        sales_tax: Decimal::ZERO,
        royalty_status: Some("Pending".to_owned()),
        royalty_memo: None,
        assigned_to_id: None,
        stamp,
    };
    inv.recompute();
    t.invoices.insert(id, inv);
    id
}

pub(crate) fn seed(t: &mut TenantData, index: usize, seed: u64, clock: &SeedClock) -> Specials {
    let mut r = rng(seed, t, "invoices");
    let base = 10_001 + 10_000 * index as u64;
    let active: Vec<&Customer> = t.customers.values().filter(|c| c.active).collect();
    let customers: Vec<i64> = active.iter().map(|c| c.id).collect();
    let commercial = active
        .iter()
        .find(|c| c.kind == "Commercial")
        .map(|c| c.id)
        .unwrap_or(customers[0]);
    let shared: Vec<i64> = t
        .customers
        .values()
        .take(8)
        .filter(|c| c.active)
        .map(|c| c.id)
        .collect();
    let mut specials = Specials::default();
    let mut by_n: Vec<i64> = Vec::with_capacity(INVOICES_PER_TENANT);
    for n in 0..INVOICES_PER_TENANT {
        let number = (base + n as u64).to_string();
        let mut day = (n * 30 / INVOICES_PER_TENANT) as i64;
        let mut customer_id = if (30..30 + shared.len()).contains(&n) {
            shared[n - 30]
        } else {
            customers[r.random_range(0..customers.len())]
        };
        let mut lines = typical_lines(t, &mut r);
        let roll = r.random_range(0..100);
        let mut status = if roll < 8 {
            "Pending"
        } else if roll < 10 {
            "Exported"
        } else {
            "Posted"
        };
        let (mut active, mut adjustment_to, mut summary) = (true, None, None);
        let mut number = number;
        let pinned = PREEXISTING_INVOICES
            .iter()
            .find(|p| p.tenant_id == t.tenant_id && p.number == number);
        if let Some(p) = pinned {
            customer_id = t
                .customers
                .values()
                .find(|c| c.name == p.customer_name)
                .map(|c| c.id)
                .unwrap_or(customer_id);
            day = p.day_offset as i64;
            let sku = t
                .skus
                .iter()
                .position(|s| s.description.eq_ignore_ascii_case(p.description))
                .unwrap_or(0);
            lines = vec![(sku, p.quantity.parse().unwrap_or(Decimal::ONE))];
            status = "Posted";
        } else if n == 100 {
            customer_id = commercial;
            let pool: Vec<usize> = sku_indices(t, "Material")
                .into_iter()
                .chain(sku_indices(t, "Service"))
                .collect();
            lines = (0..150)
                .map(|i| {
                    (
                        pool[i % pool.len()],
                        quantity(t, pool[i % pool.len()], &mut r),
                    )
                })
                .collect();
            status = "Posted";
            summary = Some("<p>Quarterly service &amp; parts for all units</p>".to_owned());
        } else if [50, 250, 400].contains(&n) {
            let credit = sku_indices(t, "PriceModifier")[2];
            lines = vec![(0, Decimal::ONE), (credit, Decimal::ONE)];
            status = "Posted";
            summary = Some("<p>Warranty visit, no charge</p>".to_owned());
        } else if [60, 300].contains(&n) {
            active = false;
            status = "Posted";
        } else if [120, 320, 450].contains(&n) {
            let original = by_n[n - 40];
            adjustment_to = Some(original);
            number = format!("{}-1", t.invoices[&original].number);
            customer_id = t.invoices[&original].customer_id;
            lines = vec![(sku_indices(t, "Material")[0], Decimal::ONE)];
            status = "Posted";
            summary = Some("<p>Adjustment: part added after the visit</p>".to_owned());
        } else if n == 201 || n == 210 {
            if n == 201 {
                customer_id = t.invoices[&by_n[200]].customer_id;
            }
            status = "Posted";
        } else if n == 200 {
            status = "Posted";
        }
        let id = build(
            t,
            index,
            clock,
            &mut r,
            Draft {
                number,
                customer_id,
                day,
                lines,
                status,
                active,
                adjustment_to,
                summary,
            },
        );
        if let Some(p) = pinned {
            // Exactly as pinned: the description text and price of the accounting copy.
            let inv = t.invoices.get_mut(&id).expect("just built");
            inv.items[0].description = p.description.to_owned();
            inv.items[0].price = p.unit_price.parse().unwrap_or(inv.items[0].price);
            inv.recompute();
            specials.unpaid.push(id);
        }
        by_n.push(id);
    }
    specials.split = vec![by_n[200], by_n[201]];
    specials.overpaid = Some(by_n[210]);
    specials
}
