//! What a Xero connector is built from: endpoints, the tenant, limits, paging and batching.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use ledgerbridge_connector::{HttpSettings, RateLimit};
use url::Url;

pub use ledgerbridge_core::Environment;

/// Which Xero environment an API base URL reaches, decided by host (CONTRACTS.md: a connection
/// records its environment so sandbox data never lands in production books).
pub(crate) fn environment_of(url: &Url) -> Environment {
    if is_loopback(url) {
        Environment::Sandbox
    } else {
        Environment::Production
    }
}

/// Whether `url` points at this machine (`--approve-sandbox` is refused anywhere else).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Where Xero's hosts are. The sandbox serves all of them from one base (`sandbox serve
/// --json` prints them, CONTRACTS.md); production spreads them over three hosts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// Precedes `/api.xro/2.0`.
    pub api_base: Url,
    /// Precedes `/connections`.
    pub identity_base: Url,
    /// The consent page (`login.xero.com/identity/connect/authorize`).
    pub authorize_url: Url,
    /// The token endpoint (`identity.xero.com/connect/token`).
    pub token_url: Url,
    /// The revocation endpoint (`identity.xero.com/connect/revocation`).
    pub revoke_url: Url,
}

impl Endpoints {
    /// Xero's production hosts (API facts §1).
    pub fn production() -> Self {
        let url = |s: &str| Url::parse(s).expect("static URL");
        Self {
            api_base: url("https://api.xero.com"),
            identity_base: url("https://api.xero.com"),
            authorize_url: url("https://login.xero.com/identity/connect/authorize"),
            token_url: url("https://identity.xero.com/connect/token"),
            revoke_url: url("https://identity.xero.com/connect/revocation"),
        }
    }

    /// All endpoints below one base, the way the sandbox serves them.
    pub fn sandbox(base: &Url) -> Self {
        let join = |path: &str| {
            let text = format!("{}{path}", base.as_str().trim_end_matches('/'));
            Url::parse(&text).expect("a base URL plus a path is a URL")
        };
        Self {
            api_base: base.clone(),
            identity_base: base.clone(),
            authorize_url: join("/identity/connect/authorize"),
            token_url: join("/connect/token"),
            revoke_url: join("/connect/revocation"),
        }
    }

    /// The environment the API host belongs to.
    pub fn environment(&self) -> Environment {
        environment_of(&self.api_base)
    }
}

/// Everything a [`crate::Xero`] connector needs besides its token provider.
#[derive(Clone, Debug)]
pub struct XeroConfig {
    /// Hosts.
    pub endpoints: Endpoints,
    /// The organisation (`xero-tenant-id` header), chosen from `/connections` at connect time.
    pub tenant_id: String,
    /// Timeouts, retries and minute pacing ([`XeroConfig::documented_minute_limit`]).
    pub http: HttpSettings,
    /// Page size of paged reads: Xero's maximum, 1000 (larger values are clamped by Xero).
    pub page_size: u32,
    /// Elements per write request: Xero recommends batches of up to 50.
    pub batch_size: usize,
    /// How far before the stored cursor an incremental read starts. `If-Modified-Since` has
    /// second precision and some changes land with a slightly older `UpdatedDateUTC`; the
    /// records read twice are dropped by id + `UpdatedDateUTC`.
    pub overlap: Duration,
    /// How long Xero is trusted to replay an `Idempotency-Key` from its first use. Reported
    /// as about 6 minutes (API facts §4, unconfirmed); 5 keeps a margin for clock skew. After
    /// it, a lost create is resolved by looking the record up, never by sending it again.
    pub idempotency_window: Duration,
    /// Calls in flight at once per tenant: Xero allows 5.
    pub concurrency: usize,
    /// Below this many calls left today, nothing is retried automatically: the day's budget is
    /// for new work, not for hammering (a failed call comes back to the caller, which replays
    /// it by its idempotency key in the next run).
    pub day_reserve: u32,
}

impl XeroConfig {
    /// 60 calls a minute per tenant (developer.xero.com/documentation/oauth2/limits).
    pub fn documented_minute_limit() -> RateLimit {
        RateLimit::per_minute(NonZeroU32::new(60).expect("non-zero"))
    }

    /// A config with the documented limits, pages of 1000, batches of 50, a 5-minute overlap
    /// and idempotency window, 5 calls in flight and a reserve of 100 calls a day.
    pub fn new(endpoints: Endpoints, tenant_id: impl Into<String>) -> Self {
        Self {
            endpoints,
            tenant_id: tenant_id.into(),
            http: HttpSettings {
                timeout: Duration::from_secs(100),
                rate_limit: Some(Self::documented_minute_limit()),
                ..HttpSettings::default()
            },
            page_size: 1000,
            batch_size: 50,
            overlap: Duration::from_secs(300),
            idempotency_window: Duration::from_secs(300),
            concurrency: 5,
            day_reserve: 100,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_follows_the_host() {
        let env = |u: &str| environment_of(&Url::parse(u).unwrap());
        assert_eq!(env("http://127.0.0.1:8703"), Environment::Sandbox);
        assert_eq!(env("http://[::1]:8703"), Environment::Sandbox);
        assert_eq!(env("http://LOCALHOST:1"), Environment::Sandbox);
        assert_eq!(env("https://api.xero.com"), Environment::Production);
        assert_eq!(env("https://xero.example.com"), Environment::Production);
        assert_eq!(Endpoints::production().environment().as_str(), "production");
    }

    #[test]
    fn sandbox_endpoints_hang_below_one_base() {
        let e = Endpoints::sandbox(&Url::parse("http://127.0.0.1:8703/").unwrap());
        assert_eq!(e.token_url.as_str(), "http://127.0.0.1:8703/connect/token");
        assert_eq!(
            e.authorize_url.as_str(),
            "http://127.0.0.1:8703/identity/connect/authorize"
        );
        assert_eq!(e.environment(), Environment::Sandbox);
    }
}
