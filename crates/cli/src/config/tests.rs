use super::*;
use ledgerbridge_core::{EntityKind, Policy};

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("ledgerbridge.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn lookup_order_is_flag_then_env_then_cwd() {
    let flag = PathBuf::from("a.toml");
    assert_eq!(
        locate(Some(&flag), Some("b.toml".into())),
        (flag.clone(), true)
    );
    assert_eq!(
        locate(None, Some("b.toml".into())),
        (PathBuf::from("b.toml"), true)
    );
    assert_eq!(
        locate(None, None),
        (PathBuf::from("ledgerbridge.toml"), false)
    );
}

#[test]
fn relative_paths_resolve_against_the_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "[ledger]\npath = \"data/books.db\"\n");
    let loaded = load(&path, true, "LBTEST_REL_").unwrap();
    assert_eq!(
        loaded.settings.ledger.path,
        dir.path().join("data/books.db")
    );
    assert_eq!(
        loaded.settings.ledger.key_file,
        dir.path().join("ledgerbridge.key")
    );
}

#[test]
fn errors_name_the_key_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "[sync]\ninclude_pending = \"sometimes\"\n");
    let message = load(&path, true, "LBTEST_BAD_").unwrap_err().to_string();
    assert!(message.contains("sync.include_pending"), "{message}");
    assert!(message.contains("ledgerbridge.toml"), "{message}");

    let path = write(dir.path(), "[sync]\nstart_dat = \"2026-01-01\"\n");
    let message = load(&path, true, "LBTEST_TYPO_").unwrap_err().to_string();
    assert!(message.contains("start_dat"), "{message}");
}

#[test]
fn a_tenant_with_an_unknown_target_names_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "[[tenants]]\nservicetitan_tenant = \"1\"\ntarget = \"quickbooks\"\ncompany = \"9\"\n\n\
         [[tenants]]\nservicetitan_tenant = \"2\"\ntarget = \"sage\"\ncompany = \"9\"\n",
    );
    let message = load(&path, true, "LBTEST_TGT_").unwrap_err().to_string();
    assert!(message.contains("tenants[1].target"), "{message}");
    assert!(
        message.contains("ledgerbridge.toml"),
        "the file is named too: {message}"
    );
}

#[test]
fn pacing_is_documented_unless_turned_off_and_a_typo_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "[sync]\npace = \"off\"\n");
    let off = load(&path, true, "LBTEST_PACE_")
        .unwrap()
        .settings
        .sync
        .paced()
        .unwrap();
    assert!(!off);
    let path = write(dir.path(), "[sync]\n");
    assert!(
        load(&path, true, "LBTEST_PACE_")
            .unwrap()
            .settings
            .sync
            .paced()
            .unwrap()
    );
    let path = write(dir.path(), "[sync]\npace = \"fast\"\n");
    let message = load(&path, true, "LBTEST_PACE_")
        .unwrap()
        .settings
        .sync
        .paced()
        .unwrap_err()
        .to_string();
    assert!(message.contains("sync.pace"), "{message}");
}

#[test]
fn a_named_config_must_exist_but_the_default_may_not() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    assert!(matches!(
        load(&missing, true, "LBTEST_MISS_"),
        Err(ConfigError::Missing(_))
    ));
    assert!(load(&missing, false, "LBTEST_MISS_").is_ok());
}

#[test]
fn policies_read_per_entity_and_field_and_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "[policies]\ndefault = \"newest_wins\"\n\n[policies.invoice]\n\
         default = \"servicetitan_wins\"\n\"lines[*].description\" = \"accounting_wins\"\n",
    );
    let set = load(&path, true, "LBTEST_POL_")
        .unwrap()
        .settings
        .policy_set()
        .unwrap();
    let at = |entity, p: &str| set.policy_for(entity, &p.parse().unwrap());
    assert_eq!(
        at(EntityKind::Customer, "customer.email"),
        Policy::NewestWins
    );
    assert_eq!(
        at(EntityKind::Invoice, "invoice.memo"),
        Policy::ServiceTitanWins
    );
    assert_eq!(
        at(EntityKind::Invoice, "lines[st:4521].description"),
        Policy::AccountingWins
    );
    assert_eq!(
        at(EntityKind::Invoice, "lines[st:4521].quantity"),
        Policy::ServiceTitanWins
    );

    let path = write(dir.path(), "");
    let none = load(&path, true, "LBTEST_POL_").unwrap().settings;
    let manual = none.policy_set().unwrap();
    assert_eq!(
        manual.policy_for(EntityKind::Invoice, &"invoice.memo".parse().unwrap()),
        Policy::Manual
    );

    for (text, key) in [
        ("[policies]\ndefault = \"ask\"\n", "policies.default"),
        (
            "[policies.invoice]\n\"lines[*].description\" = \"books\"\n",
            "policies.invoice.\"lines[*].description\"",
        ),
        (
            "[policies.invoice]\n\"Lines[*]\" = \"manual\"\n",
            "policies.invoice.\"Lines[*]\"",
        ),
        (
            "[policies.invoice]\n\"customer.email\" = \"manual\"\n",
            "policies.invoice.\"customer.email\"",
        ),
        (
            "[policies.vendor]\ndefault = \"manual\"\n",
            "policies.vendor",
        ),
    ] {
        let path = write(dir.path(), text);
        let message = load(&path, true, "LBTEST_POL_").unwrap_err().to_string();
        assert!(message.contains(key), "{key} in {message}");
        assert!(message.contains("ledgerbridge.toml"), "{message}");
    }
}
