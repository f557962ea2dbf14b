//! `connect servicetitan` against the sandbox through the real binary: credentials are proven
//! before they are stored, stored encrypted, and a refused attempt leaves nothing behind.

use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

use crate::helpers::{ledgerbridge, run, stdout_json};

async fn run_async(mut cmd: std::process::Command, expected: i32) -> std::process::Output {
    tokio::task::spawn_blocking(move || run(&mut cmd, expected))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servicetitan_credentials_are_proven_stored_encrypted_and_listed_by_doctor() {
    let sandbox = Sandbox::start(SandboxOptions::for_tests(
        Scenario::Demo,
        LimitMode::Relaxed,
    ))
    .await
    .unwrap();
    let st: Value = serde_json::to_value(sandbox.info().servicetitan).unwrap();
    let dir = tempfile::tempdir().unwrap();
    run_async(
        {
            let mut c = ledgerbridge(dir.path());
            c.args(["init"]);
            c
        },
        0,
    )
    .await;
    let config = dir.path().join("ledgerbridge.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[servicetitan]\napi_base = {:?}\nauth_base = {:?}\n",
        st["api_base"].as_str().unwrap(),
        st["auth_base"].as_str().unwrap()
    ));
    std::fs::write(&config, text).unwrap();

    let tenant = &st["tenants"][0];
    let secret = tenant["client_secret"].as_str().unwrap().to_owned();
    let connect = |tenant_id: String, client_id: String, secret: String| {
        let mut c = ledgerbridge(dir.path());
        c.args([
            "connect",
            "servicetitan",
            "--tenant",
            &tenant_id,
            "--client-id",
            &client_id,
        ])
        .env("SERVICETITAN_CLIENT_SECRET", secret)
        .env("SERVICETITAN_APP_KEY", st["app_key"].as_str().unwrap());
        c
    };
    let id = tenant["tenant_id"].to_string();
    let client_id = tenant["client_id"].as_str().unwrap().to_owned();
    let out = run_async(connect(id.clone(), client_id.clone(), secret.clone()), 0).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("sandbox environment"));

    // A wrong secret for the second tenant is refused and registers nothing.
    let other = &st["tenants"][1];
    let out = run_async(
        connect(
            other["tenant_id"].to_string(),
            other["client_id"].as_str().unwrap().to_owned(),
            "wrong".into(),
        ),
        1,
    )
    .await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused"));

    let out = run_async(
        {
            let mut c = ledgerbridge(dir.path());
            c.args(["doctor", "--format", "json"]);
            c
        },
        0,
    )
    .await;
    let connections = stdout_json(&out);
    let connections = connections.as_array().unwrap();
    assert_eq!(connections.len(), 1, "{connections:?}");
    assert_eq!(connections[0]["system"], "servicetitan");
    assert_eq!(connections[0]["tenant"], id.as_str());
    assert_eq!(connections[0]["environment"], "sandbox");
    assert!(connections[0]["last_success_at"].is_string());

    // The secret is nowhere in the ledger file in plain text.
    let bytes = std::fs::read(dir.path().join("ledgerbridge.db")).unwrap();
    let wal = std::fs::read(dir.path().join("ledgerbridge.db-wal")).unwrap_or_default();
    for haystack in [&bytes, &wal] {
        assert!(
            !haystack
                .windows(secret.len())
                .any(|w| w == secret.as_bytes()),
            "plaintext secret in the ledger"
        );
    }
}

#[test]
fn an_unreachable_servicetitan_is_reported_as_such_not_as_refused_credentials() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init"]), 0);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("ledgerbridge.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[servicetitan]\napi_base = \"http://127.0.0.1:{closed}\"\nauth_base = \"http://127.0.0.1:{closed}\"\n"
    ));
    std::fs::write(&config, text).unwrap();
    let out = run(
        ledgerbridge(dir.path())
            .args([
                "connect",
                "servicetitan",
                "--tenant",
                "7",
                "--client-id",
                "cid.x",
            ])
            .env("SERVICETITAN_CLIENT_SECRET", "s")
            .env("SERVICETITAN_APP_KEY", "k"),
        1,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("could not reach ServiceTitan"), "{stderr}");
    assert!(!stderr.contains("refused the credentials"), "{stderr}");
    let out = run(
        ledgerbridge(dir.path()).args(["doctor", "--format", "json"]),
        0,
    );
    assert_eq!(
        stdout_json(&out),
        serde_json::json!([]),
        "nothing registered"
    );
}
