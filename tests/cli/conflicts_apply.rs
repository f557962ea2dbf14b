//! A conflict from a real two-way sync, resolved from the CLI with `--apply`: the same line
//! described differently in ServiceTitan and QuickBooks (each through its own API) stops
//! `sync` with exit 3; `conflicts resolve --take accounting --apply` records the decision and
//! syncs, after which both systems carry the accountant's text and the next sync is quiet.

use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_ledger::{Ledger, LedgerLocation, LedgerOptions};
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

use crate::helpers::{ledgerbridge, run, stdout_json};

const TECHNICIAN: &str = "Compressor contactor (tech)";
const ACCOUNTANT: &str = "Contactor 40A, 2-pole (books)";

async fn cli(dir: &std::path::Path, args: &[&str], expected: i32) -> std::process::Output {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || run(ledgerbridge(&dir).args(&args), expected))
        .await
        .unwrap()
}

struct Apis {
    http: reqwest::Client,
    info: Value,
    st_token: String,
    qbo_token: String,
    tenant: String,
}

impl Apis {
    fn text(&self, system: &str, key: &str) -> String {
        let v = &self.info[system][key];
        v.as_str().map_or_else(|| v.to_string(), str::to_owned)
    }

    fn st_url(&self, path: &str) -> String {
        format!(
            "{}/accounting/v2/tenant/{}/{path}",
            self.text("servicetitan", "api_base").trim_end_matches('/'),
            self.tenant
        )
    }

    fn qbo_url(&self, path: &str) -> String {
        format!(
            "{}/v3/company/{}/{path}?minorversion=75",
            self.text("quickbooks", "api_base").trim_end_matches('/'),
            self.text("quickbooks", "realm_id")
        )
    }

    async fn st_item(&self, invoice: &str, item: &str) -> Value {
        let page: Value = self
            .http
            .get(self.st_url(&format!("invoices?ids={invoice}")))
            .bearer_auth(&self.st_token)
            .header("ST-App-Key", self.text("servicetitan", "app_key"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["data"][0]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| {
                i["id"]
                    .as_i64()
                    .is_some_and(|id| Some(id) == item.parse().ok())
            })
            .cloned()
            .unwrap_or_else(|| panic!("item {item} on {page}"))
    }

    async fn qbo_invoice(&self, id: &str) -> Value {
        let answer: Value = self
            .http
            .get(self.qbo_url(&format!("invoice/{id}")))
            .bearer_auth(&self.qbo_token)
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["Invoice"].clone()
    }

    fn qbo_line<'a>(invoice: &'a Value, line: &str) -> &'a Value {
        invoice["Line"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["Id"] == json!(line))
            .unwrap_or_else(|| panic!("line {line} on {invoice}"))
    }
}

/// A synced QuickBooks tenant whose invoice line was then reworded on both sides.
struct World {
    /// Kept running for the test's life.
    _sandbox: Sandbox,
    _dir: tempfile::TempDir,
    books: std::path::PathBuf,
    apis: Apis,
    invoice: String,
    item: String,
    target_id: String,
    target_line: String,
    base: Value,
}

/// Starts the sandbox, syncs the QuickBooks tenant once (after `prepare` had its say on the
/// folder), then rewords one line in ServiceTitan and, differently, in QuickBooks.
async fn edited_on_both_sides(prepare: impl FnOnce(&std::path::Path)) -> World {
    let sandbox = Sandbox::start(SandboxOptions::for_tests(
        Scenario::Demo,
        LimitMode::Relaxed,
    ))
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ports = [
        sandbox.servicetitan_handle.addr.port(),
        sandbox.quickbooks_handle.addr.port(),
        sandbox.xero_handle.addr.port(),
    ]
    .map(|p| p.to_string());
    let args = [
        "init",
        "--sandbox",
        "--dir",
        "books",
        "--servicetitan-port",
        &ports[0],
        "--quickbooks-port",
        &ports[1],
        "--xero-port",
        &ports[2],
    ];
    cli(dir.path(), &args, 0).await;
    let books = dir.path().join("books");
    prepare(&books);
    cli(&books, &["sync", "--target", "quickbooks"], 0).await;

    // A linked QuickBooks invoice with a linked line.
    let info = serde_json::to_value(sandbox.info()).unwrap();
    let tenant = info["servicetitan"]["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"] == "quickbooks")
        .unwrap()
        .clone();
    let ledger = Ledger::open(
        LedgerLocation::File(books.join("ledgerbridge.db")),
        LedgerOptions::default(),
    )
    .await
    .unwrap();
    let links = ledger
        .links()
        .list(
            &tenant["tenant_id"].to_string(),
            Some(ledgerbridge_core::EntityKind::Invoice),
        )
        .await
        .unwrap();
    let mut chosen = None;
    for link in links.iter().rev() {
        if let Some(line) = ledger.links().lines(&link.key).await.unwrap().first() {
            chosen = Some((link.clone(), line.clone()));
            break;
        }
    }
    ledger.close().await;
    let (link, line) = chosen.expect("a synced invoice with line links");

    let http = reqwest::Client::new();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", tenant["client_id"].as_str().unwrap()),
        ("client_secret", tenant["client_secret"].as_str().unwrap()),
    ];
    let token: Value = http
        .post(info["servicetitan"]["token_url"].as_str().unwrap())
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let apis = Apis {
        http,
        st_token: token["access_token"].as_str().unwrap().to_owned(),
        qbo_token: sandbox.quickbooks.connect().access_token,
        tenant: tenant["tenant_id"].to_string(),
        info,
    };
    let invoice = link.key.servicetitan_id.clone();
    let item = line.servicetitan_item_id.clone();

    // The technician rewords the line in ServiceTitan...
    let before = apis.st_item(&invoice, &item).await;
    let patch =
        json!({"id": before["id"], "description": TECHNICIAN, "quantity": before["quantity"]});
    let answer = apis
        .http
        .patch(apis.st_url(&format!("invoices/{invoice}/items")))
        .bearer_auth(&apis.st_token)
        .header("ST-App-Key", apis.text("servicetitan", "app_key"))
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert!(
        answer.status().is_success(),
        "{}",
        answer.text().await.unwrap()
    );
    // ... and the accountant rewords the same line in QuickBooks (a sparse update).
    let qbo = apis.qbo_invoice(&link.target_id).await;
    let mut lines = qbo["Line"].clone();
    for l in lines.as_array_mut().unwrap() {
        if l["Id"] == json!(line.target_line_id) {
            l["Description"] = json!(ACCOUNTANT);
        }
    }
    let body =
        json!({"Id": qbo["Id"], "SyncToken": qbo["SyncToken"], "sparse": true, "Line": lines});
    let answer = apis
        .http
        .post(apis.qbo_url("invoice"))
        .bearer_auth(&apis.qbo_token)
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        answer.status().is_success(),
        "{}",
        answer.text().await.unwrap()
    );

    World {
        _sandbox: sandbox,
        _dir: dir,
        books,
        apis,
        invoice,
        item,
        target_id: link.target_id.clone(),
        target_line: line.target_line_id.clone(),
        base: before["description"].clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_from_a_real_sync_is_resolved_and_applied_from_the_cli() {
    let w = edited_on_both_sides(|_| {}).await;
    let (books, apis, invoice, item) = (&w.books, &w.apis, &w.invoice, &w.item);
    // The next sync raises one conflict with the three values, and exits 3.
    cli(books, &["sync", "--target", "quickbooks"], 3).await;
    let open = stdout_json(&cli(books, &["conflicts", "list", "--format", "json"], 0).await);
    let open = open.as_array().unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["servicetitan_id"], json!(invoice));
    let path = format!("lines[st:{item}].description");
    assert_eq!(
        open[0]["fields"],
        json!([{"path": path, "base": w.base, "servicetitan": TECHNICIAN,
                "accounting": ACCOUNTANT}])
    );

    // Resolved and applied at once: both systems carry the accountant's text.
    let id = open[0]["id"].to_string();
    let out = cli(
        books,
        &[
            "conflicts",
            "resolve",
            &id,
            "--take",
            "accounting",
            "--apply",
            "--by",
            "tester",
        ],
        0,
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Applying"), "{stdout}");
    assert_eq!(apis.st_item(invoice, item).await["description"], ACCOUNTANT);
    let qbo = apis.qbo_invoice(&w.target_id).await;
    assert_eq!(
        Apis::qbo_line(&qbo, &w.target_line)["Description"],
        ACCOUNTANT
    );
    let shown = stdout_json(&cli(books, &["conflicts", "show", &id, "--format", "json"], 0).await);
    assert_eq!(shown["status"], "resolved");
    assert_eq!(shown["resolved_by"], "tester");
    assert!(
        shown["applied_at"].is_string(),
        "the sync marked it applied: {shown}"
    );

    // Settled: the next sync raises nothing and writes nothing back (no echo).
    let quiet = stdout_json(
        &cli(
            books,
            &["sync", "--target", "quickbooks", "--format", "json"],
            0,
        )
        .await,
    );
    let totals = &quiet["totals"];
    assert_eq!(
        (&totals["created"], &totals["updated"], &totals["conflicts"]),
        (&json!(0), &json!(0), &json!(0)),
        "{quiet}"
    );
    drop(w);
}

/// A policy in the config settles the same edit without a person: `[policies.invoice]` with
/// `"lines[*].description" = "accounting_wins"` reaches the engine through `sync`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_in_the_config_settles_the_same_edit_without_a_conflict() {
    let w = edited_on_both_sides(|books| {
        let config = books.join("ledgerbridge.toml");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text += "\n[policies]\ndefault = \"manual\"\n\n[policies.invoice]\n\
                 \"lines[*].description\" = \"accounting_wins\"\n";
        std::fs::write(&config, text).unwrap();
    })
    .await;
    cli(&w.books, &["sync", "--target", "quickbooks"], 0).await;
    let open = stdout_json(&cli(&w.books, &["conflicts", "list", "--format", "json"], 0).await);
    assert_eq!(open, json!([]), "the policy settled it");
    assert_eq!(
        w.apis.st_item(&w.invoice, &w.item).await["description"],
        ACCOUNTANT
    );
    let qbo = w.apis.qbo_invoice(&w.target_id).await;
    assert_eq!(
        Apis::qbo_line(&qbo, &w.target_line)["Description"],
        ACCOUNTANT
    );
    drop(w);
}
