//! `ledgerbridge sync`: every configured tenant (or the chosen ones) through the sync engine,
//! under the leases of those tenants (one [`SyncRun`]), with a run row, a summary and exit
//! codes scripts can trust.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use ledgerbridge_connector::CredentialStore;
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::LeaseClaim;
use ledgerbridge_protocol::Target;
use ledgerbridge_reconcile::{
    Progress, RunClaim, RunStop, SyncContext, SyncReport, SyncRun, SyncSettings, TenantRun,
    TenantSpec,
};

use super::sync_stop::{self, StopSignal};
use crate::args::{GlobalArgs, OutputFormat, SyncArgs};
use crate::config::TenantSection;
use crate::context::Context;
use crate::exit::{Exit, UsageError};
use crate::output::print_listing;

/// A spinner on stderr while a person watches; nothing when stderr is not a terminal.
struct Spinner(ProgressBar);

impl Spinner {
    fn new() -> Self {
        let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {pos} records  {msg}")
                    .expect("static template"),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Self(bar)
    }
}

impl Progress for Spinner {
    fn records(&self, tenant: &str, entity: EntityKind, n: usize) {
        self.0.inc(n as u64);
        self.0.set_message(format!("tenant {tenant}: {entity}"));
    }
}

pub(crate) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned())
}

pub(crate) fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn settings(ctx: &Context, args: &SyncArgs) -> anyhow::Result<SyncSettings> {
    Ok(SyncSettings {
        since: args.since,
        dry_run: args.dry_run,
        ..config_settings(ctx)?
    })
}

/// The sync settings the config says (`sync` adds its flags, `watch` each run's scope).
pub(crate) fn config_settings(ctx: &Context) -> anyhow::Result<SyncSettings> {
    let sync = &ctx.settings.sync;
    Ok(SyncSettings {
        start_date: sync.start_date,
        include_pending: sync.include_pending,
        mark_exported: sync.mark_exported.unwrap_or(true),
        tracking_category: sync
            .tracking_category
            .clone()
            .or_else(|| SyncSettings::default().tracking_category),
        policies: ctx.settings.policy_set()?,
        ..SyncSettings::default()
    })
}

fn print_report(report: &SyncReport, format: OutputFormat) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    let header = [
        "tenant",
        "target",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "blocked",
        "conflicts",
        "errors",
    ];
    print_listing(format, &report.targets, &header, |t| {
        let c = t.counts();
        let counts = [
            c.created,
            c.updated,
            c.unchanged,
            c.skipped,
            c.blocked,
            c.conflicts,
            c.errors,
        ];
        [t.tenant.clone(), t.target.clone()]
            .into_iter()
            .chain(counts.iter().map(u64::to_string))
            .collect()
    })?;
    for target in &report.targets {
        for warning in &target.warnings {
            println!("warning: tenant {}: {warning}", target.tenant);
        }
        for blocked in target.blocked_records.iter().take(20) {
            println!(
                "blocked {} {}: {}",
                blocked.entity, blocked.servicetitan_id, blocked.reason
            );
        }
    }
    if report.dry_run {
        println!("Dry run: nothing was written anywhere.");
    }
    Ok(())
}

/// How many conflicts of these tenants are open after the run (exit code 3 while any is,
/// including those raised by earlier runs), said on stderr so JSON stdout stays clean.
async fn open_conflicts(
    ledger: &ledgerbridge_ledger::Ledger,
    tenants: &[String],
) -> anyhow::Result<i64> {
    let mut open = 0;
    for tenant in tenants {
        open += ledger.conflicts().count_open(Some(tenant)).await?;
    }
    if open > 0 {
        eprintln!(
            "{open} conflict(s) wait for a person: `ledgerbridge conflicts list`, then \
             `ledgerbridge conflicts resolve ID --take servicetitan|accounting` (exit code 3)."
        );
    }
    Ok(open)
}

/// What stopped the run outside its tenants' syncs (with the tenant and system whose
/// connector could not be built, when that was the cause).
type Failure = (Option<(String, System)>, anyhow::Error);

/// Syncs `tenants` one by one under `run`; stops at the first error outside a tenant's sync
/// (the key, a connector that cannot be built) and before the next tenant once a signal asked
/// to stop.
async fn sync_tenants(
    ctx: &Context,
    ledger: &ledgerbridge_ledger::Ledger,
    run: &mut SyncRun<'_>,
    tenants: &[&TenantSection],
    settings: &SyncSettings,
    stop: &StopSignal,
) -> Option<Failure> {
    let mut failure = None;
    // Read after the run row exists, so a missing or wrong key is a `failed` run on record.
    let store: Arc<dyn CredentialStore> = match ctx.key() {
        Ok(key) => Arc::new(ledger.credential_store(Some(key))),
        Err(e) => return Some((None, e)),
    };
    let spinner = Spinner::new();
    for tenant in tenants {
        if stop.received().is_some() {
            break;
        }
        let id = &tenant.servicetitan_tenant;
        let st = super::targets::servicetitan(ctx, ledger, store.as_ref(), id).await;
        let st = match st {
            Ok(st) => st,
            Err(e) => {
                failure = Some((Some((id.clone(), System::ServiceTitan)), e));
                break;
            }
        };
        let target = match super::targets::target(ctx, ledger, store.clone(), tenant).await {
            Ok(target) => target,
            Err(e) => {
                let system = tenant.target.parse().ok().map(|s| (id.clone(), s));
                failure = Some((system, e));
                break;
            }
        };
        let spec = TenantSpec {
            tenant: id.clone(),
            target: target.system(),
            company: tenant.company.clone(),
        };
        let cx = SyncContext {
            ledger,
            run: run.id(),
            servicetitan: &st,
            target: &target,
            tenant: &spec,
            settings,
            progress: &spinner,
        };
        run.tenant(cx).await;
    }
    spinner.0.finish_and_clear();
    failure
}

/// The tenants this sync covers: `--tenant` and `--target` narrow the config's list.
fn chosen<'a>(ctx: &'a Context, args: &SyncArgs) -> anyhow::Result<Vec<&'a TenantSection>> {
    let target_filter: Option<System> = args
        .target
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(UsageError)?;
    let tenants: Vec<_> = ctx
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
    for tenant in &tenants {
        tenant.target.parse::<System>().map_err(UsageError)?;
    }
    Ok(tenants)
}

/// `ledgerbridge sync`: SIGTERM/SIGINT stop it cleanly (see [`StopSignal`]).
pub(crate) async fn run(global: &GlobalArgs, args: SyncArgs) -> anyhow::Result<Exit> {
    let stop = StopSignal::install().context("listening for SIGTERM/SIGINT")?;
    sync(global, args, &stop).await
}

/// A sync inside another command (`demo`), which keeps its own Ctrl-C handling: once a
/// process listens for a signal, the signal no longer ends it, so only `sync` listens.
#[cfg(feature = "sandbox")]
pub(crate) async fn run_unsignalled(global: &GlobalArgs, args: SyncArgs) -> anyhow::Result<Exit> {
    sync(global, args, &StopSignal::default()).await
}

async fn sync(global: &GlobalArgs, args: SyncArgs, stop: &StopSignal) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let tenants = chosen(&ctx, &args)?;
    let synced: Vec<String> = tenants
        .iter()
        .map(|t| t.servicetitan_tenant.clone())
        .collect();
    // Read before the leases and the run row, so a settings error leaves no half-started run.
    let settings = settings(&ctx, &args)?;
    let ledger = ctx.open_ledger().await?;
    let host = host_name();
    let claim = RunClaim {
        tenants: &synced,
        dry_run: args.dry_run,
        lease: LeaseClaim {
            pid: std::process::id(),
            host: &host,
            run: None,
            stale_after: Duration::from_secs(ctx.settings.ledger.lease_stale_seconds),
            is_alive: &pid_alive,
        },
    };
    // A tenant another live process syncs: exit 4 naming it, no run row, nothing held.
    let mut sync_run = SyncRun::begin(&ledger, &claim).await?;
    let run = sync_run.id();
    let failure = sync_tenants(&ctx, &ledger, &mut sync_run, &tenants, &settings, stop).await;
    let mut ending = ending(&ledger, sync_run.tenants(), failure.as_ref(), stop).await;
    let report = sync_run
        .finish(ending.end.take())
        .await
        .with_context(|| format!("ending run {run}"))?;
    print_report(&report, args.format)?;
    super::sync_plan::print(&report, args.format, global.verbose > 0);
    let open = open_conflicts(&ledger, &synced).await?;
    // After the run row is committed; a dry run writes nothing anywhere, alerts included.
    if !args.no_alerts && !args.dry_run {
        super::alerts::after_sync(&ctx, &ledger, &report).await;
    }
    ledger.close().await;
    let conflicts = report.has_conflicts() || open > 0;
    exit_after(stop, run, ending, failure.map(|(_, e)| e), conflicts)
}

/// How a run ended, read from what its tenants did and whether a signal came.
struct Ending {
    end: Option<RunStop>,
    /// A tenant's refusal that needs a reconnect (exit 5).
    reconnect: Option<String>,
    /// The first error that stopped a tenant (exit 1).
    stopped: Option<String>,
}

/// Marks the connections whose tokens were refused broken, and says how the run ended.
async fn ending(
    ledger: &ledgerbridge_ledger::Ledger,
    runs: &[TenantRun],
    failure: Option<&Failure>,
    stop: &StopSignal,
) -> Ending {
    sync_stop::mark_refused(ledger, runs).await;
    if let Some((Some((tenant, system)), e)) = failure
        && let Some(reason) = sync_stop::refused(e)
    {
        sync_stop::mark_broken(ledger, tenant, *system, &reason).await;
    }
    let errors = || runs.iter().filter_map(|r| r.error.as_ref());
    let end = match (stop.received(), failure) {
        (Some(signal), _) => Some(RunStop::Interrupted(signal.to_owned())),
        (None, Some((_, e))) => Some(RunStop::Failed(format!("{e:#}"))),
        (None, None) => None,
    };
    Ending {
        end,
        reconnect: errors()
            .find(|e| e.needs_reconnect())
            .map(ToString::to_string),
        stopped: errors().map(ToString::to_string).next(),
    }
}

/// The exit code, in order: a signal (143/130), a reconnect (5), an error outside the tenants
/// (1, with its message), a tenant stopped early (1), conflicts waiting (3), else 0.
fn exit_after(
    stop: &StopSignal,
    run: ledgerbridge_ledger::RunId,
    ending: Ending,
    failure: Option<anyhow::Error>,
    conflicts: bool,
) -> anyhow::Result<Exit> {
    if let (Some(exit), Some(signal)) = (stop.exit(), stop.received()) {
        eprintln!(
            "interrupted by {signal}: run {run} recorded as interrupted; the next sync resumes \
             where it stopped"
        );
        return Ok(exit);
    }
    if let Some(message) = ending.reconnect {
        eprintln!("error: {message}");
        return Ok(Exit::ReconnectNeeded);
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if let Some(message) = ending.stopped {
        eprintln!("error: the run stopped early: {message}");
        return Ok(Exit::Error);
    }
    Ok(if conflicts {
        Exit::ConflictsPending
    } else {
        Exit::Ok
    })
}
