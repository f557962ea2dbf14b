//! Issue 21: the emulator is as strict as the real QuickBooks about request bodies, shapes
//! and paths.

use crate::support::{Sandbox, assert_valid};

#[tokio::test]
async fn unknown_and_misshaped_properties_are_fault_2010() {
    let sb = Sandbox::start().await;
    let extra = sb.invoice("STRICT-1", "10.00", r#""BadJson":true,"#).await;
    assert_eq!(extra.status, 400, "{}", extra.text);
    assert_eq!(extra.code(), "2010");
    assert_eq!(extra.str("Fault.Error.0.element"), "BadJson");
    assert_eq!(
        extra.str("Fault.Error.0.Message"),
        "Request has invalid or unsupported property"
    );
    assert_valid("FaultResponse", &extra);

    let memo = sb
        .invoice("STRICT-2", "10.00", r#""CustomerMemo":"thanks","#)
        .await;
    assert_eq!(memo.status, 400, "{}", memo.text);
    assert_eq!(memo.code(), "2010");
    assert_eq!(memo.str("Fault.Error.0.element"), "CustomerMemo");

    let alone = sb
        .post("/invoice?minorversion=75", r#"{"BadJson":true}"#)
        .await;
    assert_eq!(alone.status, 400, "{}", alone.text);
    assert_eq!(
        alone.code(),
        "2010",
        "not 2020: the property is refused first"
    );

    let nested = sb
        .post(
            "/customer?minorversion=75",
            r#"{"DisplayName":"Strict Co","BillAddr":{"Line1":"1 Main","Street":"x"}}"#,
        )
        .await;
    assert_eq!(nested.code(), "2010", "{}", nested.text);
    assert_eq!(nested.str("Fault.Error.0.element"), "Street");

    // The same rule inside a batch item.
    let batch = sb
        .post(
            "/batch?minorversion=75",
            r#"{"BatchItemRequest":[{"bId":"1","operation":"create","Customer":{"DisplayName":"B","Nick":"x"}}]}"#,
        )
        .await;
    assert_eq!(batch.status, 200, "{}", batch.text);
    assert_eq!(batch.str("BatchItemResponse.0.Fault.Error.0.code"), "2010");

    // A well-formed memo still works.
    let ok = sb
        .invoice("STRICT-3", "10.00", r#""CustomerMemo":{"value":"thanks"},"#)
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[tokio::test]
async fn without_a_json_accept_the_api_answers_xml() {
    let sb = Sandbox::start().await;
    let created = sb.invoice("XML-1", "12.50", "").await;
    assert_eq!(created.status, 200, "{}", created.text);
    let id = created.str("Invoice.Id").to_owned();
    let bare = |path: String| sb.http.get(sb.api(&path)).bearer_auth(&sb.token);
    let read = sb
        .send(bare(format!("/invoice/{id}?minorversion=75")))
        .await;
    assert_eq!(read.status, 200);
    let content_type = read.headers["content-type"].to_str().expect("ascii");
    assert!(
        content_type.starts_with("application/xml"),
        "{content_type}"
    );
    assert!(
        read.text.starts_with(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time=""#),
        "{}",
        read.text
    );
    assert!(
        read.text.contains(&format!(
            r#"<Invoice domain="QBO" sparse="false"><Id>{id}</Id>"#
        )),
        "{}",
        read.text
    );
    assert!(read.text.contains(r#"<CustomerRef name="#), "{}", read.text);
    assert!(
        read.text.contains("<TotalAmt>12.50</TotalAmt>"),
        "{}",
        read.text
    );

    let query = sb
        .send(bare(
            "/query?query=select%20*%20from%20Invoice%20maxresults%201".into(),
        ))
        .await;
    assert!(
        query
            .text
            .contains(r#"<QueryResponse startPosition="1" maxResults="1"><Invoice"#),
        "{}",
        query.text
    );

    let missing = sb.send(bare("/invoice/999999".into())).await;
    assert_eq!(missing.status, 400);
    assert!(
        missing
            .text
            .contains(r#"<Fault type="ValidationFault"><Error code="610""#),
        "{}",
        missing.text
    );

    let unauthorized = sb.send(sb.http.get(sb.api("/preferences"))).await;
    assert_eq!(unauthorized.status, 401);
    assert!(
        unauthorized.text.contains(r#"<Error code="3200">"#),
        "{}",
        unauthorized.text
    );

    // JSON when asked, and only then.
    let json = sb.get(&format!("/invoice/{id}?minorversion=75")).await;
    assert!(
        json.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    assert_valid("InvoiceResponse", &json);
}

#[tokio::test]
async fn a_throttled_request_gets_an_xml_body_even_when_json_was_asked() {
    let sb = Sandbox::with(
        ledgerbridge_emulator::LimitMode::Real,
        ledgerbridge_emulator::Scenario::Empty,
    )
    .await;
    let mut last = None;
    for _ in 0..11 {
        last = Some(sb.get("/preferences?minorversion=75").await);
    }
    let refused = last.expect("sent");
    assert_eq!(refused.status, 429);
    assert!(
        refused.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/xml"),
        "{:?}",
        refused.headers
    );
    assert!(
        refused
            .text
            .contains(r#"<Fault type="SERVICE"><Error code="3001""#),
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn addresses_have_ids_invoices_custom_fields_and_company_info_its_name_values() {
    let sb = Sandbox::start().await;
    let customer = sb
        .post(
            "/customer?minorversion=75",
            r#"{"DisplayName":"Shapes Co","BillAddr":{"Line1":"9 Elm St","City":"Springfield","CountrySubDivisionCode":"IL","PostalCode":"62701"}}"#,
        )
        .await;
    assert_eq!(customer.status, 200, "{}", customer.text);
    assert_valid("CustomerResponse", &customer);
    assert!(!customer.str("Customer.BillAddr.Id").is_empty());
    let id = customer.str("Customer.Id").to_owned();
    let invoice = sb
        .post(
            "/invoice?minorversion=75",
            &format!(
                r#"{{"CustomerRef":{{"value":"{id}"}},"ShipAddr":{{"Line1":"10 Oak St","City":"Springfield","CountrySubDivisionCode":"IL","PostalCode":"62702"}},"Line":[{{"Amount":5,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"2"}}}}}}]}}"#
            ),
        )
        .await;
    assert_eq!(invoice.status, 200, "{}", invoice.text);
    assert_valid("InvoiceResponse", &invoice);
    assert!(!invoice.str("Invoice.ShipAddr.Id").is_empty());
    assert!(!invoice.str("Invoice.BillAddr.Id").is_empty());
    assert_eq!(
        invoice.at("Invoice.CustomField").as_arr().map(<[_]>::len),
        Some(0)
    );
    // Seeded invoices too.
    let seeded = sb.query("SELECT * FROM Invoice MAXRESULTS 5").await;
    assert_valid("QueryResponseEnvelope", &seeded);
    assert!(
        seeded
            .at("QueryResponse.Invoice.0.CustomField")
            .as_arr()
            .is_some()
    );

    let info = sb
        .get(&format!(
            "/companyinfo/{}",
            ledgerbridge_emulator_quickbooks::REALM_ID
        ))
        .await;
    assert_valid("CompanyInfoResponse", &info);
    assert!(!info.str("CompanyInfo.CompanyStartDate").is_empty());
    assert!(!info.str("CompanyInfo.NameValue.0.Name").is_empty());
    assert!(!info.str("CompanyInfo.CompanyAddr.Id").is_empty());
}

#[tokio::test]
async fn an_unsupported_path_is_400_fault_500_not_404() {
    let sb = Sandbox::start().await;
    for path in ["/vendor/1", "/invoice/1/a/b", "/nosuchthing"] {
        let r = sb.get(path).await;
        assert_eq!((r.status, r.code()), (400, "500"), "{path}: {}", r.text);
        assert_eq!(r.str("Fault.Error.0.Message"), "Unsupported Operation");
        assert_valid("FaultResponse", &r);
    }
    let outside = sb
        .send(
            sb.http
                .get(format!("{}/v3/nothing", sb.base()))
                .header("Accept", "application/json"),
        )
        .await;
    assert_eq!(
        (outside.status, outside.code()),
        (400, "500"),
        "{}",
        outside.text
    );
}
