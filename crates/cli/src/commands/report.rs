//! `ledgerbridge report`: the reconciliation report of a period (ServiceTitan invoice dates)
//! from the ledger, or from both systems read now with `--refresh`. See `docs/reports.md`.

use std::sync::Arc;

use anyhow::Context as _;
use ledgerbridge_connector::CredentialStore;
use ledgerbridge_core::System;
use ledgerbridge_ledger::Ledger;
use ledgerbridge_report::live::{refresh, unreachable_target};
use ledgerbridge_report::{Expected, Format, Live, Period, Scope, build, render, tenant_input};

use crate::args::{GlobalArgs, ReportArgs, ReportFormat};
use crate::config::TenantSection;
use crate::context::Context;
use crate::exit::{Exit, UsageError};

fn period(args: &ReportArgs, today: chrono::NaiveDate) -> Result<Period, UsageError> {
    match (&args.period, args.from, args.to) {
        (Some(month), None, None) => {
            Period::parse_month(month).map_err(|e| UsageError(format!("--period {e}")))
        }
        (None, Some(from), Some(to)) => Period::range(from, to).map_err(UsageError),
        (None, None, None) => Ok(Period::month_of(today)),
        _ => Err(UsageError(
            "give --period YYYY-MM, or both --from and --to, not a mix".into(),
        )),
    }
}

fn format(f: ReportFormat) -> Format {
    match f {
        ReportFormat::Table => Format::Table,
        ReportFormat::Json => Format::Json,
        ReportFormat::Csv => Format::Csv,
        ReportFormat::Html => Format::Html,
    }
}

/// Both systems of one tenant read now; what cannot be read (or connected to) is a warning.
async fn live(
    ctx: &Context,
    ledger: &Ledger,
    store: &Arc<dyn CredentialStore>,
    tenant: &TenantSection,
    period: Period,
    warnings: &mut Vec<String>,
) -> Live {
    let id = &tenant.servicetitan_tenant;
    let st = match super::targets::servicetitan(ctx, ledger, store.as_ref(), id).await {
        Ok(st) => Some(st),
        Err(e) => {
            warnings.push(format!(
                "ServiceTitan tenant {id} could not be read ({e:#}); its side of the report \
                 comes from the ledger"
            ));
            None
        }
    };
    let target = match super::targets::target(ctx, ledger, store.clone(), tenant).await {
        Ok(t) => Some(t),
        Err(e) => {
            warnings.push(unreachable_target(id, &tenant.target, &format!("{e:#}")));
            None
        }
    };
    refresh(id, st.as_ref(), target.as_ref(), period, warnings).await
}

pub(crate) async fn run(global: &GlobalArgs, args: ReportArgs) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let target_filter: Option<System> = args
        .target
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(UsageError)?;
    let tenants: Vec<&TenantSection> = ctx
        .settings
        .tenants
        .iter()
        .filter(|t| {
            args.tenant
                .as_ref()
                .is_none_or(|id| *id == t.servicetitan_tenant)
        })
        .filter(|t| target_filter.is_none_or(|s| s.as_str() == t.target))
        .collect();
    if tenants.is_empty() {
        return Err(UsageError(
            "no [[tenants]] block matches; add one to the config or fix --tenant/--target".into(),
        )
        .into());
    }
    let ledger = ctx.open_ledger().await?;
    let now = ledger.now();
    let period = period(&args, now.date_naive())?;
    let expected = Expected {
        start_date: ctx.settings.sync.start_date,
        include_pending: ctx.settings.sync.include_pending,
    };
    let store: Option<Arc<dyn CredentialStore>> = if args.refresh {
        Some(Arc::new(ledger.credential_store(Some(ctx.key()?))))
    } else {
        None
    };
    let mut warnings = Vec::new();
    let mut inputs = Vec::new();
    for tenant in tenants {
        let scope = Scope {
            tenant: tenant.servicetitan_tenant.clone(),
            target: tenant.target.parse().map_err(UsageError)?,
            company: tenant.company.clone(),
        };
        let live = match &store {
            Some(store) => live(&ctx, &ledger, store, tenant, period, &mut warnings).await,
            None => Live::default(),
        };
        inputs.push(tenant_input(&ledger, &scope, period, expected, live).await?);
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let mut report = build(period, now, warnings, inputs)?;
    report.last_sync = ledgerbridge_report::last_sync(&ledger).await?;
    let text = render(&report, format(args.format));
    match &args.out {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("writing the report to {}", path.display()))?,
        None => print!("{text}"),
    }
    ledger.close().await;
    Ok(Exit::Ok)
}
