//! The ledger-side invariants: nothing open in the outbox, every write audited, conflicts
//! and cursors sane, and the payments a person recorded in the books brought to ServiceTitan
//! exactly once.

use std::collections::{BTreeMap, BTreeSet};

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{
    ConflictFilter, ConflictStatus, EventFilter, Operation, OperationFilter, OperationState,
};
use serde_json::Value;

use super::{Checker, payment_amount, values};

impl Checker<'_> {
    /// Two-way: every payment a person recorded in the books is in ServiceTitan exactly once
    /// (found by its stable id `qbo:<id>` / `xero:<id>` in `exportId` or the memo), for the
    /// same amount, and linked; or its absence is explained.
    pub(super) async fn books_payments(&self, out: &mut Vec<String>) {
        let s = self.system;
        let prefix = if s == System::QuickBooks {
            "qbo"
        } else {
            "xero"
        };
        for (tenant, id) in &self.edits.books_payments {
            if *tenant != self.tenant {
                continue;
            }
            let export = format!("{prefix}:{id}");
            if self
                .explained
                .get(&(EntityKind::Payment, export.clone()))
                .is_some_and(|reason| super::expected_block(reason))
            {
                continue;
            }
            let copies: Vec<&Value> = values(&self.st_now["payments"])
                .filter(|p| {
                    p["export_id"].as_str() == Some(export.as_str())
                        || p["memo"].as_str().is_some_and(|m| m.contains(&export))
                })
                .collect();
            if copies.len() != 1 {
                out.push(format!(
                    "{s}: books payment {id} is in ServiceTitan {} times, not once",
                    copies.len()
                ));
                continue;
            }
            let books = self.books.payments.iter().find(|b| &b.id == id);
            let amount = payment_amount(copies[0]);
            if books.is_some_and(|b| b.amount != amount) {
                out.push(format!(
                    "{s}: books payment {id} of {:?} is {amount} in ServiceTitan",
                    books.map(|b| b.amount)
                ));
            }
            let st_id = copies[0]["id"].as_i64().unwrap_or_default();
            if self.link_of(EntityKind::Payment, st_id).await.as_deref() != Some(id.as_str()) {
                out.push(format!(
                    "{s}: books payment {id} became ServiceTitan payment {st_id}, not linked to it"
                ));
            }
        }
    }

    /// 3: nothing left open or unexplained in the outbox.
    pub(super) async fn outbox(&self, out: &mut Vec<String>) {
        let s = self.system;
        let ledger = self.ledger;
        let ops = ledger
            .outbox()
            .list(&OperationFilter {
                tenant: Some(self.tenant.clone()),
                limit: Some(1_000_000),
                ..OperationFilter::default()
            })
            .await
            .expect("operations");
        let dead_events: BTreeSet<String> = ledger
            .events()
            .list(&EventFilter {
                kind: Some("operation.dead".to_owned()),
                tenant: Some(self.tenant.clone()),
                limit: Some(1_000_000),
                ..EventFilter::default()
            })
            .await
            .expect("events")
            .into_iter()
            .filter_map(|e| e.detail["operation"].as_str().map(str::to_owned))
            .collect();
        for op in &ops {
            let what = format!(
                "{s}: operation {} ({} {} {:?})",
                op.id, op.action, op.entity, op.servicetitan_id
            );
            match op.state {
                OperationState::Pending | OperationState::Sent => {
                    out.push(format!("{what} left {}", op.state));
                }
                OperationState::Failed | OperationState::Dead if op.last_error.is_none() => {
                    out.push(format!("{what} {} without an error", op.state));
                }
                OperationState::Dead if !dead_events.contains(&op.id.to_string()) => {
                    out.push(format!("{what} dead without an operation.dead event"));
                }
                _ => {}
            }
        }
        let unfinished = ledger
            .requests()
            .unfinished(Some(&self.tenant))
            .await
            .expect("requests");
        for r in unfinished {
            out.push(format!("{s}: request {} left {}", r.key, r.status));
        }
    }

    /// 6: every document the books gained was written by a confirmed operation.
    pub(super) async fn audit(&self, out: &mut Vec<String>) {
        let s = self.system;
        let ledger = self.ledger;
        let confirmed = ledger
            .outbox()
            .list(&OperationFilter {
                tenant: Some(self.tenant.clone()),
                state: Some(OperationState::Confirmed),
                limit: Some(1_000_000),
                ..OperationFilter::default()
            })
            .await
            .expect("operations");
        let mut written: BTreeSet<String> = BTreeSet::new();
        for op in &confirmed {
            written.extend(op.remote_id.iter().cloned());
            written.extend(op.target_id.iter().cloned());
            // A payment that became several remote payments is linked by the first; the
            // others are its line links, written by the same operation.
            if let Some(st_id) = &op.servicetitan_id
                && op.entity == EntityKind::Payment
            {
                let key = self.key(EntityKind::Payment, st_id);
                for line in ledger.links().lines(&key).await.expect("lines") {
                    written.insert(line.target_line_id);
                }
            }
        }
        self.one_event_per_write(out, &confirmed).await;
        for doc in self.gained_documents() {
            let id = doc.split_once(':').map(|(_, id)| id).unwrap_or(doc);
            if !written.contains(id) {
                out.push(format!(
                    "{s}: {doc} is in the books but no confirmed operation wrote it"
                ));
            }
        }
        for c in self.books.customers.difference(&self.before.customers) {
            if !written.contains(c) {
                out.push(format!(
                    "{s}: customer {c} is in the books but no confirmed operation wrote it"
                ));
            }
        }
    }

    /// 6: the audit trail holds exactly one event per remote write (a confirmed operation),
    /// naming that operation.
    async fn one_event_per_write(&self, out: &mut Vec<String>, confirmed: &[Operation]) {
        let events = self
            .ledger
            .events()
            .list(&EventFilter {
                tenant: Some(self.tenant.clone()),
                limit: Some(1_000_000),
                ..EventFilter::default()
            })
            .await
            .expect("events");
        let mut per_op: BTreeMap<String, usize> = BTreeMap::new();
        for e in &events {
            if let Some(op) = e.operation {
                *per_op.entry(op.to_string()).or_default() += 1;
            }
        }
        for op in confirmed {
            let n = per_op.get(&op.id.to_string()).copied().unwrap_or_default();
            if n != 1 {
                out.push(format!(
                    "{}: operation {} ({} {} {:?}) has {n} audit events, not one",
                    self.system,
                    op.id,
                    op.entity,
                    op.servicetitan_id.as_deref().unwrap_or("-"),
                    op.action
                ));
            }
        }
    }

    /// 4 (cursors name real runs) and 5 (conflicts).
    pub(super) async fn conflicts_and_cursors(&self, out: &mut Vec<String>) {
        let s = self.system;
        let ledger = self.ledger;
        let conflicts = ledger
            .conflicts()
            .list(&ConflictFilter::default())
            .await
            .expect("conflicts");
        for c in conflicts.iter().filter(|c| c.tenant == self.tenant) {
            if c.status == ConflictStatus::Open
                && (c.fields.is_empty() || c.fields.iter().any(|f| f.servicetitan == f.accounting))
            {
                out.push(format!("{s}: conflict {} open without both values", c.id));
            }
        }
        for cursor in ledger
            .cursors()
            .list(Some(&self.tenant))
            .await
            .expect("cursors")
        {
            let Some(run) = cursor.run else { continue };
            if ledger.runs().get(run).await.expect("run").is_none() {
                out.push(format!(
                    "{s}: cursor {} names run {} that does not exist",
                    cursor.key.feed, run.0
                ));
            }
        }
    }
}
