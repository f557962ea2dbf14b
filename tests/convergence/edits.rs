//! Edits a person makes between syncs, through the emulators' own APIs (or a control route
//! where the real product has no API for it): on the ServiceTitan side a new payment, a
//! changed price, a voided invoice.
//!
//! Edits only touch invoices that are eligible and have no payment yet, so the expected
//! outcome stays simple to state: the books follow ServiceTitan to the cent.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::NaiveDate;
use ledgerbridge_core::System;
use ledgerbridge_emulator::EmulatorControl;
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::books::money;
use crate::world::{SYSTEMS, World};

/// What the edits did, per tenant (by ServiceTitan tenant id), for the invariants.
#[derive(Clone, Debug, Default)]
pub(crate) struct EditLog {
    /// Invoices voided in ServiceTitan.
    pub(crate) voided: BTreeSet<(String, i64)>,
    /// Payments created in ServiceTitan by a person.
    pub(crate) payments: BTreeSet<(String, i64)>,
    /// Records ServiceTitan serves malformed (`invoices`, `payments`, `customers`): their
    /// fate is checked by the bad-data test, the invariants skip them.
    pub(crate) malformed: BTreeSet<(String, &'static str, i64)>,
    /// Payments a person recorded in the books (tenant, accounting id).
    pub(crate) books_payments: BTreeSet<(String, String)>,
    /// The books invoice each of those pays (payment id -> invoice id).
    pub(crate) books_payment_invoice: std::collections::BTreeMap<String, String>,
    /// Due dates a person set in the books: (tenant, books invoice id) -> the date.
    pub(crate) books_due_dates: std::collections::BTreeMap<(String, String), NaiveDate>,
}

/// An exact decimal as a JSON number (the API's wire form).
pub(crate) fn num(d: Decimal) -> Value {
    serde_json::from_str(&d.to_string()).expect("a number")
}

/// An invoice's ServiceTitan total: subtotal plus sales tax.
pub(crate) fn st_total(invoice: &Value) -> Decimal {
    money(&invoice["sub_total"]) + money(&invoice["sales_tax"])
}

pub(crate) fn st_date(v: &Value) -> Option<NaiveDate> {
    let s = v.as_str()?;
    NaiveDate::from_str(s.get(..10)?).ok()
}

/// Invoices an edit may touch: active, synced or eligible, dated in the window, no payment.
fn editable(tenant: &Value, start: NaiveDate) -> Vec<Value> {
    let paid: BTreeSet<i64> = tenant["payments"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .flat_map(|p| p["splits"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["invoice_id"].as_i64())
        .collect();
    tenant["invoices"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter(|i| i["active"] == true)
        .filter(|i| i["adjustment_to_id"].is_null())
        .filter(|i| matches!(i["sync_status"].as_str(), Some("Posted" | "Exported")))
        .filter(|i| st_date(&i["invoice_date"]).is_some_and(|d| d >= start))
        .filter(|i| !paid.contains(&i["id"].as_i64().unwrap_or_default()))
        .filter(|i| st_total(i) > Decimal::ONE)
        .cloned()
        .collect()
}

/// A bearer token and app key for the ServiceTitan API of tenant `index`.
async fn st_auth(world: &World, index: usize) -> (String, String) {
    let s = &world.info.servicetitan;
    let t = &s.tenants[index];
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", t.client_id.as_str()),
        ("client_secret", t.client_secret.as_str()),
    ];
    let answer: Value = world
        .http
        .post(&s.token_url)
        .form(&form)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    (
        answer["access_token"].as_str().expect("token").to_owned(),
        s.app_key.clone(),
    )
}

/// A request to the ServiceTitan API (`module`: `accounting`, `crm`) as a person's edit;
/// returns the status and body.
pub(crate) async fn st_call(
    world: &World,
    index: usize,
    method: reqwest::Method,
    module: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let (token, key) = st_auth(world, index).await;
    let s = &world.info.servicetitan;
    let tenant = s.tenants[index].tenant_id;
    let url = format!("{}/{module}/v2/tenant/{tenant}/{path}", s.api_base);
    let response = world
        .http
        .request(method, url)
        .bearer_auth(token)
        .header("ST-App-Key", key)
        .json(&body)
        .send()
        .await
        .expect("servicetitan edit");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// One to three ServiceTitan edits per tenant; returns a line per edit for the trace.
pub(crate) async fn servicetitan_edits(
    world: &World,
    rng: &mut ChaCha8Rng,
    log: &mut EditLog,
) -> Vec<String> {
    let start = world.settings.start_date.unwrap_or(NaiveDate::MIN);
    let mut trace = Vec::new();
    for (index, system) in SYSTEMS.into_iter().enumerate() {
        let tenant_id = world.tenant(system).tenant;
        for _ in 0..rng.random_range(1..=3) {
            let state = world.sandbox.servicetitan.state();
            let tenant = &state["tenants"][index];
            let candidates = editable(tenant, start);
            let Some(invoice) = candidates.choose(rng).cloned() else {
                break;
            };
            let id = invoice["id"].as_i64().expect("id");
            let line = match rng.random_range(0..3) {
                0 => new_payment(world, index, tenant, &invoice, rng, log, &tenant_id).await,
                1 => new_price(world, index, &invoice, rng).await,
                _ => void(world, &tenant_id, id, log).await,
            };
            trace.push(format!("{system}: edit invoice {id}: {line}"));
        }
    }
    trace
}

pub(crate) async fn new_payment(
    world: &World,
    index: usize,
    tenant: &Value,
    invoice: &Value,
    rng: &mut ChaCha8Rng,
    log: &mut EditLog,
    tenant_id: &str,
) -> String {
    let types: Vec<&Value> = tenant["payment_types"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter(|t| t["active"] == true)
        .collect();
    let type_id = types.choose(rng).map(|t| t["id"].clone()).expect("a type");
    let total = st_total(invoice);
    // Full or partial (a whole number of cents between 1 and the total).
    let cents = (total * Decimal::ONE_HUNDRED).trunc();
    let amount = if rng.random_bool(0.5) {
        total
    } else {
        let cents = cents.to_string().parse::<i64>().unwrap_or(100);
        Decimal::new(rng.random_range(1..cents.max(2)), 2)
    };
    let body = json!({
        "typeId": type_id,
        "paidOn": invoice["invoice_date"],
        "memo": "paid at the counter",
        "status": "Posted",
        "splits": [{ "invoiceId": invoice["id"], "amount": num(amount) }],
    });
    let (status, answer) = st_call(
        world,
        index,
        reqwest::Method::POST,
        "accounting",
        "payments",
        body,
    )
    .await;
    match answer["id"].as_i64() {
        Some(id) if status < 300 => {
            log.payments.insert((tenant_id.to_owned(), id));
            format!("new payment {id} of {amount}")
        }
        _ => format!("new payment refused ({status} {answer})"),
    }
}

async fn new_price(world: &World, index: usize, invoice: &Value, rng: &mut ChaCha8Rng) -> String {
    let items: Vec<&Value> = invoice["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["active"] == true)
        .collect();
    let Some(item) = items.choose(rng) else {
        return "no item to change".to_owned();
    };
    let price = money(&item["price"]) + Decimal::new(rng.random_range(1..5_000), 2);
    let body = json!({
        "id": item["id"],
        "description": item["description"],
        "quantity": num(money(&item["quantity"])),
        "unitPrice": num(price),
    });
    let path = format!("invoices/{}/items", invoice["id"]);
    let (status, answer) = st_call(
        world,
        index,
        reqwest::Method::PATCH,
        "accounting",
        &path,
        body,
    )
    .await;
    if status < 300 {
        format!("item {} price now {price}", item["id"])
    } else {
        format!("price change refused ({status} {answer})")
    }
}

async fn void(world: &World, tenant_id: &str, id: i64, log: &mut EditLog) -> String {
    let base = world.sandbox.servicetitan_handle.base_url.clone();
    world
        .control(
            &base,
            &format!("servicetitan/{tenant_id}/invoices/{id}/void"),
            json!({}),
        )
        .await;
    log.voided.insert((tenant_id.to_owned(), id));
    "voided".to_owned()
}

/// Which ServiceTitan tenant index a system's tenant is.
pub(crate) fn index_of(system: System) -> usize {
    match system {
        System::QuickBooks => 0,
        _ => 1,
    }
}
