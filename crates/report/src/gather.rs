//! Turning what the ledger holds (and, with `--refresh`, what both systems hold now) into the
//! document pairs of one tenant for a period.
//!
//! ServiceTitan's side: live invoices dated in the period (linked, parked, or eligible to
//! sync; a draft or an invoice exported by another integration is not expected in the books),
//! else the ledger's snapshots dated in the period (their amount columns, exactly what
//! `Snapshots::totals` sums) plus the parked records (a parked newer version of a linked
//! invoice stands for ServiceTitan against the snapshot). The accounting side: live invoices
//! (linked ones by their ServiceTitan twin's date, unlinked ones by their own), else the
//! snapshot each link was verified with, with the total and tax the books answered then
//! (`target_total` / `target_tax`), so a tax the books recalculated shows without a refresh.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::{Currency, EntityKind, Invoice, Money, MoneyError, System};
use ledgerbridge_ledger::{ConflictFilter, ConflictStatus, Ledger, RecordKey, Snapshot};
use ledgerbridge_protocol::RemoteInvoice;
use ledgerbridge_reconcile::eligibility::{Eligibility, invoice_eligibility};
use ledgerbridge_reconcile::parked;

use crate::error::ReportError;
use crate::model::{Basis, Difference, Doc, OpenConflict, RecordInput, TenantInput};
use crate::period::Period;

const INVOICE: EntityKind = EntityKind::Invoice;

/// One tenant's accounting target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// QuickBooks or Xero.
    pub target: System,
    /// The accounting company.
    pub company: String,
}

/// Which unlinked ServiceTitan invoices the books are expected to hold (the sync's own
/// eligibility rules, from the config).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    /// `sync.start_date`.
    pub start_date: Option<NaiveDate>,
    /// `sync.include_pending`.
    pub include_pending: bool,
}

/// What `--refresh` read (a side is `None` when it was not read or could not be).
#[derive(Clone, Debug, Default)]
pub struct Live {
    /// ServiceTitan's invoices dated in the period.
    pub servicetitan: Option<Vec<SourceRecord<Invoice>>>,
    /// Every accounting invoice.
    pub accounting: Option<Vec<RemoteInvoice>>,
}

fn money(err: MoneyError) -> ReportError {
    ReportError::Data(err.to_string())
}

fn st_doc(id: &str, invoice: &Invoice) -> Result<Doc, ReportError> {
    Doc::new(
        id,
        invoice.number.clone(),
        Some(invoice.invoice_date),
        invoice.status,
        [
            invoice.subtotal,
            invoice.tax,
            invoice.total,
            invoice.balance,
        ],
    )
    .map_err(money)
}

fn remote_doc(remote: &RemoteInvoice, currency: Currency) -> Result<Doc, ReportError> {
    let amount = |d| Money::new(d, currency).map_err(money);
    let (total, tax, balance) = (
        amount(remote.total)?,
        amount(remote.tax)?,
        amount(remote.balance)?,
    );
    let subtotal = total.checked_sub(&tax).map_err(money)?;
    Doc::new(
        remote.id.clone(),
        remote.number.clone(),
        remote.date,
        remote.status,
        [subtotal, tax, total, balance],
    )
    .map_err(money)
}

fn invoice_of(base: &serde_json::Value) -> Result<Invoice, ReportError> {
    serde_json::from_value(base.clone())
        .map_err(|e| ReportError::Data(format!("an invoice snapshot does not parse: {e}")))
}

/// A verified snapshot as a document: its amounts and date from the snapshot's own columns
/// (what [`ledgerbridge_ledger::Snapshots::totals`] sums), number and status from its base.
fn snapshot_doc(id: &str, snapshot: &Snapshot) -> Result<Doc, ReportError> {
    let invoice = invoice_of(&snapshot.base)?;
    let Some(t) = snapshot.totals else {
        return st_doc(id, &invoice);
    };
    let subtotal = t.total.checked_sub(&t.tax).map_err(money)?;
    Doc::new(
        id,
        invoice.number,
        snapshot.document_date.or(Some(invoice.invoice_date)),
        invoice.status,
        [subtotal, t.tax, t.total, t.balance],
    )
    .map_err(money)
}

/// The books' side of a verified snapshot: the total and tax QuickBooks or Xero answered when
/// the bridge wrote or verified the invoice (ServiceTitan's where it did not say), the
/// subtotal between them, and the open balance moved by the same amount as the total (both
/// sides' payments are taken as equal, as everywhere in the ledger view).
fn books_snapshot_doc(id: &str, snapshot: &Snapshot) -> Result<Doc, ReportError> {
    let doc = snapshot_doc(id, snapshot)?;
    if snapshot.target_total.is_none() && snapshot.target_tax.is_none() {
        return Ok(doc);
    }
    let total = snapshot.target_total.unwrap_or(doc.total);
    let tax = snapshot.target_tax.unwrap_or(doc.tax);
    let subtotal = total.checked_sub(&tax).map_err(money)?;
    let balance = doc
        .balance
        .checked_add(&total.checked_sub(&doc.total).map_err(money)?)
        .map_err(money)?;
    Doc::new(
        doc.id,
        doc.number,
        doc.date,
        doc.status,
        [subtotal, tax, total, balance],
    )
    .map_err(money)
}

/// The invoice date of a quarantined ServiceTitan payload, when it has a readable one.
fn quarantined_date(raw: &[u8]) -> Option<NaiveDate> {
    let json: serde_json::Value = serde_json::from_slice(raw).ok()?;
    let text = json.get("invoiceDate")?.as_str()?;
    text.get(..10)?.parse().ok()
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The document pairs of `scope` for `period`.
pub async fn tenant_input(
    ledger: &Ledger,
    scope: &Scope,
    period: Period,
    expected: Expected,
    live: Live,
) -> Result<TenantInput, ReportError> {
    let ours = |k: &RecordKey| k.target_system == scope.target && k.target_company == scope.company;
    let links: Vec<_> = ledger
        .links()
        .list(&scope.tenant, Some(INVOICE))
        .await?
        .into_iter()
        .filter(|l| ours(&l.key))
        .collect();
    let target_of: HashMap<String, String> = links
        .iter()
        .map(|l| (l.key.servicetitan_id.clone(), l.target_id.clone()))
        .collect();
    let linked_from: HashMap<&str, &str> = links
        .iter()
        .map(|l| (l.target_id.as_str(), l.key.servicetitan_id.as_str()))
        .collect();
    let snapshots: Vec<_> = ledger
        .snapshots()
        .in_period(&scope.tenant, INVOICE, Some(period.from), Some(period.to))
        .await?
        .into_iter()
        .filter(|s| ours(&s.key))
        .collect();
    let mut bases: BTreeMap<String, Doc> = BTreeMap::new();
    let mut books_bases: BTreeMap<String, Doc> = BTreeMap::new();
    for s in &snapshots {
        let id = &s.key.servicetitan_id;
        bases.insert(id.clone(), snapshot_doc(id, s)?);
        books_bases.insert(id.clone(), books_snapshot_doc(id, s)?);
    }
    let parked: parked::Parked<Invoice> = parked::load(ledger, &scope.tenant, INVOICE).await?;
    let conflicts = ledger
        .conflicts()
        .list(&ConflictFilter {
            status: Some(ConflictStatus::Open),
            tenant: Some(scope.tenant.clone()),
            entity: Some(INVOICE),
            limit: None,
        })
        .await?;
    let mut open: HashMap<String, OpenConflict> = HashMap::new();
    for c in conflicts
        .into_iter()
        .filter(|c| c.target_system == scope.target)
    {
        open.insert(
            c.servicetitan_id.clone(),
            OpenConflict {
                id: c.id.0,
                fields: c
                    .fields
                    .iter()
                    .map(|f| Difference {
                        field: f.path.clone(),
                        servicetitan: text(&f.servicetitan),
                        accounting: text(&f.accounting),
                    })
                    .collect(),
            },
        );
    }

    // ServiceTitan's side, by ServiceTitan id.
    let servicetitan_basis = if live.servicetitan.is_some() {
        Basis::Live
    } else {
        Basis::Ledger
    };
    let mut st: BTreeMap<String, Doc> = BTreeMap::new();
    match live.servicetitan {
        Some(records) => {
            for rec in records {
                let id = rec.id.to_string();
                if !period.contains(rec.record.invoice_date) {
                    continue;
                }
                let known = target_of.contains_key(&id) || parked.contains_key(&rec.id);
                let expected = matches!(
                    invoice_eligibility(&rec, expected.start_date, expected.include_pending),
                    Eligibility::Sync
                );
                if known || expected {
                    st.insert(id.clone(), st_doc(&id, &rec.record)?);
                }
            }
        }
        None => {
            st.extend(bases.iter().map(|(k, v)| (k.clone(), v.clone())));
            for (id, p) in &parked {
                if period.contains(p.record.invoice_date) {
                    let id = id.to_string();
                    st.insert(id.clone(), st_doc(&id, &p.record)?);
                }
            }
        }
    }
    let currency = st.values().next().map_or(Currency::USD, |d| d.currency);

    // The accounting side, by accounting id.
    let accounting_basis = if live.accounting.is_some() {
        Basis::Live
    } else {
        Basis::Ledger
    };
    let mut acct: BTreeMap<String, Doc> = BTreeMap::new();
    match live.accounting {
        Some(remote) => {
            for r in remote {
                let twin = linked_from.get(r.id.as_str());
                let wanted = match twin {
                    Some(st_id) => st.contains_key(*st_id),
                    None => r.date.is_some_and(|d| period.contains(d)),
                };
                if wanted {
                    let cur = twin
                        .and_then(|id| st.get(*id))
                        .map_or(currency, |d| d.currency);
                    acct.insert(r.id.clone(), remote_doc(&r, cur)?);
                }
            }
        }
        None => {
            for st_id in st.keys() {
                let Some(target_id) = target_of.get(st_id) else {
                    continue;
                };
                let base = match books_bases.get(st_id) {
                    Some(b) => Some(b.clone()),
                    None => {
                        let key = RecordKey::new(
                            &scope.tenant,
                            INVOICE,
                            st_id,
                            scope.target,
                            &scope.company,
                        );
                        match ledger.snapshots().get(&key).await? {
                            Some(s) => Some(books_snapshot_doc(st_id, &s)?),
                            None => None,
                        }
                    }
                };
                if let Some(mut base) = base {
                    base.id.clone_from(target_id);
                    acct.insert(target_id.clone(), base);
                }
            }
        }
    }

    // Pairs.
    let st_numbers: HashMap<&str, &str> = st
        .iter()
        .map(|(id, d)| (d.number.as_str(), id.as_str()))
        .collect();
    let mut records = Vec::new();
    for (id, doc) in &st {
        let accounting = target_of.get(id).and_then(|t| acct.remove(t));
        let blocked = id
            .parse::<i64>()
            .ok()
            .and_then(|n| parked.get(&n))
            .map(|p| p.reason.clone());
        records.push(RecordInput {
            servicetitan: Some(doc.clone()),
            accounting,
            blocked,
            conflict: open.remove(id),
            duplicate_of: None,
        });
    }
    let mut acct_numbers: HashMap<String, Vec<String>> = HashMap::new();
    for doc in acct.values() {
        acct_numbers
            .entry(doc.number.clone())
            .or_default()
            .push(doc.id.clone());
    }
    for (id, doc) in acct {
        let duplicate_of = match st_numbers.get(doc.number.as_str()) {
            Some(st_id) => Some(format!("ServiceTitan invoice {st_id}")),
            None => acct_numbers
                .get(&doc.number)
                .and_then(|ids| ids.iter().find(|other| **other != id))
                .map(|other| format!("{} invoice {other}", scope.target)),
        };
        records.push(RecordInput {
            accounting: Some(doc),
            duplicate_of,
            ..RecordInput::default()
        });
    }
    for q in ledger.quarantine().list(Some(&scope.tenant), false).await? {
        if q.entity != INVOICE || q.system != System::ServiceTitan {
            continue;
        }
        if quarantined_date(&q.raw).is_some_and(|d| !period.contains(d)) {
            continue;
        }
        let id = q.remote_id.clone().unwrap_or_else(|| "?".to_owned());
        if st.contains_key(&id) {
            continue;
        }
        records.push(RecordInput {
            blocked: Some(format!(
                "ServiceTitan invoice {id} is quarantined (unreadable): {}",
                q.reason
            )),
            ..RecordInput::default()
        });
    }
    Ok(TenantInput {
        tenant: scope.tenant.clone(),
        target: scope.target,
        company: scope.company.clone(),
        servicetitan_basis,
        accounting_basis,
        records,
    })
}
