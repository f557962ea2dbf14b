//! What Slack and webhook channels share: the HTTP client and how an answer maps to
//! [`Delivered`] or [`ChannelError`].

use std::time::Duration;

use crate::ChannelError;
use crate::channel::Delivered;

/// How long to wait when a 429 names no `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);

pub(crate) fn client() -> Result<reqwest::Client, ChannelError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("ledgerbridge/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ChannelError::Permanent(format!("HTTP client: {e}")))
}

/// A request error without its URL (a Slack webhook URL is a secret).
pub(crate) fn request_error(error: reqwest::Error) -> ChannelError {
    ChannelError::Transient(error.without_url().to_string())
}

/// Maps the answer: 2xx delivered; 429 waits `Retry-After`; 5xx and 408 may pass; other 4xx
/// will not.
pub(crate) async fn answer(response: reqwest::Response) -> Result<Delivered, ChannelError> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text().await.unwrap_or_default();
    let body: String = body.trim().chars().take(200).collect();
    let text = format!("HTTP {} {body}", status.as_u16())
        .trim_end()
        .to_owned();
    if status.is_success() {
        Ok(Delivered { answer: text })
    } else if status.as_u16() == 429 {
        Err(ChannelError::RateLimited {
            retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
        })
    } else if status.is_server_error() || status.as_u16() == 408 {
        Err(ChannelError::Transient(text))
    } else {
        Err(ChannelError::Permanent(text))
    }
}
