//! Responses against the hand-written response schemas (spec/), and proof that a broken
//! response fails.

use serde_json::json;

use crate::support::{Sandbox, assert_valid, spec};

#[tokio::test]
async fn reference_entities_match_their_schemas() {
    let sb = Sandbox::start().await;
    for (entity, schema) in [
        ("Item", "Item"),
        ("Account", "Account"),
        ("Class", "Class"),
        ("PaymentMethod", "PaymentMethod"),
        ("TaxCode", "TaxCode"),
        ("TaxRate", "TaxRate"),
        ("Customer", "Customer"),
    ] {
        let r = sb
            .query(&format!(
                "SELECT * FROM {entity} WHERE Active IN (true, false) MAXRESULTS 1000"
            ))
            .await;
        assert_valid("QueryResponseEnvelope", &r);
        let rows = r.value()["QueryResponse"][entity]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!rows.is_empty(), "{entity} has rows");
        for row in rows {
            if let Err(errors) = spec().validate(schema, &row) {
                panic!("{entity}: {errors:?}\n{row}");
            }
        }
    }
    let created = sb
        .post("/taxservice/taxcode", r#"{"TaxCode":"Decatur, IL","TaxRateDetails":[{"TaxRateName":"Decatur City","RateValue":"1.5","TaxAgencyId":"1","TaxApplicableOn":"Sales"},{"TaxRateId":"1","TaxApplicableOn":"Sales"}]}"#)
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_valid("TaxServiceResponse", &created);
    let code = sb
        .get(&format!("/taxcode/{}", created.str("TaxCodeId")))
        .await;
    assert_valid("TaxCodeResponse", &code);
    assert_eq!(
        code.str("TaxCode.SalesTaxRateList.TaxRateDetail.1.TaxRateRef.value"),
        "1"
    );
}

#[test]
fn a_broken_response_fails_validation() {
    let good = json!({
        "Invoice": {
            "Id": "12", "SyncToken": "0",
            "MetaData": { "CreateTime": "2025-06-01T09:00:00-06:00", "LastUpdatedTime": "2025-06-01T09:00:00-06:00" },
            "CustomerRef": { "value": "1" }, "TxnDate": "2025-06-01", "TotalAmt": 10.0, "Balance": 10.0, "CustomField": [],
            "TxnTaxDetail": { "TotalTax": 0 },
            "Line": [{ "Amount": 10.0, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": { "ItemRef": { "value": "1" }, "TaxCodeRef": { "value": "NON" } } }]
        },
        "time": "2025-06-01T09:00:00.000-06:00"
    });
    assert_eq!(spec().validate("InvoiceResponse", &good), Ok(()));
    let mut amount_as_string = good.clone();
    amount_as_string["Invoice"]["TotalAmt"] = json!("10.00");
    let mut numeric_sync_token = good.clone();
    numeric_sync_token["Invoice"]["SyncToken"] = json!(0);
    let mut no_time = good.clone();
    no_time.as_object_mut().expect("object").remove("time");
    let mut bad_tax_code = good.clone();
    bad_tax_code["Invoice"]["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"]["value"] = json!("3");
    // Strict: a property the document does not declare fails (issue 21).
    let mut undeclared = good.clone();
    undeclared["Invoice"]["BadJson"] = json!(true);
    let mut undeclared_in_line = good.clone();
    undeclared_in_line["Invoice"]["Line"][0]["SalesItemLineDetail"]["Bogus"] = json!(1);
    for broken in [
        amount_as_string,
        numeric_sync_token,
        no_time,
        bad_tax_code,
        undeclared,
        undeclared_in_line,
    ] {
        assert!(
            spec().validate("InvoiceResponse", &broken).is_err(),
            "{broken}"
        );
    }
    let fault_with_numeric_code = json!({ "Fault": { "Error": [{ "Message": "m", "Detail": "d", "code": 5010 }], "type": "ValidationFault" }, "time": "2025-06-01T09:00:00.000-06:00" });
    assert!(
        spec()
            .validate("FaultResponse", &fault_with_numeric_code)
            .is_err()
    );
}
