//! `init` writes exactly the three files of CONTRACTS.md; listings work on the fresh ledger;
//! config errors and exit codes are what scripts expect.

use std::os::unix::fs::PermissionsExt;

use crate::helpers::{ledgerbridge, run, stdout_json};

#[test]
fn init_writes_config_ledger_and_a_private_key_then_runs_list_is_empty_json() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init", "--dir", "books"]), 0);
    let books = dir.path().join("books");
    let mut names: Vec<String> = std::fs::read_dir(&books)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["ledgerbridge.db", "ledgerbridge.key", "ledgerbridge.toml"]
    );
    let mode = std::fs::metadata(books.join("ledgerbridge.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the key is readable by its owner only");

    // From another folder, through --config: relative paths resolve against the config's folder.
    let out = run(
        ledgerbridge(dir.path()).args([
            "--config",
            "books/ledgerbridge.toml",
            "runs",
            "list",
            "--format",
            "json",
        ]),
        0,
    );
    assert_eq!(stdout_json(&out), serde_json::json!([]));

    // Through ./ledgerbridge.toml in the working directory.
    let out = run(
        ledgerbridge(&books).args(["mappings", "list", "--format", "json"]),
        0,
    );
    assert_eq!(stdout_json(&out), serde_json::json!([]));
}

#[test]
fn init_refuses_to_overwrite_a_config_without_force() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init"]), 0);
    let key_before = std::fs::read(dir.path().join("ledgerbridge.key")).unwrap();
    let out = run(ledgerbridge(dir.path()).args(["init"]), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    run(ledgerbridge(dir.path()).args(["init", "--force"]), 0);
    assert_eq!(
        std::fs::read(dir.path().join("ledgerbridge.key")).unwrap(),
        key_before,
        "the key is never replaced"
    );
}

#[test]
fn env_overrides_a_key_and_a_bad_value_names_key_and_source() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init"]), 0);
    let out = run(
        ledgerbridge(dir.path())
            .env("LEDGERBRIDGE_SYNC__INCLUDE_PENDING", "maybe")
            .args(["runs", "list"]),
        1,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("sync.include_pending"), "{stderr}");
    assert!(
        stderr.contains("LEDGERBRIDGE_SYNC__INCLUDE_PENDING"),
        "{stderr}"
    );

    // The ledger path from the environment wins over the file.
    let out = run(
        ledgerbridge(dir.path())
            .env("LEDGERBRIDGE_LEDGER__PATH", "other.db")
            .args(["db", "migrate"]),
        0,
    );
    drop(out);
    assert!(dir.path().join("other.db").exists());
}

#[test]
fn a_named_config_that_does_not_exist_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        ledgerbridge(dir.path()).args(["--config", "nope.toml", "runs", "list"]),
        1,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.toml"));
    let out = run(
        ledgerbridge(dir.path())
            .env("LEDGERBRIDGE_CONFIG", "gone.toml")
            .args(["runs", "list"]),
        1,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("gone.toml"));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    run(
        ledgerbridge(dir.path()).args(["runs", "list", "--format", "yaml"]),
        2,
    );
    run(ledgerbridge(dir.path()).args(["no-such-command"]), 2);
}

#[test]
fn logs_piped_to_a_file_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        ledgerbridge(dir.path())
            .env("LEDGERBRIDGE_LOG", "trace")
            .args(["init"]),
        0,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DEBUG"), "something was logged: {stderr:?}");
    assert!(
        !stderr.contains('\u{1b}'),
        "ANSI escape in piped logs: {stderr:?}"
    );
}
