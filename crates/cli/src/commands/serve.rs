//! `ledgerbridge serve`: the review UI on loopback, or beyond it with a password.
//!
//! The UI gets the configured tenants' remotes through its plug-ins: the mapping form's
//! choices come from each tenant's QuickBooks or Xero lists (items, accounts, classes or
//! tracking options, tax codes, deposit accounts), or from ServiceTitan's payment types for a
//! `payment_type_reverse` mapping (the way back points at ServiceTitan), and the dashboard's unmapped values are
//! named with ServiceTitan's tax zones, as `ledgerbridge mappings unmapped` does. Both are read
//! on each page load and never cached, so a value just added in the books shows at once; a
//! remote that does not answer is said on the page, which still works without it.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use ledgerbridge_connector::CredentialStore;
use ledgerbridge_core::System;
use ledgerbridge_ledger::{Ledger, MappingKind};
use ledgerbridge_protocol::Target;
use ledgerbridge_reconcile::unmapped::{
    choices_for, points_at_servicetitan, servicetitan_payment_types, tax_zone_index,
};
use ledgerbridge_web::{
    BlockingValue, BoxFuture, LedgerUnmapped, MappingChoice, MappingChoices, ServeOptions,
    UnmappedValues, bind, check_password,
};
use secrecy::SecretString;

use crate::args::{GlobalArgs, ServeArgs};
use crate::config::TenantSection;
use crate::context::{Context, WEB_PASSWORD_VAR};
use crate::exit::{Exit, UsageError};

/// The web password from `--password-file`, else `$LEDGERBRIDGE_WEB_PASSWORD`; one that is too
/// short is a usage error (exit 2) naming where it came from.
fn password(args: &ServeArgs) -> anyhow::Result<Option<SecretString>> {
    if let Some(path) = &args.password_file {
        let source = format!("--password-file {}", path.display());
        let text = std::fs::read_to_string(path).with_context(|| source.clone())?;
        let password = SecretString::from(text.trim_end_matches(['\r', '\n']).to_owned());
        check_password(&password).map_err(|e| UsageError(format!("{source}: {e}")))?;
        return Ok(Some(password));
    }
    let Some(password) = std::env::var(WEB_PASSWORD_VAR)
        .ok()
        .filter(|p| !p.is_empty())
        .map(SecretString::from)
    else {
        return Ok(None);
    };
    check_password(&password).map_err(|e| UsageError(format!("${WEB_PASSWORD_VAR}: {e}")))?;
    Ok(Some(password))
}

/// The configured tenants' remotes, as the UI's mapping choices and unmapped values.
struct ConfiguredTargets {
    ctx: Arc<Context>,
    ledger: Ledger,
}

impl ConfiguredTargets {
    fn tenant(&self, tenant: &str) -> anyhow::Result<&TenantSection> {
        self.ctx
            .settings
            .tenants
            .iter()
            .find(|t| t.servicetitan_tenant == tenant)
            .with_context(|| format!("tenant {tenant} has no [[tenants]] block in the config"))
    }

    fn store(&self) -> anyhow::Result<Arc<dyn CredentialStore>> {
        Ok(Arc::new(
            self.ledger.credential_store(Some(self.ctx.key()?)),
        ))
    }

    async fn choices_of(
        &self,
        tenant: &str,
        system: System,
        kind: MappingKind,
    ) -> anyhow::Result<Vec<MappingChoice>> {
        let settings = self.tenant(tenant)?;
        let configured: System = settings.target.parse().map_err(anyhow::Error::msg)?;
        if configured != system {
            bail!("tenant {tenant} syncs to {configured}, not {system}");
        }
        let choices = if points_at_servicetitan(kind) {
            // The way back maps a books payment method to a ServiceTitan payment type.
            let store = self.store()?;
            let st = super::targets::servicetitan(&self.ctx, &self.ledger, store.as_ref(), tenant)
                .await?;
            servicetitan_payment_types(&st)
                .await
                .context("reading ServiceTitan's payment types")?
        } else {
            let target =
                super::targets::target(&self.ctx, &self.ledger, self.store()?, settings).await?;
            let reference = target
                .reference_choices()
                .await
                .with_context(|| format!("reading {system}'s lists"))?;
            choices_for(kind, system, &reference)
        };
        Ok(choices
            .into_iter()
            .map(|c| MappingChoice {
                value: c.value,
                label: c.label,
            })
            .collect())
    }

    /// Each configured tenant's tax-zone index (rate id -> zone name), read from ServiceTitan.
    async fn zones(&self) -> anyhow::Result<HashMap<String, HashMap<String, String>>> {
        let store = self.store()?;
        let mut zones = HashMap::new();
        for t in &self.ctx.settings.tenants {
            let tenant = &t.servicetitan_tenant;
            let st = super::targets::servicetitan(&self.ctx, &self.ledger, store.as_ref(), tenant)
                .await?;
            let index = tax_zone_index(&st)
                .await
                .with_context(|| format!("ServiceTitan tenant {tenant}'s tax zones"))?;
            zones.insert(tenant.clone(), index);
        }
        Ok(zones)
    }
}

impl MappingChoices for ConfiguredTargets {
    fn choices<'a>(
        &'a self,
        tenant: &'a str,
        target_system: System,
        kind: MappingKind,
    ) -> BoxFuture<'a, Result<Vec<MappingChoice>, String>> {
        Box::pin(async move {
            self.choices_of(tenant, target_system, kind)
                .await
                .map_err(|e| format!("{e:#}"))
        })
    }
}

impl UnmappedValues for ConfiguredTargets {
    fn unmapped<'a>(
        &'a self,
        ledger: &'a Ledger,
    ) -> BoxFuture<'a, Result<Vec<BlockingValue>, String>> {
        Box::pin(async move {
            let zones = self.zones().await.map_err(|e| format!("{e:#}"))?;
            LedgerUnmapped::list(ledger, |tenant| {
                zones.get(tenant).cloned().unwrap_or_default()
            })
            .await
            .map_err(|e| e.to_string())
        })
    }
}

pub(crate) async fn run(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<Exit> {
    let ctx = Arc::new(Context::load(global)?);
    let ledger = ctx.open_ledger().await?;
    let targets = Arc::new(ConfiguredTargets {
        ctx: ctx.clone(),
        ledger: ledger.clone(),
    });
    // The report page lists as "missing in accounting" only what the sync would write.
    let expected = ledgerbridge_report::Expected {
        start_date: ctx.settings.sync.start_date,
        include_pending: ctx.settings.sync.include_pending,
    };
    let mut options = ServeOptions::new(args.addr, ledger)
        .mapping_choices(targets.clone())
        .unmapped_values(targets)
        .report_source(Arc::new(ledgerbridge_web::Reconciliation::new(expected)));
    if let Some(password) = password(&args)? {
        options = options.password(password);
    }
    for host in &args.allow_hosts {
        options = options.allow_host(host.clone());
    }
    let server = bind(options).await?;
    println!("Review UI on http://{} (Ctrl-C stops)", server.local_addr());
    server
        .run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(Exit::Ok)
}
