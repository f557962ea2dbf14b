//! `sandbox postman` writes the pinned collection and environment files for the given ports,
//! with no sandbox running.

use crate::helpers::ledgerbridge;

#[test]
fn postman_writes_the_collection_and_environment_for_the_given_ports() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("postman");
    let output = ledgerbridge(dir.path())
        .args(["sandbox", "postman", "--out"])
        .arg(&out)
        .args(["--quickbooks-port", "9912", "--xero-port", "9913"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let collection: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("ledgerbridge-sandbox.postman_collection.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        collection["info"]["schema"],
        "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    );
    let environment: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("ledgerbridge-sandbox.postman_environment.json"))
            .unwrap(),
    )
    .unwrap();
    let value = |key: &str| {
        environment["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["key"] == key)
            .and_then(|v| v["value"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        value("st_api_base"),
        "http://127.0.0.1:8701",
        "default port"
    );
    assert_eq!(value("qbo_api_base"), "http://127.0.0.1:9912");
    assert!(value("xero_api_base").starts_with("http://127.0.0.1:9913"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 2, "the two paths: {stdout}");
}
