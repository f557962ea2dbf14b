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

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

mod alerts;
mod policies;
mod sections;
mod service;

pub(crate) use sections::{
    LedgerSection, OAuthAppSection, ServiceTitanSection, SyncSection, TenantSection,
};
pub(crate) use service::ServiceSection;

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
    /// `[service]`: how `watch` paces itself and where it listens.
    #[serde(default)]
    pub(crate) service: ServiceSection,
    /// `[alerts]`: channels and rules (docs/configuration.md).
    #[serde(default)]
    pub(crate) alerts: alerts::AlertsSection,
}

/// One key of `[policies]`: `default = "manual"`, or an entity's table
/// (`[policies.invoice]` with `default` and field patterns).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum PolicyEntry {
    Policy(String),
    Entity(BTreeMap<String, String>),
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
        self.service.resolve_paths(dir);
        for app in [self.quickbooks.as_mut(), self.xero.as_mut()]
            .into_iter()
            .flatten()
        {
            for file in [
                app.client_secret_file.as_mut(),
                app.webhook_verifier_token_file.as_mut(),
                app.webhook_key_file.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                resolve(dir, file);
            }
        }
        self.alerts.resolve_paths(dir);
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.policy_set()?;
        self.service.validate()?;
        self.validate_webhook_keys()?;
        self.alerts_config()?;
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

#[cfg(test)]
mod tests;
