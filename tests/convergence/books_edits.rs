//! Edits on the books' side, through the vendors' own APIs: a person records a payment in
//! QuickBooks or Xero against an invoice the bridge wrote, or moves an invoice's due date.
//! The two-way engine brings the payment to ServiceTitan exactly once (ServiceTitan has no
//! idempotency key, so a lost answer there is the dangerous case) and merges the due date
//! into ServiceTitan (or raises a conflict when ServiceTitan changed it too).

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_emulator::EmulatorControl;
use ledgerbridge_ledger::{Ledger, MappingKind};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::books::Books;
use crate::edits::{EditLog, num};
use crate::world::{SYSTEMS, World};

/// One payment per tenant (most of the time) against a linked, open invoice.
pub(crate) async fn books_payments(
    world: &World,
    ledger: &Ledger,
    rng: &mut ChaCha8Rng,
    log: &mut EditLog,
) -> Vec<String> {
    let mut trace = Vec::new();
    for system in SYSTEMS {
        if !rng.random_bool(0.8) {
            continue;
        }
        let tenant = world.tenant(system).tenant;
        let state = match system {
            System::QuickBooks => world.sandbox.quickbooks.state(),
            _ => world.sandbox.xero.state(),
        };
        let books = Books::read(system, &state);
        let links = ledger
            .links()
            .list(&tenant, Some(EntityKind::Invoice))
            .await
            .expect("links");
        let open: Vec<_> = books
            .invoices
            .iter()
            .filter(|i| !i.voided && i.balance > Decimal::ONE)
            .filter(|i| links.iter().any(|l| l.target_id == i.id))
            .collect();
        let Some(invoice) = open.choose(rng) else {
            continue;
        };
        let methods: Vec<String> = ledger
            .mappings()
            .list(Some(&tenant))
            .await
            .expect("mappings")
            .into_iter()
            .filter(|m| m.kind == MappingKind::PaymentTypeReverse && m.target_system == system)
            .map(|m| m.source)
            .collect();
        let Some(method) = methods.choose(rng).cloned() else {
            trace.push(format!(
                "{system}: no reverse payment mapping; no books payment"
            ));
            continue;
        };
        let amount = if rng.random_bool(0.5) {
            invoice.balance
        } else {
            (invoice.balance / Decimal::TWO).trunc_with_scale(2)
        };
        let created = match system {
            System::QuickBooks => qbo_payment(world, &state, &invoice.id, &method, amount).await,
            _ => xero_payment(world, &invoice.id, &method, amount).await,
        };
        match created {
            Ok(id) => {
                log.books_payments.insert((tenant.clone(), id.clone()));
                log.books_payment_invoice
                    .insert(id.clone(), invoice.id.clone());
                trace.push(format!(
                    "{system}: books payment {id} of {amount} on invoice {} ({method})",
                    invoice.number
                ));
            }
            Err(e) => trace.push(format!("{system}: books payment refused: {e}")),
        }
    }
    trace
}

async fn qbo_payment(
    world: &World,
    state: &Value,
    invoice_id: &str,
    method: &str,
    amount: Decimal,
) -> Result<String, String> {
    let entities = &state["entities"];
    let invoice = entities["Invoice"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["Id"] == invoice_id)
        .ok_or("no such invoice")?;
    let method_id = entities["PaymentMethod"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| {
            m["Name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(method))
        })
        .map(|m| m["Id"].clone());
    let mut body = json!({
        "CustomerRef": { "value": invoice["CustomerRef"]["value"] },
        "TotalAmt": num(amount),
        "TxnDate": invoice["TxnDate"],
        "Line": [{
            "Amount": num(amount),
            "LinkedTxn": [{ "TxnId": invoice_id, "TxnType": "Invoice" }],
        }],
    });
    if let Some(id) = method_id {
        body["PaymentMethodRef"] = json!({ "value": id });
    }
    let q = &world.info.quickbooks;
    let url = format!(
        "{}/v3/company/{}/payment?minorversion=75",
        q.api_base, q.realm_id
    );
    let token = world.sandbox.quickbooks.connect().access_token;
    let response = world
        .http
        .post(url)
        .bearer_auth(token)
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    answer["Payment"]["Id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{status} {answer}"))
}

async fn xero_payment(
    world: &World,
    invoice_id: &str,
    account_code: &str,
    amount: Decimal,
) -> Result<String, String> {
    let x = &world.info.xero;
    let scopes = "accounting.invoices accounting.payments";
    let issued = world.sandbox.xero.issue_tokens(scopes);
    let token = issued["access_token"].as_str().expect("token").to_owned();
    let today = world.sandbox.clock().now().date_naive().to_string();
    let body = json!({
        "Invoice": { "InvoiceID": invoice_id },
        "Account": { "Code": account_code },
        "Date": today,
        "Amount": num(amount),
    });
    let url = format!("{}/api.xro/2.0/Payments", x.api_base);
    let response = world
        .http
        .put(url)
        .bearer_auth(token)
        .header("xero-tenant-id", &x.tenant_id)
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    answer["Payments"][0]["PaymentID"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{status} {answer}"))
}

/// Moves the due date of one linked invoice per tenant (most of the time) by 1 to 20 days.
pub(crate) async fn books_due_dates(
    world: &World,
    ledger: &Ledger,
    rng: &mut ChaCha8Rng,
    log: &mut EditLog,
) -> Vec<String> {
    let mut trace = Vec::new();
    for system in SYSTEMS {
        if !rng.random_bool(0.7) {
            continue;
        }
        let tenant = world.tenant(system).tenant;
        let links = ledger
            .links()
            .list(&tenant, Some(EntityKind::Invoice))
            .await
            .expect("links");
        let state = match system {
            System::QuickBooks => world.sandbox.quickbooks.state(),
            _ => world.sandbox.xero.state(),
        };
        let books = Books::read(system, &state);
        let candidates: Vec<_> = books
            .invoices
            .iter()
            .filter(|i| !i.voided && links.iter().any(|l| l.target_id == i.id))
            .collect();
        let Some(invoice) = candidates.choose(rng) else {
            continue;
        };
        let days = rng.random_range(1..=20u64);
        let result = match system {
            System::QuickBooks => qbo_due_date(world, &state, &invoice.id, days).await,
            _ => xero_due_date(world, &state, &invoice.id, days).await,
        };
        match result {
            Ok(due) => {
                log.books_due_dates
                    .insert((tenant.clone(), invoice.id.clone()), due);
                trace.push(format!(
                    "{system}: books invoice {} due {due}",
                    invoice.number
                ));
            }
            Err(e) => trace.push(format!("{system}: due date refused: {e}")),
        }
    }
    trace
}

fn later(date: Option<&str>, days: u64) -> Option<chrono::NaiveDate> {
    let d = chrono::NaiveDate::parse_from_str(date?.get(..10)?, "%Y-%m-%d").ok()?;
    d.checked_add_days(chrono::Days::new(days))
}

async fn qbo_due_date(
    world: &World,
    state: &Value,
    invoice_id: &str,
    days: u64,
) -> Result<chrono::NaiveDate, String> {
    let invoice = state["entities"]["Invoice"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["Id"] == invoice_id)
        .ok_or("no such invoice")?;
    let due = later(invoice["DueDate"].as_str(), days).ok_or("no due date")?;
    let body = json!({
        "Id": invoice_id,
        "SyncToken": invoice["SyncToken"],
        "sparse": true,
        "DueDate": due.to_string(),
    });
    let q = &world.info.quickbooks;
    let url = format!(
        "{}/v3/company/{}/invoice?minorversion=75",
        q.api_base, q.realm_id
    );
    let token = world.sandbox.quickbooks.connect().access_token;
    let response = world
        .http
        .post(url)
        .bearer_auth(token)
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        Ok(due)
    } else {
        Err(format!(
            "{status} {}",
            response.text().await.unwrap_or_default()
        ))
    }
}

async fn xero_due_date(
    world: &World,
    state: &Value,
    invoice_id: &str,
    days: u64,
) -> Result<chrono::NaiveDate, String> {
    let invoice = state["Invoices"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["InvoiceID"] == invoice_id)
        .ok_or("no such invoice")?;
    let due = later(invoice["DueDateString"].as_str(), days).ok_or("no due date")?;
    let x = &world.info.xero;
    let issued = world.sandbox.xero.issue_tokens("accounting.invoices");
    let token = issued["access_token"].as_str().expect("token").to_owned();
    let url = format!("{}/api.xro/2.0/Invoices/{invoice_id}", x.api_base);
    let body = json!({ "InvoiceID": invoice_id, "DueDate": due.to_string() });
    let response = world
        .http
        .post(url)
        .bearer_auth(token)
        .header("xero-tenant-id", &x.tenant_id)
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        Ok(due)
    } else {
        Err(format!(
            "{status} {}",
            response.text().await.unwrap_or_default()
        ))
    }
}
