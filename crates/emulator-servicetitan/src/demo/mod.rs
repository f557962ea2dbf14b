//! Seeded data. `demo`: a realistic month of the two contractors of
//! `demo_world::TENANTS` (about 150 customers and 500 invoices each, with payments);
//! `empty`: reference data only (business units, GL accounts, payment types, tax zones, the
//! price book), which a real tenant always has.
//!
//! Same seed and start date, same data: every generator draws from its own named stream
//! (`seeded_rng(seed, "<tenant>/<generator>")`), so adding a record to one does not shift
//! another. Timestamps are laid out from `start`; any that would fall later than an hour
//! before the sandbox's "now" are pulled back to that point, so seeded records are never
//! younger than the export lag (only relevant when `start` is less than a month ago).

mod bulk;
mod catalog;
mod customers;
mod invoices;
mod names;
mod payments;
mod reference;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ledgerbridge_emulator::demo_world::TENANTS;
use ledgerbridge_emulator::{Scenario, SeedOptions, seeded_rng};
use rand_chacha::ChaCha8Rng;

use crate::model::Stamp;
use crate::state::TenantData;

pub(crate) use bulk::bulk_invoices;

/// Maps "day N of the scenario, M minutes in" to a timestamp no later than `cap`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeedClock {
    start: DateTime<Utc>,
    cap: DateTime<Utc>,
}

impl SeedClock {
    fn new(start: NaiveDate, now: DateTime<Utc>) -> Self {
        let start = start
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or(now);
        Self {
            start,
            cap: now - Duration::hours(1),
        }
    }

    /// Midnight of scenario day `day` (not capped: invoice dates are business dates).
    pub(crate) fn day(&self, day: i64) -> DateTime<Utc> {
        self.start + Duration::days(day)
    }

    /// A moment `minutes` after the start of day `day`, capped.
    pub(crate) fn at(&self, day: i64, minutes: i64) -> DateTime<Utc> {
        (self.start + Duration::days(day) + Duration::minutes(minutes)).min(self.cap)
    }
}

/// The named random stream of one generator of one tenant.
pub(crate) fn rng(seed: u64, tenant: &TenantData, generator: &str) -> ChaCha8Rng {
    seeded_rng(
        seed,
        &format!("servicetitan/{}/{generator}", tenant.tenant_id),
    )
}

/// Builds both tenants for `opts`.
pub(crate) fn seed(opts: &SeedOptions, now: DateTime<Utc>) -> BTreeMap<u64, TenantData> {
    let clock = SeedClock::new(opts.start, now);
    let mut out = BTreeMap::new();
    for (index, tenant) in TENANTS.iter().enumerate() {
        let mut t = TenantData::new(index);
        reference::seed(&mut t, index, &clock);
        if opts.scenario == Scenario::Demo {
            customers::seed(&mut t, index, opts.seed, &clock);
            let specials = invoices::seed(&mut t, index, opts.seed, &clock);
            payments::seed(&mut t, opts.seed, &clock, &specials);
        }
        renumber(&mut t);
        out.insert(tenant.tenant_id, t);
    }
    out
}

/// Re-issues sequence numbers in modification-time order (records were generated in another
/// order), so the export feeds' "after sequence N" means "changed later".
fn renumber(t: &mut TenantData) {
    let mut stamps: Vec<&mut Stamp> = Vec::new();
    stamps.extend(t.business_units.values_mut().map(|r| &mut r.stamp));
    stamps.extend(t.gl_accounts.values_mut().map(|r| &mut r.stamp));
    stamps.extend(t.payment_types.values_mut().map(|r| &mut r.stamp));
    stamps.extend(t.tax_zones.values_mut().map(|r| &mut r.stamp));
    stamps.extend(t.customers.values_mut().map(|r| &mut r.stamp));
    stamps.extend(t.contacts.values_mut().map(|r| &mut r.stamp));
    stamps.extend(t.locations.values_mut().map(|r| &mut r.stamp));
    stamps.extend(t.payments.values_mut().map(|r| &mut r.stamp));
    for inv in t.invoices.values_mut() {
        stamps.push(&mut inv.stamp);
        stamps.extend(inv.items.iter_mut().map(|i| &mut i.stamp));
    }
    stamps.sort_by_key(|s| (s.modified_on, s.version));
    let mut seq = 0;
    for s in stamps {
        seq += 1;
        s.version = seq;
    }
    t.seq = seq;
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerbridge_emulator::demo_world::{PREEXISTING_INVOICES, SHARED_CUSTOMERS};

    fn opts(seed: u64) -> SeedOptions {
        SeedOptions {
            seed,
            scenario: Scenario::Demo,
            start: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-03-01T00:00:00Z".parse().expect("time")
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let a = serde_json::to_string(&seed(&opts(42), now())).expect("json");
        let b = serde_json::to_string(&seed(&opts(42), now())).expect("json");
        let c = serde_json::to_string(&seed(&opts(7), now())).expect("json");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn demo_world_facts_are_present() {
        let world = seed(&opts(42), now());
        for shared in SHARED_CUSTOMERS {
            let t = &world[&shared.tenant_id];
            let n = t
                .customers
                .values()
                .filter(|c| c.name == shared.name)
                .count();
            assert_eq!(n, usize::from(shared.servicetitan_count), "{}", shared.name);
        }
        for pinned in PREEXISTING_INVOICES {
            let t = &world[&pinned.tenant_id];
            let inv = t
                .invoices
                .values()
                .find(|i| i.number == pinned.number)
                .expect("pinned invoice");
            let first = t
                .customers
                .values()
                .find(|c| c.name == pinned.customer_name)
                .expect("customer");
            assert_eq!(inv.customer_id, first.id);
            assert_eq!(inv.total().to_string(), pinned.total);
            assert_eq!(inv.items.len(), 1);
            assert!(!inv.items[0].taxable);
            assert_eq!(inv.sync_status, "Posted");
            assert_eq!(
                inv.invoice_date.date_naive(),
                opts(42).start + chrono::Days::new(pinned.day_offset)
            );
        }
        for t in world.values() {
            assert!(
                (140..=160).contains(&t.customers.len()),
                "{}",
                t.customers.len()
            );
            assert!(
                (480..=520).contains(&t.invoices.len()),
                "{}",
                t.invoices.len()
            );
            assert!(t.invoices.values().any(|i| i.items.len() == 150));
            assert!(t.invoices.values().any(|i| i.total().is_zero() && i.active));
            assert!(t.invoices.values().any(|i| i.adjustment_to_id.is_some()));
            assert!(t.invoices.values().any(|i| !i.active));
            assert!(t.payments.values().any(|p| p.total().is_sign_negative()));
            assert!(
                t.payments.values().any(|p| p
                    .splits
                    .iter()
                    .filter(|s| s.invoice_id.is_some())
                    .count()
                    == 2)
            );
            assert!(
                t.payments
                    .values()
                    .any(|p| !p.unapplied().is_zero() && p.total().is_sign_positive())
            );
            assert!(t.tax_zones.values().any(|z| z.rates.len() > 1));
        }
    }
}
