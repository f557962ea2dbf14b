//! The command line (clap derive). Every subcommand's flags are documented here, once.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "ledgerbridge",
    version,
    about = "Two-way accounting sync between ServiceTitan and QuickBooks Online / Xero"
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct GlobalArgs {
    /// Config file (else $LEDGERBRIDGE_CONFIG, else ./ledgerbridge.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Ledger database file, overriding `ledger.path` of the config.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) ledger: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
    /// More log detail (-v: debug, -vv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Only warnings and errors (-q) or only errors (-qq).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub(crate) quiet: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum OutputFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write ledgerbridge.toml, ledgerbridge.db and ledgerbridge.key into DIR.
    Init(InitArgs),
    /// Ledger maintenance.
    #[command(subcommand)]
    Db(DbCommand),
    /// Value mappings (items, GL accounts, business units, tax zones, payment types).
    #[command(subcommand)]
    Mappings(MappingsCommand),
    /// Sync runs recorded in the ledger.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Sync ServiceTitan into QuickBooks or Xero through the outbox.
    Sync(SyncArgs),
    /// Keep every [[tenants]] block in sync until SIGINT/SIGTERM: ServiceTitan polled, the
    /// books on their webhooks and a safety poll, a daily full pass; webhooks, /healthz,
    /// /readyz and /metrics on service.addr.
    Watch,
    /// The append-only audit trail: one event per remote write, and every decision recorded.
    Audit(crate::commands::audit::AuditArgs),
    /// The work queue: every record waiting for a person (blocked, quarantined, writes given
    /// up), with its reason and since when.
    Blocked(crate::commands::blocked::BlockedArgs),
    /// Alerts: what was sent to Slack, email or webhooks, and a test message per channel.
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// The reconciliation report of a period: every invoice matched, mismatched, missing,
    /// blocked or in conflict, both sides' totals and the variance explained record by record.
    Report(ReportArgs),
    /// Links between ServiceTitan and accounting records, and match suggestions.
    #[command(subcommand)]
    Links(LinksCommand),
    /// Conflicts: records changed on both sides that wait for a person (list, show, resolve,
    /// dismiss).
    #[command(subcommand)]
    Conflicts(ConflictsCommand),
    /// Connect a system: prove its credentials and store them encrypted in the ledger.
    #[command(subcommand)]
    Connect(ConnectCommand),
    /// Each connection: system, tenant, company, environment, status, last success.
    Doctor {
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Revoke a connection's tokens at the remote, then forget its credentials.
    Disconnect(DisconnectArgs),
    /// The review web UI: dashboard, conflicts, report, mappings, runs.
    Serve(ServeArgs),
    /// Start the sandbox in-process, set up a fresh demo ledger in DIR, connect everything and
    /// sync both demo tenants.
    #[cfg(feature = "sandbox")]
    Demo(DemoArgs),
    /// The local emulators of ServiceTitan, QuickBooks Online and Xero.
    #[cfg(feature = "sandbox")]
    #[command(subcommand)]
    Sandbox(SandboxCommand),
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Folder to write into.
    #[arg(long, default_value = ".")]
    pub(crate) dir: PathBuf,
    /// Replace an existing ledgerbridge.toml (the ledger and key are never replaced).
    #[arg(long)]
    pub(crate) force: bool,
    /// Configure both demo tenants against a running `ledgerbridge sandbox serve` and connect
    /// all three systems (approving the sandbox consent pages).
    #[cfg(feature = "sandbox")]
    #[arg(long)]
    pub(crate) sandbox: bool,
    /// Where the sandbox runs (with --sandbox).
    #[cfg(feature = "sandbox")]
    #[arg(long, default_value = "127.0.0.1", requires = "sandbox")]
    pub(crate) sandbox_host: String,
    #[cfg(feature = "sandbox")]
    #[arg(long, default_value_t = 8701, requires = "sandbox")]
    pub(crate) servicetitan_port: u16,
    #[cfg(feature = "sandbox")]
    #[arg(long, default_value_t = 8702, requires = "sandbox")]
    pub(crate) quickbooks_port: u16,
    #[cfg(feature = "sandbox")]
    #[arg(long, default_value_t = 8703, requires = "sandbox")]
    pub(crate) xero_port: u16,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Apply pending migrations (every command also does this on start).
    Migrate,
}

#[derive(Debug, Subcommand)]
pub(crate) enum MappingsCommand {
    /// List mappings.
    List {
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Set one mapping.
    Set {
        #[arg(long)]
        tenant: String,
        /// quickbooks or xero.
        #[arg(long)]
        target: String,
        /// item, gl_account, business_unit, tax_zone, payment_type, payment_type_reverse.
        #[arg(long)]
        kind: String,
        /// The ServiceTitan value (or, for payment_type_reverse, the accounting value).
        #[arg(long)]
        source: String,
        /// The value on the other side.
        #[arg(long = "to")]
        target_value: String,
        /// A readable label for the target value.
        #[arg(long)]
        label: Option<String>,
    },
    /// Import mappings from a CSV file (columns in docs/configuration.md), in one transaction.
    Import { file: PathBuf },
    /// Export all mappings as CSV to stdout or --out.
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Every value that blocks a record, with counts and the target's choices.
    Unmapped {
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum LinksCommand {
    /// The links of a tenant (ServiceTitan record -> accounting record).
    List {
        #[arg(long)]
        tenant: String,
        /// customer, invoice, payment or credit_note.
        #[arg(long)]
        entity: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Link a ServiceTitan record to an accounting record (fixes a wrong or missing match).
    Set(LinkArgs),
    /// Remove a link (the next sync matches the record again).
    Unset(LinkArgs),
    /// Reject a suggested customer match: it is never proposed again, and the next sync creates
    /// the ServiceTitan customer as a new accounting customer (`--to` names the match rejected).
    Reject(LinkArgs),
    /// Customer matches too weak to link on their own, for a person to confirm with `links set`.
    Suggested {
        #[arg(long)]
        tenant: String,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
}

#[derive(Debug, Args)]
pub(crate) struct LinkArgs {
    #[arg(long)]
    pub(crate) tenant: String,
    /// customer, invoice, payment or credit_note.
    #[arg(long)]
    pub(crate) entity: String,
    #[arg(long)]
    pub(crate) servicetitan_id: String,
    /// The accounting record's id (with `set`).
    #[arg(long = "to")]
    pub(crate) target_id: Option<String>,
    /// Who decided (recorded in the audit log; default: the OS user).
    #[arg(long)]
    pub(crate) by: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RunsCommand {
    /// The most recent runs.
    List {
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// One run in detail.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
}

#[cfg(feature = "sandbox")]
#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Serve the three emulators until interrupted.
    Serve(SandboxServeArgs),
    /// Write a Postman collection and environment for a sandbox on the given ports.
    Postman(crate::commands::sandbox_postman::SandboxPostmanArgs),
}

#[cfg(feature = "sandbox")]
#[derive(Debug, Args)]
pub(crate) struct SandboxServeArgs {
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: std::net::IpAddr,
    #[arg(long, default_value_t = 8701)]
    pub(crate) servicetitan_port: u16,
    #[arg(long, default_value_t = 8702)]
    pub(crate) quickbooks_port: u16,
    #[arg(long, default_value_t = 8703)]
    pub(crate) xero_port: u16,
    /// The alert sinks' SMTP port (the Slack receiver shares the ServiceTitan port).
    #[arg(long, default_value_t = ledgerbridge_sandbox::DEFAULT_SMTP_PORT)]
    pub(crate) smtp_port: u16,
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// demo or empty.
    #[arg(long, default_value = "demo")]
    pub(crate) scenario: String,
    /// First day of the seeded month (default: 30 days before today).
    #[arg(long)]
    pub(crate) start: Option<NaiveDate>,
    /// real, relaxed (x100) or off.
    #[arg(long, default_value = "real")]
    pub(crate) limits: String,
    /// Print one JSON line with every emulator's URLs and credentials; logs go to stderr.
    #[arg(long)]
    pub(crate) json: bool,
    /// The QuickBooks and Xero emulators POST signed webhooks to URL/webhooks/quickbooks and
    /// URL/webhooks/xero after their data changes.
    #[arg(long, value_name = "URL")]
    pub(crate) webhooks_url: Option<String>,
    /// cloudevents or legacy.
    #[arg(long, default_value = "cloudevents")]
    pub(crate) qbo_webhook_format: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConnectCommand {
    /// A ServiceTitan tenant (client credentials + app key).
    #[command(name = "servicetitan")]
    ServiceTitan(ServiceTitanConnectArgs),
    /// A QuickBooks Online company (OAuth consent in a browser; the realm id becomes the company).
    #[command(name = "quickbooks")]
    QuickBooks(OAuthConnectArgs),
    /// A Xero organisation (OAuth consent with PKCE; the organisation chosen from /connections).
    Xero(XeroConnectArgs),
}

#[derive(Debug, Args)]
pub(crate) struct OAuthConnectArgs {
    /// The ServiceTitan tenant this company serves (default: the only [[tenants]] entry with
    /// this target).
    #[arg(long)]
    pub(crate) tenant: Option<String>,
    /// Approve the local sandbox's consent page without a browser (refused unless the
    /// authorize URL is a loopback address).
    #[arg(long)]
    pub(crate) approve_sandbox: bool,
    /// How long to wait for the consent, in seconds.
    #[arg(long, default_value_t = 300)]
    pub(crate) timeout_secs: u64,
}

#[derive(Debug, Args)]
pub(crate) struct XeroConnectArgs {
    #[command(flatten)]
    pub(crate) common: OAuthConnectArgs,
    /// The Xero organisation (tenant id) to connect (default: the tenant's configured company).
    #[arg(long)]
    pub(crate) xero_tenant: Option<String>,
    /// granular (apps created from March 2026) or classic scopes; offline_access is always asked.
    #[arg(long, default_value = "granular")]
    pub(crate) scopes: String,
}

#[derive(Debug, Args)]
pub(crate) struct DisconnectArgs {
    /// servicetitan, quickbooks or xero.
    pub(crate) system: String,
    /// The ServiceTitan tenant whose connection to drop (default: the only one of that system).
    #[arg(long)]
    pub(crate) tenant: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ServiceTitanConnectArgs {
    /// The ServiceTitan tenant id.
    #[arg(long)]
    pub(crate) tenant: String,
    /// The app's client id for this tenant (`cid.…`).
    #[arg(long, env = "SERVICETITAN_CLIENT_ID")]
    pub(crate) client_id: String,
    /// A file holding the client secret (else $SERVICETITAN_CLIENT_SECRET).
    #[arg(long)]
    pub(crate) client_secret_file: Option<PathBuf>,
    /// A file holding the application key (else $SERVICETITAN_APP_KEY).
    #[arg(long)]
    pub(crate) app_key_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Where to listen. Any address other than loopback requires a password.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) addr: std::net::SocketAddr,
    /// A file holding the login password (else $LEDGERBRIDGE_WEB_PASSWORD).
    #[arg(long)]
    pub(crate) password_file: Option<PathBuf>,
    /// A further Host name the UI answers to (e.g. this machine's LAN name); repeatable.
    #[arg(long = "allow-host")]
    pub(crate) allow_hosts: Vec<String>,
}

/// How `report` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum ReportFormat {
    #[default]
    Table,
    Json,
    Csv,
    Html,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The month of ServiceTitan invoice dates (YYYY-MM); default: the current month.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub(crate) period: Option<String>,
    /// First invoice date of the period (with --to).
    #[arg(long, requires = "to")]
    pub(crate) from: Option<NaiveDate>,
    /// Last invoice date of the period (with --from).
    #[arg(long, requires = "from")]
    pub(crate) to: Option<NaiveDate>,
    /// Only this ServiceTitan tenant (default: every [[tenants]] block).
    #[arg(long)]
    pub(crate) tenant: Option<String>,
    /// Only tenants that sync to this target (quickbooks or xero).
    #[arg(long)]
    pub(crate) target: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: ReportFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Read both systems now (the ledger's snapshots otherwise); a system that cannot be read
    /// is a warning and its side comes from the ledger.
    #[arg(long)]
    pub(crate) refresh: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// Only this ServiceTitan tenant (default: every [[tenants]] block).
    #[arg(long)]
    pub(crate) tenant: Option<String>,
    /// Only tenants that sync to this target (quickbooks or xero).
    #[arg(long)]
    pub(crate) target: Option<String>,
    /// Print the plan; write nothing anywhere (no remote writes, no links, no cursors).
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Skip invoices dated before this day (in addition to sync.start_date).
    #[arg(long)]
    pub(crate) since: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: OutputFormat,
    /// Evaluate no alert rules and send no alerts after this run.
    #[arg(long)]
    pub(crate) no_alerts: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AlertsCommand {
    /// The most recent alerts: rule, channel, status, attempts, error.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Send a test message to each channel (or one) and print what the remote answered.
    Test {
        #[arg(long)]
        channel: Option<String>,
    },
}

#[cfg(feature = "sandbox")]
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Folder for the demo's ledgerbridge.toml, .db and .key (replaced on every run).
    #[arg(long, default_value = "ledgerbridge-demo")]
    pub(crate) dir: PathBuf,
    /// Keep the emulators running afterwards, on the default ports, so `sync`, `runs`,
    /// `conflicts` and `serve` work against them (Ctrl-C stops).
    #[arg(long)]
    pub(crate) serve: bool,
    /// Keep running as the service afterwards (`ledgerbridge watch`, on service.addr,
    /// 127.0.0.1:8090), the sandbox's webhooks pointed at it; Ctrl-C stops. Add `--serve` to
    /// keep the emulators on their default ports too.
    #[arg(long)]
    pub(crate) watch: bool,
    /// demo (a month of two contractors) or empty (reference data only: a quick setup check).
    #[arg(long, default_value = "demo")]
    pub(crate) scenario: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum ConflictStatusArg {
    #[default]
    Open,
    Resolved,
    Dismissed,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SideArg {
    Servicetitan,
    Accounting,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConflictsCommand {
    /// Conflicts, oldest first (JSON: the objects of CONTRACTS.md).
    List {
        #[arg(long, value_enum, default_value_t)]
        status: ConflictStatusArg,
        /// Only this ServiceTitan tenant.
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// One conflict: each field's base, ServiceTitan and accounting values, and how it was
    /// settled.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Settle an open conflict; the next sync (or --apply) writes the chosen values to both
    /// sides. Refused with exit 2, nothing recorded, when a path or value is wrong or the
    /// resolved invoice would not add up.
    Resolve(ResolveArgs),
    /// Close an open conflict without choosing values; nothing is written for it.
    Dismiss(DismissArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ResolveArgs {
    /// The conflict's id (`conflicts list`).
    pub(crate) id: String,
    /// Keep this side's value for every field not named by a --field.
    #[arg(long, value_enum)]
    pub(crate) take: Option<SideArg>,
    /// One field: PATH=servicetitan, PATH=accounting or PATH=VALUE (read by the field's kind:
    /// an amount like 12.50, a date YYYY-MM-DD, a number, yes/no, text; empty clears).
    /// Repeatable.
    #[arg(long = "field", value_name = "PATH=CHOICE")]
    pub(crate) fields: Vec<String>,
    /// Why (kept with the decision in the audit log).
    #[arg(long)]
    pub(crate) note: Option<String>,
    /// Who decided (default: the OS user from $USER or $LOGNAME).
    #[arg(long)]
    pub(crate) by: Option<String>,
    /// Sync the conflict's tenant right away, which applies the decision.
    #[arg(long)]
    pub(crate) apply: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DismissArgs {
    /// The conflict's id.
    pub(crate) id: String,
    /// Why.
    #[arg(long)]
    pub(crate) note: Option<String>,
    /// Who decided (default: the OS user).
    #[arg(long)]
    pub(crate) by: Option<String>,
}
