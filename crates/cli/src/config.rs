//! `ledgerbridge.toml`: the settings tree, its lookup order and validation.
//!
//! Lookup: `--config FILE` > `$LEDGERBRIDGE_CONFIG` > `./ledgerbridge.toml`. `LEDGERBRIDGE_*`
//! environment variables override keys, `__` separating levels
//! (`LEDGERBRIDGE_SYNC__START_DATE=2026-01-01`). Relative paths inside the file resolve against
//! the file's folder, so a config works from any working directory. Unknown keys are errors (a
//! typo must not silently fall back to a default), and every error names the key and the file
//! or variable it came from. Secrets are never required inline: each can come from the
//! environment or from a `*_file` path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use ledgerbridge_core::{
    Customer, EntityKind, Invoice, PathPattern, Payment, Policy, PolicySet, Record, UnknownPolicy,
};
use secrecy::SecretString;
use serde::Deserialize;

/// Environment variables that are not config keys (`crash_at` names a crash point of the
/// kill -9 tests: `ledgerbridge_core::crash`).
const NON_KEY_VARS: [&str; 5] = ["config", "key", "log", "web_password", "crash_at"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // some keys are read only by `connect` and `sync`, which build on this
pub(crate) struct Settings {
    #[serde(default)]
    pub(crate) ledger: LedgerSection,
    #[serde(default)]
    pub(crate) sync: SyncSection,
    pub(crate) servicetitan: Option<ServiceTitanSection>,
    pub(crate) quickbooks: Option<OAuthAppSection>,
    pub(crate) xero: Option<OAuthAppSection>,
    #[serde(default)]
    pub(crate) tenants: Vec<TenantSection>,
    /// `[policies]`: how a field changed on both sides is settled (docs/configuration.md).
    #[serde(default)]
    pub(crate) policies: BTreeMap<String, PolicyEntry>,
}

/// One key of `[policies]`: `default = "manual"`, or an entity's table
/// (`[policies.invoice]` with `default` and field patterns).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum PolicyEntry {
    Policy(String),
    Entity(BTreeMap<String, String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct LedgerSection {
    /// The SQLite ledger file.
    pub(crate) path: PathBuf,
    /// The 32-byte encryption key (base64) for stored credentials; `LEDGERBRIDGE_KEY` wins.
    pub(crate) key_file: PathBuf,
    /// How long a sync waits for a busy SQLite database, in milliseconds.
    pub(crate) busy_timeout_ms: u64,
    /// A lease whose heartbeat is older than this is taken over.
    pub(crate) lease_stale_seconds: u64,
}

impl Default for LedgerSection {
    fn default() -> Self {
        Self {
            path: PathBuf::from("ledgerbridge.db"),
            key_file: PathBuf::from("ledgerbridge.key"),
            busy_timeout_ms: 5_000,
            lease_stale_seconds: 120,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
#[allow(dead_code)] // some keys are read only by `connect` and `sync`, which build on this
pub(crate) struct SyncSection {
    /// Invoices dated before this are skipped with a reason.
    pub(crate) start_date: Option<NaiveDate>,
    /// Also sync invoices whose syncStatus is Pending (only Posted by default).
    pub(crate) include_pending: bool,
    /// Mark synced invoices as exported in ServiceTitan (with the accounting id).
    pub(crate) mark_exported: Option<bool>,
    /// The Xero tracking category that carries ServiceTitan business units.
    pub(crate) tracking_category: Option<String>,
    /// QuickBooks: a US company with automated sales tax (lines TAX/NON, one tax code).
    pub(crate) quickbooks_us_sales_tax: Option<bool>,
    /// "documented" (default): pace every remote at its documented limits; "off": leave
    /// pacing to the remote's 429s (for the local sandbox, whose limits are relaxed).
    pub(crate) pace: Option<String>,
}

impl SyncSection {
    /// Whether connectors pace themselves at the remotes' documented limits.
    pub(crate) fn paced(&self) -> Result<bool, ConfigError> {
        match self.pace.as_deref() {
            None | Some("documented") => Ok(true),
            Some("off") => Ok(false),
            Some(other) => Err(ConfigError::Invalid(format!(
                "sync.pace = {other:?}: expected \"documented\" or \"off\""
            ))),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // some keys are read only by `connect` and `sync`, which build on this
pub(crate) struct ServiceTitanSection {
    /// Precedes `/{module}/v2/tenant/...`.
    pub(crate) api_base: String,
    /// Precedes `/connect/token`.
    pub(crate) auth_base: String,
    /// Read export feeds with `includeRecentChanges=true` (changes younger than 15 minutes).
    pub(crate) include_recent_changes: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // some keys are read only by `connect` and `sync`, which build on this
pub(crate) struct OAuthAppSection {
    pub(crate) api_base: String,
    pub(crate) authorize_url: String,
    pub(crate) token_url: String,
    pub(crate) revoke_url: Option<String>,
    /// Xero only: precedes `/connections`.
    pub(crate) identity_base: Option<String>,
    pub(crate) client_id: String,
    /// Prefer `client_secret_file` or the env var `LEDGERBRIDGE_<SYSTEM>__CLIENT_SECRET`.
    pub(crate) client_secret: Option<SecretString>,
    pub(crate) client_secret_file: Option<PathBuf>,
    pub(crate) redirect_uri: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // some keys are read only by `connect` and `sync`, which build on this
pub(crate) struct TenantSection {
    /// The ServiceTitan tenant id.
    pub(crate) servicetitan_tenant: String,
    /// A readable name for reports.
    pub(crate) name: Option<String>,
    /// `quickbooks` or `xero`.
    pub(crate) target: String,
    /// QuickBooks realm id or Xero tenant id.
    pub(crate) company: String,
}

/// Where settings came from, for messages.
#[derive(Debug)]
pub(crate) struct LoadedSettings {
    pub(crate) settings: Settings,
    /// The config file, when one was read.
    pub(crate) file: Option<PathBuf>,
}

/// The config file to read: `--config` > `$LEDGERBRIDGE_CONFIG` > `./ledgerbridge.toml`.
/// `required` is true when the user named it (then it must exist).
pub(crate) fn locate(flag: Option<&Path>, env: Option<PathBuf>) -> (PathBuf, bool) {
    match (flag, env) {
        (Some(path), _) => (path.to_path_buf(), true),
        (None, Some(path)) => (path, true),
        (None, None) => (PathBuf::from("ledgerbridge.toml"), false),
    }
}

/// Why the settings could not be loaded; the message names the key and its source.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    #[error("config file {0} does not exist")]
    Missing(PathBuf),
    #[error("{} is a folder, not a config file{}", .0.display(), folder_hint(.0))]
    IsFolder(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Points at the config file inside a folder given as `--config`, when there is one.
fn folder_hint(dir: &Path) -> String {
    let inside = dir.join("ledgerbridge.toml");
    if inside.is_file() {
        format!(" (did you mean --config {}?)", inside.display())
    } else {
        String::new()
    }
}

/// Reads the file (if present) and the environment overrides.
pub(crate) fn load(
    path: &Path,
    required: bool,
    env_prefix: &str,
) -> Result<LoadedSettings, ConfigError> {
    if path.is_dir() {
        return Err(ConfigError::IsFolder(path.to_path_buf()));
    }
    let exists = path.is_file();
    if required && !exists {
        return Err(ConfigError::Missing(path.to_path_buf()));
    }
    let mut figment = Figment::new();
    if exists {
        figment = figment.merge(Toml::file_exact(path));
    }
    figment = figment.merge(Env::prefixed(env_prefix).split("__").ignore(&NON_KEY_VARS));
    let mut settings: Settings = figment
        .extract()
        .map_err(|e| ConfigError::Invalid(describe(e, env_prefix)))?;
    let file = exists.then(|| path.to_path_buf());
    if let Some(dir) = file.as_deref().and_then(Path::parent) {
        settings.resolve_paths(dir);
    }
    settings.validate().map_err(|e| match (e, &file) {
        (ConfigError::Invalid(message), Some(path)) => {
            ConfigError::Invalid(format!("{message} (in {})", path.display()))
        }
        (e, _) => e,
    })?;
    Ok(LoadedSettings { settings, file })
}

/// Every figment error, each naming the key and where its value came from: the file, or the
/// exact environment variable (figment itself only names the prefix).
fn describe(error: figment::Error, env_prefix: &str) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".").to_lowercase();
            let from_env = e
                .metadata
                .as_ref()
                .is_some_and(|m| m.name.contains("environment"));
            let source = if from_env {
                format!(
                    "environment variable {env_prefix}{}",
                    e.path.join("__").to_uppercase()
                )
            } else {
                match e.metadata.as_ref().and_then(|m| m.source.as_ref()) {
                    Some(source) => source.to_string(),
                    None => "the defaults".to_owned(),
                }
            };
            if key.is_empty() {
                format!("{} (in {source})", e.kind)
            } else {
                format!("key `{key}`: {} (in {source})", e.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn resolve(dir: &Path, path: &mut PathBuf) {
    if path.is_relative() {
        *path = dir.join(&*path);
    }
}

impl Settings {
    fn resolve_paths(&mut self, dir: &Path) {
        resolve(dir, &mut self.ledger.path);
        resolve(dir, &mut self.ledger.key_file);
        for app in [self.quickbooks.as_mut(), self.xero.as_mut()]
            .into_iter()
            .flatten()
        {
            if let Some(file) = app.client_secret_file.as_mut() {
                resolve(dir, file);
            }
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.policy_set()?;
        for (i, tenant) in self.tenants.iter().enumerate() {
            let key = |field: &str| format!("tenants[{i}].{field}");
            if !matches!(tenant.target.as_str(), "quickbooks" | "xero") {
                return Err(ConfigError::Invalid(format!(
                    "{} = {:?}: expected \"quickbooks\" or \"xero\"",
                    key("target"),
                    tenant.target
                )));
            }
            if tenant.servicetitan_tenant.trim().is_empty() {
                return Err(ConfigError::Invalid(format!(
                    "{} is empty",
                    key("servicetitan_tenant")
                )));
            }
            let duplicate = self.tenants[..i]
                .iter()
                .any(|t| t.servicetitan_tenant == tenant.servicetitan_tenant);
            if duplicate {
                return Err(ConfigError::Invalid(format!(
                    "{}: ServiceTitan tenant {} is listed twice; a tenant syncs to exactly one target",
                    key("servicetitan_tenant"),
                    tenant.servicetitan_tenant
                )));
            }
        }
        Ok(())
    }
}

/// The entities a `[policies.ENTITY]` table may name, with the first segments their field
/// patterns may start with (the record's own fields and its collections).
fn policy_entity(name: &str) -> Option<(EntityKind, Vec<&'static str>)> {
    fn roots<R: Record>() -> Vec<&'static str> {
        std::iter::once(R::ROOT)
            .chain(R::COLLECTIONS.iter().map(|(c, _)| *c))
            .collect()
    }
    match name {
        "customer" => Some((EntityKind::Customer, roots::<Customer>())),
        "invoice" => Some((EntityKind::Invoice, roots::<Invoice>())),
        "payment" => Some((EntityKind::Payment, roots::<Payment>())),
        _ => None,
    }
}

fn policy(key: &str, text: &str) -> Result<Policy, ConfigError> {
    text.parse()
        .map_err(|e: UnknownPolicy| ConfigError::Invalid(format!("{key} = {text:?}: {e}")))
}

impl Settings {
    /// `[policies]` as the engine's [`PolicySet`]; each error names its key. The default of
    /// everything (and of a missing table) is `manual`.
    pub(crate) fn policy_set(&self) -> Result<PolicySet, ConfigError> {
        let mut set = PolicySet::new(Policy::Manual);
        if let Some(entry) = self.policies.get("default") {
            let PolicyEntry::Policy(text) = entry else {
                return Err(ConfigError::Invalid(
                    "policies.default must be a policy name, not a table".to_owned(),
                ));
            };
            set = PolicySet::new(policy("policies.default", text)?);
        }
        for (name, entry) in self.policies.iter().filter(|(k, _)| *k != "default") {
            let (entity, roots) = policy_entity(name).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "policies.{name}: expected default, customer, invoice or payment"
                ))
            })?;
            let PolicyEntry::Entity(table) = entry else {
                return Err(ConfigError::Invalid(format!(
                    "policies.{name} must be a table ([policies.{name}]) of default and field \
                     patterns"
                )));
            };
            for (pattern, text) in table {
                let key = format!("policies.{name}.{pattern:?}");
                if pattern == "default" {
                    set =
                        set.with_entity(entity, policy(&format!("policies.{name}.default"), text)?);
                    continue;
                }
                let parsed = PathPattern::parse(pattern)
                    .map_err(|e| ConfigError::Invalid(format!("{key}: {e}")))?;
                let first = pattern.split(['.', '[']).next().unwrap_or_default();
                if !roots.contains(&first) {
                    return Err(ConfigError::Invalid(format!(
                        "{key}: a {name} field pattern starts with {}",
                        roots.join(", ")
                    )));
                }
                set = set.with_field(entity, parsed, policy(&key, text)?);
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
