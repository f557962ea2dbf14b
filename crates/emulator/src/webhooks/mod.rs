//! Outgoing webhooks, shared by the QuickBooks and Xero emulators: the signature both vendors
//! use (base64 of an HMAC-SHA256 of the raw body), the delivery state machine
//! ([`outbox::Outbox`], pure and driven by the sandbox clock), the POST itself and the
//! background worker that runs it.
//!
//! Why a polling worker: the emulators' API handlers never wait for a webhook. Each emulator
//! gives [`spawn_worker`] a step function; the worker calls it every [`TICK`] of wall time,
//! and the step reads the sandbox clock, so `POST /_sandbox/clock` makes retries due at the
//! next tick.

pub mod outbox;

use std::future::Future;
use std::time::Duration as StdDuration;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub use outbox::{AfterFailure, Attempt, Outbox, RetrySchedule};

/// How often a webhook worker looks for changes and due deliveries (wall time).
pub const TICK: StdDuration = StdDuration::from_millis(100);

/// base64(HMAC-SHA256(key, body)): `intuit-signature` and `x-xero-signature` alike.
pub fn sign(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks a receiver's base URL (`http(s)://host[:port][/prefix]`) and returns it without a
/// trailing slash; the vendor path (`/webhooks/quickbooks`) is appended to it.
pub fn receiver_base(url: &str) -> Result<String, String> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| format!("url is not an absolute URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err("url must be an http:// or https:// URL with a host".into());
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("url must not carry a query or a fragment".into());
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// What the receiver answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// An HTTP client for deliveries: no proxy (receivers are usually on loopback).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a plain HTTP client builds")
}

/// POSTs `body` as JSON with `header: signature`; `Err` for a connection error or when no
/// complete answer came within `timeout` (both count as failed deliveries).
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    header: &str,
    signature: &str,
    body: Vec<u8>,
    timeout: StdDuration,
) -> Result<Answer, String> {
    let send = async {
        let response = client
            .post(url)
            .header("content-type", "application/json")
            .header(header, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        Ok(Answer {
            status,
            body: body.to_vec(),
        })
    };
    tokio::time::timeout(timeout, send)
        .await
        .map_err(|_| format!("no answer within {} ms", timeout.as_millis()))?
}

/// Runs `step` every [`TICK`] until it returns `false` (its emulator is gone). Needs a tokio
/// runtime; the emulators call it from the first `set` of a webhook URL.
pub fn spawn_worker<F, Fut>(mut step: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    tokio::spawn(async move {
        while step().await {
            tokio::time::sleep(TICK).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_fact_sheet_vector() {
        let body = br#"{"eventNotifications":[{"realmId":"1185883450","dataChangeEvent":{"entities":[{"name":"Customer","id":"1","operation":"Create","lastUpdated":"2015-10-05T14:42:19-0700"}]}}]}"#;
        assert_eq!(
            sign("verifier-token-example", body),
            "EfHoL/Jcn2M6tBOsHcC/6CABYnTxqlUYEzms5kG25P0="
        );
    }

    #[test]
    fn receiver_urls_are_checked() {
        assert_eq!(
            receiver_base("http://127.0.0.1:8090/").as_deref(),
            Ok("http://127.0.0.1:8090")
        );
        assert!(receiver_base("ftp://x").is_err());
        assert!(receiver_base("not a url").is_err());
        assert!(receiver_base("http://h/?a=1").is_err());
    }
}
