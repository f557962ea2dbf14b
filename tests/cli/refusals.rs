//! Refusals that keep a ledger safe or say plainly what is wrong: a ledger without its key, a
//! truncated ledger, a two-digit year, a folder given as the config file.

use crate::helpers::{ledgerbridge, run};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn init_force_refuses_a_ledger_whose_key_is_gone_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init"]), 0);
    let key = dir.path().join("ledgerbridge.key");
    std::fs::remove_file(&key).unwrap();
    let config = dir.path().join("ledgerbridge.toml");
    std::fs::write(&config, "# edited\n").unwrap();
    let out = run(ledgerbridge(dir.path()).args(["init", "--force"]), 1);
    let err = stderr(&out);
    assert!(err.contains("ledgerbridge.db exists but its key"), "{err}");
    assert!(err.contains("Restore the key file"), "{err}");
    assert!(err.contains("move the ledger away"), "{err}");
    assert!(!key.exists(), "no new key that could never open the ledger");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# edited\n");
    // With the ledger moved away, init starts over.
    std::fs::rename(
        dir.path().join("ledgerbridge.db"),
        dir.path().join("old.db"),
    )
    .unwrap();
    run(ledgerbridge(dir.path()).args(["init", "--force"]), 0);
    assert!(key.exists());
}

#[test]
fn a_0_byte_ledger_is_refused_instead_of_silently_initialised() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init"]), 0);
    let ledger = dir.path().join("ledgerbridge.db");
    for sidecar in ["ledgerbridge.db-wal", "ledgerbridge.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(sidecar));
    }
    std::fs::write(&ledger, b"").unwrap();
    for args in [&["runs", "list"][..], &["db", "migrate"]] {
        let out = run(ledgerbridge(dir.path()).args(args), 1);
        let err = stderr(&out);
        assert!(err.contains("is an empty (0-byte) file"), "{args:?}: {err}");
        assert!(err.contains("Restore it from a backup"), "{err}");
        assert_eq!(std::fs::metadata(&ledger).unwrap().len(), 0, "{args:?}");
    }
}

#[test]
fn a_period_with_a_two_digit_year_is_refused_naming_the_form() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init"]), 0);
    let config = dir.path().join("ledgerbridge.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[[tenants]]\nservicetitan_tenant = \"1017823\"\ntarget = \"quickbooks\"\n\
         company = \"4620816365\"\n",
    );
    std::fs::write(&config, text).unwrap();
    let out = run(
        ledgerbridge(dir.path()).args(["report", "--period", "26-11"]),
        2,
    );
    let err = stderr(&out);
    assert!(err.contains("--period \"26-11\" is not a month"), "{err}");
    assert!(err.contains("YYYY-MM"), "{err}");
}

#[test]
fn a_folder_given_as_config_says_so_and_points_at_the_file_inside() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init", "--dir", "books"]), 0);
    let out = run(
        ledgerbridge(dir.path()).args(["--config", "books", "runs", "list"]),
        1,
    );
    let err = stderr(&out);
    assert!(
        err.contains("books is a folder, not a config file"),
        "{err}"
    );
    assert!(
        err.contains("did you mean --config books/ledgerbridge.toml?"),
        "{err}"
    );
    assert!(!err.contains("does not exist"), "{err}");
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let out = run(
        ledgerbridge(dir.path()).args(["--config", "empty", "runs", "list"]),
        1,
    );
    let err = stderr(&out);
    assert!(
        err.contains("empty is a folder, not a config file"),
        "{err}"
    );
    assert!(!err.contains("did you mean"), "{err}");
}
