//! [`ConnectorError`]: every way a remote call can fail, grouped by how the caller reacts.
//!
//! The variants are not "which library failed" but "what do I do now": wait and retry
//! ([`ConnectorError::RateLimited`], [`ConnectorError::Transient`]), find out what happened
//! before doing anything else ([`ConnectorError::OutcomeUnknown`]), ask a person to reconnect
//! ([`ConnectorError::ReconnectNeeded`], [`ConnectorError::Unauthorized`]), fix the record
//! ([`ConnectorError::Validation`], [`ConnectorError::Conflict`], [`ConnectorError::NotFound`]),
//! use another way ([`ConnectorError::NotSupported`]) or stop ([`ConnectorError::Fatal`]).
//! Each keeps the remote's trace id (what a vendor's support desk asks for) and the source
//! error, never stringified early.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use ledgerbridge_core::credentials::CredentialError;

/// A boxed source error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What the remote said about a refused request: the HTTP status and, when the body is an
/// RFC 7807 problem (ServiceTitan's `ApiErrorResponse`), its fields.
///
/// `Display` shows the status, the title and the names of the invalid fields, never the
/// field messages: remotes echo submitted values (names, emails) into them, so they are kept
/// for the caller ([`RemoteProblem::errors`]) but not put in log lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemoteProblem {
    /// HTTP status code; 0 when the connector refused the request before sending it.
    pub status: u16,
    /// The problem's `title` (e.g. "One or more validation errors occurred.").
    pub title: Option<String>,
    /// The problem's `detail`, when present.
    pub detail: Option<String>,
    /// The problem's `type` URI.
    pub kind: Option<String>,
    /// The remote's trace id, from the body (`traceId`) or a response header.
    pub trace_id: Option<String>,
    /// Field name -> messages (`errors` of a validation problem).
    pub errors: BTreeMap<String, Vec<String>>,
}

impl RemoteProblem {
    /// A problem with only a status (the body was empty or not a problem document).
    pub fn status_only(status: u16, trace_id: Option<String>) -> Self {
        Self {
            status,
            trace_id,
            ..Self::default()
        }
    }

    /// Parses an RFC 7807 / ASP.NET `ProblemDetails` body leniently: unknown members are
    /// ignored, a body that is not JSON yields a status-only problem.
    pub fn from_body(status: u16, body: &[u8], header_trace_id: Option<String>) -> Self {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            #[serde(rename = "type")]
            kind: Option<String>,
            title: Option<String>,
            detail: Option<String>,
            trace_id: Option<String>,
            errors: Option<BTreeMap<String, serde_json::Value>>,
        }
        let Ok(wire) = serde_json::from_slice::<Wire>(body) else {
            return Self::status_only(status, header_trace_id);
        };
        let errors = wire
            .errors
            .unwrap_or_default()
            .into_iter()
            .map(|(field, value)| {
                let messages = match value {
                    serde_json::Value::Array(items) => items
                        .into_iter()
                        .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                        .collect(),
                    serde_json::Value::String(s) => vec![s],
                    other => vec![other.to_string()],
                };
                (field, messages)
            })
            .collect();
        Self {
            status,
            title: wire.title,
            detail: wire.detail,
            kind: wire.kind,
            trace_id: wire.trace_id.or(header_trace_id),
            errors,
        }
    }
}

impl fmt::Display for RemoteProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Status 0 marks a request refused locally, before it was sent.
        if self.status == 0 {
            f.write_str("refused before sending")?;
        } else {
            write!(f, "HTTP {}", self.status)?;
        }
        if let Some(title) = &self.title {
            write!(f, ": {title}")?;
        }
        if !self.errors.is_empty() {
            let fields: Vec<&str> = self.errors.keys().map(String::as_str).collect();
            write!(f, " (fields: {})", fields.join(", "))?;
        }
        if let Some(trace) = &self.trace_id {
            write!(f, " [trace {trace}]")?;
        }
        Ok(())
    }
}

/// Why a connector call failed, grouped by how the caller reacts.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The remote throttled us (429). Wait `retry_after` (when it said) and try again; the
    /// HTTP layer already did for calls that may be retried.
    #[error("rate limited by the remote{}", retry_after_text(*.retry_after))]
    RateLimited {
        /// How long the remote asked us to wait.
        retry_after: Option<Duration>,
        /// The 429 body, when there was one.
        problem: Option<Box<RemoteProblem>>,
    },

    /// The remote refused our credentials for this request even with a fresh token (401
    /// twice, or 403: a missing scope, an app not installed for the tenant). A person must
    /// fix the connection's permissions.
    #[error("the remote refused access: {problem}")]
    Unauthorized {
        /// The refusal.
        problem: Box<RemoteProblem>,
    },

    /// The stored credentials no longer work (the token endpoint rejected them, or none are
    /// stored). The run stops cleanly and the message names the `connect` command to run.
    #[error("reconnect needed: {reason}")]
    ReconnectNeeded {
        /// What was refused, without any secret.
        reason: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// The record (or route) does not exist.
    #[error("not found: {problem}")]
    NotFound {
        /// The remote's answer.
        problem: Box<RemoteProblem>,
    },

    /// The remote refused the change because of the record's current state (409).
    #[error("conflict: {problem}")]
    Conflict {
        /// The remote's answer.
        problem: Box<RemoteProblem>,
    },

    /// The remote refused the request's content (400/422). Fix the record; retrying the same
    /// request cannot succeed.
    #[error("validation failed: {problem}")]
    Validation {
        /// The remote's answer, with field errors.
        problem: Box<RemoteProblem>,
    },

    /// The remote does not offer this operation (for this tenant): 405/501, or a documented
    /// endpoint that answers 404. Not retried; the caller uses another way or reports it.
    #[error("{operation} is not supported for this tenant")]
    NotSupported {
        /// What was attempted, e.g. "create payment".
        operation: String,
        /// The remote's answer, when there was one.
        problem: Option<Box<RemoteProblem>>,
    },

    /// A failure that did not change anything remote (connection refused, 5xx, 408). Safe to
    /// retry later.
    #[error("transient failure: {reason}")]
    Transient {
        /// What failed.
        reason: String,
        /// The remote's answer, when there was one.
        problem: Option<Box<RemoteProblem>>,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },

    /// The request was sent but no answer came back (timeout, connection dropped): the remote
    /// may or may not have executed it. Idempotent and keyed calls are replayed; anything
    /// else must be looked up before it is attempted again.
    #[error("outcome unknown: {reason}")]
    OutcomeUnknown {
        /// What failed.
        reason: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },

    /// Anything retrying cannot fix: an unexpected status, a response we cannot read, a
    /// misconfiguration. Reported and the run stops for this tenant.
    #[error("fatal: {reason}{}", problem_suffix(.problem.as_deref()))]
    Fatal {
        /// What failed.
        reason: String,
        /// The remote's answer, when there was one.
        problem: Option<Box<RemoteProblem>>,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
}

fn retry_after_text(retry_after: Option<Duration>) -> String {
    retry_after
        .map(|d| format!(" (retry after {}s)", ceil_secs(d)))
        .unwrap_or_default()
}

fn problem_suffix(problem: Option<&RemoteProblem>) -> String {
    problem.map(|p| format!(" ({p})")).unwrap_or_default()
}

/// Whole seconds, rounded up, without touching floats (banned by clippy.toml).
fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl ConnectorError {
    /// Whether trying the same call again may succeed. The HTTP layer only acts on this for
    /// calls that are idempotent or carry an idempotency key.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Transient { .. } | Self::OutcomeUnknown { .. }
        )
    }

    /// How long the remote asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The remote's answer, when the failure came with one.
    pub fn problem(&self) -> Option<&RemoteProblem> {
        match self {
            Self::Unauthorized { problem }
            | Self::NotFound { problem }
            | Self::Conflict { problem }
            | Self::Validation { problem } => Some(problem),
            Self::RateLimited { problem, .. }
            | Self::NotSupported { problem, .. }
            | Self::Transient { problem, .. }
            | Self::Fatal { problem, .. } => problem.as_deref(),
            Self::ReconnectNeeded { .. } | Self::OutcomeUnknown { .. } => None,
        }
    }

    /// The remote's trace id, for a support ticket.
    pub fn trace_id(&self) -> Option<&str> {
        self.problem().and_then(|p| p.trace_id.as_deref())
    }

    /// Whether the connection must be re-established by a person (exit code 5).
    pub fn needs_reconnect(&self) -> bool {
        matches!(
            self,
            Self::ReconnectNeeded { .. } | Self::Unauthorized { .. }
        )
    }

    /// A fatal error with a reason and a source.
    pub fn fatal(reason: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Fatal {
            reason: reason.into(),
            problem: None,
            source: Some(source.into()),
        }
    }

    /// Maps a response status (not 2xx) and its parsed body to the caller reaction.
    pub fn from_status(problem: RemoteProblem, retry_after: Option<Duration>) -> Self {
        let problem = Box::new(problem);
        match problem.status {
            429 => Self::RateLimited {
                retry_after,
                problem: Some(problem),
            },
            401 | 403 => Self::Unauthorized { problem },
            404 | 410 => Self::NotFound { problem },
            409 | 412 => Self::Conflict { problem },
            400 | 422 => Self::Validation { problem },
            405 | 501 => Self::NotSupported {
                operation: "this operation".to_owned(),
                problem: Some(problem),
            },
            408 | 500 | 502 | 503 | 504 => Self::Transient {
                reason: format!("the remote answered {}", problem.status),
                problem: Some(problem),
                source: None,
            },
            status => Self::Fatal {
                reason: format!("unexpected HTTP status {status}"),
                problem: Some(problem),
                source: None,
            },
        }
    }
}

impl From<CredentialError> for ConnectorError {
    fn from(e: CredentialError) -> Self {
        match e {
            CredentialError::UnknownConnection { .. } => Self::ReconnectNeeded {
                reason: e.to_string(),
                source: Some(Box::new(e)),
            },
            other => Self::Fatal {
                reason: "credential storage failed".to_owned(),
                problem: None,
                source: Some(Box::new(other)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7807_body_keeps_trace_id_and_field_names_but_not_messages_in_display() {
        let body = br#"{"type":"https://x/validation","title":"One or more validation errors occurred.",
            "status":400,"traceId":"00-abc-def-00","errors":{"Name":["'Jane Roe' is too long"]},"data":{}}"#;
        let problem = RemoteProblem::from_body(400, body, Some("header-trace".into()));
        assert_eq!(problem.trace_id.as_deref(), Some("00-abc-def-00"));
        assert_eq!(
            problem.errors["Name"],
            vec!["'Jane Roe' is too long".to_owned()]
        );
        let err = ConnectorError::from_status(problem, None);
        assert!(matches!(err, ConnectorError::Validation { .. }));
        assert_eq!(err.trace_id(), Some("00-abc-def-00"));
        let shown = err.to_string();
        assert!(
            shown.contains("Name") && shown.contains("00-abc-def-00"),
            "{shown}"
        );
        assert!(
            !shown.contains("Jane Roe"),
            "field messages may carry PII: {shown}"
        );
    }

    #[test]
    fn non_json_body_falls_back_to_the_header_trace_id() {
        let problem =
            RemoteProblem::from_body(502, b"<html>bad gateway</html>", Some("t-1".into()));
        assert_eq!(problem, RemoteProblem::status_only(502, Some("t-1".into())));
        let err = ConnectorError::from_status(problem, None);
        assert!(err.is_retryable());
        assert_eq!(err.trace_id(), Some("t-1"));
    }

    #[test]
    fn statuses_map_to_caller_reactions() {
        let of = |s| ConnectorError::from_status(RemoteProblem::status_only(s, None), None);
        assert!(matches!(of(429), ConnectorError::RateLimited { .. }));
        assert!(matches!(of(401), ConnectorError::Unauthorized { .. }));
        assert!(matches!(of(404), ConnectorError::NotFound { .. }));
        assert!(matches!(of(405), ConnectorError::NotSupported { .. }));
        assert!(matches!(of(409), ConnectorError::Conflict { .. }));
        assert!(matches!(of(422), ConnectorError::Validation { .. }));
        assert!(matches!(of(503), ConnectorError::Transient { .. }));
        assert!(matches!(of(418), ConnectorError::Fatal { .. }));
        assert!(!of(400).is_retryable() && !of(404).is_retryable() && of(500).is_retryable());
        assert!(of(403).needs_reconnect());
    }

    #[test]
    fn rate_limited_display_rounds_retry_after_up() {
        let err = ConnectorError::RateLimited {
            retry_after: Some(Duration::from_millis(1500)),
            problem: None,
        };
        assert_eq!(
            err.to_string(),
            "rate limited by the remote (retry after 2s)"
        );
        assert_eq!(err.retry_after(), Some(Duration::from_millis(1500)));
    }
}
