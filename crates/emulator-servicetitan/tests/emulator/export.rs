//! Export feeds: continuation, the 15-minute lag on the sandbox clock, reappearing records.

use ledgerbridge_emulator::LimitMode;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{World, acc, crm, spawn_world};

/// Follows a feed to its end; returns every record and the last token.
async fn drain(
    w: &World,
    token: &str,
    feed: &str,
    from: &str,
    recent: bool,
) -> (Vec<Value>, String) {
    let mut from = from.to_owned();
    let mut all = Vec::new();
    loop {
        let path = format!(
            "{feed}?from={from}&includeRecentChanges={}",
            if recent { "True" } else { "False" }
        );
        let body = w.get_json(token, &path).await;
        all.extend(body["data"].as_array().unwrap().iter().cloned());
        from = body["continueFrom"].as_str().unwrap().to_owned();
        if body["hasMore"] == false {
            return (all, from);
        }
    }
}

#[tokio::test]
async fn export_pages_continue_and_include_inactive_records() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let first = w.get_json(&token, &acc(0, "export/invoices")).await;
    assert_eq!(
        first["hasMore"], true,
        "about 500 invoices do not fit one export page"
    );
    let (all, _) = drain(&w, &token, &acc(0, "export/invoices"), "", false).await;
    let listed = w
        .get_json(&token, &acc(0, "invoices?includeTotal=true&pageSize=1"))
        .await;
    assert_eq!(all.len() as u64, listed["totalCount"].as_u64().unwrap());
    assert!(all.iter().any(|i| i["active"] == false));
    let mut ids: Vec<i64> = all.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids.len(),
        all.len(),
        "no duplicates without includeRecentChanges"
    );
    let (customers, _) = drain(&w, &token, &crm(0, "export/customers"), "", false).await;
    assert!(customers.iter().any(|c| c["active"] == false));
    let bad = w
        .send(
            Method::GET,
            &token,
            &acc(0, "export/invoices?from=not-a-token"),
            None,
        )
        .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn changes_are_hidden_for_fifteen_minutes_then_reappear() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let (_, cursor) = drain(&w, &token, &acc(0, "export/invoices"), "", false).await;
    let posted = w
        .get_json(
            &token,
            &acc(
                0,
                "invoices?statuses=Posted&activeState=ActiveOnly&pageSize=1",
            ),
        )
        .await;
    let id = posted["data"][0]["id"].as_i64().unwrap();
    let r = w
        .send(
            Method::PATCH,
            &token,
            &acc(0, &format!("invoices/{id}")),
            Some(json!({"summary": "<p>edited</p>"})),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().is_empty());

    let (hidden, same) = drain(&w, &token, &acc(0, "export/invoices"), &cursor, false).await;
    assert!(
        hidden.is_empty(),
        "a change younger than 15 minutes is held back"
    );
    assert_eq!(same, cursor);
    let (recent, _) = drain(&w, &token, &acc(0, "export/invoices"), &cursor, true).await;
    assert_eq!(
        recent
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![id]
    );

    let clock: Value = w
        .control(
            Method::POST,
            "/_sandbox/clock",
            Some(json!({"advance_seconds": 15 * 60 + 1})),
        )
        .await
        .json()
        .await
        .unwrap();
    let after_edit: chrono::DateTime<chrono::Utc> = clock["now"].as_str().unwrap().parse().unwrap();
    let token = w.token(0).await;
    let (later, cursor2) = drain(&w, &token, &acc(0, "export/invoices"), &cursor, false).await;
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["summary"], "<p>edited</p>");

    // Changed again: it comes back once more after the new cursor.
    w.control(
        Method::POST,
        &format!(
            "/_sandbox/servicetitan/{}/invoices/{id}/void",
            crate::helpers::tenant(0)
        ),
        None,
    )
    .await;
    w.control(
        Method::POST,
        "/_sandbox/clock",
        Some(json!({"advance_seconds": 16 * 60})),
    )
    .await;
    let token = w.token(0).await;
    let (again, _) = drain(&w, &token, &acc(0, "export/invoices"), &cursor2, false).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["id"], id);
    assert_eq!(again[0]["active"], false);
    // A timestamp as `from` starts at records modified on or after it: the void, not the edit.
    let from = (after_edit - chrono::Duration::seconds(30))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (by_date, _) = drain(&w, &token, &acc(0, "export/invoices"), &from, false).await;
    assert_eq!(
        by_date
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![id]
    );
}
