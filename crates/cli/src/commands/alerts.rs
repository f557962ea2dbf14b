//! `ledgerbridge alerts list|test`, and the alerts pass after each `sync`.

use anyhow::Context as _;
use ledgerbridge_alerts::{BlockedRecord, RunFacts};
use ledgerbridge_ledger::Alert;
use ledgerbridge_reconcile::SyncReport;

use crate::args::{AlertsCommand, GlobalArgs, OutputFormat};
use crate::context::Context;
use crate::exit::{Exit, UsageError};
use crate::output::print_listing;

pub(crate) async fn run(global: &GlobalArgs, command: AlertsCommand) -> anyhow::Result<Exit> {
    match command {
        AlertsCommand::List { limit, format } => list(global, limit, format).await,
        AlertsCommand::Test { channel } => test(global, channel.as_deref()).await,
    }
}

async fn list(global: &GlobalArgs, limit: u32, format: OutputFormat) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    let alerts = ledger.alerts().list(limit).await?;
    ledger.close().await;
    let header = [
        "id", "rule", "channel", "tenant", "status", "attempts", "created", "sent", "subject",
        "error",
    ];
    let when = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    };
    print_listing(format, &alerts, &header, |a: &Alert| {
        vec![
            a.id.to_string(),
            a.rule.clone(),
            a.channel.clone(),
            a.tenant.clone().unwrap_or_default(),
            a.status.to_string(),
            a.attempts.to_string(),
            when(Some(a.created_at)),
            when(a.sent_at),
            a.subject.clone(),
            a.error.clone().unwrap_or_default(),
        ]
    })?;
    Ok(Exit::Ok)
}

async fn test(global: &GlobalArgs, channel: Option<&str>) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let config = ctx.settings.alerts_config()?;
    if config.channels.is_empty() {
        return Err(UsageError("no [[alerts.channels]] in the config".into()).into());
    }
    let answers = ledgerbridge_alerts::send_test(&config, channel, chrono::Utc::now())
        .await
        .map_err(|e| UsageError(e.to_string()))?;
    let mut failed = false;
    for (name, answer) in answers {
        match answer {
            Ok(delivered) => println!("{name}: sent; the remote answered: {}", delivered.answer),
            Err(error) => {
                failed = true;
                println!("{name}: NOT sent: {error}");
            }
        }
    }
    Ok(if failed { Exit::Error } else { Exit::Ok })
}

/// After a sync's run is committed: evaluate the rules and send what is due. A failure here
/// is reported and never changes the sync's exit code (its data is already durable; the
/// alerts stay in the ledger and go out on the next pass).
pub(crate) async fn after_sync(
    ctx: &Context,
    ledger: &ledgerbridge_ledger::Ledger,
    report: &SyncReport,
) {
    let outcome = async {
        let config = ctx.settings.alerts_config()?;
        if !config.is_enabled() {
            return Ok(None);
        }
        let facts = RunFacts {
            dry_run: report.dry_run,
            tenants: report.targets.iter().map(|t| t.tenant.clone()).collect(),
            blocked: report
                .targets
                .iter()
                .flat_map(|t| {
                    t.blocked_records.iter().map(|b| BlockedRecord {
                        tenant: t.tenant.clone(),
                        entity: b.entity.to_string(),
                        servicetitan_id: b.servicetitan_id.clone(),
                        reason: b.reason.clone(),
                    })
                })
                .collect(),
        };
        ledgerbridge_alerts::after_run(ledger, &config, chrono::Utc::now(), &facts)
            .await
            .map(Some)
            .context("alerts")
    }
    .await;
    match outcome {
        Ok(Some(o)) if o.raised > 0 || o.delivery.sent > 0 || o.delivery.failed > 0 => {
            eprintln!(
                "alerts: {} new, {} sent, {} failed (`ledgerbridge alerts list`)",
                o.raised, o.delivery.sent, o.delivery.failed
            );
        }
        Ok(_) => {}
        Err(error) => eprintln!("warning: alerts not evaluated: {error:#}"),
    }
}

/// The alerts pass of a `watch` run that read one side only (or failed): what is due is sent
/// (digest, retries, conflicts, overdue invoices), but the run's blocked records are not the
/// tenant's whole set, so they must not clear the `blocked` conditions the other side raised.
pub(crate) async fn tick(ctx: &Context, ledger: &ledgerbridge_ledger::Ledger) {
    let outcome = async {
        let config = ctx.settings.alerts_config()?;
        if !config.is_enabled() {
            return Ok(None);
        }
        ledgerbridge_alerts::tick(ledger, &config, chrono::Utc::now())
            .await
            .map(Some)
            .context("alerts")
    }
    .await;
    if let Err(error) = outcome {
        eprintln!("warning: alerts not evaluated: {error:#}");
    }
}
