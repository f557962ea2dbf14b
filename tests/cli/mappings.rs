//! Mappings through the real binary: CSV import is one transaction (a bad line changes nothing),
//! export gives the rows back, `set` upserts, listings are JSON for scripts.

use crate::helpers::{ledgerbridge, run, stdout_json};

const GOOD: &str = "tenant,target,kind,source,target_value,label\n\
1017823,quickbooks,item,SKU-FILTER,41,\"Filter, 16x25\"\n\
1017823,quickbooks,payment_type,Cash,UF,Undeposited Funds\n";

/// The tenants the files below name.
const TENANTS: &str = "\n[[tenants]]\nservicetitan_tenant = \"1017823\"\ntarget = \"quickbooks\"\n\
company = \"4620816365\"\n\n[[tenants]]\nservicetitan_tenant = \"2046291\"\ntarget = \"xero\"\n\
company = \"7f3c-demo-org\"\n";

/// `init`, then the two tenants above added to the config.
fn books() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init"]), 0);
    let config = dir.path().join("ledgerbridge.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(TENANTS);
    std::fs::write(&config, text).unwrap();
    dir
}

#[test]
fn import_is_all_or_nothing_and_export_round_trips() {
    let dir = books();
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

#[test]
fn a_file_with_unknown_tenants_wrong_targets_or_conflicting_rows_imports_nothing() {
    let dir = books();
    let bad = "tenant,target,kind,source,target_value,label\n\
        1017823,quickbooks,item,SKU-1,41,\n\
        999,quickbooks,item,SKU-2,42,\n\
        2046291,quickbooks,item,SKU-3,43,\n\
        1017823,quickbooks,item,SKU-1,41,\n\
        1017823,quickbooks,item,SKU-1,77,\n";
    std::fs::write(dir.path().join("bad.csv"), bad).unwrap();
    let out = run(
        ledgerbridge(dir.path()).args(["mappings", "import", "bad.csv"]),
        2,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing imported, 3 problem(s)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 3: tenant 999 is not configured"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 4: tenant 2046291 syncs to xero, not quickbooks"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 6: maps item \"SKU-1\" of tenant 1017823 to \"77\", but line 2"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("line 5"),
        "a repeated row is fine: {stderr}"
    );
    let out = run(
        ledgerbridge(dir.path()).args(["mappings", "list", "--format", "json"]),
        0,
    );
    assert_eq!(stdout_json(&out), serde_json::json!([]), "nothing written");
}

#[test]
fn export_defuses_formulas_and_imports_back_unchanged() {
    let dir = books();
    let formula = "=cmd|' /C calc'!A0";
    let set = |source: &str, to: &str| {
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
                source,
                "--to",
                to,
            ]),
            0,
        );
    };
    set(formula, "@SUM(A1)");
    set("SKU-1", "41");
    let out = run(
        ledgerbridge(dir.path()).args(["mappings", "export", "--out", "out.csv"]),
        0,
    );
    assert!(out.stdout.is_empty());
    let csv = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert!(
        csv.contains("1017823,quickbooks,item,'=cmd|' /C calc'!A0,'@SUM(A1),\n"),
        "{csv}"
    );
    assert!(csv.contains("1017823,quickbooks,item,SKU-1,41,\n"), "{csv}");
    let out = run(
        ledgerbridge(dir.path()).args(["mappings", "import", "out.csv"]),
        0,
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 unchanged"),
        "the guard is undone on import"
    );
}

#[test]
fn set_refuses_a_tenant_that_is_not_configured() {
    let dir = books();
    let out = run(
        ledgerbridge(dir.path()).args([
            "mappings", "set", "--tenant", "999", "--target", "xero", "--kind", "item", "--source",
            "SKU-1", "--to", "41",
        ]),
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("tenant 999 is not configured"));
}
