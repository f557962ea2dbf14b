//! Issue 21 items 6-8: every emulated write route, its request body validated against the
//! official schema (strictly: an undeclared property fails) and its response too; an element
//! refused under `summarizeErrors=false` serialised like a stored one.

use ledgerbridge_emulator::LimitMode;
use serde_json::{Value, json};

use crate::helpers::{Reply, Sandbox, accounting_spec, assert_valid, invoice_json};

/// Sends `body` (validated first against `request_schema`) and validates the answer against
/// `response_schema`; returns the answer.
async fn write(
    sb: &Sandbox,
    put: bool,
    path: &str,
    request_schema: &str,
    body: Value,
    response_schema: &str,
) -> Value {
    if let Err(errors) = accounting_spec().validate(request_schema, &body) {
        panic!("request to {path} is not a valid {request_schema}: {errors:#?}\n{body}");
    }
    let text = body.to_string();
    let reply: Reply = if put {
        sb.put(path, &text).await
    } else {
        sb.post(path, &text).await
    };
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    let json = reply.json();
    assert_valid(response_schema, &json);
    json
}

fn id(json: &Value, key: &str, field: &str) -> String {
    json[key][0][field].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn every_write_route_validates_its_request_and_its_response() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let contacts = write(
        &sb,
        true,
        "/Contacts",
        "Contacts",
        json!({"Contacts": [{"Name": "Spec Route Co", "EmailAddress": "spec@example.com"}]}),
        "Contacts",
    )
    .await;
    let contact = id(&contacts, "Contacts", "ContactID");
    write(
        &sb,
        false,
        &format!("/Contacts/{contact}"),
        "Contacts",
        json!({"Contacts": [{"ContactID": contact, "Name": "Spec Route Co (2)"}]}),
        "Contacts",
    )
    .await;
    let items = write(&sb, true, "/Items", "Items",
        json!({"Items": [{"Code": "SPEC-R1", "Name": "Spec route item", "SalesDetails": {"UnitPrice": 10.0, "AccountCode": "210"}}]}), "Items").await;
    let item = id(&items, "Items", "ItemID");
    write(
        &sb,
        false,
        &format!("/Items/{item}"),
        "Items",
        json!({"Items": [{"ItemID": item, "Code": "SPEC-R1", "Name": "Spec route item (2)"}]}),
        "Items",
    )
    .await;
    let invoice_body: Value =
        serde_json::from_str(&invoice_json(&contact, "SPEC-R-1", "80.00", "210")).expect("json");
    let invoices = write(
        &sb,
        true,
        "/Invoices",
        "Invoices",
        json!({"Invoices": [invoice_body]}),
        "Invoices",
    )
    .await;
    let invoice = id(&invoices, "Invoices", "InvoiceID");
    write(
        &sb,
        false,
        &format!("/Invoices/{invoice}"),
        "Invoices",
        json!({"Invoices": [{"InvoiceID": invoice, "Reference": "WO-1"}]}),
        "Invoices",
    )
    .await;
    let credit_notes = write(&sb, true, "/CreditNotes", "CreditNotes", json!({"CreditNotes": [{
        "Type": "ACCRECCREDIT", "Contact": {"ContactID": contact}, "Date": "2026-10-11", "Status": "AUTHORISED",
        "LineAmountTypes": "NoTax", "LineItems": [{"Description": "Refund", "Quantity": 1, "UnitAmount": 30.0, "AccountCode": "210"}]}]}),
        "CreditNotes").await;
    let credit_note = id(&credit_notes, "CreditNotes", "CreditNoteID");
    let allocations = write(&sb, true, &format!("/CreditNotes/{credit_note}/Allocations"), "Allocations",
        json!({"Allocations": [{"Invoice": {"InvoiceID": invoice}, "Amount": 10.0, "Date": "2026-10-12"}]}), "Allocations").await;
    let allocation = id(&allocations, "Allocations", "AllocationID");
    let deleted = sb
        .call(
            reqwest::Method::DELETE,
            &format!("/CreditNotes/{credit_note}/Allocations/{allocation}"),
            None,
            &[],
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    assert_valid("Allocation", &deleted.json());
    let payments = write(&sb, true, "/Payments", "Payments", json!({"Payments": [{
        "Invoice": {"InvoiceID": invoice}, "Account": {"Code": "090"}, "Date": "2026-10-12", "Amount": 5.0}]}), "Payments").await;
    let payment = id(&payments, "Payments", "PaymentID");
    write(
        &sb,
        false,
        &format!("/Payments/{payment}"),
        "PaymentDelete",
        json!({"Status": "DELETED"}),
        "Payments",
    )
    .await;
    write(&sb, true, "/TaxRates", "TaxRates", json!({"TaxRates": [{
        "Name": "Spec Tax", "TaxComponents": [{"Name": "State", "Rate": 6.25, "IsCompound": false, "IsNonRecoverable": false}]}]}),
        "TaxRates").await;
    write(
        &sb,
        true,
        "/Accounts",
        "Account",
        json!({"Code": "299", "Name": "Spec route income", "Type": "REVENUE"}),
        "Accounts",
    )
    .await;
    let tracking = write(
        &sb,
        true,
        "/TrackingCategories",
        "TrackingCategory",
        json!({"Name": "Spec region"}),
        "TrackingCategories",
    )
    .await;
    let category = id(&tracking, "TrackingCategories", "TrackingCategoryID");
    write(
        &sb,
        true,
        &format!("/TrackingCategories/{category}/Options"),
        "TrackingOption",
        json!({"Name": "North"}),
        "TrackingOptions",
    )
    .await;
    for (path, schema) in [
        (format!("/Contacts/{contact}"), "Contacts"),
        (format!("/Items/{item}"), "Items"),
        (format!("/CreditNotes/{credit_note}"), "CreditNotes"),
        (format!("/Payments/{payment}"), "Payments"),
        (
            format!("/TrackingCategories/{category}"),
            "TrackingCategories",
        ),
    ] {
        let reply = sb.get(&path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        assert_valid(schema, &reply.json());
    }
}

#[tokio::test]
async fn an_element_in_error_is_serialised_like_a_stored_one() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let contact = sb.contact_id("Café Olé").await;
    let bad = invoice_json(&contact, "SPEC-E-1", "10.00", "999");
    let reply = sb
        .put(
            "/Invoices?summarizeErrors=false",
            &format!(r#"{{"Invoices":[{bad}]}}"#),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let json = reply.json();
    assert_valid("Invoices", &json);
    let element = &json["Invoices"][0];
    assert_eq!(element["StatusAttributeString"], "ERROR");
    assert_eq!(element["HasErrors"], true);
    assert!(element["ValidationErrors"][0]["Message"].is_string());
    let date = element["Date"].as_str().expect("a date");
    assert!(
        date.starts_with("/Date(") && date.ends_with("+0000)/"),
        "{date}"
    );
    assert_eq!(element["DateString"], "2026-10-10T00:00:00");
    assert!(
        element["DueDate"]
            .as_str()
            .is_some_and(|d| d.starts_with("/Date("))
    );
    assert_eq!(element["DueDateString"], "2026-11-10T00:00:00");
    assert!(
        element["LineItems"][0]["LineItemID"]
            .as_str()
            .is_some_and(|i| i.len() == 36)
    );
}

#[test]
fn an_undeclared_property_fails_strict_validation_unless_a_recording_allows_it() {
    let invoice = json!({"Invoices": [{"Type": "ACCREC", "BadJson": true}]});
    assert!(accounting_spec().validate("Invoices", &invoice).is_err());
    let line = json!({"Invoices": [{"Type": "ACCREC", "LineItems": [{"Description": "x", "Colour": "red"}]}]});
    assert!(accounting_spec().validate("Invoices", &line).is_err());
    // Recorded: credit notes carry IsDiscounted, which the spec declares on invoices only.
    let credit_note = json!({"CreditNotes": [{"Type": "ACCRECCREDIT", "IsDiscounted": false}]});
    assert_eq!(
        accounting_spec().validate("CreditNotes", &credit_note),
        Ok(())
    );
}
