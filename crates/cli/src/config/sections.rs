//! The plain sections of `ledgerbridge.toml`: ledger, sync, the remotes' apps, tenants.

use std::path::PathBuf;

use chrono::NaiveDate;
use secrecy::SecretString;
use serde::Deserialize;

use super::ConfigError;

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
    /// The ServiceTitan web app, for links in alerts (default `https://go.servicetitan.com`).
    pub(crate) web_base: Option<String>,
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
    /// QuickBooks only: the app's webhook verifier token (`intuit-signature`), for `watch`.
    pub(crate) webhook_verifier_token: Option<SecretString>,
    pub(crate) webhook_verifier_token_file: Option<PathBuf>,
    /// Xero only: the webhook key (`x-xero-signature`), for `watch`.
    pub(crate) webhook_key: Option<SecretString>,
    pub(crate) webhook_key_file: Option<PathBuf>,
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
