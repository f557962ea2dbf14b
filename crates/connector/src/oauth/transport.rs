//! The HTTP under the token endpoint: the connector's `reqwest` client plugged into
//! `oauth2`, and answers that are neither a token nor an OAuth error mapped to reactions.

use std::time::Duration;

use oauth2::basic::BasicErrorResponse;

use crate::error::{ConnectorError, RemoteProblem};
use crate::http::headers;

/// A token-endpoint answer that is not a token or an OAuth error document.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TokenHttpError {
    #[error("could not connect to the token endpoint")]
    Connect(#[source] reqwest::Error),
    #[error("the token request was sent but no answer came back")]
    Lost(#[source] reqwest::Error),
    #[error("token endpoint throttled the request")]
    Throttled {
        retry_after: Option<Duration>,
        problem: RemoteProblem,
    },
    #[error("token endpoint answered {}", .0.status)]
    Server(RemoteProblem),
    #[error("token endpoint refused the request with {}", .0.status)]
    Refused(RemoteProblem),
}

pub(crate) fn http_error(e: TokenHttpError, hint: &str) -> ConnectorError {
    match e {
        TokenHttpError::Connect(e) => ConnectorError::Transient {
            reason: "could not connect to the token endpoint".to_owned(),
            problem: None,
            source: Some(Box::new(e)),
        },
        TokenHttpError::Lost(e) => ConnectorError::OutcomeUnknown {
            reason: "the token answer was lost".to_owned(),
            source: Some(Box::new(e)),
        },
        TokenHttpError::Throttled {
            retry_after,
            problem,
        } => ConnectorError::RateLimited {
            retry_after,
            problem: Some(Box::new(problem)),
        },
        TokenHttpError::Server(problem) => ConnectorError::Transient {
            reason: format!("the token endpoint answered {}", problem.status),
            problem: Some(Box::new(problem)),
            source: None,
        },
        TokenHttpError::Refused(problem) if matches!(problem.status, 400 | 401 | 403) => {
            ConnectorError::ReconnectNeeded {
                reason: format!("the token endpoint refused the request ({problem}); {hint}"),
                source: None,
            }
        }
        TokenHttpError::Refused(problem) => ConnectorError::Fatal {
            reason: "the token endpoint refused the request".to_owned(),
            problem: Some(Box::new(problem)),
            source: None,
        },
    }
}

pub(crate) async fn send_token_request(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, TokenHttpError> {
    let request = reqwest::Request::try_from(request).map_err(TokenHttpError::Connect)?;
    let response = http.execute(request).await.map_err(|e| {
        if e.is_connect() {
            TokenHttpError::Connect(e.without_url())
        } else {
            TokenHttpError::Lost(e.without_url())
        }
    })?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| TokenHttpError::Lost(e.without_url()))?;
    let trace = headers::trace_id(&headers);
    if status.as_u16() == 429 {
        return Err(TokenHttpError::Throttled {
            retry_after: headers::retry_after(&headers, chrono::Utc::now()),
            problem: RemoteProblem::from_body(429, &body, trace),
        });
    }
    if status.is_server_error() {
        return Err(TokenHttpError::Server(RemoteProblem::from_body(
            status.as_u16(),
            &body,
            trace,
        )));
    }
    // An OAuth error document goes to oauth2 (it knows `invalid_grant`); anything else that is
    // not a success is ours to classify. A revocation success may have an empty body.
    if status.is_client_error() && serde_json::from_slice::<BasicErrorResponse>(&body).is_err() {
        return Err(TokenHttpError::Refused(RemoteProblem::from_body(
            status.as_u16(),
            &body,
            trace,
        )));
    }
    let mut out = http::Response::builder().status(status);
    if let Some(h) = out.headers_mut() {
        *h = headers;
    }
    Ok(out
        .body(body.to_vec())
        .expect("status and headers came from a valid response"))
}
