//! The sandbox's fixed credentials: the same for every seed and port, so a config written
//! once keeps working. Formats follow the real ones (`ak1.…`, `cid.…`, `cs1.…`).

use ledgerbridge_emulator::demo_world::TENANTS;

/// The one application key shared by both demo tenants (an app key is per application, not
/// per tenant or environment).
pub const APP_KEY: &str = "ak1.ledgerbridge-sandbox-app";

/// A tenant's client-credentials pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SandboxClient {
    pub tenant_id: u64,
    pub client_id: &'static str,
    pub client_secret: &'static str,
}

/// One client per [`TENANTS`] entry, in the same order (HVAC/QuickBooks, plumbing/Xero).
pub const CLIENTS: [SandboxClient; 2] = [
    SandboxClient {
        tenant_id: TENANTS[0].tenant_id,
        client_id: "cid.sandbox-frostline",
        client_secret: "cs1.sandbox-frostline-secret",
    },
    SandboxClient {
        tenant_id: TENANTS[1].tenant_id,
        client_id: "cid.sandbox-bluewater",
        client_secret: "cs1.sandbox-bluewater-secret",
    },
];

/// Access-token lifetime, as documented ("expire in 900 seconds").
pub const TOKEN_LIFETIME_SECS: i64 = 900;

/// The scopes a sandbox token carries (not enforced: the sandbox app is granted everything
/// the bridge uses).
pub const SCOPES: &str = "tn.acc.invoices:r tn.acc.invoices:w tn.acc.invoiceitems:r tn.acc.payments:r \
tn.acc.payments:w tn.acc.paymenttypes:r tn.acc.taxzones:r tn.acc.glaccounts:r tn.acc.glaccounts:w \
tn.crm.customers:r tn.crm.customers:w tn.crm.locations:r tn.crm.locations:w tn.settings.businessunits:r";

/// The client whose id and secret are these, if any.
pub fn client_by_credentials(client_id: &str, client_secret: &str) -> Option<SandboxClient> {
    CLIENTS
        .iter()
        .copied()
        .find(|c| c.client_id == client_id && c.client_secret == client_secret)
}
