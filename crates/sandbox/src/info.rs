//! [`SandboxInfo`]: every emulator's URLs and sandbox credentials, typed. Serialized, it is the
//! line `sandbox serve --json` prints (CONTRACTS.md); each part is also what that emulator's
//! `GET /_sandbox/info` serves. Tests and the demo read fields instead of digging in JSON.

use serde::{Deserialize, Serialize};

/// The object `sandbox serve --json` prints: `{servicetitan, quickbooks, xero, alerts}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxInfo {
    pub servicetitan: ServiceTitanInfo,
    pub quickbooks: QuickBooksInfo,
    pub xero: XeroInfo,
    /// The alert sinks: `{slack_webhook_url, smtp_url}`.
    pub alerts: crate::AlertSinksInfo,
}

/// The ServiceTitan emulator: one app key, one client-credentials pair per tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceTitanInfo {
    /// Precedes `/{module}/v2/tenant/...`.
    pub api_base: String,
    /// Precedes `/connect/token`.
    pub auth_base: String,
    pub token_url: String,
    pub app_key: String,
    /// In the sandbox's order: the QuickBooks tenant first, then the Xero one.
    pub tenants: Vec<ServiceTitanTenant>,
    /// The first tenant's id and credentials, repeated (CONTRACTS.md).
    pub tenant_id: u64,
    pub client_id: String,
    pub client_secret: String,
}

/// One demo contractor of the ServiceTitan emulator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceTitanTenant {
    pub tenant_id: u64,
    pub name: String,
    /// `"quickbooks"` or `"xero"`.
    pub target: String,
    pub client_id: String,
    pub client_secret: String,
}

/// The QuickBooks Online emulator (one company, `realm_id`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickBooksInfo {
    /// Precedes `/v3/company/...`.
    pub api_base: String,
    pub authorize_url: String,
    pub token_url: String,
    pub revoke_url: String,
    pub discovery_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
    pub realm_id: String,
    /// Signs `intuit-signature` (a fixed sandbox constant).
    pub webhook_verifier_token: String,
}

/// The Xero emulator (one organisation, `tenant_id`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XeroInfo {
    /// Precedes `/api.xro/2.0`.
    pub api_base: String,
    /// Precedes `/connections`.
    pub identity_base: String,
    pub authorize_url: String,
    pub token_url: String,
    pub revoke_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
    pub tenant_id: String,
    /// Signs `x-xero-signature` (a fixed sandbox constant).
    pub webhook_key: String,
}

impl ServiceTitanInfo {
    /// The first tenant that syncs to `target` (`"quickbooks"` or `"xero"`).
    pub fn tenant_for(&self, target: &str) -> Option<&ServiceTitanTenant> {
        self.tenants.iter().find(|t| t.target == target)
    }
}
