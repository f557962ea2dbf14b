//! The connectors of the demo tenants, built from the typed sandbox info: the one place that
//! constructs the accounting targets and asks for the demo mappings.

use std::time::Duration;

use ledgerbridge_connector::{HttpSettings, RetryPolicy};
use ledgerbridge_core::System;
use ledgerbridge_ledger::Mapping;
use ledgerbridge_quickbooks::{Limits, QuickBooks, QuickBooksConfig};
use ledgerbridge_sandbox::{Sandbox, SandboxInfo, demo_mappings as demo_rows};
use ledgerbridge_servicetitan::{Credentials, Endpoints, ServiceTitan, ServiceTitanConfig};
use ledgerbridge_xero::{Xero, XeroConfig};
use secrecy::SecretString;
use url::Url;

use crate::{Connectors, SandboxToken, Tokens, World, WorldOptions};

/// The QuickBooks tenant's accounting target, on a sandbox token.
pub type QuickBooksTarget = ledgerbridge_quickbooks::QuickBooksTarget<SandboxToken>;
/// The Xero tenant's accounting target, on a sandbox token.
pub type XeroTarget = ledgerbridge_xero::XeroTarget<SandboxToken>;

/// The scopes of the Xero token: everything the bridge uses.
const XERO_SCOPES: &str = "offline_access accounting.invoices accounting.payments \
                           accounting.contacts accounting.settings.read";

/// Short timeouts and retry waits, no rate limit: [`Connectors::Unpaced`] of the e2e suites.
pub fn quick_http() -> HttpSettings {
    HttpSettings {
        timeout: Duration::from_secs(20),
        retry: RetryPolicy {
            max_retries: 4,
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(2),
        },
        rate_limit: None,
        ..HttpSettings::default()
    }
}

fn url(text: &str) -> Url {
    Url::parse(text).expect("the sandbox info holds URLs")
}

/// `connectors` applied to a connector's production `http` settings.
fn apply(http: &mut HttpSettings, connectors: &Connectors) {
    match connectors {
        Connectors::Unpaced(settings) => *http = settings.clone(),
        Connectors::Paced { timeout } => http.timeout = *timeout,
    }
}

/// The ServiceTitan connector of the tenant that syncs to `system`.
pub(crate) fn servicetitan(
    info: &SandboxInfo,
    system: System,
    connectors: &Connectors,
) -> ServiceTitan {
    let s = &info.servicetitan;
    let target = match system {
        System::QuickBooks => "quickbooks",
        _ => "xero",
    };
    let t = s
        .tenant_for(target)
        .unwrap_or_else(|| panic!("the sandbox has a {target} tenant"));
    let mut config = ServiceTitanConfig::new(
        Endpoints {
            api_base: url(&s.api_base),
            token_url: url(&s.token_url),
        },
        i64::try_from(t.tenant_id).expect("a tenant id fits an i64"),
        Credentials {
            client_id: t.client_id.clone(),
            client_secret: SecretString::from(t.client_secret.clone()),
            app_key: SecretString::from(s.app_key.clone()),
        },
    );
    apply(&mut config.http, connectors);
    ServiceTitan::new(config).expect("servicetitan connector")
}

/// The QuickBooks company's target (US tax on, as the demo company is American).
pub(crate) fn quickbooks(
    sandbox: &Sandbox,
    info: &SandboxInfo,
    options: &WorldOptions,
) -> QuickBooksTarget {
    let q = &info.quickbooks;
    let mut config = QuickBooksConfig::new(
        ledgerbridge_quickbooks::Endpoints {
            api_base: url(&q.api_base),
            authorize_url: url(&q.authorize_url),
            token_url: url(&q.token_url),
            revoke_url: url(&q.revoke_url),
        },
        q.realm_id.as_str(),
    );
    if let Connectors::Unpaced(_) = options.connectors {
        config = config.with_limits(Limits::none());
    }
    apply(&mut config.http, &options.connectors);
    let token = match options.tokens {
        Tokens::Fixed => SandboxToken::fixed(sandbox.quickbooks.connect().access_token),
        Tokens::Renewing => {
            let state = sandbox.quickbooks.clone();
            SandboxToken::renewing(move || state.connect().access_token)
        }
    };
    let qbo = QuickBooks::new(config, |_| Ok(token)).expect("quickbooks connector");
    QuickBooksTarget::new(qbo, true)
}

/// The Xero organisation's target (tracking category "Business Unit").
pub(crate) fn xero(sandbox: &Sandbox, info: &SandboxInfo, options: &WorldOptions) -> XeroTarget {
    let x = &info.xero;
    let mut config = XeroConfig::new(
        ledgerbridge_xero::Endpoints::sandbox(&url(&x.api_base)),
        x.tenant_id.as_str(),
    );
    apply(&mut config.http, &options.connectors);
    let state = sandbox.xero.clone();
    let issue = move || {
        state.issue_tokens(XERO_SCOPES)["access_token"]
            .as_str()
            .expect("the emulator issues a token")
            .to_owned()
    };
    let token = match options.tokens {
        Tokens::Fixed => SandboxToken::fixed(issue()),
        Tokens::Renewing => SandboxToken::renewing(issue),
    };
    let xero = Xero::new(config, token).expect("xero connector");
    XeroTarget::new(xero, Some("Business Unit".to_owned()))
}

/// The demo mappings of `tenant`, onto the books of `system`.
pub(crate) async fn demo_mappings(world: &World, system: System, tenant: &str) -> Vec<Mapping> {
    let rows = match system {
        System::QuickBooks => demo_rows(tenant, &world.st_qbo, &world.qbo).await,
        _ => demo_rows(tenant, &world.st_xero, &world.xero).await,
    };
    rows.unwrap_or_else(|e| panic!("demo mappings of {system}: {e}"))
}
