//! The OAuth 2.0 authorization-code machinery QuickBooks Online and Xero share: the consent
//! URL, the loopback redirect, the sandbox shortcut, code exchange, rotating refresh tokens
//! kept through the [`CredentialStore`](crate::CredentialStore), revoke, and what `doctor`
//! shows about a connection's tokens.
//!
//! The pieces, in the order `ledgerbridge connect quickbooks|xero` uses them:
//!
//! 1. [`RedirectListener::bind`] listens on the redirect URI's loopback port *before* the URL
//!    is shown, so a fast consent cannot race the listener.
//! 2. [`OAuthClient::authorize_url`] builds the consent URL with a random `state` (and a PKCE
//!    S256 challenge when [`OAuthApp::pkce`] says the provider supports it: Xero does; the
//!    QuickBooks facts document none, so its connector leaves it off).
//! 3. The URL is handed to the caller to print ([`authorize`]'s `show`). Nothing is opened: a
//!    bridge often runs on a headless box, and opening a browser from a library is a side
//!    effect the CLI should decide on.
//! 4. With [`ConsentMode::ApproveSandbox`] the bridge submits the emulator's consent form
//!    itself ([`approve_sandbox`]), refused unless the authorize host is loopback: it can never
//!    click "approve" on a real provider's page.
//! 5. [`RedirectListener::accept`] serves one redirect, checks `state` (a mismatch is a possible
//!    CSRF and ends the flow) and returns the code with every other query parameter (QBO's
//!    `realmId`).
//! 6. The code is exchanged through the `oauth2` crate on a client with redirects disabled.
//!
//! After that, [`AuthorizationCodeTokens`] is the [`TokenProvider`](crate::TokenProvider) the
//! HTTP layer uses. Its rules, each for a failure people report about existing tools:
//!
//! * **Refreshed before expiry, single flight.** A token within [`OAuthApp::renew_before`] of
//!   its expiry is refreshed; concurrent callers wait for the one refresh in flight.
//! * **The rotated refresh token is persisted first.** Access token, its expiry, refresh token,
//!   refresh-token issue time and expiry go to the store in *one* `store` call (one
//!   transaction) before the new access token is handed to anyone. If that write fails the new
//!   tokens are not used; the previous refresh token still works during the provider's grace
//!   window (QuickBooks: 24 h; Xero: 30 min), so the next run recovers.
//! * **Dead grants are a typed error.** `invalid_grant` on refresh (expired or revoked) becomes
//!   [`ConnectorError::ReconnectNeeded`](crate::ConnectorError::ReconnectNeeded) whose message
//!   names [`OAuthApp::reconnect_command`]; the CLI maps it to exit code 5.
//!
//! Times come from a [`WallClock`](ledgerbridge_core::WallClock) passed in, so tests can move the bridge's clock together with an
//! emulator's sandbox clock; this module reads no environment and no files.

mod consent;
mod exchange;
mod flow;
mod listener;
mod provider;
mod status;
mod transport;

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

pub use consent::{ConsentForm, approve_sandbox};
pub use exchange::{OAuthClient, PendingConsent, TokenGrant};
pub use flow::{AuthorizeError, Authorized, ConsentMode, authorize};
pub use listener::{Callback, RedirectListener};
pub use provider::AuthorizationCodeTokens;
pub use status::{RevokeOutcome, TokenStatus, revoke_and_forget, secret_names, store_grant};

/// One OAuth application registered with a provider, and how its tokens behave.
#[derive(Clone)]
pub struct OAuthApp {
    /// Which provider, for messages ("QuickBooks", "Xero").
    pub provider: &'static str,
    /// The consent page (`authorization_endpoint`).
    pub authorize_url: Url,
    /// The token endpoint (code exchange and refresh).
    pub token_url: Url,
    /// The revocation endpoint, when the provider has one.
    pub revoke_url: Option<Url>,
    /// A loopback `http://` URI registered with the app; port 0 picks a free port (tests).
    pub redirect_uri: Url,
    /// The client id.
    pub client_id: String,
    /// The client secret (sent as HTTP Basic, which both providers accept).
    pub client_secret: SecretString,
    /// Scopes to ask for.
    pub scopes: Vec<String>,
    /// Send a PKCE S256 challenge (only where the provider documents PKCE).
    pub pkce: bool,
    /// The command that makes a new connection, named in every reconnect message
    /// (`ledgerbridge connect quickbooks`).
    pub reconnect_command: String,
    /// Refresh-token lifetime assumed when the token response does not state one
    /// (QuickBooks states `x_refresh_token_expires_in`; Xero: 60 days).
    pub default_refresh_lifetime: Duration,
    /// Access-token lifetime assumed when `expires_in` is missing.
    pub default_access_lifetime: Duration,
    /// How the revocation request carries the token.
    pub revoke_body: RevokeBody,
    /// Refresh an access token this long before it expires, so a long page walk or a batch
    /// with a 120 s server timeout never carries a token that dies in flight.
    pub renew_before: Duration,
}

impl OAuthApp {
    /// An app with the common defaults: no PKCE, 1 h access tokens assumed, refresh 5 min
    /// before expiry, 60-day refresh tokens assumed.
    pub fn new(
        provider: &'static str,
        endpoints: (Url, Url, Option<Url>),
        redirect_uri: Url,
        client_id: impl Into<String>,
        client_secret: SecretString,
        reconnect_command: impl Into<String>,
    ) -> Self {
        let (authorize_url, token_url, revoke_url) = endpoints;
        Self {
            provider,
            authorize_url,
            token_url,
            revoke_url,
            redirect_uri,
            client_id: client_id.into(),
            client_secret,
            scopes: Vec::new(),
            pkce: false,
            reconnect_command: reconnect_command.into(),
            default_refresh_lifetime: Duration::from_secs(60 * 86_400),
            default_access_lifetime: Duration::from_secs(3_600),
            renew_before: Duration::from_secs(300),
            revoke_body: RevokeBody::Form,
        }
    }

    /// "run `ledgerbridge connect quickbooks`", for error messages.
    pub(crate) fn reconnect_hint(&self) -> String {
        format!("run `{}`", self.reconnect_command)
    }
}

impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("provider", &self.provider)
            .field("authorize_url", &self.authorize_url.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("client_id", &self.client_id)
            .field("pkce", &self.pkce)
            .finish_non_exhaustive()
    }
}

/// The body of a revocation request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeBody {
    /// RFC 7009: `token=…&token_type_hint=refresh_token`, form-encoded (Xero).
    Form,
    /// `{"token": "…"}` as JSON (what Intuit's own SDKs send).
    Json,
}

/// Whether `url`'s host is a loopback address or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised_and_nothing_else() {
        let lb = |u: &str| is_loopback(&Url::parse(u).unwrap());
        assert!(lb("http://127.0.0.1:8702/connect/oauth2"));
        assert!(lb("http://127.1.2.3/x"));
        assert!(lb("http://[::1]:1/x"));
        assert!(lb("http://LocalHost:9/x"));
        assert!(!lb("https://appcenter.intuit.com/connect/oauth2"));
        assert!(!lb("http://localhost.evil.example/x"));
        assert!(!lb("http://10.0.0.1/x"));
    }

    #[test]
    fn an_app_debug_never_shows_the_secret() {
        let app = OAuthApp::new(
            "QuickBooks",
            (
                Url::parse("http://127.0.0.1/a").unwrap(),
                Url::parse("http://127.0.0.1/t").unwrap(),
                None,
            ),
            Url::parse("http://127.0.0.1:0/callback").unwrap(),
            "client",
            SecretString::from("hush-hush".to_owned()),
            "ledgerbridge connect quickbooks",
        );
        let shown = format!("{app:?}");
        assert!(
            !shown.contains("hush-hush") && shown.contains("client"),
            "{shown}"
        );
        assert_eq!(
            app.reconnect_hint(),
            "run `ledgerbridge connect quickbooks`"
        );
    }
}
