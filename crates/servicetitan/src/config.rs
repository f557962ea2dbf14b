//! What a ServiceTitan connector is built from: endpoints, tenant, credentials, limits.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use ledgerbridge_connector::{HttpSettings, RateLimit};
use ledgerbridge_core::Currency;
use secrecy::SecretString;
use url::Url;

pub use ledgerbridge_core::Environment;

/// Which ServiceTitan environment an API base URL reaches, decided by host (CONTRACTS.md: a connection
/// records its environment so sandbox data never lands in production books).
pub(crate) fn environment_of(url: &Url) -> Environment {
    match url.host() {
        Some(url::Host::Ipv4(ip)) if IpAddr::V4(ip).is_loopback() => Environment::Sandbox,
        Some(url::Host::Ipv6(ip)) if IpAddr::V6(ip).is_loopback() => Environment::Sandbox,
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => Environment::Sandbox,
        Some(url::Host::Domain(d))
            if d.eq_ignore_ascii_case("api-integration.servicetitan.io")
                || d.eq_ignore_ascii_case("auth-integration.servicetitan.io") =>
        {
            Environment::Integration
        }
        _ => Environment::Production,
    }
}

/// Where the API and the token endpoint are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// Precedes `/{module}/v2/tenant/{tenant}/…` (no trailing slash needed).
    pub api_base: Url,
    /// The absolute `/connect/token` URL.
    pub token_url: Url,
}

impl Endpoints {
    /// Production: `api.servicetitan.io` / `auth.servicetitan.io`.
    pub fn production() -> Self {
        Self::parse(
            "https://api.servicetitan.io",
            "https://auth.servicetitan.io/connect/token",
        )
    }

    /// Integration: `api-integration.servicetitan.io` / `auth-integration.servicetitan.io`.
    pub fn integration() -> Self {
        Self::parse(
            "https://api-integration.servicetitan.io",
            "https://auth-integration.servicetitan.io/connect/token",
        )
    }

    fn parse(api: &str, token: &str) -> Self {
        Self {
            api_base: Url::parse(api).expect("static URL"),
            token_url: Url::parse(token).expect("static URL"),
        }
    }

    /// The environment the API host belongs to.
    pub fn environment(&self) -> Environment {
        environment_of(&self.api_base)
    }
}

/// The three secrets of a ServiceTitan connection.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// `cid.…`, per environment and tenant.
    pub client_id: String,
    /// `cs1.…`/`cs2.…`.
    pub client_secret: SecretString,
    /// `ak1.…`, the application key sent as `ST-App-Key`.
    pub app_key: SecretString,
}

/// Everything a [`crate::ServiceTitan`] connector needs.
#[derive(Clone, Debug)]
pub struct ServiceTitanConfig {
    /// API and token URLs.
    pub endpoints: Endpoints,
    /// The tenant id (int64 path parameter).
    pub tenant_id: i64,
    /// The connection's secrets.
    pub credentials: Credentials,
    /// Timeouts, retries and pacing ([`ServiceTitanConfig::documented_limit`] by default).
    pub http: HttpSettings,
    /// Page size for lists: the largest the API accepts (5000 per the partner docs) so a
    /// 10,000-invoice backfill is two requests, not two hundred.
    pub page_size: u32,
    /// Read export feeds with `includeRecentChanges=true`: changes show up at once instead of
    /// after ServiceTitan's 15-minute lag, at the price of duplicates (deduplicated here).
    pub include_recent_changes: bool,
    /// How many invoices one `markasexported` call carries.
    pub mark_batch_size: usize,
    /// The tenant's currency (ServiceTitan amounts carry none).
    pub currency: Currency,
}

impl ServiceTitanConfig {
    /// "60 calls per second per application per tenant" (developer.servicetitan.io FAQ).
    pub fn documented_limit() -> RateLimit {
        RateLimit::per_second(NonZeroU32::new(60).expect("non-zero"))
    }

    /// A config with the documented limit, a 110 s timeout (the server gives up at 100 s),
    /// pages of 5000, recent changes included, batches of 50 and USD.
    pub fn new(endpoints: Endpoints, tenant_id: i64, credentials: Credentials) -> Self {
        Self {
            endpoints,
            tenant_id,
            credentials,
            http: HttpSettings {
                timeout: Duration::from_secs(110),
                rate_limit: Some(Self::documented_limit()),
                ..HttpSettings::default()
            },
            page_size: 5000,
            include_recent_changes: true,
            mark_batch_size: 50,
            currency: Currency::USD,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_follows_the_host() {
        let env = |u: &str| environment_of(&Url::parse(u).unwrap());
        assert_eq!(env("http://127.0.0.1:8701"), Environment::Sandbox);
        assert_eq!(env("http://[::1]:8701"), Environment::Sandbox);
        assert_eq!(env("http://localhost:8701"), Environment::Sandbox);
        assert_eq!(
            env("https://api-integration.servicetitan.io"),
            Environment::Integration
        );
        assert_eq!(env("https://api.servicetitan.io"), Environment::Production);
        assert_eq!(env("https://st-proxy.example.com"), Environment::Production);
        assert_eq!(
            Endpoints::integration().environment(),
            Environment::Integration
        );
        assert_eq!(
            Endpoints::production().environment().to_string(),
            "production"
        );
    }
}
