//! What `/readyz` says: per tenant, the last success and whether the last run failed; the
//! verdict is computed when asked, from "now", so staleness needs no timer.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::config::TenantKey;

/// How one tenant stands (CONTRACTS.md `/readyz`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantState {
    /// Its last run succeeded within `stale_after`.
    Ok,
    /// No run of this process has succeeded yet, and none failed.
    NeverSynced,
    /// Its last success is older than `stale_after`.
    Stale,
    /// Its last run failed (a broken connection, a remote down, the ledger): the reason says.
    Broken,
}

/// One tenant's line in `/readyz`.
#[derive(Clone, Debug, Serialize)]
pub struct TenantReadiness {
    pub tenant: String,
    pub target: String,
    pub state: TenantState,
    pub last_success: Option<String>,
    pub reason: Option<String>,
}

/// The `/readyz` body: `status` is `ready` when the ledger answers and every tenant is `ok`,
/// `starting` while some tenant has not synced yet and none is stale or broken, `degraded`
/// otherwise.
#[derive(Clone, Debug, Serialize)]
pub struct Readiness {
    pub status: &'static str,
    pub tenants: Vec<TenantReadiness>,
}

impl Readiness {
    /// Whether `/readyz` answers 200.
    pub fn is_ready(&self) -> bool {
        self.status == "ready"
    }
}

#[derive(Clone, Debug, Default)]
struct Entry {
    target: String,
    last_success: Option<DateTime<Utc>>,
    /// The last run's error, cleared by a success.
    failure: Option<String>,
}

/// Every tenant's standing, shared by the tenant loops and the HTTP handlers.
#[derive(Debug, Default)]
pub struct Health {
    tenants: Mutex<BTreeMap<String, Entry>>,
}

impl Health {
    /// Starts with every tenant `never_synced`.
    pub fn new(tenants: &[TenantKey]) -> Self {
        let map = tenants
            .iter()
            .map(|t| {
                let entry = Entry {
                    target: t.target.as_str().to_owned(),
                    ..Entry::default()
                };
                (t.tenant.clone(), entry)
            })
            .collect();
        Self {
            tenants: Mutex::new(map),
        }
    }

    /// A run of `tenant` succeeded at `at`.
    pub fn succeeded(&self, tenant: &str, at: DateTime<Utc>) {
        let mut tenants = self.tenants.lock().expect("not poisoned");
        let entry = tenants.entry(tenant.to_owned()).or_default();
        entry.last_success = Some(at);
        entry.failure = None;
    }

    /// A run of `tenant` failed with `reason` (ids and the remote's words, no secret).
    pub fn failed(&self, tenant: &str, reason: &str) {
        let mut tenants = self.tenants.lock().expect("not poisoned");
        tenants.entry(tenant.to_owned()).or_default().failure = Some(reason.to_owned());
    }

    /// The verdict at `now`; `ledger` says whether the ledger answered just now.
    pub fn readiness(&self, now: DateTime<Utc>, stale_after: Duration, ledger: bool) -> Readiness {
        let stale_after = chrono::Duration::from_std(stale_after).unwrap_or(chrono::Duration::MAX);
        let tenants: Vec<TenantReadiness> = self
            .tenants
            .lock()
            .expect("not poisoned")
            .iter()
            .map(|(tenant, e)| {
                let (state, reason) = match (&e.failure, e.last_success) {
                    (Some(reason), _) => (TenantState::Broken, Some(reason.clone())),
                    (None, None) => (TenantState::NeverSynced, None),
                    (None, Some(at)) if now - at > stale_after => (
                        TenantState::Stale,
                        Some(format!(
                            "no successful sync for {} minutes",
                            (now - at).num_minutes()
                        )),
                    ),
                    (None, Some(_)) => (TenantState::Ok, None),
                };
                TenantReadiness {
                    tenant: tenant.clone(),
                    target: e.target.clone(),
                    state,
                    last_success: e
                        .last_success
                        .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true)),
                    reason,
                }
            })
            .collect();
        let bad = tenants
            .iter()
            .any(|t| matches!(t.state, TenantState::Stale | TenantState::Broken));
        let status = if !ledger || bad {
            "degraded"
        } else if tenants.iter().any(|t| t.state == TenantState::NeverSynced) {
            "starting"
        } else {
            "ready"
        };
        Readiness { status, tenants }
    }
}

#[cfg(test)]
mod tests {
    use ledgerbridge_core::System;

    use super::*;

    fn key(tenant: &str, target: System) -> TenantKey {
        TenantKey {
            tenant: tenant.into(),
            target,
            company: "c".into(),
        }
    }

    #[test]
    fn starting_then_ready_then_stale_or_broken_names_the_tenant() {
        let health = Health::new(&[key("1", System::QuickBooks), key("2", System::Xero)]);
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let hour = Duration::from_secs(3600);
        let r = health.readiness(t0, hour, true);
        assert_eq!(r.status, "starting");
        assert!(
            r.tenants
                .iter()
                .all(|t| t.state == TenantState::NeverSynced)
        );

        health.succeeded("1", t0);
        health.succeeded("2", t0);
        assert!(health.readiness(t0, hour, true).is_ready());
        assert_eq!(health.readiness(t0, hour, false).status, "degraded");

        health.failed("2", "xero: tokens refused; run `ledgerbridge connect xero`");
        let r = health.readiness(t0, hour, true);
        assert_eq!(r.status, "degraded");
        assert_eq!(r.tenants[1].state, TenantState::Broken);
        assert!(
            r.tenants[1]
                .reason
                .as_deref()
                .unwrap()
                .contains("connect xero")
        );
        assert_eq!(r.tenants[0].state, TenantState::Ok);

        health.succeeded("2", t0);
        let later = t0 + chrono::Duration::seconds(3601);
        let r = health.readiness(later, hour, true);
        assert_eq!(r.status, "degraded");
        assert!(r.tenants.iter().all(|t| t.state == TenantState::Stale));
        assert_eq!(
            r.tenants[0].last_success.as_deref(),
            Some("2027-01-15T08:00:00Z")
        );
    }
}
