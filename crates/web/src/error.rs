//! Errors: [`WebError`] for the caller of `serve`, and the handlers' error, which becomes a
//! page.
//!
//! Handler errors are grouped by what the person in front of the page can do: fix the request
//! (400), look elsewhere (404), reload because something moved (409), wait (503 when the
//! ledger is busy with a sync), or nothing (500: the details go to the log, with ids only, and
//! the page says only that it failed).

use std::net::SocketAddr;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ledgerbridge_ledger::LedgerError;

use crate::render::{Chrome, Html};
use crate::report_source::ReportError;

/// Why the UI could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Serving beyond loopback without a password would hand the books to the network.
    #[error(
        "refusing to serve on {addr} without a password: any address other than loopback \
         (127.0.0.1, ::1) requires one (--password-file FILE or LEDGERBRIDGE_WEB_PASSWORD)"
    )]
    PasswordRequired {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// An empty password protects nothing.
    #[error("the web password is empty")]
    EmptyPassword,
    /// A short password falls to guessing even at the throttled rate.
    #[error("the web password is too short: it needs at least {min} characters")]
    PasswordTooShort {
        /// The fewest characters accepted.
        min: usize,
    },
    /// The address could not be bound (in use, not ours, no permission).
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("the web server stopped")]
    Serve(#[source] std::io::Error),
}

/// A handler's failure, rendered as a page with the matching status.
#[derive(Debug)]
pub(crate) enum AppError {
    /// The request cannot be served as sent; the message says why.
    BadRequest(String),
    /// Nothing there.
    NotFound(String),
    /// The thing changed since the page was loaded (e.g. a conflict already resolved).
    Conflict(String),
    /// The ledger is busy with another writer; try again shortly.
    Busy,
    /// Our fault; details are logged, not shown.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl From<LedgerError> for AppError {
    fn from(error: LedgerError) -> Self {
        if error.is_retryable() {
            Self::Busy
        } else {
            Self::Internal(Box::new(error))
        }
    }
}

impl From<ReportError> for AppError {
    fn from(error: ReportError) -> Self {
        match error {
            ReportError::Ledger(e) => e.into(),
            ReportError::Unavailable(message) => Self::Conflict(message),
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    pub(crate) chrome: Chrome,
    pub(crate) heading: String,
    pub(crate) message: String,
}

/// A plain page with a heading and one paragraph (errors, refusals).
pub(crate) fn message_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let page = MessagePage {
        chrome: Chrome::bare(heading),
        heading: heading.to_owned(),
        message: message.to_owned(),
    };
    (status, Html(page)).into_response()
}

/// Walks an error's sources into one line for the log.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            Self::BadRequest(m) => message_page(StatusCode::BAD_REQUEST, "Cannot do that", &m),
            Self::NotFound(m) => message_page(StatusCode::NOT_FOUND, "Not found", &m),
            Self::Conflict(m) => message_page(StatusCode::CONFLICT, "Changed meanwhile", &m),
            Self::Busy => {
                let mut response = message_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Ledger busy",
                    "A sync is writing to the ledger. Try again in a few seconds.",
                );
                response
                    .headers_mut()
                    .insert("retry-after", axum::http::HeaderValue::from_static("5"));
                response
            }
            Self::Internal(error) => {
                tracing::error!(error = %chain(error.as_ref()), "request failed");
                message_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The request failed. The server log has the details.",
                )
            }
        }
    }
}
