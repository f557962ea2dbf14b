//! Mappings through the real binary: CSV import is one transaction (a bad line changes nothing),
//! export gives the rows back, `set` upserts, listings are JSON for scripts.

use crate::helpers::{ledgerbridge, run, stdout_json};

const GOOD: &str = "tenant,target,kind,source,target_value,label\n\
1017823,quickbooks,item,SKU-FILTER,41,\"Filter, 16x25\"\n\
1017823,quickbooks,payment_type,Cash,UF,Undeposited Funds\n";

#[test]
fn import_is_all_or_nothing_and_export_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init"]), 0);
    std::fs::write(dir.path().join("good.csv"), GOOD).unwrap();
    let out = run(
        ledgerbridge(dir.path()).args(["mappings", "import", "good.csv"]),
        0,
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 added"));
    // Importing the same file again changes nothing.
    let out = run(
        ledgerbridge(dir.path()).args(["mappings", "import", "good.csv"]),
        0,
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 unchanged"));

    let bad = "tenant,target,kind,source,target_value,label\n\
        2046291,xero,item,SKU-1,200,\n\
        2046291,xero,colour,red,200,\n";
    std::fs::write(dir.path().join("bad.csv"), bad).unwrap();
    let out = run(
        ledgerbridge(dir.path()).args(["mappings", "import", "bad.csv"]),
        2,
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 3"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(
        ledgerbridge(dir.path()).args(["mappings", "list", "--format", "json"]),
        0,
    );
    let rows = stdout_json(&out);
    assert_eq!(
        rows.as_array().unwrap().len(),
        2,
        "the bad file imported nothing: {rows}"
    );

    let out = run(ledgerbridge(dir.path()).args(["mappings", "export"]), 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), GOOD);

    run(
        ledgerbridge(dir.path()).args([
            "mappings",
            "set",
            "--tenant",
            "1017823",
            "--target",
            "quickbooks",
            "--kind",
            "item",
            "--source",
            "SKU-FILTER",
            "--to",
            "42",
        ]),
        0,
    );
    let out = run(
        ledgerbridge(dir.path()).args([
            "mappings", "list", "--tenant", "1017823", "--format", "json",
        ]),
        0,
    );
    let rows = stdout_json(&out);
    let filter = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["source"] == "SKU-FILTER")
        .unwrap();
    assert_eq!(filter["target"], "42");
}
