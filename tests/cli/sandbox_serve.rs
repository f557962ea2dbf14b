//! `sandbox serve --json` prints exactly one line with the pinned keys, and serves them.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::helpers::ledgerbridge;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn serve_json_prints_one_line_with_every_pinned_key() {
    let dir = tempfile::tempdir().unwrap();
    let ports = [free_port(), free_port(), free_port()];
    let mut child = ledgerbridge(dir.path())
        .args([
            "sandbox", "serve", "--json", "--limits", "relaxed", "--seed", "7",
        ])
        .args(["--servicetitan-port", &ports[0].to_string()])
        .args(["--quickbooks-port", &ports[1].to_string()])
        .args(["--xero-port", &ports[2].to_string()])
        .args(["--smtp-port", &free_port().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();

    let info: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    let keys = |object: &str, keys: &[&str]| {
        for key in keys {
            assert!(
                !info[object][key].is_null(),
                "{object}.{key} missing in {line}"
            );
        }
    };
    keys("alerts", &["slack_webhook_url", "smtp_url"]);
    keys(
        "servicetitan",
        &[
            "api_base",
            "auth_base",
            "token_url",
            "app_key",
            "tenants",
            "tenant_id",
            "client_id",
            "client_secret",
        ],
    );
    keys(
        "quickbooks",
        &[
            "api_base",
            "authorize_url",
            "token_url",
            "revoke_url",
            "discovery_url",
            "client_id",
            "client_secret",
            "redirect_uri",
            "realm_id",
            "webhook_verifier_token",
        ],
    );
    keys(
        "xero",
        &[
            "api_base",
            "identity_base",
            "authorize_url",
            "token_url",
            "revoke_url",
            "client_id",
            "client_secret",
            "redirect_uri",
            "tenant_id",
            "webhook_key",
        ],
    );
    assert_eq!(
        info["servicetitan"]["tenants"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(
        info["servicetitan"]["api_base"]
            .as_str()
            .unwrap()
            .ends_with(&ports[0].to_string())
    );
    assert!(
        info["quickbooks"]["api_base"]
            .as_str()
            .unwrap()
            .contains(&ports[1].to_string())
    );
}

#[test]
fn a_bad_limits_value_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = ledgerbridge(dir.path())
        .args(["sandbox", "serve", "--limits", "fast"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--limits"));
}

#[test]
fn bad_webhook_flags_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value) in [
        ("--qbo-webhook-format", "xml"),
        ("--webhooks-url", "not a url"),
    ] {
        let out = ledgerbridge(dir.path())
            .args(["sandbox", "serve", "--servicetitan-port", "0"])
            .args(["--quickbooks-port", "0", "--xero-port", "0", flag, value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(flag));
    }
}
