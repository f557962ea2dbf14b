//! Review work in the seeded ledger: customer matches the engine left for a person (with the
//! parked customers they hold back) and a parked invoice blocked by an unmapped value.

use chrono::{DateTime, Utc};
use ledgerbridge_core::{Customer, EntityKind, Invoice};
use ledgerbridge_ledger::{Ledger, LedgerError, NewEvent};
use ledgerbridge_reconcile::parked::{self, Parked, ParkedRecord};
use serde_json::json;

use crate::seed::{QBO_TENANT, invoice_json};

/// The ServiceTitan customers with a suggestion: (id, name, accounting id, confidence).
pub(crate) const SUGGESTED: [(&str, &str, &str, u64); 2] = [
    ("312", "Bea Lopez", "58", 50),
    ("313", "Cal Ortiz & Sons", "59", 30),
];

fn customer(name: &str) -> Customer {
    serde_json::from_value(json!({
        "display_name": name, "company_name": null, "email": null, "phone": null,
        "billing_address": {"line1": null, "line2": null, "city": null, "region": null,
                            "postal_code": null, "country": null},
        "tax_exempt": false, "currency": null, "active": true
    }))
    .expect("a canonical customer")
}

fn parked_at<T>(record: T, reason: &str) -> ParkedRecord<T> {
    let at: DateTime<Utc> = "2026-11-19T08:00:00Z".parse().unwrap();
    ParkedRecord {
        modified_on: at,
        export_id: None,
        remote_status: None,
        reason: reason.to_owned(),
        since: None,
        record,
    }
}

/// Adds the suggestions, the parked customers and a parked invoice (SKU-200 unmapped, tax
/// free so only the item blocks it) to `ledger`.
pub(crate) async fn seed_review_work(ledger: &Ledger) {
    let mut customers: Parked<Customer> = Parked::new();
    for (id, name, target, confidence) in SUGGESTED {
        let evidence = if confidence >= 50 {
            json!({"stamp": false, "email": false, "phone": false, "name": true, "address": true,
                   "email_differs": false, "phone_differs": false})
        } else {
            json!({"stamp": false, "email": false, "phone": false, "name": true, "address": false,
                   "email_differs": false, "phone_differs": true})
        };
        ledger
            .events()
            .append(
                &NewEvent::new("customer.match.suggested")
                    .tenant(QBO_TENANT)
                    .record(EntityKind::Customer, id)
                    .detail(json!({"target_id": target, "confidence": confidence, "evidence": evidence})),
            )
            .await
            .unwrap();
        customers.insert(
            id.parse().unwrap(),
            parked_at(customer(name), "possible match: review it"),
        );
    }
    let mut raw = invoice_json("Duct cleaning", "1");
    raw["tax"] = json!({"amount": "0.00", "currency": "USD"});
    raw["total"] = json!({"amount": "230.00", "currency": "USD"});
    raw["balance"] = json!({"amount": "230.00", "currency": "USD"});
    let invoice: Invoice = serde_json::from_value(raw).expect("a valid canonical invoice");
    let mut invoices: Parked<Invoice> = Parked::new();
    invoices.insert(
        4540,
        parked_at(
            invoice,
            "unmapped SKU SKU-200 (add it with `ledgerbridge mappings set`)",
        ),
    );
    let saved: Result<(), LedgerError> = ledger
        .transaction(async |tx| {
            parked::save(tx, QBO_TENANT, EntityKind::Customer, &customers, None).await?;
            parked::save(tx, QBO_TENANT, EntityKind::Invoice, &invoices, None).await
        })
        .await;
    saved.unwrap();
}
