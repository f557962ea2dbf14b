//! `requestid`: replay inside the 24-hour window, a new operation after it.

use crate::support::Sandbox;

const BODY: &str = r#"{"CustomerRef":{"value":"1"},"Line":[{"Amount":42.00,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{"TaxCodeRef":{"value":"NON"}}}]}"#;

async fn count(sb: &Sandbox) -> rust_decimal::Decimal {
    sb.query("SELECT COUNT(*) FROM Invoice")
        .await
        .at("QueryResponse.totalCount")
        .decimal()
        .expect("count")
}

#[tokio::test]
async fn the_same_requestid_replays_for_24_hours_then_runs_as_new() {
    let mut sb = Sandbox::start().await;
    let before = count(&sb).await;
    let first = sb
        .post("/invoice?requestid=4957f1c2&minorversion=75", BODY)
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let replay = sb
        .post("/invoice?requestid=4957f1c2&minorversion=75", BODY)
        .await;
    assert_eq!(
        replay.text, first.text,
        "the original response, byte for byte"
    );
    // Even with another body (Intuit: "the same response as it did for the original request").
    let other = sb
        .post(
            "/invoice?requestid=4957f1c2",
            r#"{"CustomerRef":{"value":"2"},"Line":[]}"#,
        )
        .await;
    assert_eq!(other.str("Invoice.Id"), first.str("Invoice.Id"));
    assert_eq!(count(&sb).await, before + rust_decimal::Decimal::ONE);

    sb.advance(23 * 3600 + 3599).await;
    sb.token = sb.state.connect().access_token;
    let late_replay = sb.post("/invoice?requestid=4957f1c2", BODY).await;
    assert_eq!(late_replay.str("Invoice.Id"), first.str("Invoice.Id"));
    sb.advance(1).await;
    let after = sb.post("/invoice?requestid=4957f1c2", BODY).await;
    assert_eq!(after.status, 200);
    assert_ne!(
        after.str("Invoice.Id"),
        first.str("Invoice.Id"),
        "after 24 h the id runs as new"
    );
    assert_eq!(count(&sb).await, before + rust_decimal::Decimal::TWO);
}

#[tokio::test]
async fn faults_replay_too_and_ids_are_per_realm_length_checked() {
    let sb = Sandbox::start().await;
    let dup = r#"{"DisplayName":"John Smith"}"#;
    let first = sb.post("/customer?requestid=dup-1", dup).await;
    assert_eq!(first.code(), "6240");
    let again = sb
        .post(
            "/customer?requestid=dup-1",
            r#"{"DisplayName":"Unique Name"}"#,
        )
        .await;
    assert_eq!(again.code(), "6240", "the original answer, not a new run");
    let long = "x".repeat(51);
    assert_eq!(
        sb.post(
            &format!("/customer?requestid={long}"),
            r#"{"DisplayName":"A"}"#
        )
        .await
        .code(),
        "2050"
    );
    let batch_long = "y".repeat(37);
    let r = sb
        .post(
            &format!("/batch?requestid={batch_long}"),
            r#"{"BatchItemRequest":[]}"#,
        )
        .await;
    assert_eq!(r.code(), "2050");
    // A batch replays as a whole.
    let batch = r#"{"BatchItemRequest":[{"bId":"1","Customer":{"DisplayName":"Replayed Batch"}}]}"#;
    let one = sb.post("/batch?requestid=b-77", batch).await;
    let two = sb.post("/batch?requestid=b-77", batch).await;
    assert_eq!(one.text, two.text);
    assert!(
        two.at("BatchItemResponse.0.Customer").as_obj().is_some(),
        "no 6240 on the replay"
    );
}
