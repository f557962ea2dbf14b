use axum::http::StatusCode;
use ledgerbridge_ledger::ConflictId;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_typed_value_without_a_snapshot_to_check_is_refused_but_a_side_is_fine() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let page = client.get("/conflicts/2").await;
    let (csrf, digest) = (page.csrf(), page.hidden("digest"));
    let r = client
        .post_raw(
            "/conflicts/2/resolve",
            &[
                ("csrf", &csrf),
                ("digest", &digest),
                ("choice.0", "value"),
                ("value.0", "ann@example.com"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("no agreed snapshot"));
    let r = client
        .post_raw(
            "/conflicts/2/resolve",
            &[
                ("csrf", &csrf),
                ("digest", &digest),
                ("choice.0", "accounting"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let c = ledger
        .conflicts()
        .get(ConflictId(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.resolution, Some(json!({"customer.email": "accounting"})));
    assert_eq!(c.note, None);
}

#[tokio::test]
async fn a_typed_value_is_checked_against_the_records_agreed_snapshot() {
    let ledger = seeded_ledger().await;
    let conflict = ledger
        .conflicts()
        .raise(&ledgerbridge_ledger::NewConflict {
            key: invoice_key("4530"),
            target_id: "131".into(),
            run: None,
            fields: vec![
                ledgerbridge_ledger::ConflictField {
                    path: "invoice.number".into(),
                    base: json!("INV-4521"),
                    servicetitan: json!("INV-4530"),
                    accounting: json!("4530"),
                },
                ledgerbridge_ledger::ConflictField {
                    path: "lines[st:7777].quantity".into(),
                    base: json!(null),
                    servicetitan: json!("3"),
                    accounting: json!("4"),
                },
            ],
        })
        .await
        .unwrap();
    let path = format!("/conflicts/{}", conflict.id);
    let mut client = Client::new(app_on(&ledger));
    let page = client.get(&path).await;
    let (csrf, digest) = (page.csrf(), page.hidden("digest"));
    // An invoice must have a number, and line 7777 is not on the agreed invoice.
    let r = client
        .post_raw(
            &format!("{path}/resolve"),
            &[
                ("csrf", &csrf),
                ("digest", &digest),
                ("choice.0", "value"),
                ("value.0", " "),
                ("choice.1", "value"),
                ("value.1", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("the values do not form a valid invoice record"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("lines[st:7777].quantity is not a field of a invoice record")
    );
    // A number that fits is accepted as typed (not normalized away: it is text).
    let r = client
        .post_raw(
            &format!("{path}/resolve"),
            &[
                ("csrf", &csrf),
                ("digest", &digest),
                ("choice.0", "value"),
                ("value.0", "04530"),
                ("choice.1", "servicetitan"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let resolved = ledger.conflicts().get(conflict.id).await.unwrap().unwrap();
    assert_eq!(
        resolved.resolution.unwrap()["invoice.number"],
        json!({"value": "04530"})
    );
}

/// Issue #5: a value longer than the books take is refused before it is recorded, naming the
/// field, the limit, the system and the length (as `conflicts resolve` does).
#[tokio::test]
async fn a_typed_value_longer_than_the_books_take_is_refused_and_nothing_is_recorded() {
    let ledger = seeded_ledger().await;
    let conflict = ledger
        .conflicts()
        .raise(&ledgerbridge_ledger::NewConflict {
            key: invoice_key("4530"),
            target_id: "131".into(),
            run: None,
            fields: vec![ledgerbridge_ledger::ConflictField {
                path: "invoice.number".into(),
                base: json!("INV-4521"),
                servicetitan: json!("INV-4530"),
                accounting: json!("4530"),
            }],
        })
        .await
        .unwrap();
    let path = format!("/conflicts/{}", conflict.id);
    let mut client = Client::new(app_on(&ledger));
    let page = client.get(&path).await;
    let (csrf, digest) = (page.csrf(), page.hidden("digest"));
    let long = "4".repeat(22);
    let r = client
        .post_raw(
            &format!("{path}/resolve"),
            &[
                ("csrf", &csrf),
                ("digest", &digest),
                ("choice.0", "value"),
                ("value.0", &long),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("invoice.number is 22 characters; QuickBooks allows at most 21 (DocNumber)"),
        "{}",
        r.body
    );
    let still = ledger.conflicts().get(conflict.id).await.unwrap().unwrap();
    assert_eq!(still.resolution, None);
    assert_eq!(still.status.to_string(), "open");
}
