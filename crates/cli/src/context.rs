//! What a command needs from its surroundings: the settings (after the lookup order), the
//! ledger they point at, and the encryption key.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use ledgerbridge_ledger::{EncryptionKey, Ledger, LedgerLocation, LedgerOptions};

use crate::args::GlobalArgs;
use crate::config::{self, LoadedSettings, Settings};

/// The environment variable that holds the base64 ledger key (wins over the key file).
pub(crate) const KEY_VAR: &str = "LEDGERBRIDGE_KEY";
/// The web UI password (with `serve`), when no `--password-file` is given.
pub(crate) const WEB_PASSWORD_VAR: &str = "LEDGERBRIDGE_WEB_PASSWORD";
const CONFIG_VAR: &str = "LEDGERBRIDGE_CONFIG";
const ENV_PREFIX: &str = "LEDGERBRIDGE_";

pub(crate) struct Context {
    pub(crate) settings: Settings,
    pub(crate) config_file: Option<PathBuf>,
}

impl Context {
    /// Applies `--config` > `$LEDGERBRIDGE_CONFIG` > `./ledgerbridge.toml`, then env overrides,
    /// then `--ledger`.
    pub(crate) fn load(global: &GlobalArgs) -> anyhow::Result<Self> {
        let env_path = std::env::var_os(CONFIG_VAR).map(PathBuf::from);
        let (path, required) = config::locate(global.config.as_deref(), env_path);
        let LoadedSettings { mut settings, file } = config::load(&path, required, ENV_PREFIX)?;
        if let Some(ledger) = &global.ledger {
            settings.ledger.path = ledger.clone();
        }
        Ok(Self {
            settings,
            config_file: file,
        })
    }

    pub(crate) fn ledger_path(&self) -> &Path {
        &self.settings.ledger.path
    }

    fn options(&self) -> LedgerOptions {
        LedgerOptions::default().busy_timeout(std::time::Duration::from_millis(
            self.settings.ledger.busy_timeout_ms,
        ))
    }

    /// Opens (and migrates) an existing ledger; a missing one is an error that says how to make it.
    pub(crate) async fn open_ledger(&self) -> anyhow::Result<Ledger> {
        let path = self.ledger_path();
        if !path.exists() {
            let hint = match &self.config_file {
                Some(file) => format!("the ledger named by {} does not exist", file.display()),
                None => "no ledgerbridge.toml here and no ledger".to_owned(),
            };
            bail!(
                "{hint}: {} (run `ledgerbridge init` first, or pass --config)",
                path.display()
            );
        }
        self.open_ledger_creating().await
    }

    /// Opens the ledger, creating the file if needed (`init`, `db migrate`).
    pub(crate) async fn open_ledger_creating(&self) -> anyhow::Result<Ledger> {
        let path = self.ledger_path().to_path_buf();
        Ledger::open(LedgerLocation::File(path.clone()), self.options())
            .await
            .with_context(|| format!("opening the ledger {}", path.display()))
    }

    /// The credential key: `$LEDGERBRIDGE_KEY`, else the key file.
    pub(crate) fn key(&self) -> anyhow::Result<EncryptionKey> {
        read_key(&self.settings.ledger.key_file)
    }
}

/// `$LEDGERBRIDGE_KEY` if set, else the file; errors say which source was wrong, never the key.
pub(crate) fn read_key(key_file: &Path) -> anyhow::Result<EncryptionKey> {
    if let Ok(text) = std::env::var(KEY_VAR) {
        return EncryptionKey::from_base64(&text).with_context(|| format!("${KEY_VAR}"));
    }
    let text = std::fs::read_to_string(key_file).with_context(|| {
        format!(
            "reading the ledger key {} (or set ${KEY_VAR})",
            key_file.display()
        )
    })?;
    EncryptionKey::from_base64(&text)
        .with_context(|| format!("the key file {}", key_file.display()))
}
