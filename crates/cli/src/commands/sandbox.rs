//! `ledgerbridge sandbox serve`: the three emulators on fixed ports until interrupted.

use anyhow::Context as _;
use ledgerbridge_sandbox::quickbooks::WebhookFormat;
use ledgerbridge_sandbox::{Ports, Sandbox, SandboxError, SandboxOptions};

use crate::args::{SandboxCommand, SandboxServeArgs};
use crate::exit::{Exit, UsageError};

pub(crate) async fn run(command: SandboxCommand) -> anyhow::Result<Exit> {
    match command {
        SandboxCommand::Serve(args) => serve(args).await,
        SandboxCommand::Postman(args) => super::sandbox_postman::run(args),
    }
}

fn options(args: &SandboxServeArgs) -> Result<SandboxOptions, UsageError> {
    Ok(SandboxOptions {
        host: args.host,
        ports: Ports {
            servicetitan: args.servicetitan_port,
            quickbooks: args.quickbooks_port,
            xero: args.xero_port,
        },
        seed: args.seed,
        scenario: args
            .scenario
            .parse()
            .map_err(|e| UsageError(format!("--scenario: {e}")))?,
        start: args.start,
        limits: args
            .limits
            .parse()
            .map_err(|e| UsageError(format!("--limits: {e}")))?,
        webhooks_url: args.webhooks_url.clone(),
        qbo_webhook_format: match args.qbo_webhook_format.as_str() {
            "cloudevents" => WebhookFormat::CloudEvents,
            "legacy" => WebhookFormat::Legacy,
            other => {
                return Err(UsageError(format!(
                    "--qbo-webhook-format: expected cloudevents or legacy, got {other}"
                )));
            }
        },
        smtp_port: args.smtp_port,
    })
}

async fn serve(args: SandboxServeArgs) -> anyhow::Result<Exit> {
    let options = options(&args)?;
    if !options.host.is_loopback() {
        tracing::warn!(host = %options.host, "the sandbox's credentials are public constants; serving beyond loopback exposes them");
    }
    let sandbox = match Sandbox::start(options).await {
        Err(SandboxError::WebhooksUrl(e)) => {
            return Err(UsageError(format!("--webhooks-url: {e}")).into());
        }
        started => started.context("starting the sandbox")?,
    };
    if args.json {
        let info = sandbox.info();
        // Exactly one line on stdout; everything else goes to stderr. Through a `Value`, whose
        // keys are sorted, so the line is what it was before the info was typed.
        println!("{}", serde_json::to_string(&serde_json::to_value(&info)?)?);
    } else {
        println!("ServiceTitan  {}", sandbox.servicetitan_handle.base_url);
        println!("QuickBooks    {}", sandbox.quickbooks_handle.base_url);
        println!("Xero          {}", sandbox.xero_handle.base_url);
        println!("Slack hook    {}", sandbox.info().alerts.slack_webhook_url);
        println!("SMTP sink     {}", sandbox.smtp.url());
        println!(
            "Credentials and URLs: GET <url>/_sandbox/info (or run with --json). Ctrl-C stops."
        );
    }
    tracing::info!(
        servicetitan = %sandbox.servicetitan_handle.base_url,
        quickbooks = %sandbox.quickbooks_handle.base_url,
        xero = %sandbox.xero_handle.base_url,
        "sandbox serving"
    );
    shutdown_signal().await;
    tracing::info!("sandbox stopping");
    sandbox.shutdown().await;
    Ok(Exit::Ok)
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
