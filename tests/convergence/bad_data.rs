//! Bad data from ServiceTitan: missing fields, unknown enums, wrong types, huge strings,
//! negative or absurd amounts, served through the emulator's malformed route. Each such
//! record is quarantined or blocked with a reason (never written with a broken shape), the
//! run goes on, and the invariants hold for every other record. `FAULT_BAD_SEEDS=N`
//! (default 6) seeds; each malforms a few seeded records of each tenant.

use ledgerbridge_core::{EntityKind, System};
use rand::SeedableRng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::edits::EditLog;
use crate::invariants::{self, Explained, Initial};
use crate::populate::populate;
use crate::scenario::{SeedOutcome, Stats, sync};
use crate::seeds::{CONCURRENT, run_all, selected};
use crate::world::{SYSTEMS, World};

/// How a record is broken, and whether it must never be written.
struct Breakage {
    what: &'static str,
    patch: fn() -> Value,
    /// Unreadable (a wrong type, a missing required field): quarantined or blocked, never
    /// linked. Otherwise readable but odd: any outcome with a reason is fine.
    unreadable: bool,
}

const INVOICE_BREAKAGES: &[Breakage] = &[
    Breakage {
        what: "total is a word",
        patch: || json!({ "total": "one hundred" }),
        unreadable: true,
    },
    Breakage {
        what: "no createdOn",
        patch: || json!({ "createdOn": null }),
        unreadable: true,
    },
    Breakage {
        what: "items is a string",
        patch: || json!({ "items": "none" }),
        unreadable: true,
    },
    Breakage {
        what: "unknown syncStatus",
        patch: || json!({ "syncStatus": "Teleported" }),
        unreadable: false,
    },
    Breakage {
        what: "huge summary",
        patch: || json!({ "summary": "x".repeat(200_000) }),
        unreadable: false,
    },
    Breakage {
        what: "negative total",
        patch: || json!({ "total": number("-125.5") }),
        unreadable: false,
    },
    Breakage {
        what: "absurd total",
        patch: || json!({ "total": number("1e30") }),
        unreadable: false,
    },
];

const PAYMENT_BREAKAGES: &[Breakage] = &[
    Breakage {
        what: "total is a word",
        patch: || json!({ "total": "lots" }),
        unreadable: true,
    },
    Breakage {
        what: "no createdOn",
        patch: || json!({ "createdOn": null }),
        unreadable: false,
    },
    Breakage {
        what: "appliedTo is a number",
        patch: || json!({ "appliedTo": 7 }),
        unreadable: true,
    },
    Breakage {
        what: "absurd total",
        patch: || json!({ "total": number("-1e12") }),
        unreadable: false,
    },
];

const CUSTOMER_BREAKAGES: &[Breakage] = &[
    Breakage {
        what: "no name",
        patch: || json!({ "name": null }),
        unreadable: true,
    },
    Breakage {
        what: "unknown type",
        patch: || json!({ "type": "Spaceship" }),
        unreadable: false,
    },
    Breakage {
        what: "huge name",
        patch: || json!({ "name": "N".repeat(100_000) }),
        unreadable: false,
    },
];

/// A JSON number from its text (no float literals in this workspace).
fn number(text: &str) -> Value {
    serde_json::from_str(text).expect("a number")
}

fn ids(tenant: &Value, entity: &str) -> Vec<i64> {
    tenant[entity]
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
        .filter_map(|k| k.parse().ok())
        .collect()
}

async fn bad_seed(seed: u64) -> SeedOutcome {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xbad_da7a);
    let mut stats = Stats {
        seeds: 1,
        ..Stats::default()
    };
    let mut trace = Vec::new();
    let world = World::start(seed).await;
    populate(&world, seed, &mut rng).await;
    world.set_demo_mappings().await;
    let initial = Initial::take(&world);
    let mut log = EditLog::default();
    let base = world.sandbox.servicetitan_handle.base_url.clone();
    // (tenant, entity, id, unreadable, what)
    let mut broken = Vec::new();
    for (index, system) in SYSTEMS.into_iter().enumerate() {
        let tenant_id = world.tenant(system).tenant;
        let state = world.sandbox_st_tenant(index);
        for (entity, catalogue, count) in [
            ("invoices", INVOICE_BREAKAGES, 3),
            ("payments", PAYMENT_BREAKAGES, 2),
            ("customers", CUSTOMER_BREAKAGES, 1),
        ] {
            // Distinct records: a second patch of the same record would replace the first.
            let candidates = ids(&state, entity);
            let chosen: Vec<i64> = candidates
                .choose_multiple(&mut rng, count)
                .copied()
                .collect();
            for id in chosen {
                let Some(b) = catalogue.choose(&mut rng) else {
                    continue;
                };
                world
                    .control(
                        &base,
                        &format!("servicetitan/{tenant_id}/malformed"),
                        json!({ "entity": entity, "id": id, "patch": (b.patch)() }),
                    )
                    .await;
                log.malformed.insert((tenant_id.clone(), entity, id));
                broken.push((system, entity, id, b.unreadable, b.what));
                trace.push(format!("{system}: {entity} {id}: {}", b.what));
            }
        }
    }

    let mut violations = Vec::new();
    let mut quiet: Vec<(System, Explained)> = Vec::new();
    for system in SYSTEMS {
        let mut last = None;
        for _ in 0..4 {
            let Some(report) = sync(&world, system, None, &mut stats, &mut trace).await else {
                continue;
            };
            if let Some(stopped) = &report.stopped {
                violations.push(format!("{system}: a run stopped on bad data: {stopped}"));
            }
            let writes = report.counts().writes();
            last = Some(report);
            if writes == 0 {
                break;
            }
        }
        let Some(report) = last else { continue };
        quiet.push((system, invariants::explained(&report)));
    }
    for (system, entity, id, unreadable, what) in &broken {
        let tenant = world.tenant(*system);
        let kind = match *entity {
            "invoices" => EntityKind::Invoice,
            "payments" => EntityKind::Payment,
            _ => EntityKind::Customer,
        };
        let quarantined = world
            .ledger
            .quarantine()
            .list(Some(&tenant.tenant), false)
            .await
            .expect("quarantine")
            .into_iter()
            .any(|q| q.remote_id.as_deref() == Some(&*id.to_string()) && !q.reason.is_empty());
        let blocked = quiet
            .iter()
            .any(|(s, e)| s == system && e.contains_key(&(kind, id.to_string())));
        let key = ledgerbridge_ledger::RecordKey::new(
            &tenant.tenant,
            kind,
            id.to_string(),
            *system,
            tenant.company.clone(),
        );
        let linked = world
            .ledger
            .links()
            .get(&key)
            .await
            .expect("link")
            .is_some();
        if *unreadable && linked {
            violations.push(format!(
                "{system}: {entity} {id} ({what}) was written anyway"
            ));
        }
        if *unreadable && !(quarantined || blocked) {
            violations.push(format!(
                "{system}: {entity} {id} ({what}) neither quarantined nor blocked"
            ));
        }
        trace.push(format!(
            "{system}: {entity} {id} ({what}): quarantined {quarantined}, blocked {blocked}, linked {linked}"
        ));
    }
    if violations.is_empty() {
        violations = invariants::check(&world, &world.ledger, &initial, &log, &quiet).await;
    }
    stats.violations = violations.len() as u64;
    stats.edits = broken.len() as u64;
    world.shutdown().await;
    SeedOutcome {
        stats,
        violations,
        trace,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_records_are_quarantined_with_a_reason_and_the_run_goes_on() {
    let seeds = selected("FAULT_BAD_SEEDS", 6);
    run_all(
        "bad_records_are_quarantined_with_a_reason_and_the_run_goes_on",
        seeds,
        CONCURRENT,
        bad_seed,
    )
    .await;
}
