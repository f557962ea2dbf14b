//! `demo`: one command from nothing to a synced ledger, writing exactly the files of
//! CONTRACTS.md and replacing an earlier demo's.

use crate::helpers::{ledgerbridge, run, stdout_json};

#[test]
fn demo_writes_exactly_three_files_connects_everything_and_runs_again_from_scratch() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = run(
            ledgerbridge(dir.path()).args(["demo", "--dir", "d", "--scenario", "empty"]),
            0,
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("Next, try"), "{stdout}");
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join("d"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["ledgerbridge.db", "ledgerbridge.key", "ledgerbridge.toml"]
        );
    }
    let books = dir.path().join("d");
    let runs = stdout_json(&run(
        ledgerbridge(&books).args(["runs", "list", "--format", "json"]),
        0,
    ));
    assert_eq!(
        runs.as_array().unwrap().len(),
        1,
        "the second demo started from a fresh ledger: {runs}"
    );
    assert_eq!(runs[0]["status"], "ok");
    let connections = stdout_json(&run(
        ledgerbridge(&books).args(["doctor", "--format", "json"]),
        0,
    ));
    assert_eq!(connections.as_array().unwrap().len(), 4);
}
