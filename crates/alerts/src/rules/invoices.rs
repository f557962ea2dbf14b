//! The ServiceTitan workflow's rules: an invoice overdue or large. Read from the invoice
//! snapshots (the base both sides agreed on): due date, number, customer, and the exact open
//! balance in minor units.

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{Ledger, RecordKey, Snapshot};
use rust_decimal::Decimal;

use crate::rules::Condition;
use crate::{AlertError, AlertsConfig, Message};

/// An open invoice as the alerts describe it.
struct OpenInvoice {
    snapshot: Snapshot,
    number: String,
    customer: String,
    due: Option<NaiveDate>,
}

async fn open_invoices(ledger: &Ledger) -> Result<Vec<OpenInvoice>, AlertError> {
    let snapshots = ledger
        .snapshots()
        .with_open_balance(EntityKind::Invoice)
        .await?;
    let mut out = Vec::with_capacity(snapshots.len());
    for snapshot in snapshots {
        let base = &snapshot.base;
        let number = base["number"]
            .as_str()
            .unwrap_or(&snapshot.key.servicetitan_id)
            .to_owned();
        let due = base["due_date"].as_str().and_then(|d| d.parse().ok());
        let customer = customer_name(ledger, &snapshot.key, &base["customer"]).await?;
        out.push(OpenInvoice {
            snapshot,
            number,
            customer,
            due,
        });
    }
    Ok(out)
}

/// The customer's display name from its snapshot (`st:123` names it), else its reference.
async fn customer_name(
    ledger: &Ledger,
    invoice: &RecordKey,
    reference: &serde_json::Value,
) -> Result<String, AlertError> {
    let reference = reference.as_str().unwrap_or("unknown customer");
    let Some(id) = reference.strip_prefix("st:") else {
        return Ok(reference.to_owned());
    };
    let key = RecordKey {
        entity: EntityKind::Customer,
        servicetitan_id: id.to_owned(),
        ..invoice.clone()
    };
    let snapshot = ledger.snapshots().get(&key).await?;
    Ok(snapshot
        .and_then(|s| s.base["display_name"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("customer {id}")))
}

fn books_link(key: &RecordKey, target_id: &str) -> (String, String) {
    match key.target_system {
        System::Xero => (
            "Open in Xero".to_owned(),
            format!("https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={target_id}"),
        ),
        _ => (
            "Open in QuickBooks".to_owned(),
            format!("https://app.qbo.intuit.com/app/invoice?txnId={target_id}"),
        ),
    }
}

async fn describe(
    ledger: &Ledger,
    config: &AlertsConfig,
    invoice: &OpenInvoice,
    title: String,
    text: String,
) -> Result<Message, AlertError> {
    let key = &invoice.snapshot.key;
    let totals = invoice.snapshot.totals.as_ref();
    let money = |m: Option<ledgerbridge_core::Money>| {
        m.map(|m| format!("{} {}", m.amount(), m.currency().code()))
            .unwrap_or_default()
    };
    let web = config.links.servicetitan_web.trim_end_matches('/');
    let mut message = Message::new(title, text)
        .field("Invoice", invoice.number.clone())
        .field("Customer", invoice.customer.clone())
        .field("Balance", money(totals.map(|t| t.balance)))
        .field("Total", money(totals.map(|t| t.total)))
        .field(
            "Due",
            invoice
                .due
                .map(|d| d.to_string())
                .unwrap_or_else(|| "no due date".into()),
        )
        .field("Tenant", key.tenant.clone())
        .link(
            "Open in ServiceTitan",
            format!("{web}/#/Invoice/{}", key.servicetitan_id),
        );
    if let Some(link) = ledger.links().get(key).await? {
        let (label, url) = books_link(key, &link.target_id);
        message = message.link(label, url);
    }
    Ok(message)
}

/// Open invoices `days` or more past due (local date), with at least `min_balance` open.
pub(crate) async fn overdue(
    ledger: &Ledger,
    config: &AlertsConfig,
    now: DateTime<Utc>,
    days: u32,
    min_balance: Option<Decimal>,
) -> Result<Vec<Condition>, AlertError> {
    let today = now.with_timezone(&config.local_offset).date_naive();
    let mut found = Vec::new();
    for invoice in open_invoices(ledger).await? {
        let Some(due) = invoice.due else { continue };
        let late = (today - due).num_days();
        let balance = invoice.snapshot.totals.map(|t| t.balance.amount());
        if late < i64::from(days) || min_balance.is_some_and(|min| balance < Some(min)) {
            continue;
        }
        let title = format!(
            "Invoice {} for {} is {late} days overdue",
            invoice.number, invoice.customer
        );
        let text = format!(
            "Invoice {} of {} was due on {due} and still has a balance.",
            invoice.number, invoice.customer
        );
        let key = &invoice.snapshot.key;
        found.push(Condition {
            key: format!("invoice:{}:{}", key.tenant, key.servicetitan_id),
            tenant: Some(key.tenant.clone()),
            subject: title.clone(),
            message: describe(ledger, config, &invoice, title, text).await?,
        });
    }
    Ok(found)
}

/// Open invoices whose total is at least `amount`.
pub(crate) async fn large(
    ledger: &Ledger,
    config: &AlertsConfig,
    amount: Decimal,
) -> Result<Vec<Condition>, AlertError> {
    let mut found = Vec::new();
    for invoice in open_invoices(ledger).await? {
        let Some(totals) = invoice.snapshot.totals else {
            continue;
        };
        if totals.total.amount() < amount {
            continue;
        }
        let title = format!(
            "Large invoice {} for {}: {} {}",
            invoice.number,
            invoice.customer,
            totals.total.amount(),
            totals.total.currency().code()
        );
        let text = format!("Invoice {} is at or above {amount}.", invoice.number);
        let key = &invoice.snapshot.key;
        found.push(Condition {
            key: format!("invoice:{}:{}", key.tenant, key.servicetitan_id),
            tenant: Some(key.tenant.clone()),
            subject: title.clone(),
            message: describe(ledger, config, &invoice, title, text).await?,
        });
    }
    Ok(found)
}
