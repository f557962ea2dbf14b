//! `ledgerbridge connect servicetitan`: prove credentials, then keep them encrypted.
//!
//! The connection is registered first, which refuses a tenant that was connected to another
//! company or environment before (sandbox data must never reach production books); only then
//! are the credentials proven (a token and one page) and stored. A proof that fails removes the
//! registration it made, so a failed `connect` leaves the ledger as it was.

use std::path::Path;

use anyhow::{Context as _, bail};
use ledgerbridge_connector::ConnectorError;
use ledgerbridge_core::System;
use ledgerbridge_ledger::NewConnection;
use ledgerbridge_servicetitan::{ConnectRequest, Credentials, Endpoints, connect};
use secrecy::SecretString;
use url::Url;

use crate::args::{ConnectCommand, GlobalArgs, ServiceTitanConnectArgs};
use crate::context::Context;
use crate::exit::{Exit, UsageError};

pub(crate) async fn run(global: &GlobalArgs, command: ConnectCommand) -> anyhow::Result<Exit> {
    match command {
        ConnectCommand::ServiceTitan(args) => servicetitan(global, args).await,
        ConnectCommand::QuickBooks(args) => super::oauth::quickbooks(global, args).await,
        ConnectCommand::Xero(args) => super::oauth::xero(global, args).await,
    }
}

/// A secret from a file (trailing newline ignored) or else an environment variable.
pub(crate) fn read_secret(
    file: Option<&Path>,
    env: &str,
    flag: &str,
) -> anyhow::Result<SecretString> {
    if let Some(path) = file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("{flag} {}", path.display()))?;
        return Ok(SecretString::from(
            text.trim_end_matches(['\r', '\n']).to_owned(),
        ));
    }
    match std::env::var(env) {
        Ok(value) if !value.is_empty() => Ok(SecretString::from(value)),
        _ => Err(UsageError(format!("give {flag} FILE or set ${env}")).into()),
    }
}

pub(crate) fn endpoints(ctx: &Context) -> anyhow::Result<Endpoints> {
    let Some(st) = &ctx.settings.servicetitan else {
        return Ok(Endpoints::production());
    };
    let file = ctx
        .config_file
        .as_ref()
        .map(|f| format!(" in {}", f.display()))
        .unwrap_or_default();
    let api_base = Url::parse(&st.api_base)
        .with_context(|| format!("servicetitan.api_base = {:?}{file}", st.api_base))?;
    let auth = Url::parse(&st.auth_base)
        .with_context(|| format!("servicetitan.auth_base = {:?}{file}", st.auth_base))?;
    let token_url = auth
        .join("connect/token")
        .with_context(|| format!("servicetitan.auth_base{file}"))?;
    Ok(Endpoints {
        api_base,
        token_url,
    })
}

/// What went wrong, worded by how the person should react.
fn connect_failure(tenant: &str, host: &str, error: &ConnectorError) -> String {
    match error {
        ConnectorError::Unauthorized { .. } | ConnectorError::ReconnectNeeded { .. } => {
            format!("ServiceTitan refused the credentials for tenant {tenant}: {error}")
        }
        ConnectorError::Transient { .. }
        | ConnectorError::OutcomeUnknown { .. }
        | ConnectorError::RateLimited { .. } => {
            format!(
                "could not reach ServiceTitan at {host} for tenant {tenant} (nothing was stored): {error}"
            )
        }
        _ => {
            format!("connecting ServiceTitan tenant {tenant} failed (nothing was stored): {error}")
        }
    }
}

async fn servicetitan(global: &GlobalArgs, args: ServiceTitanConnectArgs) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let credentials = Credentials {
        client_id: args.client_id,
        client_secret: read_secret(
            args.client_secret_file.as_deref(),
            "SERVICETITAN_CLIENT_SECRET",
            "--client-secret-file",
        )?,
        app_key: read_secret(
            args.app_key_file.as_deref(),
            "SERVICETITAN_APP_KEY",
            "--app-key-file",
        )?,
    };
    connect_servicetitan(&ctx, &args.tenant, credentials).await?;
    Ok(Exit::Ok)
}

/// Registers, proves and stores one ServiceTitan tenant's credentials (also used by
/// `init --sandbox`).
pub(crate) async fn connect_servicetitan(
    ctx: &Context,
    tenant: &str,
    credentials: Credentials,
) -> anyhow::Result<()> {
    let tenant_id: i64 = tenant.parse().map_err(|_| {
        UsageError(format!(
            "--tenant {tenant:?} is not a ServiceTitan tenant id"
        ))
    })?;
    let endpoints = endpoints(ctx)?;
    let host = endpoints.api_base.host_str().unwrap_or_default().to_owned();
    let ledger = ctx.open_ledger().await?;
    let store = ledger.credential_store(Some(ctx.key()?));
    let existed = ledger
        .connections()
        .find(tenant, System::ServiceTitan)
        .await?
        .is_some();
    let connection = ledger
        .connections()
        .register(&NewConnection {
            system: System::ServiceTitan,
            tenant: tenant.to_owned(),
            company: tenant.to_owned(),
            environment: endpoints.environment(),
        })
        .await?;
    let request = ConnectRequest {
        connection: connection.id.to_string(),
        endpoints,
        tenant_id,
        credentials,
        // A person is waiting: prove the credentials with a short retry budget.
        http: ledgerbridge_connector::HttpSettings {
            retry: ledgerbridge_connector::RetryPolicy {
                max_retries: 2,
                ..Default::default()
            },
            ..Default::default()
        },
    };
    match connect(&store, request).await {
        Ok(proven) => {
            ledger.connections().record_success(connection.id).await?;
            println!(
                "ServiceTitan tenant {} connected ({} environment, {}); credentials stored encrypted.",
                proven.tenant_id, proven.environment, proven.api_host
            );
            ledger.close().await;
            Ok(())
        }
        Err(error) => {
            if !existed {
                ledger.connections().remove(connection.id).await?;
            }
            ledger.close().await;
            bail!("{}", connect_failure(tenant, &host, &error))
        }
    }
}
