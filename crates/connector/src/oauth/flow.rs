//! The whole consent: listener, URL, (sandbox approval), redirect, code exchange.

use std::collections::BTreeMap;
use std::time::Duration;

use url::Url;

use super::exchange::{OAuthClient, TokenGrant};
use super::listener::RedirectListener;
use super::{OAuthApp, approve_sandbox, is_loopback};
use crate::error::{BoxError, ConnectorError};
use crate::http::RetryPolicy;

/// Why a consent did not produce tokens, grouped by what the person does next.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    /// The person (or the provider) declined: nothing was connected. Run `connect` again.
    #[error("the connection was not approved ({error}{})", .description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Denied {
        /// The OAuth `error` (`access_denied`).
        error: String,
        /// Its `error_description`, when given.
        description: Option<String>,
    },
    /// No redirect arrived in time. Run `connect` again and finish the consent sooner.
    #[error("no authorization arrived within {}s", .waited.as_secs())]
    TimedOut {
        /// How long we waited.
        waited: Duration,
    },
    /// The redirect's `state` was not ours: possibly a forged request. Nothing was stored.
    #[error(
        "the redirect's state did not match this consent (possible cross-site request); nothing was connected"
    )]
    StateMismatch,
    /// `--approve-sandbox` against a non-loopback host: it only ever approves a local
    /// emulator's consent.
    #[error("--approve-sandbox only works against a local sandbox, not {host}")]
    NotLoopback {
        /// The host that was refused.
        host: String,
    },
    /// The sandbox consent page was not the pinned plain-HTML form.
    #[error("the sandbox consent page could not be approved: {reason}")]
    ConsentPage {
        /// What was wrong.
        reason: String,
    },
    /// The configuration cannot work (a non-loopback redirect URI, a port in use).
    #[error("{reason}")]
    Setup {
        /// What to fix.
        reason: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// The token endpoint refused or failed the code exchange.
    #[error(transparent)]
    Remote(#[from] ConnectorError),
}

/// How the consent is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentMode {
    /// Show the URL and wait for the person to open it and approve (the default).
    Interactive,
    /// Approve a local sandbox's consent form ourselves (`--approve-sandbox`).
    ApproveSandbox,
}

/// A finished consent.
#[derive(Debug)]
pub struct Authorized {
    /// The tokens granted.
    pub grant: TokenGrant,
    /// The redirect's parameters besides `code` and `state` (QuickBooks: `realmId`).
    pub params: BTreeMap<String, String>,
    /// The redirect URI used (with the bound port).
    pub redirect_uri: Url,
}

/// Runs one consent: binds the listener, hands the URL to `show` (print it; nothing is
/// opened), approves it when `mode` says so, waits up to `timeout` for the redirect, checks
/// `state` and exchanges the code. Nothing is stored: the caller decides where the tokens go
/// once it knows which company they are for ([`super::store_grant`]).
pub async fn authorize(
    app: &OAuthApp,
    http: &reqwest::Client,
    retry: RetryPolicy,
    mode: ConsentMode,
    timeout: Duration,
    show: impl FnOnce(&Url),
) -> Result<Authorized, AuthorizeError> {
    if mode == ConsentMode::ApproveSandbox && !is_loopback(&app.authorize_url) {
        return Err(AuthorizeError::NotLoopback {
            host: app.authorize_url.host_str().unwrap_or_default().to_owned(),
        });
    }
    let listener = RedirectListener::bind(&app.redirect_uri).await?;
    let mut app = app.clone();
    app.redirect_uri = listener.redirect_uri().clone();
    let client = OAuthClient::new(app.clone(), http.clone(), retry)?;
    let consent = client.authorize_url();
    show(&consent.url);
    let accept = listener.accept(&consent.state, timeout);
    let callback = match mode {
        ConsentMode::Interactive => accept.await?,
        ConsentMode::ApproveSandbox => {
            tokio::pin!(accept);
            let approve = approve_and_deliver(http, &consent.url);
            tokio::select! {
                done = &mut accept => done?,
                approved = approve => {
                    approved?;
                    accept.await?
                }
            }
        }
    };
    let grant = client.exchange_code(&callback.code, consent).await?;
    tracing::info!(provider = app.provider, "authorization code exchanged");
    Ok(Authorized {
        grant,
        params: callback.params,
        redirect_uri: app.redirect_uri,
    })
}

/// Approves the sandbox consent, then follows its redirect to our listener as a browser
/// would (only to a loopback host).
async fn approve_and_deliver(http: &reqwest::Client, url: &Url) -> Result<(), AuthorizeError> {
    let redirect = approve_sandbox(http, url).await?;
    if !is_loopback(&redirect) {
        return Err(AuthorizeError::NotLoopback {
            host: redirect.host_str().unwrap_or_default().to_owned(),
        });
    }
    http.get(redirect)
        .send()
        .await
        .map_err(|e| AuthorizeError::ConsentPage {
            reason: format!("the redirect could not be delivered: {}", e.without_url()),
        })?;
    Ok(())
}
