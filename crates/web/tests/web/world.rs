//! The testkit's sandbox world for the browser test, with its QuickBooks tenant only: the three
//! emulators over HTTP, an in-memory ledger, the real ServiceTitan and QuickBooks connectors,
//! the demo mappings, and the sync engine the CLI runs. Edits are made the way people make them:
//! in the books through a QuickBooks sparse update, in ServiceTitan through its API.

use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_quickbooks::{BatchItem, Entity, ItemOutcome, Operation};
use ledgerbridge_reconcile::{SyncReport, SyncSettings, TenantSpec};
use ledgerbridge_servicetitan::{InvoiceItemPatch, InvoicePatch};
use ledgerbridge_testkit::{LedgerKind, Tenants, WorldOptions};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// The demo world's QuickBooks tenant, synced through the engine.
pub(crate) struct World {
    kit: ledgerbridge_testkit::World,
    pub(crate) tenant: TenantSpec,
}

impl Deref for World {
    type Target = ledgerbridge_testkit::World;

    fn deref(&self) -> &Self::Target {
        &self.kit
    }
}

/// A synced invoice and one of its lines (ServiceTitan item id, books line id).
pub(crate) struct Synced {
    pub(crate) id: i64,
    pub(crate) target_id: String,
    pub(crate) item: i64,
    pub(crate) line: String,
}

static EDITS: AtomicUsize = AtomicUsize::new(0);

impl World {
    pub(crate) async fn start() -> Self {
        let kit = ledgerbridge_testkit::World::start(WorldOptions {
            tenants: Tenants::QuickBooks,
            ledger: LedgerKind::InMemory,
            ..WorldOptions::default()
        })
        .await;
        let tenant = kit.tenant(System::QuickBooks);
        Self { kit, tenant }
    }

    /// One sync run of the tenant, through the public API the CLI uses.
    pub(crate) async fn sync(&self) -> SyncReport {
        self.kit
            .sync(System::QuickBooks, &SyncSettings::default())
            .await
    }

    /// A synced invoice with line links whose books copy is open for edits.
    pub(crate) async fn synced_invoice(&self) -> Synced {
        let links = self
            .ledger
            .links()
            .list(&self.tenant.tenant, Some(EntityKind::Invoice))
            .await
            .unwrap();
        for link in links {
            let books = self.books_invoice(&link.target_id).await;
            let amount = |key: &str| books[key].to_string().parse::<Decimal>().ok();
            let open = amount("TotalAmt").is_some_and(|t| t > Decimal::ZERO)
                && amount("Balance") == amount("TotalAmt");
            let lines = self.ledger.links().lines(&link.key).await.unwrap();
            if let (true, Some(first)) = (open, lines.first()) {
                return Synced {
                    id: link.key.servicetitan_id.parse().unwrap(),
                    target_id: link.target_id.clone(),
                    item: first.servicetitan_item_id.parse().unwrap(),
                    line: first.target_line_id.clone(),
                };
            }
        }
        panic!("no synced unpaid invoice with line links")
    }

    /// The books' invoice as QuickBooks returns it.
    pub(crate) async fn books_invoice(&self, id: &str) -> Value {
        self.qbo
            .connector()
            .read::<Value>(Entity::Invoice, id)
            .await
            .unwrap()
            .expect("the invoice is in the books")
            .record
    }

    /// The books' due date and the line's description.
    pub(crate) async fn books_values(&self, s: &Synced) -> (String, String) {
        let invoice = self.books_invoice(&s.target_id).await;
        let line = invoice["Line"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["Id"] == json!(s.line))
            .expect("the line is in the books")
            .clone();
        (
            invoice["DueDate"].as_str().unwrap_or_default().to_owned(),
            line["Description"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// ServiceTitan's due date and the line's description.
    pub(crate) async fn servicetitan_values(&self, s: &Synced) -> (String, String) {
        let found = self.st_qbo.invoices_by_id(&[s.id]).await.unwrap();
        let invoice = found.into_iter().next().expect("the invoice exists").record;
        let line = invoice
            .lines
            .iter()
            .find(|l| l.servicetitan_item_id() == Some(s.item))
            .expect("the line is in ServiceTitan");
        (
            invoice.due_date.map(|d| d.to_string()).unwrap_or_default(),
            line.description.clone(),
        )
    }

    /// A bookkeeper edits the due date and the line's description in QuickBooks.
    pub(crate) async fn edit_in_books(&self, s: &Synced, due: NaiveDate, description: &str) {
        let qbo = self.qbo.connector();
        let r = qbo
            .read::<Value>(Entity::Invoice, &s.target_id)
            .await
            .unwrap()
            .expect("invoice");
        let mut lines = r.record["Line"].clone();
        for line in lines.as_array_mut().unwrap() {
            if line["Id"] == json!(s.line) {
                line["Description"] = json!(description);
            }
        }
        let body = json!({"Id": r.id, "SyncToken": r.sync_token, "sparse": true,
                          "Line": lines, "DueDate": due.to_string()});
        let item = BatchItem::new(0, Operation::Update, Entity::Invoice, &body).unwrap();
        let write = qbo.prepare_batch(&[item]).unwrap();
        let key = format!("browser-edit-{}", EDITS.fetch_add(1, Ordering::Relaxed));
        let results = qbo.send_write(&key, &write).await.unwrap();
        assert!(
            matches!(results[0].outcome, ItemOutcome::Saved(_)),
            "{:?}",
            results[0].outcome
        );
    }

    /// The office edits the same fields in ServiceTitan, differently.
    pub(crate) async fn edit_in_servicetitan(&self, s: &Synced, due: NaiveDate, description: &str) {
        let due = Utc.from_utc_datetime(&due.and_time(NaiveTime::MIN));
        self.st_qbo
            .patch_invoice(
                s.id,
                &InvoicePatch {
                    due_date: Some(due),
                    ..InvoicePatch::default()
                },
            )
            .await
            .unwrap();
        let found = self.st_qbo.invoices_by_id(&[s.id]).await.unwrap();
        let invoice = found.into_iter().next().expect("the invoice exists").record;
        let line = invoice
            .lines
            .iter()
            .find(|l| l.servicetitan_item_id() == Some(s.item))
            .expect("line");
        self.st_qbo
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
}
