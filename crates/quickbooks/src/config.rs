//! What a QuickBooks connector is built from: endpoints, realm, limits, windows.

use std::num::NonZeroU32;
use std::time::Duration;

use ledgerbridge_connector::oauth::{OAuthApp, RevokeBody, is_loopback};
use ledgerbridge_connector::{HttpSettings, RateLimit};
use ledgerbridge_core::Currency;
use ledgerbridge_core::WallClock;
use secrecy::SecretString;
use url::Url;

pub use ledgerbridge_core::Environment;

/// The accounting scope (API facts §1.2).
pub const SCOPE_ACCOUNTING: &str = "com.intuit.quickbooks.accounting";

/// The command that makes a QuickBooks connection, named in every reconnect message.
pub const RECONNECT_COMMAND: &str = "ledgerbridge connect quickbooks";

/// Which QuickBooks environment an API base URL reaches, decided by host (CONTRACTS.md: a connection
/// records its environment so sandbox data never lands in production books).
pub(crate) fn environment_of(url: &Url) -> Environment {
    let sandbox_host = url
        .host_str()
        .is_some_and(|h| h.eq_ignore_ascii_case("sandbox-quickbooks.api.intuit.com"));
    if sandbox_host || is_loopback(url) {
        Environment::Sandbox
    } else {
        Environment::Production
    }
}

/// Where the API and the OAuth endpoints are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// Precedes `/v3/company/{realmId}/…`.
    pub api_base: Url,
    /// The consent page.
    pub authorize_url: Url,
    /// Code exchange and refresh.
    pub token_url: Url,
    /// Revocation.
    pub revoke_url: Url,
}

impl Endpoints {
    fn intuit(api: &str) -> Self {
        let parse = |u: &str| Url::parse(u).expect("static URL");
        Self {
            api_base: parse(api),
            authorize_url: parse("https://appcenter.intuit.com/connect/oauth2"),
            token_url: parse("https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"),
            revoke_url: parse("https://developer.api.intuit.com/v2/oauth2/tokens/revoke"),
        }
    }

    /// Production books.
    pub fn production() -> Self {
        Self::intuit("https://quickbooks.api.intuit.com")
    }

    /// Intuit's sandbox companies (same OAuth endpoints, other API host).
    pub fn sandbox() -> Self {
        Self::intuit("https://sandbox-quickbooks.api.intuit.com")
    }

    /// The environment the API host belongs to.
    pub fn environment(&self) -> Environment {
        environment_of(&self.api_base)
    }

    /// The OAuth app for these endpoints: HTTP Basic client auth, the accounting scope, no
    /// PKCE (the API facts document none for Intuit), refresh tokens assumed to live 100 days
    /// when an answer does not say (Intuit states `x_refresh_token_expires_in`).
    pub fn oauth_app(
        &self,
        client_id: impl Into<String>,
        client_secret: SecretString,
        redirect_uri: Url,
    ) -> OAuthApp {
        let mut app = OAuthApp::new(
            "QuickBooks",
            (
                self.authorize_url.clone(),
                self.token_url.clone(),
                Some(self.revoke_url.clone()),
            ),
            redirect_uri,
            client_id,
            client_secret,
            RECONNECT_COMMAND,
        );
        app.scopes = vec![SCOPE_ACCOUNTING.to_owned()];
        app.default_refresh_lifetime = Duration::from_secs(100 * 86_400);
        app.revoke_body = RevokeBody::Json;
        app
    }
}

/// Local pacing at the documented limits (API facts §9). `None` leaves it to the remote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// 10 requests per second per realm and app (paced by the shared HTTP layer).
    pub per_second: Option<RateLimit>,
    /// 500 requests per minute per realm.
    pub per_minute: Option<RateLimit>,
    /// 40 batch requests per minute per realm and app.
    pub batches_per_minute: Option<RateLimit>,
}

impl Limits {
    /// The documented limits.
    pub fn documented() -> Self {
        let n = |v| NonZeroU32::new(v).expect("non-zero");
        Self {
            per_second: Some(RateLimit::per_second(n(10))),
            per_minute: Some(RateLimit::per_minute(n(500))),
            batches_per_minute: Some(RateLimit::per_minute(n(40))),
        }
    }

    /// No local pacing (benchmarks against `--limits off`).
    pub fn none() -> Self {
        Self {
            per_second: None,
            per_minute: None,
            batches_per_minute: None,
        }
    }
}

/// Everything a [`crate::QuickBooks`] connector needs.
#[derive(Clone, Debug)]
pub struct QuickBooksConfig {
    /// API and OAuth URLs.
    pub endpoints: Endpoints,
    /// The company (realm id) the connection was made for.
    pub realm_id: String,
    /// `minorversion` on every call: 75, the lowest Intuit still supports.
    pub minor_version: u32,
    /// Timeouts and retries (QuickBooks gives up on a request after 120 s).
    pub http: HttpSettings,
    /// Local pacing.
    pub limits: Limits,
    /// Items per batch request: 30, the documented recommendation and every SDK's limit.
    pub batch_size: usize,
    /// Rows per query page: 1000, the maximum.
    pub page_size: u32,
    /// How far before the cursor each pull starts again, so records committed with a
    /// timestamp just before the last one seen are not missed.
    pub overlap: Duration,
    /// The oldest `changedSince` CDC is asked for; older cursors use query paging. CDC
    /// reaches back 30 days; an hour is kept as margin against clock differences.
    pub cdc_max_age: Duration,
    /// The company's home currency (amounts without `CurrencyRef` are in it).
    pub home_currency: Currency,
    /// Where "now" comes from (CDC age checks).
    pub clock: WallClock,
}

impl QuickBooksConfig {
    /// A config with the documented limits, minor version 75, pages of 1000, batches of 30,
    /// a 5-minute overlap and USD.
    pub fn new(endpoints: Endpoints, realm_id: impl Into<String>) -> Self {
        Self {
            endpoints,
            realm_id: realm_id.into(),
            minor_version: 75,
            http: HttpSettings {
                timeout: Duration::from_secs(130),
                rate_limit: Limits::documented().per_second,
                ..HttpSettings::default()
            },
            limits: Limits::documented(),
            batch_size: 30,
            page_size: 1000,
            overlap: Duration::from_secs(300),
            cdc_max_age: Duration::from_secs(30 * 86_400 - 3_600),
            home_currency: Currency::USD,
            clock: WallClock::system(),
        }
    }

    /// Applies `limits` to both the HTTP layer and the connector's own pacers.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.http.rate_limit = limits.per_second;
        self.limits = limits;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_follows_the_api_host() {
        assert_eq!(
            Endpoints::production().environment(),
            Environment::Production
        );
        assert_eq!(Endpoints::sandbox().environment(), Environment::Sandbox);
        let local = Url::parse("http://127.0.0.1:8702").unwrap();
        assert_eq!(environment_of(&local), Environment::Sandbox);
        let proxy = Url::parse("https://qbo-proxy.example.com").unwrap();
        assert_eq!(environment_of(&proxy).to_string(), "production");
    }

    #[test]
    fn the_oauth_app_asks_for_accounting_without_pkce() {
        let app = Endpoints::production().oauth_app(
            "id",
            SecretString::from("s".to_owned()),
            Url::parse("http://127.0.0.1:8765/callback").unwrap(),
        );
        assert_eq!(app.scopes, vec![SCOPE_ACCOUNTING.to_owned()]);
        assert!(!app.pkce);
        assert_eq!(app.reconnect_command, RECONNECT_COMMAND);
    }
}
