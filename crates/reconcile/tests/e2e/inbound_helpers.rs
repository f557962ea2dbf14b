//! Helpers of the payments-from-the-books tests: a linked invoice with an open balance, a
//! payment recorded through the books' own API, the reverse mapping, counts on both sides.

use futures::TryStreamExt;
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{Mapping, MappingKind};
use ledgerbridge_protocol::Target;
use ledgerbridge_reconcile::SyncReport;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::World;

/// A linked invoice with an open balance in the books: (ServiceTitan id, books id, customer).
pub(crate) async fn open_invoice(world: &World, system: System) -> (i64, String, String) {
    let tenant = world.tenant(system).tenant;
    let links = world
        .ledger
        .links()
        .list(&tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    let ids: Vec<String> = links.iter().map(|l| l.target_id.clone()).collect();
    let remote = match system {
        System::QuickBooks => world.qbo.read_invoices(&ids[..40.min(ids.len())]).await,
        _ => world.xero.read_invoices(&ids).await,
    }
    .unwrap();
    let open = remote
        .iter()
        .find(|r| {
            r.balance >= Decimal::new(2500, 2)
                && r.status == ledgerbridge_core::InvoiceStatus::Posted
        })
        .expect("a linked invoice with an open balance");
    let link = links
        .iter()
        .find(|l| l.target_id.eq_ignore_ascii_case(&open.id))
        .unwrap();
    (
        link.key.servicetitan_id.parse().unwrap(),
        open.id.clone(),
        open.customer_id.clone(),
    )
}

/// Records a payment of 10.00 in the books through their API; returns its id.
pub(crate) async fn record_in_books(
    world: &World,
    system: System,
    invoice: &str,
    customer: &str,
) -> String {
    match system {
        System::QuickBooks => {
            let q = &world.info.quickbooks;
            let url = format!(
                "{}/v3/company/{}/payment?minorversion=75",
                q.api_base.trim_end_matches('/'),
                q.realm_id
            );
            let methods = world.qbo.connector().reference_data().await.unwrap();
            let check = methods
                .payment_methods
                .iter()
                .find(|m| m.name == "Check")
                .expect("a Check payment method");
            let body = json!({
                "CustomerRef": {"value": customer}, "TotalAmt": 10.00, "TxnDate": "2026-11-20",
                "PaymentRefNum": "5521", "PaymentMethodRef": {"value": check.id},
                "Line": [{"Amount": 10.00, "LinkedTxn": [{"TxnId": invoice, "TxnType": "Invoice"}]}]
            });
            let token = world.sandbox.quickbooks.connect().access_token;
            let answer: Value = world
                .http
                .post(url)
                .bearer_auth(token)
                .header("accept", "application/json")
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answer["Payment"]["Id"]
                .as_str()
                .unwrap_or_else(|| panic!("QuickBooks created no payment: {answer}"))
                .to_owned()
        }
        _ => {
            let x = &world.info.xero;
            let url = format!("{}/api.xro/2.0/Payments", x.api_base.trim_end_matches('/'));
            let issued = world
                .sandbox
                .xero
                .issue_tokens("accounting.invoices accounting.payments accounting.contacts");
            let body = json!({"Payments": [{
                "Invoice": {"InvoiceID": invoice}, "Account": {"Code": "090"},
                "Date": "2026-11-20", "Amount": 10.00, "Reference": "5521"
            }]});
            let response = world
                .http
                .put(url)
                .bearer_auth(issued["access_token"].as_str().unwrap())
                .header("xero-tenant-id", &x.tenant_id)
                .header("accept", "application/json")
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            let answer: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("Xero answered {status} {text:?}: {e}"));
            answer["Payments"][0]["PaymentID"]
                .as_str()
                .unwrap_or_else(|| panic!("Xero created no payment: {answer}"))
                .to_owned()
        }
    }
}

/// The method key of the payments [`record_in_books`] makes.
pub(crate) fn method(system: System) -> &'static str {
    match system {
        System::QuickBooks => "Check",
        _ => "090",
    }
}

pub(crate) async fn map_method(world: &World, system: System, to: &str) {
    world
        .ledger
        .mappings()
        .set(&Mapping {
            tenant: world.tenant(system).tenant,
            target_system: system,
            kind: MappingKind::PaymentTypeReverse,
            source: method(system).to_owned(),
            target: to.to_owned(),
            target_label: None,
        })
        .await
        .unwrap();
}

pub(crate) fn st(world: &World, system: System) -> &ledgerbridge_servicetitan::ServiceTitan {
    match system {
        System::QuickBooks => &world.st_qbo,
        _ => &world.st_xero,
    }
}

/// ServiceTitan payments applied to `invoice`.
pub(crate) async fn st_payments(
    world: &World,
    system: System,
    invoice: i64,
) -> Vec<ledgerbridge_connector::SourceRecord<ledgerbridge_core::Payment>> {
    st(world, system)
        .payments_applied_to(&[invoice])
        .await
        .unwrap()
}

/// How many payments each side holds.
pub(crate) async fn counts(world: &World, system: System) -> (usize, usize) {
    let pages: Vec<_> = st(world, system)
        .payment_pages(None)
        .try_collect()
        .await
        .unwrap();
    let st_count = pages.iter().map(|p| p.records.len()).sum();
    let books = match system {
        System::QuickBooks => world.qbo.payment_changes(None).await.unwrap(),
        _ => world.xero.payment_changes(None).await.unwrap(),
    };
    (st_count, books.payments.len())
}

/// Blocked records of payments of the books (keyed `qbo:`/`xero:`, not by a ServiceTitan id).
/// The Xero demo holds payments of invoices the bridge never synced: those stay blocked.
pub(crate) fn from_books(report: &SyncReport) -> Vec<&ledgerbridge_reconcile::BlockedRecord> {
    report.targets[0]
        .blocked_records
        .iter()
        .filter(|b| b.servicetitan_id.contains(':'))
        .collect()
}

pub(crate) fn payments_created(report: &SyncReport) -> u64 {
    report.targets[0]
        .by_entity
        .get(&EntityKind::Payment)
        .map_or(0, |c| c.created)
}

/// The first ServiceTitan payment type's name (the mapping target of the tests).
pub(crate) async fn st_type(world: &World, system: System) -> (i64, String) {
    let types = st(world, system).payment_types().await.unwrap();
    let t = types
        .iter()
        .find(|t| t.name == "Check")
        .unwrap_or(&types[0]);
    (t.id, t.name.clone())
}
