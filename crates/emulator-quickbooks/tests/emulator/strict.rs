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
