//! What people do in the books during the `watch` tests: payments recorded through the
//! QuickBooks and Xero sandbox APIs, with the tokens a user of each product holds.

use ledgerbridge_core::EntityKind;
use serde_json::{Value, json};

use crate::sandboxed::Books;
use crate::watch_support::ledger;

/// A QuickBooks API call with the sandbox's token; the answer as JSON.
pub(crate) async fn qbo(
    books: &Books,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let info = books.sandbox.info();
    let q = &info.quickbooks;
    let url = format!(
        "{}/v3/company/{}/{path}",
        q.api_base.trim_end_matches('/'),
        q.realm_id
    );
    let token = books.sandbox.quickbooks.connect().access_token;
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token)
        .header("accept", "application/json");
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// Records a payment of 1.00 in QuickBooks on a linked invoice with an open balance.
pub(crate) async fn pay_in_quickbooks(books: &Books, tenant: &str) {
    let ledger = ledger(books).await;
    let links = ledger
        .links()
        .list(tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    ledger.close().await;
    let mut open = None;
    for link in &links {
        let invoice = qbo(
            books,
            reqwest::Method::GET,
            &format!("invoice/{}", link.target_id),
            None,
        )
        .await;
        if invoice["Invoice"]["Balance"].to_string().trim_matches('"') != "0" {
            open = Some(invoice["Invoice"].clone());
            break;
        }
    }
    let invoice = open.expect("a linked invoice with an open balance");
    let methods = qbo(
        books,
        reqwest::Method::GET,
        "query?query=select%20*%20from%20PaymentMethod",
        None,
    )
    .await;
    let check = methods["QueryResponse"]["PaymentMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Name"] == "Check")
        .expect("a Check payment method")["Id"]
        .clone();
    let body = json!({
        "CustomerRef": invoice["CustomerRef"], "TotalAmt": "1.00", "PaymentMethodRef": {"value": check},
        "Line": [{"Amount": "1.00", "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]
    });
    let paid = qbo(
        books,
        reqwest::Method::POST,
        "payment?minorversion=75",
        Some(body),
    )
    .await;
    assert!(paid["Payment"]["Id"].is_string(), "{paid}");
}

/// Records a payment of 1.00 in Xero on a linked invoice with an amount due, into the bank
/// account the demo mapped back to a ServiceTitan payment type.
pub(crate) async fn pay_in_xero(books: &Books, tenant: &str) {
    let ledger = ledger(books).await;
    let links = ledger
        .links()
        .list(tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    let account = ledger
        .mappings()
        .list(Some(tenant))
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == ledgerbridge_ledger::MappingKind::PaymentTypeReverse)
        .expect("the demo maps a Xero account back")
        .source;
    ledger.close().await;
    let info = books.sandbox.info();
    let x = &info.xero;
    let issued = books
        .sandbox
        .xero
        .issue_tokens("accounting.invoices accounting.payments accounting.contacts");
    let token = issued["access_token"].as_str().unwrap().to_owned();
    let api = format!("{}/api.xro/2.0", x.api_base.trim_end_matches('/'));
    let http = reqwest::Client::new();
    let call = |request: reqwest::RequestBuilder| {
        request
            .bearer_auth(&token)
            .header("xero-tenant-id", &x.tenant_id)
            .header("accept", "application/json")
    };
    let mut open = None;
    for link in &links {
        let answer: Value = call(http.get(format!("{api}/Invoices/{}", link.target_id)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let invoice = &answer["Invoices"][0];
        let due = invoice["AmountDue"].to_string();
        if invoice["Status"] == "AUTHORISED" && due.trim_matches('"') != "0" && due != "0.0" {
            open = Some(invoice["InvoiceID"].clone());
            break;
        }
    }
    let invoice = open.expect("a linked invoice with an amount due");
    let body = json!({"Payments": [{
        "Invoice": {"InvoiceID": invoice}, "Account": {"Code": account},
        "Date": "2026-11-20", "Amount": "1.00", "Reference": "watch"
    }]});
    let paid: Value = call(http.put(format!("{api}/Payments")))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(paid["Payments"][0]["PaymentID"].is_string(), "{paid}");
}
