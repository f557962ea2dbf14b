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

const ALERTS: &str = r#"
[alerts]
max_per_hour = 5

[[alerts.channels]]
name = "ar-team"
kind = "slack"
url_file = "secrets/slack.url"

[[alerts.channels]]
name = "office"
kind = "email"
smtp_url = "smtp://user:pass@127.0.0.1:2525?tls=none"
from = "bridge@example.com"
to = ["books@example.com"]

[[alerts.channels]]
name = "ops"
kind = "webhook"
url = "https://ops.example.com/hook"
secret_file = "secrets/hook.secret"

[[alerts.rules]]
on = "conflict"
channels = ["ar-team", "office"]

[[alerts.rules]]
on = "invoice_overdue"
channels = ["ar-team"]
days = 30
min_balance = "500.00"
tenants = ["1017823"]

[[alerts.rules]]
on = "digest"
channels = ["ops"]
at = "08:00"
"#;

fn alerts_dir(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    std::fs::write(
        dir.path().join("secrets/slack.url"),
        "https://hooks.slack.com/services/T/B/x\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("secrets/hook.secret"), "whsec\n").unwrap();
    let path = write(dir.path(), text);
    (dir, path)
}

#[test]
fn the_contract_alerts_example_loads_with_secret_files_beside_the_config() {
    let (_dir, path) = alerts_dir(ALERTS);
    let loaded = load(&path, true, "LBTEST_ALERTS_OK_").unwrap();
    let config = loaded.settings.alerts_config().unwrap();
    assert_eq!(config.max_per_hour, 5);
    let names: Vec<_> = config.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["ar-team", "office", "ops"]);
    assert_eq!(
        config.rules[1].on,
        ledgerbridge_alerts::RuleKind::InvoiceOverdue {
            days: 30,
            min_balance: Some(rust_decimal::Decimal::new(50000, 2)),
        }
    );
    assert_eq!(
        config.rules[1].tenants.as_deref(),
        Some(&["1017823".to_owned()][..])
    );
}

#[test]
fn alert_errors_name_their_key_and_never_a_secret() {
    let cases = [
        (
            ALERTS.replace("channels = [\"ar-team\"]\ndays", "channels = [\"x\"]\ndays"),
            r#"alerts.rules[1].channels: unknown channel "x""#,
        ),
        (
            ALERTS.replace("127.0.0.1:2525?tls=none", "mail.example.com:25?tls=none"),
            "alerts.channels[1].smtp_url: tls=none is allowed on a loopback host only",
        ),
        (
            ALERTS.replace("\"500.00\"", "\"lots\""),
            "alerts.rules[1].min_balance",
        ),
        (
            ALERTS.replace("on = \"digest\"", "on = \"sometimes\""),
            "alerts.rules[2].on: unknown rule",
        ),
        (
            ALERTS.replace("secrets/slack.url", "secrets/missing.url"),
            "alerts.channels[0].url_file",
        ),
        (
            ALERTS.replace("at = \"08:00\"", "at = \"8am\""),
            "alerts.rules[2].at",
        ),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let (_dir, path) = alerts_dir(text);
        let message = load(&path, true, &format!("LBTEST_ALERTS_BAD{i}_"))
            .unwrap_err()
            .to_string();
        assert!(message.contains(expected), "{expected} in {message}");
        assert!(!message.contains("pass@"), "{message}");
    }
}

#[test]
fn service_keys_are_checked_and_an_empty_webhook_secret_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "[service]\nfull_pass_at = \"3am\"\n");
    let err = load(&path, true, "LBTEST_SVC1_").unwrap_err().to_string();
    assert!(err.contains("service.full_pass_at"), "{err}");

    let path = write(
        dir.path(),
        "[service]\npoll_seconds = 5\n[xero]\napi_base = \"http://x\"\nauthorize_url = \"http://x\"\n\
         token_url = \"http://x\"\nclient_id = \"c\"\nredirect_uri = \"http://x\"\nwebhook_key = \"\"\n",
    );
    let loaded = load(&path, true, "LBTEST_SVC2_").unwrap();
    let err = loaded.settings.service_settings().unwrap_err().to_string();
    assert!(err.contains("xero.webhook_key is empty"), "{err}");

    let path = write(
        dir.path(),
        "[quickbooks]\napi_base = \"http://x\"\nauthorize_url = \"http://x\"\ntoken_url = \"http://x\"\n\
         client_id = \"c\"\nredirect_uri = \"http://x\"\nwebhook_key = \"k\"\n",
    );
    let err = load(&path, true, "LBTEST_SVC3_").unwrap_err().to_string();
    assert!(err.contains("quickbooks.webhook_key"), "{err}");
}
