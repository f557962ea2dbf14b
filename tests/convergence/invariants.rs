//! The invariants checked after quiescence (faults off, a run that wrote nothing):
//!
//! 1. **Exactly once.** Every eligible ServiceTitan invoice and payment is linked to exactly
//!    one record in the books (one invoice per number), or its absence is explained (blocked
//!    with a reason in the quiet run's report, quarantined, or voided before it was synced).
//! 2. **To the cent.** A linked invoice's total and tax equal ServiceTitan's; its balance is
//!    the total less the synced payments; a linked payment's remote payments add up to it.
//! 3. **Nothing open.** No operation is pending or sent, no request is unfinished; a failed
//!    or dead operation carries its error, a dead one its `operation.dead` event.
//! 4. **Cursors never ahead of durable data.** Follows from 1: a record a cursor skipped
//!    without recording it would be neither linked nor explained. Each cursor also names a
//!    run that exists.
//! 5. **Conflicts.** Every conflict is resolved/dismissed, or open with each field's
//!    ServiceTitan and accounting values.
//! 6. **Audit.** Every record the books gained is linked (no orphan = no duplicate) and was
//!    written by a confirmed operation of the outbox; every link points at a record that
//!    exists.
//! 7. **Marked.** Every linked invoice and payment is marked exported in ServiceTitan.
//! 8. **Reachable customers.** Every customer a linked invoice is addressed to is active.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_emulator::EmulatorControl;
use ledgerbridge_ledger::{Ledger, RecordKey};
use ledgerbridge_reconcile::TargetReport;
use rust_decimal::Decimal;
use serde_json::Value;

mod blocked;
mod ledger_checks;
mod marks;

use blocked::expected_block;

use crate::books::{Books, money};
use crate::edits::{EditLog, index_of, st_date, st_total};
use crate::world::World;

/// The books and ServiceTitan before the first sync.
pub(crate) struct Initial {
    books: BTreeMap<System, Books>,
    servicetitan: Value,
}

impl Initial {
    pub(crate) fn take(world: &World) -> Self {
        Self {
            books: books_now(world),
            servicetitan: world.sandbox.servicetitan.state(),
        }
    }
}

fn books_now(world: &World) -> BTreeMap<System, Books> {
    BTreeMap::from([
        (
            System::QuickBooks,
            Books::read(System::QuickBooks, &world.sandbox.quickbooks.state()),
        ),
        (
            System::Xero,
            Books::read(System::Xero, &world.sandbox.xero.state()),
        ),
    ])
}

fn values(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_object().into_iter().flat_map(|m| m.values())
}

/// Eligible when first seen: active, Posted, in the window, not exported elsewhere.
fn eligible_invoice(i: &Value, start: NaiveDate) -> bool {
    i["active"] == true
        && i["sync_status"] == "Posted"
        && st_date(&i["invoice_date"]).is_some_and(|d| d >= start)
}

fn eligible_payment(p: &Value, start: NaiveDate) -> bool {
    p["active"] == true
        && p["sync_status"] != "Exported"
        && st_date(&p["paid_on"]).is_some_and(|d| d >= start)
        && payment_amount(p) != Decimal::ZERO
}

fn payment_amount(p: &Value) -> Decimal {
    p["splits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| money(&s["amount"]))
        .sum()
}

/// What the quiet run reported blocked: `(entity, ServiceTitan id)` -> the reason. Only a
/// reason the scenario predicts ([`expected_block`]) explains a record.
pub(crate) type Explained = BTreeMap<(EntityKind, String), String>;

/// The blocked records of an in-process run's report.
pub(crate) fn explained(report: &TargetReport) -> Explained {
    report
        .blocked_records
        .iter()
        .map(|b| ((b.entity, b.servicetitan_id.clone()), b.reason.clone()))
        .collect()
}

/// Checks every invariant against `ledger`; returns the violations (empty = passed).
pub(crate) async fn check(
    world: &World,
    ledger: &Ledger,
    initial: &Initial,
    edits: &EditLog,
    quiet: &[(System, Explained)],
) -> Vec<String> {
    let mut out = Vec::new();
    let now_books = books_now(world);
    let st_now = world.sandbox.servicetitan.state();
    for (system, explained) in quiet {
        let checker = Checker {
            world,
            ledger,
            system: *system,
            tenant: world.tenant(*system).tenant,
            start: world.settings.start_date.unwrap_or(NaiveDate::MIN),
            before: &initial.books[system],
            books: &now_books[system],
            st_before: &initial.servicetitan["tenants"][index_of(*system)],
            st_now: &st_now["tenants"][index_of(*system)],
            explained,
            edits,
        };
        checker.run(&mut out).await;
    }
    out
}

struct Checker<'a> {
    world: &'a World,
    ledger: &'a Ledger,
    system: System,
    tenant: String,
    start: NaiveDate,
    before: &'a Books,
    books: &'a Books,
    st_before: &'a Value,
    st_now: &'a Value,
    explained: &'a Explained,
    edits: &'a EditLog,
}

impl Checker<'_> {
    fn key(&self, entity: EntityKind, id: &str) -> RecordKey {
        RecordKey::new(
            &self.tenant,
            entity,
            id,
            self.system,
            self.world.tenant(self.system).company,
        )
    }

    fn explained(&self, entity: EntityKind, id: i64) -> bool {
        self.explained
            .get(&(entity, id.to_string()))
            .is_some_and(|reason| {
                expected_block(reason)
                    || self.tied_to_malformed(&entity.to_string(), &id.to_string())
            })
    }

    async fn run(&self, out: &mut Vec<String>) {
        let s = self.system;
        let ledger = self.ledger;
        let links = ledger
            .links()
            .list(&self.tenant, None)
            .await
            .expect("links");
        let mut linked_docs: BTreeSet<String> = BTreeSet::new();
        let mut linked_customers: BTreeSet<String> = BTreeSet::new();
        let mut payment_remote: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for link in &links {
            if link.key.entity == EntityKind::Customer {
                linked_customers.insert(link.target_id.clone());
                continue;
            }
            let mut ids = vec![link.target_id.clone()];
            if link.key.entity == EntityKind::Payment {
                for line in ledger.links().lines(&link.key).await.expect("lines") {
                    ids.push(line.target_line_id);
                }
                payment_remote.insert(link.key.servicetitan_id.clone(), ids.clone());
            }
            for id in ids {
                match self.books.document(&id) {
                    Some(doc) => {
                        linked_docs.insert(doc.clone());
                    }
                    None => out.push(format!(
                        "{s}: {} {} linked to {id}, which the books do not hold",
                        link.key.entity, link.key.servicetitan_id
                    )),
                }
            }
        }

        // 6. No orphan: every document and customer the books gained is linked (except the
        // payments a person recorded in the books: checked by `books_payments`).
        for doc in self.gained_documents() {
            if !linked_docs.contains(doc) {
                out.push(format!(
                    "{s}: {doc} was written but is linked to nothing (a duplicate?)"
                ));
            }
        }
        for c in self.books.customers.difference(&self.before.customers) {
            if !linked_customers.contains(c) {
                out.push(format!(
                    "{s}: customer {c} was written but is linked to nothing"
                ));
            }
        }

        self.blocked_as_predicted(out);
        self.invoices(out).await;
        self.marks_and_customers(out, &links);
        self.payments(out, &payment_remote).await;
        self.books_payments(out).await;
        self.outbox(out).await;
        self.audit(out).await;
        self.conflicts_and_cursors(out).await;
    }

    /// Documents the books gained during the scenario that the bridge wrote (not those a
    /// person recorded there).
    fn gained_documents(&self) -> Vec<&String> {
        self.books
            .documents
            .difference(&self.before.documents)
            .filter(|doc| {
                let id = doc.split_once(':').map(|(_, id)| id).unwrap_or(doc);
                !self
                    .edits
                    .books_payments
                    .contains(&(self.tenant.clone(), id.to_owned()))
            })
            .collect()
    }

    async fn link_of(&self, entity: EntityKind, id: i64) -> Option<String> {
        self.ledger
            .links()
            .get(&self.key(entity, &id.to_string()))
            .await
            .expect("link")
            .map(|l| l.target_id)
    }

    /// 1 and 2 for invoices.
    async fn invoices(&self, out: &mut Vec<String>) {
        let s = self.system;
        let synced_payments = self.synced_payment_splits().await;
        for before in values(&self.st_before["invoices"]) {
            if !eligible_invoice(before, self.start) {
                continue;
            }
            let id = before["id"].as_i64().expect("id");
            if self
                .edits
                .malformed
                .contains(&(self.tenant.clone(), "invoices", id))
            {
                continue;
            }
            let now = &self.st_now["invoices"][id.to_string()];
            let number = now["number"].as_str().unwrap_or_default();
            let same_number: Vec<_> = self
                .books
                .invoices
                .iter()
                .filter(|i| i.number == number)
                .collect();
            let voided = self.edits.voided.contains(&(self.tenant.clone(), id));
            let link = self.link_of(EntityKind::Invoice, id).await;
            let Some(target) = link else {
                if !(voided || self.explained(EntityKind::Invoice, id)) {
                    out.push(format!(
                        "{s}: invoice {id} ({number}) eligible, not synced, not explained"
                    ));
                }
                if !same_number.is_empty() && !voided && !self.explained(EntityKind::Invoice, id) {
                    out.push(format!(
                        "{s}: invoice {id} unlinked but {number} is in the books"
                    ));
                }
                continue;
            };
            if same_number.len() != 1 || same_number[0].id != target {
                out.push(format!(
                    "{s}: invoice {id} ({number}) linked to {target}, books hold {} with that number",
                    same_number.len()
                ));
                continue;
            }
            let books = same_number[0];
            let excused = self.excused(id, &target).await;
            if voided {
                if !books.voided && !excused {
                    out.push(format!(
                        "{s}: invoice {id} voided in ServiceTitan, not in the books"
                    ));
                }
                continue;
            }
            // Two-way: a due date a person set in the books reached ServiceTitan (the last
            // one set wins; a conflict or a block excuses it).
            if let Some(due) = self
                .edits
                .books_due_dates
                .get(&(self.tenant.clone(), target.clone()))
                && st_date(&now["due_date"]) != Some(*due)
                && !excused
            {
                out.push(format!(
                    "{s}: invoice {id}: due {due} in the books, {} in ServiceTitan",
                    now["due_date"]
                ));
            }
            let total = st_total(now);
            let tax = money(&now["sales_tax"]);
            let paid: Decimal = synced_payments.get(&id).copied().unwrap_or_default();
            let balance_known = !self.paid_by_malformed(id);
            if (books.total != total
                || books.tax != tax
                || (balance_known && books.balance != total - paid))
                && !excused
            {
                out.push(format!(
                    "{s}: invoice {id} ({number}): books total {} tax {} balance {}, \
                     ServiceTitan total {total} tax {tax}, synced payments {paid}",
                    books.total, books.tax, books.balance
                ));
            }
        }
    }

    /// Whether a difference on invoice `id` (books id `target`) is explained: the invoice or
    /// a payment a person recorded on it in the books is blocked with a reason, or a
    /// conflict on it is open (a person decides). Changes made on both sides at once are not
    /// always reconcilable by a machine; they must never be silent.
    async fn excused(&self, id: i64, target: &str) -> bool {
        if self.explained(EntityKind::Invoice, id) {
            return true;
        }
        let prefix = if self.system == System::QuickBooks {
            "qbo"
        } else {
            "xero"
        };
        let payment_blocked = self
            .edits
            .books_payment_invoice
            .iter()
            .filter(|(_, invoice)| invoice.as_str() == target)
            .any(|(payment, _)| {
                self.explained
                    .get(&(EntityKind::Payment, format!("{prefix}:{payment}")))
                    .is_some_and(|reason| expected_block(reason))
            });
        if payment_blocked {
            return true;
        }
        self.ledger
            .conflicts()
            .open_for(&self.key(EntityKind::Invoice, &id.to_string()))
            .await
            .expect("conflicts")
            .is_some()
    }

    /// Whether a payment served malformed applies to `invoice` (its balance is then
    /// whatever the bad payment became, checked by the bad-data test instead).
    fn paid_by_malformed(&self, invoice: i64) -> bool {
        values(&self.st_now["payments"]).any(|p| {
            let id = p["id"].as_i64().unwrap_or_default();
            self.edits
                .malformed
                .contains(&(self.tenant.clone(), "payments", id))
                && p["splits"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|s| s["invoice_id"].as_i64() == Some(invoice))
        })
    }

    /// Per invoice, the amounts of ServiceTitan payments that are synced (linked).
    async fn synced_payment_splits(&self) -> BTreeMap<i64, Decimal> {
        let mut paid = BTreeMap::new();
        for p in values(&self.st_now["payments"]) {
            let id = p["id"].as_i64().expect("id");
            if p["active"] != true || self.link_of(EntityKind::Payment, id).await.is_none() {
                continue;
            }
            for split in p["splits"].as_array().into_iter().flatten() {
                *paid
                    .entry(split["invoice_id"].as_i64().unwrap_or_default())
                    .or_insert(Decimal::ZERO) += money(&split["amount"]);
            }
        }
        paid
    }

    /// 1 and 2 for payments.
    async fn payments(&self, out: &mut Vec<String>, remote: &BTreeMap<String, Vec<String>>) {
        let s = self.system;
        for p in values(&self.st_now["payments"]) {
            let id = p["id"].as_i64().expect("id");
            if self
                .edits
                .malformed
                .contains(&(self.tenant.clone(), "payments", id))
            {
                continue;
            }
            let before = &self.st_before["payments"][id.to_string()];
            let made_by_edit = self.edits.payments.contains(&(self.tenant.clone(), id));
            let first_seen = if made_by_edit { p } else { before };
            if first_seen.is_null() || !eligible_payment(first_seen, self.start) {
                continue;
            }
            let Some(ids) = remote.get(&id.to_string()) else {
                if !self.explained(EntityKind::Payment, id) {
                    out.push(format!(
                        "{s}: payment {id} eligible, not synced, not explained"
                    ));
                }
                continue;
            };
            let amounts: Vec<Decimal> = ids
                .iter()
                .filter_map(|r| self.books.payments.iter().find(|b| &b.id == r))
                .filter(|b| !b.voided)
                .map(|b| b.amount)
                .collect();
            let expected = payment_amount(p);
            if amounts.len() == ids.len() && expected > Decimal::ZERO {
                let sum: Decimal = amounts.iter().copied().sum();
                if sum != expected {
                    out.push(format!(
                        "{s}: payment {id}: books hold {sum} in {} payments, ServiceTitan {expected}",
                        amounts.len()
                    ));
                }
            }
        }
    }
}
