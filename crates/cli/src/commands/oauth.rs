//! `connect quickbooks|xero` and `disconnect`: the OAuth authorization-code connections.
//!
//! The ledger connection's id is the associated data of its encrypted secrets, so it must exist
//! before anything is sealed. QuickBooks hands back its realm id only with the consent, so its
//! connection is registered after the consent and before the tokens are stored. Xero's tokens
//! are stored as part of its connect flow, so its connection is registered first with the
//! configured organisation, and the consent is pinned to that organisation. Either way a failed
//! connect removes a registration it made, and a tenant already connected to another company or
//! environment is refused by the ledger (sandbox data never reaches production books).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use ledgerbridge_connector::CredentialStore;
use ledgerbridge_connector::oauth::{ConsentMode, RevokeOutcome};
use ledgerbridge_core::System;
use ledgerbridge_core::WallClock;
use ledgerbridge_ledger::{Environment, Ledger, NewConnection};
use secrecy::SecretString;
use url::Url;

use crate::args::{DisconnectArgs, GlobalArgs, OAuthConnectArgs, XeroConnectArgs};
use crate::config::OAuthAppSection;
use crate::context::Context;
use crate::exit::{Exit, UsageError};

/// The ServiceTitan tenant a target connection serves, and the company configured for it.
pub(crate) fn configured_tenant(
    ctx: &Context,
    system: System,
    flag: Option<&str>,
) -> Result<(String, String), UsageError> {
    let candidates: Vec<_> = ctx
        .settings
        .tenants
        .iter()
        .filter(|t| t.target == system.as_str())
        .collect();
    let tenant = match flag {
        Some(id) => candidates
            .iter()
            .find(|t| t.servicetitan_tenant == id)
            .copied()
            .ok_or_else(|| {
                UsageError(format!(
                    "tenant {id} has no [[tenants]] block with target = \"{system}\" in the config"
                ))
            })?,
        None => match candidates.as_slice() {
            [one] => *one,
            [] => {
                return Err(UsageError(format!(
                    "no [[tenants]] block has target = \"{system}\""
                )));
            }
            _ => {
                return Err(UsageError(format!(
                    "several tenants sync to {system}; choose one with --tenant"
                )));
            }
        },
    };
    Ok((tenant.servicetitan_tenant.clone(), tenant.company.clone()))
}

fn app_settings<'a>(
    app: Option<&'a OAuthAppSection>,
    section: &str,
) -> Result<&'a OAuthAppSection, UsageError> {
    app.ok_or_else(|| {
        UsageError(format!(
            "the config has no [{section}] section (see config/example.toml)"
        ))
    })
}

fn client_secret(app: &OAuthAppSection, section: &str) -> anyhow::Result<SecretString> {
    if let Some(secret) = &app.client_secret {
        return Ok(secret.clone());
    }
    let Some(file) = &app.client_secret_file else {
        return Err(UsageError(format!(
            "{section}.client_secret_file or LEDGERBRIDGE_{}__CLIENT_SECRET is needed",
            section.to_uppercase()
        ))
        .into());
    };
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("{section}.client_secret_file {}", file.display()))?;
    Ok(SecretString::from(
        text.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}

fn url(section: &str, key: &str, value: &str) -> anyhow::Result<Url> {
    Url::parse(value).map_err(|e| UsageError(format!("{section}.{key} = {value:?}: {e}")).into())
}

fn mode(args: &OAuthConnectArgs) -> ConsentMode {
    if args.approve_sandbox {
        ConsentMode::ApproveSandbox
    } else {
        ConsentMode::Interactive
    }
}

fn show_consent(url: &Url) {
    println!("Open this address in a browser and approve the connection:\n\n  {url}\n");
    println!("Waiting for the consent to come back…");
}

fn environment(sandbox: bool) -> Environment {
    if sandbox {
        Environment::Sandbox
    } else {
        Environment::Production
    }
}

/// Registers the connection, or fails without leaving one behind.
async fn register(
    ledger: &Ledger,
    new: &NewConnection,
) -> anyhow::Result<(ledgerbridge_ledger::Connection, bool)> {
    let existed = ledger
        .connections()
        .find(&new.tenant, new.system)
        .await?
        .is_some();
    let connection = ledger.connections().register(new).await?;
    Ok((connection, existed))
}

pub(crate) async fn quickbooks(
    global: &GlobalArgs,
    args: OAuthConnectArgs,
) -> anyhow::Result<Exit> {
    connect_quickbooks(&Context::load(global)?, &args).await?;
    Ok(Exit::Ok)
}

/// The QuickBooks consent, checked against the configured company, then stored (also used by
/// `init --sandbox`).
pub(crate) async fn connect_quickbooks(
    ctx: &Context,
    args: &OAuthConnectArgs,
) -> anyhow::Result<()> {
    use ledgerbridge_quickbooks as qbo;
    let (tenant, company) = configured_tenant(ctx, System::QuickBooks, args.tenant.as_deref())?;
    let app = app_settings(ctx.settings.quickbooks.as_ref(), "quickbooks")?;
    let (endpoints, _) = quickbooks_app(ctx)?;
    let request = qbo::ConnectRequest {
        endpoints,
        client_id: app.client_id.clone(),
        client_secret: client_secret(app, "quickbooks")?,
        redirect_uri: url("quickbooks", "redirect_uri", &app.redirect_uri)?,
        mode: mode(args),
        timeout: Duration::from_secs(args.timeout_secs),
        http: Default::default(),
    };
    let ledger = ctx.open_ledger().await?;
    let store = ledger.credential_store(Some(ctx.key()?));
    let authorized = qbo::connect(request, show_consent)
        .await
        .context("QuickBooks consent")?;
    if authorized.realm_id != company {
        bail!(
            "the consent was given for QuickBooks company {} but tenant {tenant} is configured for company {company}; \
             nothing was stored (fix tenants[].company or approve the right company)",
            authorized.realm_id
        );
    }
    let sandbox = matches!(authorized.environment, qbo::Environment::Sandbox);
    let new = NewConnection {
        system: System::QuickBooks,
        tenant: tenant.clone(),
        company,
        environment: environment(sandbox),
    };
    let (connection, existed) = register(&ledger, &new).await?;
    if let Err(e) = authorized
        .store(&store, &connection.id.to_string(), chrono::Utc::now())
        .await
    {
        if !existed {
            ledger.connections().remove(connection.id).await?;
        }
        return Err(e).context("storing the QuickBooks tokens");
    }
    ledger.connections().record_success(connection.id).await?;
    println!(
        "QuickBooks company {} ({}) connected to tenant {tenant} ({} environment); tokens stored encrypted.",
        authorized.realm_id,
        authorized.company_name.as_deref().unwrap_or("unnamed"),
        authorized.environment
    );
    ledger.close().await;
    Ok(())
}

/// The QuickBooks endpoints and OAuth app of the config.
pub(crate) fn quickbooks_app(
    ctx: &Context,
) -> anyhow::Result<(
    ledgerbridge_quickbooks::Endpoints,
    ledgerbridge_connector::oauth::OAuthApp,
)> {
    let app = app_settings(ctx.settings.quickbooks.as_ref(), "quickbooks")?;
    let endpoints = ledgerbridge_quickbooks::Endpoints {
        api_base: url("quickbooks", "api_base", &app.api_base)?,
        authorize_url: url("quickbooks", "authorize_url", &app.authorize_url)?,
        token_url: url("quickbooks", "token_url", &app.token_url)?,
        revoke_url: url(
            "quickbooks",
            "revoke_url",
            app.revoke_url.as_deref().unwrap_or_default(),
        )?,
    };
    let oauth = endpoints.oauth_app(
        app.client_id.clone(),
        client_secret(app, "quickbooks")?,
        url("quickbooks", "redirect_uri", &app.redirect_uri)?,
    );
    Ok((endpoints, oauth))
}

pub(crate) fn xero_app(ctx: &Context) -> anyhow::Result<ledgerbridge_xero::XeroApp> {
    let app = app_settings(ctx.settings.xero.as_ref(), "xero")?;
    let identity = app.identity_base.as_deref().ok_or_else(|| {
        UsageError("xero.identity_base is needed (it precedes /connections)".into())
    })?;
    Ok(ledgerbridge_xero::XeroApp {
        endpoints: ledgerbridge_xero::Endpoints {
            api_base: url("xero", "api_base", &app.api_base)?,
            identity_base: url("xero", "identity_base", identity)?,
            authorize_url: url("xero", "authorize_url", &app.authorize_url)?,
            token_url: url("xero", "token_url", &app.token_url)?,
            revoke_url: url(
                "xero",
                "revoke_url",
                app.revoke_url.as_deref().unwrap_or_default(),
            )?,
        },
        client_id: app.client_id.clone(),
        client_secret: client_secret(app, "xero")?,
        redirect_uri: url("xero", "redirect_uri", &app.redirect_uri)?,
    })
}

pub(crate) async fn xero(global: &GlobalArgs, args: XeroConnectArgs) -> anyhow::Result<Exit> {
    connect_xero(&Context::load(global)?, &args).await?;
    Ok(Exit::Ok)
}

/// The Xero consent pinned to the configured organisation (also used by `init --sandbox`).
pub(crate) async fn connect_xero(ctx: &Context, args: &XeroConnectArgs) -> anyhow::Result<()> {
    use ledgerbridge_xero as xero;
    let (tenant, company) = configured_tenant(ctx, System::Xero, args.common.tenant.as_deref())?;
    if let Some(chosen) = &args.xero_tenant
        && *chosen != company
    {
        bail!(
            "--xero-tenant {chosen} differs from the configured company {company} of tenant {tenant}"
        );
    }
    let app = xero_app(ctx)?;
    let scopes = xero::ScopeStyle::parse(&args.scopes).ok_or_else(|| {
        UsageError(format!(
            "--scopes {:?}: expected granular or classic",
            args.scopes
        ))
    })?;
    let sandbox = xero::is_loopback(&app.endpoints.api_base);
    let ledger = ctx.open_ledger().await?;
    let store = ledger.credential_store(Some(ctx.key()?));
    let new = NewConnection {
        system: System::Xero,
        tenant: tenant.clone(),
        company: company.clone(),
        environment: environment(sandbox),
    };
    let (connection, existed) = register(&ledger, &new).await?;
    let request = xero::ConnectRequest {
        connection: connection.id.to_string(),
        app,
        scopes,
        tenant: Some(company.clone()),
        mode: mode(&args.common),
        timeout: Duration::from_secs(args.common.timeout_secs),
        http: Default::default(),
        clock: WallClock::system(),
    };
    match xero::connect(&store, request, show_consent, |_| None).await {
        Ok(connected) => {
            ledger.connections().record_success(connection.id).await?;
            println!(
                "Xero organisation {} ({}) connected to tenant {tenant} ({} environment, {} scopes); tokens stored encrypted.",
                connected.tenant.tenant_id,
                connected.tenant.tenant_name.as_deref().unwrap_or("unnamed"),
                connected.environment,
                connected.scopes
            );
            ledger.close().await;
            Ok(())
        }
        Err(e) => {
            store.forget(&connection.id.to_string()).await.ok();
            if !existed {
                ledger.connections().remove(connection.id).await?;
            }
            ledger.close().await;
            Err(e).context("Xero consent")
        }
    }
}

pub(crate) async fn disconnect(global: &GlobalArgs, args: DisconnectArgs) -> anyhow::Result<Exit> {
    let system: System = args.system.parse().map_err(UsageError)?;
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    let connections: Vec<_> = ledger
        .connections()
        .list()
        .await?
        .into_iter()
        .filter(|c| c.system == system && args.tenant.as_ref().is_none_or(|t| *t == c.tenant))
        .collect();
    let connection = match connections.as_slice() {
        [one] => one.clone(),
        [] => bail!(
            "no {system} connection{} in this ledger",
            args.tenant
                .map(|t| format!(" for tenant {t}"))
                .unwrap_or_default()
        ),
        _ => {
            return Err(UsageError(format!(
                "several {system} connections; choose one with --tenant"
            ))
            .into());
        }
    };
    let store: Arc<dyn CredentialStore> = Arc::new(ledger.credential_store(Some(ctx.key()?)));
    let id = connection.id.to_string();
    let outcome = match system {
        System::ServiceTitan => {
            store.forget(&id).await?;
            None
        }
        System::QuickBooks => {
            let (_, oauth) = quickbooks_app(&ctx)?;
            Some(
                ledgerbridge_quickbooks::disconnect(
                    &oauth,
                    &Default::default(),
                    store.clone(),
                    &id,
                )
                .await?,
            )
        }
        System::Xero => {
            let app = xero_app(&ctx)?;
            Some(
                ledgerbridge_xero::disconnect(
                    &app,
                    &Default::default(),
                    store.clone(),
                    &id,
                    WallClock::system(),
                )
                .await?,
            )
        }
    };
    ledger.connections().remove(connection.id).await?;
    let what = match outcome {
        Some(RevokeOutcome::Revoked) => "revoked at the remote",
        Some(RevokeOutcome::AlreadyInvalid) => "already invalid at the remote",
        Some(RevokeOutcome::NoRevocationEndpoint) => "no revocation endpoint; forgotten locally",
        Some(RevokeOutcome::NothingStored) => "no tokens were stored",
        None => "credentials forgotten",
    };
    println!(
        "{system} connection of tenant {} removed ({what}).",
        connection.tenant
    );
    ledger.close().await;
    Ok(Exit::Ok)
}
