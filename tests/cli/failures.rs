//! Failures are recorded as failures: a sync that cannot read its credentials leaves a
//! `failed` run (never `ok`), `doctor` decrypts every credential and shows what it cannot
//! read as broken, and a refused refresh token marks the connection broken until a
//! successful connect.

use crate::sandboxed::books;

const OTHER_KEY: &str = "HxwdHhsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_without_a_usable_key_is_a_failed_run_and_doctor_says_broken() {
    let books = books().await;
    let key_file = books.books.join("ledgerbridge.key");
    let key = std::fs::read_to_string(&key_file).unwrap();
    let doctor = books.doctor(0).await;
    assert!(
        doctor
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "ok")
    );

    let cases: [(&str, Option<&str>); 3] = [
        ("wrong key", Some(OTHER_KEY)),
        ("corrupt key", Some("not a key at all")),
        ("missing key", None),
    ];
    for (case, replacement) in cases {
        match replacement {
            Some(text) => std::fs::write(&key_file, text).unwrap(),
            None => std::fs::remove_file(&key_file).unwrap(),
        }
        let out = books.run(&["sync", "--format", "json"], 1).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("key"), "{case}: {stderr}");
        let run = books.latest_run().await;
        assert_eq!(run["status"], "failed", "{case}: {run}");
        assert!(
            run["counts"]["error"]
                .as_str()
                .is_some_and(|e| e.contains("key")),
            "{case}: {run}"
        );

        let table = books.run(&["runs", "list"], 0).await;
        assert!(
            String::from_utf8_lossy(&table.stdout).contains("error:"),
            "{case}"
        );

        let doctor = books.doctor(1).await;
        for connection in doctor.as_array().unwrap() {
            assert_eq!(connection["status"], "broken", "{case}: {connection}");
            let reason = connection["status_reason"].as_str().unwrap_or_default();
            assert!(reason.contains("key"), "{case}: {reason}");
        }
    }

    std::fs::write(&key_file, key).unwrap();
    let doctor = books.doctor(0).await;
    assert!(
        doctor
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "ok")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_token_marks_the_connection_broken_until_a_connect() {
    let books = books().await;
    let tenant = books.tenant_of("quickbooks").await;
    // The QuickBooks sandbox forgets every grant: the stored access token is refused and so
    // is the refresh token (invalid_grant).
    let reset = format!(
        "http://{}/_sandbox/reset",
        books.sandbox.quickbooks_handle.addr
    );
    let answer = reqwest::Client::new()
        .post(&reset)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());

    books.run(&["sync", "--tenant", &tenant], 5).await;
    let run = books.latest_run().await;
    assert_eq!(run["status"], "failed", "{run}");

    let doctor = books.doctor(5).await;
    let qbo = doctor
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["system"] == "quickbooks")
        .unwrap();
    assert_eq!(qbo["status"], "broken", "{qbo}");
    assert!(
        qbo["status_reason"]
            .as_str()
            .is_some_and(|r| r.contains("reconnect")),
        "{qbo}"
    );
    let others_ok = doctor
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["system"] != "quickbooks")
        .all(|c| c["status"] == "ok");
    assert!(others_ok, "{doctor}");

    books
        .run(
            &[
                "connect",
                "quickbooks",
                "--tenant",
                &tenant,
                "--approve-sandbox",
            ],
            0,
        )
        .await;
    let doctor = books.doctor(0).await;
    assert!(
        doctor
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "ok"),
        "{doctor}"
    );
}
