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

/// The demo scenario end to end: the second act's edits flow each way, the line changed on
/// both sides becomes one conflict from a real two-way sync, the demo exits 3 (conflicts
/// pending, like `sync`), and the conflict can be resolved from the CLI afterwards.
#[test]
fn the_demo_makes_the_edits_people_make_and_its_summary_shows_the_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = run(ledgerbridge(dir.path()).args(["demo", "--dir", "d"]), 3);
    eprintln!("demo took {:?}", started.elapsed());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "QuickBooks -> ServiceTitan: the ",
        "Xero -> ServiceTitan: the ",
        "is on the QuickBooks invoice",
        "waits for a person",
        "Open conflicts",
        "conflicts resolve ID",
        "exits with code 3",
        // The alerts the syncs sent to the sandbox's sinks: the conflict and an overdue invoice.
        "Alerts that arrived",
        "slack: Conflict #",
        "days overdue",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in\n{stdout}");
    }
    assert_eq!(
        stdout.matches("is in ServiceTitan once").count(),
        2,
        "both books' payments arrived once:\n{stdout}"
    );

    let books = dir.path().join("d");
    let open = stdout_json(&run(
        ledgerbridge(&books).args(["conflicts", "list", "--format", "json"]),
        0,
    ));
    let open = open.as_array().unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    let conflict = &open[0];
    assert_eq!(conflict["entity"], "invoice");
    assert_eq!(conflict["target"], "quickbooks");
    let fields = conflict["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 1, "{fields:?}");
    let path = fields[0]["path"].as_str().unwrap();
    assert!(
        path.starts_with("lines[st:") && path.ends_with("].description"),
        "{path}"
    );
    assert_eq!(fields[0]["servicetitan"], "Replaced capacitor (technician)");
    assert_eq!(fields[0]["accounting"], "Capacitor, 45/5 MFD (accountant)");
    assert!(
        stdout.contains(&format!("conflict {}:", conflict["id"])),
        "the summary names the conflict's id:\n{stdout}"
    );

    let id = conflict["id"].to_string();
    let resolved = run(
        ledgerbridge(&books).args(["conflicts", "resolve", &id, "--take", "accounting"]),
        0,
    );
    assert!(String::from_utf8_lossy(&resolved.stdout).contains("Capacitor, 45/5 MFD"));
    let shown = stdout_json(&run(
        ledgerbridge(&books).args(["conflicts", "show", &id, "--format", "json"]),
        0,
    ));
    assert_eq!(shown["status"], "resolved");
    assert_eq!(shown["resolution"][path], "accounting");
}
