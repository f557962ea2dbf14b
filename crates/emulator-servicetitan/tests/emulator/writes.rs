//! Writes: markasexported, payments (create with splits, PATCH, status), invoice edits and
//! adjustments, customers, GL accounts.

use ledgerbridge_emulator::LimitMode;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{World, acc, assert_problem, crm, spawn_world, tenant};

async fn invoice(w: &World, token: &str, id: i64) -> Value {
    w.get_json(token, &acc(0, &format!("invoices?ids={id}")))
        .await["data"][0]
        .clone()
}

async fn open_invoice(w: &World, token: &str) -> Value {
    let q = "invoices?statuses=Posted&activeState=ActiveOnly&balanceFilter.Balance=100&balanceFilter.Comparer=Greater&pageSize=1";
    w.get_json(token, &acc(0, q)).await["data"][0].clone()
}

#[tokio::test]
async fn mark_as_exported_answers_per_item_and_does_not_lock() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let inv = open_invoice(&w, &token).await;
    let id = inv["id"].as_i64().unwrap();
    let pending = w
        .get_json(&token, &acc(0, "invoices?statuses=Pending&pageSize=1"))
        .await["data"][0]["id"]
        .as_i64()
        .unwrap();
    let body = json!([{"invoiceId": id, "externalId": "QBO-77", "externalMessage": "Exported"}, {"invoiceId": pending}, {"invoiceId": 42}]);
    let r: Value = w
        .send(
            Method::POST,
            &token,
            &acc(0, "invoices/markasexported"),
            Some(body.clone()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        r[0],
        json!({"invoiceId": id, "success": true, "errorMessage": null})
    );
    assert_eq!(r[1]["success"], false);
    assert!(r[1]["errorMessage"].as_str().unwrap().contains("Pending"));
    assert_eq!(r[2]["success"], false);
    let after = invoice(&w, &token, id).await;
    assert_eq!(
        (after["syncStatus"].as_str(), after["exportId"].as_str()),
        (Some("Exported"), Some("QBO-77"))
    );
    assert_ne!(after["modifiedOn"], inv["modifiedOn"]);
    // Repeating is fine; editing an exported invoice is allowed and keeps the status.
    let again: Value = w
        .send(
            Method::POST,
            &token,
            &acc(0, "invoices/markasexported"),
            Some(json!([{"invoiceId": id}])),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again[0]["success"], true);
    let item =
        json!({"description": "Added part", "quantity": 2.5, "unitPrice": 10.005, "skuId": null});
    assert_eq!(
        w.send(
            Method::PATCH,
            &token,
            &acc(0, &format!("invoices/{id}/items")),
            Some(item)
        )
        .await
        .status(),
        200
    );
    let edited = invoice(&w, &token, id).await;
    assert_eq!(edited["syncStatus"], "Exported");
    let added = edited["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["description"] == "Added part")
        .unwrap()
        .clone();
    assert_eq!(
        (
            added["quantity"].as_str(),
            added["price"].as_str(),
            added["total"].as_str()
        ),
        (Some("2.5"), Some("10.005"), Some("25.01"))
    );
    let sub = |v: &Value, k: &str| {
        v[k].as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
    };
    assert_eq!(
        sub(&edited, "subTotal") - sub(&inv, "subTotal"),
        rust_decimal::Decimal::new(2501, 2)
    );
    let r = w
        .send(
            Method::DELETE,
            &token,
            &acc(0, &format!("invoices/{id}/items/{}", added["id"])),
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(invoice(&w, &token, id).await["subTotal"], inv["subTotal"]);
    let bad = w
        .send(
            Method::POST,
            &token,
            &acc(0, "invoices/markasexported"),
            Some(json!({"invoiceId": id})),
        )
        .await;
    assert_problem(bad, 400).await;
}

#[tokio::test]
async fn payments_apply_to_invoices_split_and_change_status() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let inv = open_invoice(&w, &token).await;
    let (id, customer) = (
        inv["id"].as_i64().unwrap(),
        inv["customer"]["id"].as_i64().unwrap(),
    );
    let types = w.get_json(&token, &acc(0, "payment-types")).await;
    let check = types["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Check")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // An exact JSON number amount (never via f64 in the emulator) and an unapplied remainder.
    let raw = format!(
        r#"{{"typeId": {check}, "checkNumber": "5521", "paidOn": "2026-01-10T00:00:00Z", "splits": [{{"invoiceId": {id}, "amount": 100.10}}, {{"amount": 0.005}}]}}"#
    );
    let r = w
        .http
        .post(w.url(&acc(0, "payments")))
        .header("ST-App-Key", ledgerbridge_emulator_servicetitan::APP_KEY)
        .header("Authorization", &token)
        .header("Content-Type", "application/json")
        .body(raw)
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(
        text.contains(r#""amount":100.10"#) && text.contains(r#""amount":0.005"#),
        "{text}"
    );
    let created: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(created["status"], "Pending");
    let pid = created["id"].as_i64().unwrap();
    let listed = w
        .get_json(
            &token,
            &acc(0, &format!("payments?appliedToInvoiceIds={id}")),
        )
        .await;
    let p = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == pid)
        .unwrap()
        .clone();
    assert_eq!(
        (
            p["total"].as_str(),
            p["unappliedAmount"].as_str(),
            p["typeId"].as_str()
        ),
        (
            Some("100.105"),
            Some("0.005"),
            Some(check.to_string().as_str())
        )
    );
    assert_eq!(p["customer"]["id"], customer);
    assert_eq!(p["appliedTo"][0]["appliedTo"], id);
    let before: rust_decimal::Decimal = inv["balance"].as_str().unwrap().parse().unwrap();
    let after: rust_decimal::Decimal = invoice(&w, &token, id).await["balance"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(before - after, rust_decimal::Decimal::new(10010, 2));

    let status = json!({"status": "Exported", "paymentIds": [pid]});
    let r = w
        .send(
            Method::POST,
            &token,
            &acc(0, "payments/status"),
            Some(status),
        )
        .await;
    assert_eq!(r.status(), 200);
    let exported = w
        .get_json(&token, &acc(0, "payments?statuses=Exported&pageSize=1000"))
        .await;
    assert!(
        exported["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == pid)
    );
    let unknown = w
        .send(
            Method::POST,
            &token,
            &acc(0, "payments/status"),
            Some(json!({"status": "Posted", "paymentIds": [pid, 1]})),
        )
        .await;
    assert_problem(unknown, 400).await;
    let no_splits = w
        .send(
            Method::PATCH,
            &token,
            &acc(0, &format!("payments/{pid}")),
            Some(json!({"typeId": check})),
        )
        .await;
    let body = assert_problem(no_splits, 400).await;
    assert!(body["errors"]["Splits"].is_array());
    // Voiding through PATCH restores the balance and hides it from the list.
    let void =
        json!({"typeId": check, "active": false, "splits": [{"invoiceId": id, "amount": 100.10}]});
    assert_eq!(
        w.send(
            Method::PATCH,
            &token,
            &acc(0, &format!("payments/{pid}")),
            Some(void)
        )
        .await
        .status(),
        200
    );
    assert_eq!(invoice(&w, &token, id).await["balance"], inv["balance"]);
    let bad_type = w
        .send(
            Method::POST,
            &token,
            &acc(0, "payments"),
            Some(json!({"typeId": 1, "splits": [{"invoiceId": id, "amount": 1}]})),
        )
        .await;
    assert_problem(bad_type, 400).await;
}

#[tokio::test]
async fn adjustments_customers_and_gl_accounts() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let inv = open_invoice(&w, &token).await;
    let id = inv["id"].as_i64().unwrap();
    let body = json!({"adjustmentToId": id, "items": [{"description": "Return visit", "quantity": 1, "unitPrice": 50}]});
    let adj: i64 = w
        .send(Method::POST, &token, &acc(0, "invoices"), Some(body))
        .await
        .json()
        .await
        .unwrap();
    let created = invoice(&w, &token, adj).await;
    assert_eq!(created["adjustmentToId"], id);
    assert_eq!(created["syncStatus"], "Pending");
    assert_eq!(created["customer"], inv["customer"]);
    assert_eq!(created["number"].as_str().map(|_| ()), None);
    assert!(
        created["referenceNumber"]
            .as_str()
            .unwrap()
            .starts_with(inv["referenceNumber"].as_str().unwrap())
    );
    assert_eq!(created["subTotal"], "50.00");
    let posted = w
        .control(
            Method::POST,
            &format!("/_sandbox/servicetitan/{}/invoices/{adj}/post", tenant(0)),
            None,
        )
        .await;
    assert_eq!(
        posted.json::<Value>().await.unwrap()["syncStatus"],
        "Posted"
    );

    let guid = "0b8f5a3e-2f5e-4c8e-9f1d-3f3e2a1b4c5d";
    let patch = json!({"name": "Renamed Customer", "externalData": {"applicationGuid": guid, "externalData": [{"key": "qbo_id", "value": "58"}]}});
    let cid = inv["customer"]["id"].as_i64().unwrap();
    let r: Value = w
        .send(
            Method::PATCH,
            &token,
            &crm(0, &format!("customers/{cid}")),
            Some(patch),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["name"], "Renamed Customer");
    assert_eq!(r["externalData"], json!([{"key": "qbo_id", "value": "58"}]));
    let hidden = w
        .get_json(&token, &crm(0, &format!("customers/{cid}")))
        .await;
    assert_eq!(
        hidden["externalData"],
        json!([]),
        "external data is scoped to its application GUID"
    );
    let found = w.get_json(&token, &crm(0, &format!("customers?externalDataApplicationGuid={guid}&externalDataKey=qbo_id&externalDataValues=58"))).await;
    assert_eq!(found["data"][0]["id"], cid);
    let missing = w
        .send(
            Method::POST,
            &token,
            &crm(0, "customers"),
            Some(json!({"name": "No Address", "locations": []})),
        )
        .await;
    let body = assert_problem(missing, 400).await;
    assert!(body["errors"]["Address"].is_array());

    let dup = w
        .send(
            Method::POST,
            &token,
            &acc(0, "gl-accounts"),
            Some(json!({"name": "Service Income"})),
        )
        .await;
    assert_problem(dup, 409).await;
    let gl = w
        .get_json(&token, &acc(0, "gl-accounts?names=Undeposited%20Funds"))
        .await;
    let uf = gl["data"][0]["id"].as_i64().unwrap();
    let in_use = w
        .send(
            Method::PATCH,
            &token,
            &acc(0, &format!("gl-accounts/{uf}")),
            Some(json!({"active": false})),
        )
        .await;
    assert_problem(in_use, 409).await;
    assert_problem(
        w.send(Method::GET, &token, &acc(0, "gl-accounts/1"), None)
            .await,
        404,
    )
    .await;
    let form = w
        .http
        .patch(w.url(&acc(0, &format!("invoices/{id}"))))
        .header("ST-App-Key", ledgerbridge_emulator_servicetitan::APP_KEY)
        .header("Authorization", &token)
        .form(&[("summary", "x")])
        .send()
        .await
        .unwrap();
    assert_problem(form, 415).await;
}
