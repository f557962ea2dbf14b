//! `ledgerbridge init [--dir DIR]`: the three files of CONTRACTS.md, nothing else.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context as _, bail};
use ledgerbridge_ledger::{EncryptionKey, Ledger, LedgerLocation, LedgerOptions};
use secrecy::ExposeSecret;

use crate::args::InitArgs;
use crate::context::{KEY_VAR, read_key};
use crate::exit::Exit;

pub(crate) const CONFIG_FILE: &str = "ledgerbridge.toml";
pub(crate) const LEDGER_FILE: &str = "ledgerbridge.db";
pub(crate) const KEY_FILE: &str = "ledgerbridge.key";

const CONFIG_TEMPLATE: &str = r#"# ledgerbridge configuration. Every key is explained in config/example.toml and
# docs/configuration.md. Relative paths resolve against this file's folder; any key can be
# overridden with LEDGERBRIDGE_<SECTION>__<KEY>.

[ledger]
path = "ledgerbridge.db"
# The credential encryption key; $LEDGERBRIDGE_KEY wins over this file.
key_file = "ledgerbridge.key"

[sync]
# Invoices dated before this day are never synced.
# start_date = "2026-01-01"
include_pending = false

# A field changed on both sides is left for a person unless a policy settles it
# (docs/configuration.md, "Conflict policies"):
# [policies]
# default = "manual"            # servicetitan_wins | accounting_wins | newest_wins | manual
# [policies.invoice]
# "lines[*].description" = "accounting_wins"

# Add one [[tenants]] block per ServiceTitan tenant:
# [[tenants]]
# servicetitan_tenant = "1017823"
# target = "quickbooks"      # or "xero"
# company = "<realm id or Xero tenant id>"
"#;

pub(crate) async fn run(args: InitArgs) -> anyhow::Result<Exit> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    let config = args.dir.join(CONFIG_FILE);
    if config.exists() && !args.force {
        bail!(
            "{} already exists; pass --force to replace it (the ledger and key are kept)",
            config.display()
        );
    }
    refuse_orphaned_ledger(&args.dir)?;
    #[cfg(feature = "sandbox")]
    if args.sandbox {
        return super::init_sandbox::run(&args, &config).await;
    }
    write_files(&args.dir, &config, CONFIG_TEMPLATE).await?;
    println!("Next: add [[tenants]] to {CONFIG_FILE}, then `ledgerbridge connect servicetitan`.");
    Ok(Exit::Ok)
}

/// Writes the key (unless one exists), the ledger (bound to the key) and the config `text`.
pub(crate) async fn write_files(dir: &Path, config: &Path, text: &str) -> anyhow::Result<()> {
    let key = ensure_key(&dir.join(KEY_FILE))?;
    let ledger_path = dir.join(LEDGER_FILE);
    let ledger = Ledger::open(
        LedgerLocation::File(ledger_path.clone()),
        LedgerOptions::default(),
    )
    .await
    .with_context(|| format!("creating the ledger {}", ledger_path.display()))?;
    // Binds the key to this ledger now, so a wrong key is caught on first use, not on the
    // first stored token.
    ledger
        .credential_store(Some(key))
        .verify_key()
        .await
        .context("the key does not match this existing ledger")?;
    ledger.close().await;
    write_private(config, text).with_context(|| format!("writing {}", config.display()))?;
    println!(
        "Wrote {}, {} and the key.",
        config.display(),
        ledger_path.display()
    );
    Ok(())
}

/// Refuses a folder whose ledger has lost its key: a new key could never open the
/// credentials sealed in that ledger (and `verify_key` would refuse it only after the new key
/// file was written).
fn refuse_orphaned_ledger(dir: &Path) -> anyhow::Result<()> {
    let ledger = dir.join(LEDGER_FILE);
    let key = dir.join(KEY_FILE);
    if !ledger.exists() || key.exists() || std::env::var_os(KEY_VAR).is_some() {
        return Ok(());
    }
    bail!(
        "{} exists but its key {} does not (and ${KEY_VAR} is not set): a new key could never \
         open it. Restore the key file (or set ${KEY_VAR}), or move the ledger away to start \
         a new one",
        ledger.display(),
        key.display()
    )
}

/// Writes the config readable by its owner only (0600): it may hold secrets (the sandbox's
/// are inline), and `watch` warns about a config holding one that others can read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // An existing file (`--force`) keeps its mode through `open`: set it.
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(text.as_bytes())
}

/// Uses `$LEDGERBRIDGE_KEY` or an existing key file; otherwise writes a new key file (0600).
/// A key is never replaced: credentials sealed with it would become unreadable.
fn ensure_key(path: &Path) -> anyhow::Result<EncryptionKey> {
    if std::env::var_os(KEY_VAR).is_some() || path.exists() {
        return read_key(path);
    }
    let key = EncryptionKey::generate();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating the key file {}", path.display()))?;
    writeln!(file, "{}", key.to_base64().expose_secret()).context("writing the key file")?;
    Ok(key)
}
