//! Helpers of the two-way tests: edits made the way people make them (in the books through
//! the emulators' own APIs: a QuickBooks sparse update, a Xero POST Invoices; in ServiceTitan
//! through its API), and reads of both systems' state.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::money::round_half_away;
use ledgerbridge_core::{EntityKind, Invoice, InvoiceStatus, System};
use ledgerbridge_ledger::RecordKey;
use ledgerbridge_protocol::BooksInvoice;
use ledgerbridge_protocol::Target;
use ledgerbridge_quickbooks::{BatchItem, Entity, ItemOutcome, Operation};
use ledgerbridge_reconcile::invoice_merge::through_links;
use ledgerbridge_servicetitan::{InvoiceItemPatch, InvoicePatch, ServiceTitan};
use ledgerbridge_xero::{ElementResult, WriteBatch};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::World;

static EDITS: AtomicUsize = AtomicUsize::new(0);

fn edit_key() -> String {
    format!("test-edit-{}", EDITS.fetch_add(1, Ordering::Relaxed))
}

/// A synced invoice: its ServiceTitan id, the books' id, and one line (ServiceTitan item id,
/// books line id).
#[derive(Clone, Debug)]
pub(crate) struct Synced {
    pub(crate) system: System,
    pub(crate) id: i64,
    pub(crate) target_id: String,
    pub(crate) item: i64,
    pub(crate) line: String,
}

impl Synced {
    /// The line's path in conflicts and resolutions.
    pub(crate) fn line_path(&self, field: &str) -> String {
        format!("lines[st:{}].{field}", self.item)
    }
}

pub(crate) fn key(world: &World, system: System, id: i64) -> RecordKey {
    let t = world.tenant(system);
    RecordKey::new(
        &t.tenant,
        EntityKind::Invoice,
        id.to_string(),
        system,
        &t.company,
    )
}

pub(crate) fn servicetitan(world: &World, system: System) -> &ServiceTitan {
    match system {
        System::QuickBooks => &world.st_qbo,
        _ => &world.st_xero,
    }
}

/// A synced, posted, unpaid invoice with line links (so the books accept edits).
pub(crate) async fn synced_invoice(world: &World, system: System) -> Synced {
    synced_invoice_nth(world, system, 0).await
}

/// The `n`th such invoice (tests that need several different records).
pub(crate) async fn synced_invoice_nth(world: &World, system: System, n: usize) -> Synced {
    let mut skip = n;
    let tenant = world.tenant(system).tenant;
    let remote = match system {
        System::QuickBooks => world.qbo.invoices().await.unwrap(),
        _ => world.xero.invoices().await.unwrap(),
    };
    let links = world
        .ledger
        .links()
        .list(&tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    for link in links {
        let Some(r) = remote.iter().find(|r| r.id == link.target_id) else {
            continue;
        };
        if r.status != InvoiceStatus::Posted || r.total <= Decimal::ZERO || r.balance != r.total {
            continue;
        }
        let lines = world.ledger.links().lines(&link.key).await.unwrap();
        if let Some(first) = lines.first() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            return Synced {
                system,
                id: link.key.servicetitan_id.parse().unwrap(),
                target_id: link.target_id.clone(),
                item: first.servicetitan_item_id.parse().unwrap(),
                line: first.target_line_id.clone(),
            };
        }
    }
    panic!("{system}: no synced unpaid invoice with line links")
}

/// What the books hold now, lines keyed through the ledger's line links.
pub(crate) async fn books_now(world: &World, s: &Synced) -> BooksInvoice {
    let ids = [s.target_id.clone()];
    let mut found = match s.system {
        System::QuickBooks => world.qbo.books_invoices(&ids).await.unwrap(),
        _ => world.xero.books_invoices(&ids).await.unwrap(),
    };
    let mut books = found.pop().expect("the books' invoice exists");
    let lines = world
        .ledger
        .links()
        .lines(&key(world, s.system, s.id))
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.target_line_id, l.servicetitan_item_id.parse().unwrap()))
        .collect();
    through_links(&mut books.invoice, &lines);
    books
}

/// What ServiceTitan holds now.
pub(crate) async fn servicetitan_now(world: &World, s: &Synced) -> SourceRecord<Invoice> {
    let found = servicetitan(world, s.system)
        .invoices_by_id(&[s.id])
        .await
        .unwrap();
    found.into_iter().next().expect("the invoice exists")
}

/// The line's description in the books and in ServiceTitan.
pub(crate) async fn descriptions(world: &World, s: &Synced) -> (String, String) {
    let books = books_now(world, s).await.invoice;
    let st = servicetitan_now(world, s).await.record;
    let of = |i: &Invoice| {
        i.lines
            .iter()
            .find(|l| l.servicetitan_item_id() == Some(s.item))
            .map(|l| l.description.clone())
            .expect("the line is there")
    };
    (of(&books), of(&st))
}

/// Asserts both systems hold the same values for every field both carry.
pub(crate) async fn assert_systems_equal(world: &World, s: &Synced) {
    let books = books_now(world, s).await.invoice;
    let st = servicetitan_now(world, s).await.record;
    assert_eq!(books.due_date, st.due_date, "due dates");
    assert_eq!(books.lines.len(), st.lines.len(), "lines");
    for line in &st.lines {
        let theirs = books
            .lines
            .iter()
            .find(|l| l.key == line.key)
            .unwrap_or_else(|| panic!("line {} is in the books", line.key));
        assert_eq!(
            theirs.description.trim(),
            line.description.trim(),
            "{}",
            line.key
        );
        assert_eq!(theirs.quantity, line.quantity, "{}", line.key);
        assert_eq!(theirs.amount.amount(), line.amount.amount(), "{}", line.key);
    }
}

/// Edits the invoice in the books: the line's description and/or the due date.
pub(crate) async fn edit_in_books(
    world: &World,
    s: &Synced,
    description: Option<&str>,
    due: Option<NaiveDate>,
) {
    match s.system {
        System::QuickBooks => {
            let qbo = world.qbo.connector();
            let r = qbo
                .read::<Value>(Entity::Invoice, &s.target_id)
                .await
                .unwrap()
                .expect("invoice");
            let mut body = json!({"Id": r.id, "SyncToken": r.sync_token, "sparse": true});
            if let Some(text) = description {
                let mut lines = r.record["Line"].clone();
                for line in lines.as_array_mut().unwrap() {
                    if line["Id"] == json!(s.line) {
                        line["Description"] = json!(text);
                    }
                }
                body["Line"] = lines;
            }
            if let Some(d) = due {
                body["DueDate"] = json!(d.to_string());
            }
            let item = BatchItem::new(0, Operation::Update, Entity::Invoice, &body).unwrap();
            let write = qbo.prepare_batch(&[item]).unwrap();
            let results = qbo.send_write(&edit_key(), &write).await.unwrap();
            assert!(
                matches!(results[0].outcome, ItemOutcome::Saved(_)),
                "{:?}",
                results[0].outcome
            );
        }
        _ => {
            let xero = world.xero.connector();
            let found = xero
                .invoices_by_id(std::slice::from_ref(&s.target_id))
                .await
                .unwrap();
            let mut invoice = found.into_values().next().expect("invoice");
            if let Some(text) = description {
                for line in invoice.line_items.iter_mut().flatten() {
                    if line.line_item_id.as_deref() == Some(s.line.as_str()) {
                        line.description = Some(text.to_owned());
                    }
                }
            }
            if let Some(d) = due {
                invoice.due_date = Some(d);
            }
            let batch = WriteBatch::update_invoices(&[invoice]).unwrap();
            let result = xero.send_batch(&batch, &edit_key()).await.unwrap();
            assert!(
                matches!(result.elements[0], ElementResult::Saved(_)),
                "{:?}",
                result.elements[0]
            );
        }
    }
}

/// Voids the invoice in the books.
pub(crate) async fn void_in_books(world: &World, s: &Synced) {
    match s.system {
        System::QuickBooks => {
            let qbo = world.qbo.connector();
            let r = qbo
                .read::<Value>(Entity::Invoice, &s.target_id)
                .await
                .unwrap()
                .expect("invoice");
            let item = BatchItem::void(0, Entity::Invoice, &r.id, &r.sync_token).unwrap();
            let write = qbo.prepare_batch(&[item]).unwrap();
            let results = qbo.send_write(&edit_key(), &write).await.unwrap();
            assert!(
                matches!(results[0].outcome, ItemOutcome::Saved(_)),
                "{:?}",
                results[0].outcome
            );
        }
        _ => {
            let xero = world.xero.connector();
            let found = xero
                .invoices_by_id(std::slice::from_ref(&s.target_id))
                .await
                .unwrap();
            let mut invoice = found.into_values().next().expect("invoice");
            invoice.status = Some("VOIDED".to_owned());
            let batch = WriteBatch::update_invoices(&[invoice]).unwrap();
            let result = xero.send_batch(&batch, &edit_key()).await.unwrap();
            assert!(
                matches!(result.elements[0], ElementResult::Saved(_)),
                "{:?}",
                result.elements[0]
            );
        }
    }
}

/// Edits the line's description in ServiceTitan through its API.
pub(crate) async fn edit_in_servicetitan(world: &World, s: &Synced, description: &str) {
    let st = servicetitan_now(world, s).await.record;
    let line = st
        .lines
        .iter()
        .find(|l| l.servicetitan_item_id() == Some(s.item))
        .expect("line");
    servicetitan(world, s.system)
        .patch_invoice_item(
            s.id,
            &InvoiceItemPatch {
                id: Some(s.item),
                description: description.to_owned(),
                quantity: line.quantity,
                unit_price: None,
                sku_id: None,
            },
        )
        .await
        .unwrap();
}

/// Sets the due date in ServiceTitan through its API.
pub(crate) async fn edit_due_in_servicetitan(world: &World, s: &Synced, due: NaiveDate) {
    let patch = InvoicePatch {
        number: None,
        summary: None,
        export_id: None,
        invoiced_on: None,
        due_date: due.and_hms_opt(0, 0, 0).map(|d| d.and_utc()),
    };
    servicetitan(world, s.system)
        .patch_invoice(s.id, &patch)
        .await
        .unwrap();
}

/// The same line described differently on both sides: ServiceTitan first, the books two
/// seconds later on the sandbox clock (so the books' edit is the newest even to whole-second
/// timestamps, without the test waiting).
pub(crate) async fn edit_both(world: &World, s: &Synced, servicetitan: &str, books: &str) {
    edit_in_servicetitan(world, s, servicetitan).await;
    let base = world.sandbox.quickbooks_handle.base_url.clone();
    // One clock for the three emulators: this moves ServiceTitan's and Xero's too.
    world
        .control(&base, "clock", json!({ "advance_seconds": 2 }))
        .await;
    edit_in_books(world, s, Some(books), None).await;
}

/// Changes the line's quantity in the books (the books recompute the line amount and tax).
pub(crate) async fn edit_quantity_in_books(world: &World, s: &Synced, quantity: Decimal) {
    match s.system {
        System::QuickBooks => {
            let qbo = world.qbo.connector();
            let r = qbo
                .read::<Value>(Entity::Invoice, &s.target_id)
                .await
                .unwrap()
                .expect("invoice");
            let mut lines = r.record["Line"].clone();
            for line in lines.as_array_mut().unwrap() {
                if line["Id"] == json!(s.line) {
                    let detail = &mut line["SalesItemLineDetail"];
                    let price: Decimal = detail["UnitPrice"].to_string().parse().unwrap();
                    detail["Qty"] = json!(quantity);
                    line["Amount"] = json!(round_half_away(price * quantity, 2));
                }
            }
            let body =
                json!({"Id": r.id, "SyncToken": r.sync_token, "sparse": true, "Line": lines});
            let item = BatchItem::new(0, Operation::Update, Entity::Invoice, &body).unwrap();
            let write = qbo.prepare_batch(&[item]).unwrap();
            let results = qbo.send_write(&edit_key(), &write).await.unwrap();
            assert!(
                matches!(results[0].outcome, ItemOutcome::Saved(_)),
                "{:?}",
                results[0].outcome
            );
        }
        _ => {
            let xero = world.xero.connector();
            let found = xero
                .invoices_by_id(std::slice::from_ref(&s.target_id))
                .await
                .unwrap();
            let mut invoice = found.into_values().next().expect("invoice");
            for line in invoice.line_items.iter_mut().flatten() {
                if line.line_item_id.as_deref() == Some(s.line.as_str()) {
                    line.quantity = Some(quantity);
                    line.line_amount = None;
                    line.tax_amount = None;
                }
            }
            let batch = WriteBatch::update_invoices(&[invoice]).unwrap();
            let result = xero.send_batch(&batch, &edit_key()).await.unwrap();
            assert!(
                matches!(result.elements[0], ElementResult::Saved(_)),
                "{:?}",
                result.elements[0]
            );
        }
    }
}
