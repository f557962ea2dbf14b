//! The idle-run request budget (issue 25): after the demo is synced, a run with nothing new
//! makes a fixed number of requests per system, whatever the ledger's size. Requests are
//! counted from the connectors' `http` debug event (one per attempt, with its operation and
//! path), token requests apart.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ledgerbridge_core::System;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

use crate::helpers::{World, settings};

/// (operation, path) of every request attempt seen.
#[derive(Clone, Default)]
struct Requests(Arc<Mutex<Vec<(String, String)>>>);

#[derive(Default)]
struct Fields {
    message: String,
    operation: String,
    path: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "operation" {
            self.operation = value.to_owned();
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "path" => self.path = format!("{value:?}"),
            "operation" => self.operation = format!("{value:?}"),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Requests {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if !event
            .metadata()
            .target()
            .starts_with("ledgerbridge_connector")
        {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        if fields.message == "http" {
            let path = fields.path.split('?').next().unwrap_or_default().to_owned();
            self.0
                .lock()
                .expect("requests")
                .push((fields.operation, path));
        }
    }
}

impl Requests {
    fn take(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.0.lock().expect("requests"))
    }
}

/// Requests of the second run with nothing new after a full sync of the demo, by (system,
/// operation). The first such run still reads back what the sync wrote (the books' change
/// feeds start before it; see docs/performance.md), the second is the steady state.
async fn idle_requests(system: System) -> BTreeMap<(&'static str, String), usize> {
    let requests = Requests::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(requests.clone()));
    let world = World::start().await;
    world.sync(system, &settings()).await;
    world.sync(system, &settings()).await;
    requests.take();
    let report = world.sync(system, &settings()).await;
    let t = &report.targets[0];
    assert_eq!(t.counts().errors, 0, "{:?}", t.blocked_records);
    assert_eq!(
        t.counts().created + t.counts().updated,
        0,
        "nothing new to write"
    );
    let mut counted = BTreeMap::new();
    for (operation, path) in requests.take() {
        *counted.entry((system_of(&path), operation)).or_default() += 1;
    }
    counted
}

/// Which remote a request path belongs to.
fn system_of(path: &str) -> &'static str {
    if path.starts_with("/v3/company/") {
        "quickbooks"
    } else if path.starts_with("/api.xro/") {
        "xero"
    } else if path.contains("/tenant/") {
        "servicetitan"
    } else {
        "other"
    }
}

fn total(counted: &BTreeMap<(&'static str, String), usize>, system: &str) -> usize {
    counted
        .iter()
        .filter(|((s, _), _)| *s == system)
        .map(|(_, n)| n)
        .sum()
}

/// ServiceTitan: one call per export feed (customers, invoices, payments), nothing else.
fn assert_servicetitan_budget(counted: &BTreeMap<(&'static str, String), usize>) {
    for feed in ["export customers", "export invoices", "export payments"] {
        assert_eq!(
            counted.get(&("servicetitan", feed.to_owned())),
            Some(&1),
            "{feed}: {counted:?}"
        );
    }
    assert_eq!(total(counted, "servicetitan"), 3, "{counted:?}");
    assert_eq!(total(counted, "other"), 0, "{counted:?}");
}

#[tokio::test]
async fn an_idle_quickbooks_run_makes_one_cdc_call_and_one_per_export_feed() {
    let counted = idle_requests(System::QuickBooks).await;
    assert_servicetitan_budget(&counted);
    // One CDC call covering invoices and payments.
    assert_eq!(
        counted.get(&("quickbooks", "cdc".to_owned())),
        Some(&1),
        "{counted:?}"
    );
    assert_eq!(total(&counted, "quickbooks"), 1, "{counted:?}");
}

#[tokio::test]
async fn an_idle_xero_run_makes_one_read_per_entity_plus_the_lock_date() {
    let counted = idle_requests(System::Xero).await;
    assert_servicetitan_budget(&counted);
    for read in ["list contacts", "list invoices", "list payments"] {
        assert_eq!(
            counted.get(&("xero", read.to_owned())),
            Some(&1),
            "{read}: {counted:?}"
        );
    }
    // Over the budget by one, an upper bound (docs/performance.md): the demo's refund payment
    // that Xero refused is planned again each run, and planning a payment checks its date
    // against the lock date, read fresh once per run (it may have moved).
    assert_eq!(
        counted.get(&("xero", "read organisation".to_owned())),
        Some(&1),
        "{counted:?}"
    );
    assert_eq!(total(&counted, "xero"), 4, "{counted:?}");
}
