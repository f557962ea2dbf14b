//! An array of 50 invoices with two invalid elements, in both error modes.

use ledgerbridge_emulator::LimitMode;
use rust_decimal::Decimal;

use crate::helpers::{Sandbox, amount, invoice_json};

async fn batch_of_50(sb: &Sandbox, prefix: &str) -> String {
    let contact = sb.contact_id("Maria Garcia").await;
    let elements: Vec<String> = (0..50)
        .map(|i| {
            let number = format!("{prefix}-{i:02}");
            match i {
                // An unknown account code and a duplicate invoice number.
                7 => invoice_json(&contact, &number, "10.00", "999"),
                31 => invoice_json(&contact, "20011", "10.00", "210"),
                _ => invoice_json(&contact, &number, &format!("{}.{:02}", 100 + i, i), "210"),
            }
        })
        .collect();
    format!(r#"{{"Invoices":[{}]}}"#, elements.join(","))
}

async fn count_with_prefix(sb: &Sandbox, prefix: &str) -> usize {
    let all = sb.get("/Invoices").await.json();
    all["Invoices"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|i| {
            i["InvoiceNumber"]
                .as_str()
                .is_some_and(|n| n.starts_with(prefix))
        })
        .count()
}

#[tokio::test]
async fn per_element_statuses_with_summarize_errors_false() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let body = batch_of_50(&sb, "B1").await;
    let reply = sb.put("/Invoices?summarizeErrors=false", &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let json = reply.json();
    let items = json["Invoices"].as_array().expect("list");
    assert_eq!(items.len(), 50, "one result per element, in order");
    for (i, item) in items.iter().enumerate() {
        if i == 7 || i == 31 {
            assert_eq!(item["StatusAttributeString"], "ERROR", "element {i}");
            assert_eq!(item["HasErrors"], true);
            let message = item["ValidationErrors"][0]["Message"]
                .as_str()
                .expect("message");
            let expected = if i == 7 {
                "Account code '999' is not a valid code for this document."
            } else {
                "Invoice # must be unique."
            };
            assert_eq!(message, expected);
            assert!(item.get("InvoiceID").is_none(), "not saved");
        } else {
            assert_eq!(item["StatusAttributeString"], "OK", "element {i}");
            assert!(item["InvoiceID"].is_string());
        }
    }
    // Amounts are exact: element 3 was 103.03.
    assert_eq!(
        amount(&reply.lossless(), &["Invoices", "3", "Total"]),
        Decimal::new(10303, 2)
    );
    assert_eq!(count_with_prefix(&sb, "B1-").await, 48);
}

#[tokio::test]
async fn one_bad_element_makes_a_summarised_400_while_the_valid_ones_are_saved() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let body = batch_of_50(&sb, "B2").await;
    let reply = sb.put("/Invoices", &body).await;
    assert_eq!(reply.status, 400);
    let json = reply.json();
    assert_eq!(json["ErrorNumber"], 10);
    assert_eq!(json["Type"], "ValidationException");
    assert_eq!(json["Message"], "A validation exception occurred");
    let elements = json["Elements"].as_array().expect("elements");
    assert_eq!(elements.len(), 2, "only the invalid elements are listed");
    assert_eq!(elements[0]["InvoiceNumber"], "B2-07");
    assert_eq!(
        elements[1]["ValidationErrors"][0]["Message"],
        "Invoice # must be unique."
    );
    // Non-transactional, as reported for Xero: the 48 valid ones were saved anyway.
    assert_eq!(count_with_prefix(&sb, "B2-").await, 48);
}
