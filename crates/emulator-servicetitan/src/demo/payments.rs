//! Demo payments: most posted invoices paid in full, some partly, some not at all; one
//! payment split across two invoices; one over-payment (the excess unapplied) and its refund
//! as a negative payment; one payment voided later.

use rand::Rng;
use rust_decimal::{Decimal, dec};

use crate::demo::invoices::Specials;
use crate::demo::{SeedClock, rng};
use crate::model::{Payment, Split};
use crate::state::TenantData;
use crate::wire::round_money;

struct Draft {
    customer_id: i64,
    business_unit_id: Option<i64>,
    day: i64,
    type_index: usize,
    memo: Option<String>,
    splits: Vec<(Option<i64>, Decimal)>,
}

fn insert(t: &mut TenantData, clock: &SeedClock, r: &mut impl Rng, d: Draft) -> i64 {
    let id = t.next_id();
    let types: Vec<i64> = t
        .payment_types
        .values()
        .filter(|p| p.active)
        .map(|p| p.id)
        .collect();
    let type_id = types[d.type_index % types.len()];
    let is_check = t.payment_types[&type_id].name == "Check";
    let paid_on = clock.day(d.day).min(clock.at(d.day, 0));
    let created = clock.at(d.day, 600 + r.random_range(0..400));
    let splits = d
        .splits
        .into_iter()
        .map(|(invoice_id, amount)| Split {
            applied_id: t.next_id(),
            invoice_id,
            amount,
        })
        .collect();
    let stamp = t.stamp(created);
    let week = d.day.div_euclid(7);
    let payment = Payment {
        id,
        sync_status: if r.random_range(0..100) < 6 {
            "Pending"
        } else {
            "Posted"
        }
        .to_owned(),
        reference_number: format!("{}", 5000 + t.payments.len()),
        paid_on,
        type_id,
        memo: d.memo,
        customer_id: d.customer_id,
        business_unit_id: d.business_unit_id,
        batch: Some((
            900 + week,
            format!("{}", 100 + week),
            format!("Week {} batch", week + 1),
        )),
        created_by: "office".to_owned(),
        auth_code: (!is_check).then(|| format!("A{:05}", r.random_range(0..99_999))),
        check_number: is_check.then(|| format!("{}", r.random_range(1000..9999))),
        export_id: None,
        active: true,
        splits,
        stamp,
    };
    t.payments.insert(id, payment);
    id
}

fn invoice_day(clock: &SeedClock, t: &TenantData, invoice: i64) -> i64 {
    let date = t.invoices[&invoice].invoice_date;
    (date - clock.day(0)).num_days()
}

pub(crate) fn seed(t: &mut TenantData, seed: u64, clock: &SeedClock, specials: &Specials) {
    let mut r = rng(seed, t, "payments");
    let reserved: Vec<i64> = specials
        .split
        .iter()
        .copied()
        .chain(specials.overpaid)
        .chain(specials.unpaid.iter().copied())
        .collect();
    let payable: Vec<(i64, i64, Option<i64>, Decimal)> = t
        .invoices
        .values()
        .filter(|i| {
            i.active
                && i.sync_status != "Pending"
                && i.total() > Decimal::ZERO
                && !reserved.contains(&i.id)
        })
        .map(|i| (i.id, i.customer_id, i.business_unit_id, i.total()))
        .collect();
    let mut full_payments = Vec::new();
    for (invoice, customer_id, business_unit_id, total) in payable {
        let roll = r.random_range(0..100);
        let amount = match roll {
            0..70 => total,
            70..78 => round_money(total / dec!(2)),
            _ => continue,
        };
        let day = invoice_day(clock, t, invoice) + r.random_range(0..8);
        let type_index = r.random_range(0..5);
        let id = insert(
            t,
            clock,
            &mut r,
            Draft {
                customer_id,
                business_unit_id,
                day,
                type_index,
                memo: None,
                splits: vec![(Some(invoice), amount)],
            },
        );
        if amount == total {
            full_payments.push(id);
        }
    }
    if let [a, b] = specials.split[..] {
        let (ia, ib) = (&t.invoices[&a], &t.invoices[&b]);
        let draft = Draft {
            customer_id: ia.customer_id,
            business_unit_id: ia.business_unit_id,
            day: invoice_day(clock, t, b) + 2,
            type_index: 1,
            memo: Some("One check for two invoices".to_owned()),
            splits: vec![(Some(a), ia.total()), (Some(b), ib.total())],
        };
        insert(t, clock, &mut r, draft);
    }
    if let Some(inv) = specials.overpaid {
        let i = &t.invoices[&inv];
        let (customer_id, business_unit_id, total) = (i.customer_id, i.business_unit_id, i.total());
        let day = invoice_day(clock, t, inv) + 1;
        let extra = dec!(50.00);
        let memo = Some("Customer paid more than the invoice".to_owned());
        insert(
            t,
            clock,
            &mut r,
            Draft {
                customer_id,
                business_unit_id,
                day,
                type_index: 1,
                memo,
                splits: vec![(Some(inv), total), (None, extra)],
            },
        );
        let memo = Some("Refund of over-payment".to_owned());
        insert(
            t,
            clock,
            &mut r,
            Draft {
                customer_id,
                business_unit_id,
                day: day + 5,
                type_index: 1,
                memo,
                splits: vec![(None, -extra)],
            },
        );
    }
    // A payment voided later (bounced card): inactive, changed a few days after.
    if let Some(&id) = full_payments.get(full_payments.len() / 3) {
        let mut p = t.payments[&id].clone();
        p.active = false;
        p.memo = Some("Voided: card charge reversed".to_owned());
        let day = (p.paid_on - clock.day(0)).num_days() + 3;
        p.stamp.modified_on = clock.at(day, 720).max(p.stamp.created_on);
        t.payments.insert(id, p);
    }
}
