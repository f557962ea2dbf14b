//! `init --sandbox`: a config for both demo tenants read from a running sandbox's
//! `/_sandbox/info`, then every connection made (the sandbox consent pages approved by the
//! bridge itself, which is refused for anything but a loopback address).
//!
//! The sandbox's client secrets are public constants, so this one config carries them inline;
//! a production config takes them from the environment or a file.

use std::path::Path;

use anyhow::{Context as _, bail};
use ledgerbridge_servicetitan::Credentials;
use secrecy::SecretString;
use serde_json::Value;

use crate::args::{GlobalArgs, InitArgs, LogFormat, OAuthConnectArgs, XeroConnectArgs};
use crate::context::Context;
use crate::exit::Exit;

/// `init --sandbox` after `init`'s checks: the sandbox is read before anything is written, so
/// an unreachable sandbox leaves no files; then the files, then every connection.
pub(crate) async fn run(args: &InitArgs, config: &Path) -> anyhow::Result<Exit> {
    let sandbox = config_text(args).await?;
    super::init::write_files(&args.dir, config, &sandbox.text).await?;
    connect_all(config, &sandbox).await?;
    println!("Sandbox ready: both demo tenants are configured and connected.");
    Ok(Exit::Ok)
}

/// The config text and what connecting needs from the sandbox info.
pub(crate) struct SandboxConfig {
    pub(crate) text: String,
    servicetitan: Value,
    quickbooks_tenant: String,
    xero_tenant: String,
}

async fn info(
    client: &reqwest::Client,
    host: &str,
    port: u16,
    name: &str,
) -> anyhow::Result<Value> {
    let url = format!("http://{host}:{port}/_sandbox/info");
    let response = client.get(&url).send().await.with_context(|| {
        format!("no {name} sandbox at {url}; start one with `ledgerbridge sandbox serve` first")
    })?;
    if !response.status().is_success() {
        bail!("{url} answered {}", response.status());
    }
    response
        .json()
        .await
        .with_context(|| format!("{url} did not answer the sandbox info JSON"))
}

fn text(value: &Value, key: &str) -> anyhow::Result<String> {
    value[key]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("the sandbox info has no {key}"))
}

/// A TOML basic string (JSON's escapes are valid TOML escapes).
fn quoted(value: &str) -> String {
    serde_json::to_string(value).expect("a string serializes")
}

/// A loopback redirect URI on a free port (the sandbox accepts any loopback redirect).
fn free_redirect() -> anyhow::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .context("finding a free port for the OAuth redirect")?;
    Ok(format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr()?.port()
    ))
}

pub(crate) async fn config_text(args: &InitArgs) -> anyhow::Result<SandboxConfig> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()?;
    let host = args.sandbox_host.as_str();
    let st = info(&client, host, args.servicetitan_port, "ServiceTitan").await?;
    let qbo = info(&client, host, args.quickbooks_port, "QuickBooks").await?;
    let xero = info(&client, host, args.xero_port, "Xero").await?;
    let tenants = st["tenants"]
        .as_array()
        .context("the ServiceTitan sandbox info lists no tenants")?;
    let tenant_for = |target: &str| {
        tenants
            .iter()
            .find(|t| t["target"] == target)
            .map(|t| t["tenant_id"].to_string())
            .with_context(|| format!("the sandbox has no tenant for {target}"))
    };
    let (quickbooks_tenant, xero_tenant) = (tenant_for("quickbooks")?, tenant_for("xero")?);
    let mut out = String::from(
        "# ledgerbridge configuration for the local sandbox (`ledgerbridge init --sandbox`).\n\
         # The sandbox's credentials are public constants; a production config takes secrets\n\
         # from the environment or a *_file path instead. Every key: config/example.toml.\n\n\
         [ledger]\npath = \"ledgerbridge.db\"\nkey_file = \"ledgerbridge.key\"\n\n[sync]\ninclude_pending = false\n\
         # The sandbox's limits are relaxed (x100); pacing at the documented ones would only be slow.\n\
         pace = \"off\"\n\n",
    );
    out += &format!(
        "[servicetitan]\napi_base = {}\nauth_base = {}\n\n",
        quoted(&text(&st, "api_base")?),
        quoted(&text(&st, "auth_base")?)
    );
    out += &format!(
        "[quickbooks]\napi_base = {}\nauthorize_url = {}\ntoken_url = {}\nrevoke_url = {}\nclient_id = {}\nclient_secret = {}\nredirect_uri = {}\n# `watch` verifies the sandbox's webhooks with it.\nwebhook_verifier_token = {}\n\n",
        quoted(&text(&qbo, "api_base")?),
        quoted(&text(&qbo, "authorize_url")?),
        quoted(&text(&qbo, "token_url")?),
        quoted(&text(&qbo, "revoke_url")?),
        quoted(&text(&qbo, "client_id")?),
        quoted(&text(&qbo, "client_secret")?),
        quoted(&free_redirect()?),
        quoted(&text(&qbo, "webhook_verifier_token")?),
    );
    out += &format!(
        "[xero]\napi_base = {}\nidentity_base = {}\nauthorize_url = {}\ntoken_url = {}\nrevoke_url = {}\nclient_id = {}\nclient_secret = {}\nredirect_uri = {}\n# `watch` verifies the sandbox's webhooks with it.\nwebhook_key = {}\n\n",
        quoted(&text(&xero, "api_base")?),
        quoted(&text(&xero, "identity_base")?),
        quoted(&text(&xero, "authorize_url")?),
        quoted(&text(&xero, "token_url")?),
        quoted(&text(&xero, "revoke_url")?),
        quoted(&text(&xero, "client_id")?),
        quoted(&text(&xero, "client_secret")?),
        quoted(&free_redirect()?),
        quoted(&text(&xero, "webhook_key")?),
    );
    for tenant in tenants {
        let target = tenant["target"].as_str().unwrap_or_default();
        let company = match target {
            "quickbooks" => text(&qbo, "realm_id")?,
            "xero" => text(&xero, "tenant_id")?,
            other => bail!("the sandbox tenant has an unknown target {other:?}"),
        };
        out += &format!(
            "[[tenants]]\nservicetitan_tenant = {}\nname = {}\ntarget = {}\ncompany = {}\n\n",
            quoted(&tenant["tenant_id"].to_string()),
            quoted(tenant["name"].as_str().unwrap_or_default()),
            quoted(target),
            quoted(&company),
        );
    }
    out += &alerts_text(&client, host, args.servicetitan_port).await?;
    Ok(SandboxConfig {
        text: out,
        servicetitan: st,
        quickbooks_tenant,
        xero_tenant,
    })
}

/// `[alerts]` for the sandbox's alert sinks (CONTRACTS.md): channels `sandbox-slack` and
/// `sandbox-email`, a `conflict` rule and an `invoice_overdue` rule (residential demo invoices
/// are due on receipt; the month's oldest with a balance of 500.00 or more show the ServiceTitan
/// workflow's alert, a handful rather than a storm).
async fn alerts_text(client: &reqwest::Client, host: &str, port: u16) -> anyhow::Result<String> {
    let url = format!("http://{host}:{port}/_sandbox/alerts/info");
    let sinks: Value = client
        .get(&url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("{url}: the sandbox's alert sinks"))?
        .json()
        .await
        .with_context(|| format!("{url} did not answer the alert sinks JSON"))?;
    let both = "channels = [\"sandbox-slack\", \"sandbox-email\"]";
    Ok(format!(
        "# Alerts go to the sandbox's Slack receiver and SMTP sink; what arrived:\n\
         # GET {base}/_sandbox/slack/messages and GET {base}/_sandbox/mail/messages.\n\
         [alerts]\nmax_per_hour = 30\n\n\
         [[alerts.channels]]\nname = \"sandbox-slack\"\nkind = \"slack\"\nurl = {slack}\n\n\
         [[alerts.channels]]\nname = \"sandbox-email\"\nkind = \"email\"\nsmtp_url = {smtp}\n\
         from = \"ledgerbridge@sandbox.invalid\"\nto = [\"books@sandbox.invalid\"]\n\n\
         [[alerts.rules]]\non = \"conflict\"\n{both}\n\n\
         [[alerts.rules]]\non = \"invoice_overdue\"\n{both}\ndays = 25\nmin_balance = \"500.00\"\n",
        base = format_args!("http://{host}:{port}"),
        slack = quoted(&text(&sinks, "slack_webhook_url")?),
        smtp = quoted(&text(&sinks, "smtp_url")?),
    ))
}

/// Connects both ServiceTitan tenants, the QuickBooks company and the Xero organisation.
pub(crate) async fn connect_all(config: &Path, sandbox: &SandboxConfig) -> anyhow::Result<()> {
    let global = GlobalArgs {
        config: Some(config.to_path_buf()),
        ledger: None,
        log_format: LogFormat::Text,
        verbose: 0,
        quiet: 0,
    };
    let ctx = Context::load(&global)?;
    let app_key = text(&sandbox.servicetitan, "app_key")?;
    for tenant in sandbox.servicetitan["tenants"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let credentials = Credentials {
            client_id: text(tenant, "client_id")?,
            client_secret: SecretString::from(text(tenant, "client_secret")?),
            app_key: SecretString::from(app_key.clone()),
        };
        super::connect::connect_servicetitan(&ctx, &tenant["tenant_id"].to_string(), credentials)
            .await?;
    }
    let consent = |tenant: &str| OAuthConnectArgs {
        tenant: Some(tenant.to_owned()),
        approve_sandbox: true,
        timeout_secs: 60,
    };
    super::oauth::connect_quickbooks(&ctx, &consent(&sandbox.quickbooks_tenant)).await?;
    let xero = XeroConnectArgs {
        common: consent(&sandbox.xero_tenant),
        xero_tenant: None,
        scopes: "granular".into(),
    };
    super::oauth::connect_xero(&ctx, &xero).await?;
    set_demo_mappings(&ctx).await
}

/// Maps every GL account, business unit, tax zone and payment type of each demo tenant onto its
/// target's lists, so `sync` works at once (`mappings list` shows them; edit them like any).
async fn set_demo_mappings(ctx: &Context) -> anyhow::Result<()> {
    let ledger = ctx.open_ledger().await?;
    let store: std::sync::Arc<dyn ledgerbridge_connector::CredentialStore> =
        std::sync::Arc::new(ledger.credential_store(Some(ctx.key()?)));
    let mut total = 0;
    for tenant in &ctx.settings.tenants {
        let st =
            super::targets::servicetitan(ctx, &ledger, store.as_ref(), &tenant.servicetitan_tenant)
                .await?;
        let target = super::targets::target(ctx, &ledger, store.clone(), tenant).await?;
        let mappings =
            ledgerbridge_sandbox::demo_mappings(&tenant.servicetitan_tenant, &st, &target)
                .await
                .with_context(|| {
                    format!(
                        "reading the demo mapping choices of tenant {}",
                        tenant.servicetitan_tenant
                    )
                })?;
        total += mappings.len();
        ledger.mappings().upsert_all(&mappings).await?;
    }
    println!("Set {total} demo mappings (see `ledgerbridge mappings list`).");
    ledger.close().await;
    Ok(())
}
