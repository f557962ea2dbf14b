//! The sandbox world for the browser test: the three emulators over HTTP, an in-memory
//! ledger, the real ServiceTitan and QuickBooks connectors, the demo mappings, and the sync
//! engine the CLI runs. Edits are made the way people make them: in the books through a
//! QuickBooks sparse update, in ServiceTitan through its API.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use ledgerbridge_connector::{
    AccessToken, ConnectorError, HttpSettings, RetryPolicy, TokenProvider,
};
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_ledger::{LeaseClaim, Ledger, LedgerLocation, LedgerOptions};
use ledgerbridge_quickbooks::QuickBooksTarget;
use ledgerbridge_quickbooks::{
    BatchItem, Entity, ItemOutcome, Limits, Operation, QuickBooks, QuickBooksConfig,
};
use ledgerbridge_reconcile::{
    NoProgress, RunClaim, SyncContext, SyncReport, SyncRun, SyncSettings, TenantSpec,
};
use ledgerbridge_sandbox::demo_mappings;
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};
use ledgerbridge_servicetitan::{
    Credentials, Endpoints, InvoiceItemPatch, InvoicePatch, ServiceTitan, ServiceTitanConfig,
};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;

/// A token handed out by the emulator's consent shortcut.
pub(crate) struct FixedToken(SecretString);

impl TokenProvider for FixedToken {
    async fn access_token(&self) -> Result<AccessToken, ConnectorError> {
        Ok(AccessToken::new(self.0.clone(), 1))
    }
    fn reject(&self, _token: &AccessToken) {}
}

fn quick_http() -> HttpSettings {
    HttpSettings {
        timeout: Duration::from_secs(20),
        retry: RetryPolicy {
            max_retries: 4,
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(2),
        },
        rate_limit: None,
        ..HttpSettings::default()
    }
}

fn url(v: &Value) -> Url {
    Url::parse(v.as_str().expect("a URL")).expect("a URL")
}

/// The demo world's QuickBooks tenant, synced through the engine.
pub(crate) struct World {
    pub(crate) _sandbox: Sandbox,
    pub(crate) ledger: Ledger,
    pub(crate) st: ServiceTitan,
    pub(crate) qbo: QuickBooksTarget<FixedToken>,
    pub(crate) tenant: TenantSpec,
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
        let sandbox = Sandbox::start(SandboxOptions::for_tests(
            Scenario::Demo,
            LimitMode::Relaxed,
        ))
        .await
        .expect("sandbox starts");
        let info = sandbox.info();
        let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default())
            .await
            .expect("ledger");
        let s = &info["servicetitan"];
        let t = &s["tenants"][0];
        let mut config = ServiceTitanConfig::new(
            Endpoints {
                api_base: url(&s["api_base"]),
                token_url: url(&s["token_url"]),
            },
            t["tenant_id"].as_i64().expect("tenant"),
            Credentials {
                client_id: t["client_id"].as_str().expect("id").to_owned(),
                client_secret: SecretString::from(
                    t["client_secret"].as_str().expect("secret").to_owned(),
                ),
                app_key: SecretString::from(s["app_key"].as_str().expect("key").to_owned()),
            },
        );
        config.http = quick_http();
        let st = ServiceTitan::new(config).expect("servicetitan connector");
        let q = &info["quickbooks"];
        let mut qconfig = QuickBooksConfig::new(
            ledgerbridge_quickbooks::Endpoints {
                api_base: url(&q["api_base"]),
                authorize_url: url(&q["authorize_url"]),
                token_url: url(&q["token_url"]),
                revoke_url: url(&q["revoke_url"]),
            },
            q["realm_id"].as_str().expect("realm"),
        )
        .with_limits(Limits::none());
        qconfig.http = quick_http();
        let token = sandbox.quickbooks.connect().access_token;
        let qbo = QuickBooks::new(qconfig, |_| Ok(FixedToken(SecretString::from(token))))
            .expect("quickbooks connector");
        let qbo = QuickBooksTarget::new(qbo, true);
        let tenant = TenantSpec {
            tenant: t["tenant_id"].to_string(),
            target: System::QuickBooks,
            company: q["realm_id"].as_str().expect("realm").to_owned(),
        };
        let rows = demo_mappings(&tenant.tenant, &st, &qbo)
            .await
            .expect("demo mappings");
        ledger
            .mappings()
            .upsert_all(&rows)
            .await
            .expect("mappings stored");
        Self {
            _sandbox: sandbox,
            ledger,
            st,
            qbo,
            tenant,
        }
    }

    /// One sync run of the tenant, through the public API the CLI uses.
    pub(crate) async fn sync(&self) -> SyncReport {
        let settings = SyncSettings::default();
        let tenants = [self.tenant.tenant.clone()];
        let claim = RunClaim {
            tenants: &tenants,
            dry_run: false,
            lease: LeaseClaim {
                pid: std::process::id(),
                host: "web-test",
                run: None,
                stale_after: Duration::from_secs(3_600),
                is_alive: &|_| true,
            },
        };
        let mut run = SyncRun::begin(&self.ledger, &claim)
            .await
            .expect("the tenant's lease is free");
        let outcome = run
            .tenant(SyncContext {
                ledger: &self.ledger,
                run: run.id(),
                servicetitan: &self.st,
                target: &self.qbo,
                tenant: &self.tenant,
                settings: &settings,
                progress: &NoProgress,
            })
            .await;
        if let Some(e) = &outcome.error {
            panic!("sync stopped: {e}");
        }
        run.finish(None).await.expect("finish")
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
        let found = self.st.invoices_by_id(&[s.id]).await.unwrap();
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
        self.st
            .patch_invoice(
                s.id,
                &InvoicePatch {
                    due_date: Some(due),
                    ..InvoicePatch::default()
                },
            )
            .await
            .unwrap();
        let found = self.st.invoices_by_id(&[s.id]).await.unwrap();
        let invoice = found.into_iter().next().expect("the invoice exists").record;
        let line = invoice
            .lines
            .iter()
            .find(|l| l.servicetitan_item_id() == Some(s.item))
            .expect("line");
        self.st
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
