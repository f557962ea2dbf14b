use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use super::*;

fn variables_used(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.insert(after[..end].to_owned());
        rest = &after[end + 2..];
    }
    out
}

#[test]
fn the_collection_covers_the_three_apis_and_every_request_has_a_test() {
    let collection = collection();
    assert_eq!(collection["info"]["schema"], SCHEMA);
    let folders = collection["item"].as_array().expect("folders");
    let names: Vec<_> = folders
        .iter()
        .map(|f| f["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["ServiceTitan", "QuickBooks Online", "Xero"]);
    for folder in folders {
        assert_eq!(
            folder["event"][0]["listen"], "prerequest",
            "{}",
            folder["name"]
        );
        for item in folder["item"].as_array().expect("requests") {
            let test = &item["event"][0];
            assert_eq!(test["listen"], "test", "{}", item["name"]);
            let exec = test["script"]["exec"].as_array().expect("lines");
            assert!(
                exec.iter().any(|l| l.as_str().is_some_and(
                    |l| l.contains("to.have.status(") || l.contains("pm.response.code")
                )),
                "{}",
                item["name"]
            );
        }
    }
    let text = collection.to_string();
    for needed in [
        "ST-App-Key",
        "client_credentials",
        "markasexported",
        "export/invoices",
        "/cdc?",
        "/batch?",
        "decision",
        "xero-tenant-id",
        "refresh_token",
    ] {
        assert!(text.contains(needed), "{needed}");
    }
}

#[test]
fn every_variable_is_defined_by_the_environment_the_scripts_or_postman() {
    let info = info_for(
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        Ports {
            servicetitan: 9701,
            quickbooks: 9702,
            xero: 9703,
        },
    );
    let environment = environment(&info);
    let mut defined: BTreeSet<String> = environment["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v["key"].as_str().expect("key").to_owned())
        .collect();
    defined.extend(items::RUNTIME_VARIABLES.iter().map(|v| (*v).to_owned()));
    defined.extend(["$guid", "$timestamp", "today", "qbo_cdc_since"].map(str::to_owned));
    let used = variables_used(&collection().to_string());
    let undefined: Vec<_> = used.difference(&defined).collect();
    assert!(undefined.is_empty(), "{undefined:?}");
    let value = |key: &str| {
        environment["values"]
            .as_array()
            .expect("values")
            .iter()
            .find(|v| v["key"] == key)
            .map(|v| v["value"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(value("st_api_base"), "http://127.0.0.1:9701");
    assert_eq!(value("qbo_api_base"), "http://127.0.0.1:9702");
    assert!(value("xero_api_base").starts_with("http://127.0.0.1:9703"));
    assert_eq!(value("qbo_realm_id"), info.quickbooks.realm_id);
}

#[test]
fn files_are_written_under_their_pinned_names() {
    let dir = std::env::temp_dir().join(format!("ledgerbridge-postman-{}", std::process::id()));
    let info = info_for(IpAddr::V4(Ipv4Addr::LOCALHOST), crate::DEFAULT_PORTS);
    let (collection_path, environment_path) = write_files(&dir, &info).expect("written");
    assert!(collection_path.ends_with("ledgerbridge-sandbox.postman_collection.json"));
    assert!(environment_path.ends_with("ledgerbridge-sandbox.postman_environment.json"));
    let read: Value =
        serde_json::from_str(&std::fs::read_to_string(&collection_path).expect("read"))
            .expect("json");
    assert_eq!(read, collection());
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}
