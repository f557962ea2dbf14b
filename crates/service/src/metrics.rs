//! `/metrics`: the counters and gauges pinned in CONTRACTS.md, kept by `prometheus-client` and
//! rendered in its text format (OpenMetrics, which Prometheus scrapes). Labels carry ids and
//! fixed words only: a tenant id, a system, an entity, an outcome; never a name.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerbridge_core::System;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::worker::{RunOutcome, RunSummary};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TenantLabel {
    tenant: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    tenant: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WrittenLabels {
    tenant: String,
    entity: String,
    action: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    system: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SystemLabel {
    system: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    system: String,
    result: String,
}

type RequestSeconds = Family<SystemLabel, Histogram, fn() -> Histogram>;

/// The service's metrics (see the module docs).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    runs: Family<RunLabels, Counter>,
    written: Family<WrittenLabels, Counter>,
    blocked: Family<TenantLabel, Gauge>,
    conflicts: Family<TenantLabel, Gauge>,
    given_up: Family<TenantLabel, Counter>,
    requests: Family<RequestLabels, Counter>,
    request_seconds: RequestSeconds,
    last_success: Family<TenantLabel, Gauge>,
    webhooks: Family<WebhookLabels, Counter>,
}

fn request_histogram() -> Histogram {
    // 10 ms .. ~40 s: a quick read to a remote's slowest write.
    Histogram::new(exponential_buckets(0.01, 2.0, 13))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every family registered under the `ledgerbridge_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("ledgerbridge");
        let runs = Family::default();
        let written = Family::default();
        let blocked = Family::default();
        let conflicts = Family::default();
        let given_up = Family::default();
        let requests = Family::default();
        let request_seconds: RequestSeconds = Family::new_with_constructor(request_histogram);
        let last_success = Family::default();
        let webhooks = Family::default();
        let r = &mut registry;
        r.register("runs", "Runs by tenant and outcome", runs.clone());
        r.register(
            "records_written",
            "Records written to a remote, by tenant, entity and action",
            written.clone(),
        );
        r.register(
            "blocked_records",
            "Records waiting for a person after the tenant's last run",
            blocked.clone(),
        );
        r.register(
            "conflicts_open",
            "Open conflicts of the tenant after its last run",
            conflicts.clone(),
        );
        r.register(
            "writes_given_up",
            "Records whose write failed in a run (refused by the remote, or its outcome unknown)",
            given_up.clone(),
        );
        r.register(
            "remote_requests",
            "Requests sent to the remotes, by system and HTTP status (`error` when none came back)",
            requests.clone(),
        );
        r.register(
            "remote_request_seconds",
            "How long remote requests took",
            request_seconds.clone(),
        );
        r.register(
            "last_success_timestamp_seconds",
            "When the tenant's last successful run ended (Unix seconds)",
            last_success.clone(),
        );
        r.register(
            "webhooks",
            "Webhook deliveries by system and result (accepted, rejected, ignored)",
            webhooks.clone(),
        );
        Self {
            registry,
            runs,
            written,
            blocked,
            conflicts,
            given_up,
            requests,
            request_seconds,
            last_success,
            webhooks,
        }
    }

    /// Counts a finished run of `tenant` that ended at `ended`.
    pub fn run(&self, tenant: &str, summary: &RunSummary, ended: DateTime<Utc>) {
        let tenant_label = TenantLabel {
            tenant: tenant.to_owned(),
        };
        self.runs
            .get_or_create(&RunLabels {
                tenant: tenant.to_owned(),
                outcome: summary.outcome.as_str().to_owned(),
            })
            .inc();
        for (entity, action, n) in &summary.written {
            self.written
                .get_or_create(&WrittenLabels {
                    tenant: tenant.to_owned(),
                    entity: entity.clone(),
                    action: (*action).to_owned(),
                })
                .inc_by(*n);
        }
        if summary.outcome == RunOutcome::Busy {
            return;
        }
        self.given_up
            .get_or_create(&tenant_label)
            .inc_by(summary.given_up);
        if let Some(blocked) = summary.blocked {
            self.blocked
                .get_or_create(&tenant_label)
                .set(saturating_i64(blocked));
        }
        if let Some(open) = summary.conflicts_open {
            self.conflicts
                .get_or_create(&tenant_label)
                .set(saturating_i64(open));
        }
        if summary.outcome.is_success() {
            self.last_success
                .get_or_create(&tenant_label)
                .set(ended.timestamp());
        }
    }

    /// Counts one request to `system`: its HTTP status, or `None` when no answer came back.
    pub fn remote_request(&self, system: System, status: Option<u16>, took: Duration) {
        let status = status.map_or_else(|| "error".to_owned(), |s| s.to_string());
        self.requests
            .get_or_create(&RequestLabels {
                system: system.as_str().to_owned(),
                status,
            })
            .inc();
        self.request_seconds
            .get_or_create(&SystemLabel {
                system: system.as_str().to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    /// Counts one webhook delivery: `accepted`, `rejected` (bad or missing signature, bad
    /// body) or `ignored` (verified, but for no configured company).
    pub fn webhook(&self, system: System, result: &'static str) {
        self.webhooks
            .get_or_create(&WebhookLabels {
                system: system.as_str().to_owned(),
                result: result.to_owned(),
            })
            .inc();
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }
}

fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
