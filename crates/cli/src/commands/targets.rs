//! Building a tenant's connectors from the config and the ledger's encrypted credentials.

use std::sync::Arc;

use anyhow::Context as _;
use ledgerbridge_connector::{CredentialStore, RequestObserver};
use ledgerbridge_core::System;
use ledgerbridge_core::WallClock;
use ledgerbridge_ledger::Ledger;
use ledgerbridge_quickbooks::QuickBooksTarget;
use ledgerbridge_xero::XeroTarget;

use crate::any_target::AnyTarget;
use ledgerbridge_servicetitan::ServiceTitan;

use crate::config::TenantSection;
use crate::context::Context;
use crate::exit::UsageError;

/// The ledger connection id of `tenant`'s connection to `system`, or how to make one.
pub(crate) async fn connection_id(
    ledger: &Ledger,
    tenant: &str,
    system: System,
) -> anyhow::Result<String> {
    match ledger.connections().find(tenant, system).await? {
        Some(connection) => Ok(connection.id.to_string()),
        None => Err(UsageError(format!(
            "tenant {tenant} has no {system} connection; run `ledgerbridge connect {system}{}` first",
            if system == System::ServiceTitan { format!(" --tenant {tenant}") } else { String::new() }
        ))
        .into()),
    }
}

/// What each system's requests are reported to (`watch`'s metrics); `None` for one-shot
/// commands.
pub(crate) type Observe<'a> = Option<&'a (dyn Fn(System) -> Arc<dyn RequestObserver> + Sync)>;

pub(crate) async fn servicetitan(
    ctx: &Context,
    ledger: &Ledger,
    store: &dyn CredentialStore,
    tenant: &str,
) -> anyhow::Result<ServiceTitan> {
    servicetitan_observed(ctx, ledger, store, tenant, None).await
}

pub(crate) async fn servicetitan_observed(
    ctx: &Context,
    ledger: &Ledger,
    store: &dyn CredentialStore,
    tenant: &str,
    observe: Observe<'_>,
) -> anyhow::Result<ServiceTitan> {
    let id = connection_id(ledger, tenant, System::ServiceTitan).await?;
    let tenant_id: i64 = tenant
        .parse()
        .map_err(|_| UsageError(format!("tenant {tenant:?} is not a ServiceTitan id")))?;
    let recent = ctx
        .settings
        .servicetitan
        .as_ref()
        .and_then(|s| s.include_recent_changes);
    let paced = ctx.settings.sync.paced()?;
    let endpoints = super::connect::endpoints(ctx)?;
    ServiceTitan::from_store(store, &id, endpoints, tenant_id, |config| {
        if let Some(recent) = recent {
            config.include_recent_changes = recent;
        }
        if !paced {
            config.http.rate_limit = None;
        }
        config.http.observer = observe.map(|o| o(System::ServiceTitan));
    })
    .await
    .with_context(|| format!("ServiceTitan tenant {tenant}"))
}

pub(crate) async fn target(
    ctx: &Context,
    ledger: &Ledger,
    store: Arc<dyn CredentialStore>,
    tenant: &TenantSection,
) -> anyhow::Result<AnyTarget> {
    target_observed(ctx, ledger, store, tenant, None).await
}

pub(crate) async fn target_observed(
    ctx: &Context,
    ledger: &Ledger,
    store: Arc<dyn CredentialStore>,
    tenant: &TenantSection,
    observe: Observe<'_>,
) -> anyhow::Result<AnyTarget> {
    let system: System = tenant.target.parse().map_err(UsageError)?;
    let id = connection_id(ledger, &tenant.servicetitan_tenant, system).await?;
    match system {
        System::QuickBooks => {
            let (endpoints, app) = super::oauth::quickbooks_app(ctx)?;
            let mut config =
                ledgerbridge_quickbooks::QuickBooksConfig::new(endpoints, tenant.company.clone());
            if !ctx.settings.sync.paced()? {
                config = config.with_limits(ledgerbridge_quickbooks::Limits::none());
                config.http.rate_limit = None;
            }
            config.http.observer = observe.map(|o| o(System::QuickBooks));
            let qbo = ledgerbridge_quickbooks::QuickBooks::from_store(config, app, store, &id)?;
            let us_tax = ctx.settings.sync.quickbooks_us_sales_tax.unwrap_or(true);
            Ok(AnyTarget::QuickBooks(Box::new(QuickBooksTarget::new(
                qbo, us_tax,
            ))))
        }
        System::Xero => {
            let app = super::oauth::xero_app(ctx)?;
            let paced = ctx.settings.sync.paced()?;
            let xero =
                ledgerbridge_xero::from_store(&app, store, &id, WallClock::system(), |config| {
                    if !paced {
                        config.http.rate_limit = None;
                    }
                    config.http.observer = observe.map(|o| o(System::Xero));
                })
                .await?;
            let tracking = ctx
                .settings
                .sync
                .tracking_category
                .clone()
                .or_else(|| Some("Business Unit".to_owned()));
            Ok(AnyTarget::Xero(Box::new(XeroTarget::new(xero, tracking))))
        }
        System::ServiceTitan => {
            Err(UsageError("a tenant's target is quickbooks or xero".into()).into())
        }
    }
}
