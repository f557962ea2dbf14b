//! `/batch`: 30 items with one bad one, order, queries inside, more than 30 refused.

use crate::support::{Sandbox, assert_valid};

fn customer_item(i: usize, name: &str) -> String {
    format!(r#"{{"bId":"b{i}","operation":"create","Customer":{{"DisplayName":"{name}"}}}}"#)
}

#[tokio::test]
async fn thirty_items_with_one_bad_one() {
    let sb = Sandbox::start().await;
    let mut items: Vec<String> = (0..29)
        .map(|i| customer_item(i, &format!("Batch Customer {i}")))
        .collect();
    // Item 15 reuses a seeded name: it alone fails, with its own Fault.
    items.insert(15, customer_item(99, "John Smith"));
    let body = format!(r#"{{"BatchItemRequest":[{}]}}"#, items.join(","));
    let r = sb.post("/batch?minorversion=75", &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_valid("BatchResponse", &r);
    let responses = r.at("BatchItemResponse").as_arr().expect("array");
    assert_eq!(responses.len(), 30);
    let faults: Vec<usize> = (0..30)
        .filter(|i| {
            r.at(&format!("BatchItemResponse.{i}.Fault"))
                .as_obj()
                .is_some()
        })
        .collect();
    assert_eq!(faults, vec![15]);
    assert_eq!(r.str("BatchItemResponse.15.bId"), "b99");
    assert_eq!(r.str("BatchItemResponse.15.Fault.Error.0.code"), "6240");
    assert_eq!(r.str("BatchItemResponse.0.bId"), "b0");
    assert_eq!(
        r.str("BatchItemResponse.0.Customer.DisplayName"),
        "Batch Customer 0"
    );
    let count = sb
        .query("SELECT COUNT(*) FROM Customer WHERE DisplayName LIKE 'Batch Customer%'")
        .await;
    assert_eq!(
        count.at("QueryResponse.totalCount").decimal(),
        Some(29.into())
    );
}

#[tokio::test]
async fn items_run_in_order_and_mix_operations_and_queries() {
    let sb = Sandbox::start().await;
    let invoice = sb.invoice("BT-1", "40.00", "").await;
    let id = invoice.str("Invoice.Id").to_owned();
    let body = format!(
        r#"{{"BatchItemRequest":[
            {{"bId":"1","operation":"update","Invoice":{{"Id":"{id}","SyncToken":"0","sparse":true,"PrivateNote":"first"}}}},
            {{"bId":"2","operation":"update","Invoice":{{"Id":"{id}","SyncToken":"0","sparse":true,"PrivateNote":"stale"}}}},
            {{"bId":"3","Query":"select * from Invoice where DocNumber = 'BT-1'"}},
            {{"bId":"4","Customer":{{"DisplayName":"No Operation Given"}}}},
            {{"bId":"5","operation":"delete","Invoice":{{"Id":"{id}","SyncToken":"1"}}}},
            {{"bId":"6","operation":"create","Vendor":{{"DisplayName":"x"}}}}]}}"#
    );
    let r = sb.post("/batch", &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_valid("BatchResponse", &r);
    assert_eq!(r.str("BatchItemResponse.0.Invoice.PrivateNote"), "first");
    assert_eq!(
        r.str("BatchItemResponse.1.Fault.Error.0.code"),
        "5010",
        "item 2 sees item 1's new SyncToken"
    );
    assert_eq!(
        r.str("BatchItemResponse.2.QueryResponse.Invoice.0.PrivateNote"),
        "first"
    );
    assert_eq!(
        r.str("BatchItemResponse.3.Customer.DisplayName"),
        "No Operation Given",
        "no operation = create"
    );
    assert_eq!(r.str("BatchItemResponse.4.Invoice.status"), "Deleted");
    assert_eq!(r.str("BatchItemResponse.5.Fault.Error.0.code"), "2000");
}

#[tokio::test]
async fn more_than_thirty_items_is_refused_whole() {
    let sb = Sandbox::start().await;
    let items: Vec<String> = (0..31)
        .map(|i| customer_item(i, &format!("Too Many {i}")))
        .collect();
    let r = sb
        .post(
            "/batch",
            &format!(r#"{{"BatchItemRequest":[{}]}}"#, items.join(",")),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "1040"));
    let none = sb
        .query("SELECT COUNT(*) FROM Customer WHERE DisplayName LIKE 'Too Many%'")
        .await;
    assert_eq!(
        none.at("QueryResponse.totalCount").decimal(),
        Some(0.into()),
        "nothing ran"
    );
    // With a requestid, bIds are limited to 10 characters.
    let long_bid =
        r#"{"BatchItemRequest":[{"bId":"0123456789X","Customer":{"DisplayName":"Long Bid"}}]}"#;
    let r = sb.post("/batch?requestid=batch-1", long_bid).await;
    assert_eq!(r.code(), "2050");
}
