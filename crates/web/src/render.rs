//! Rendering helpers: askama templates as responses, the page chrome (navigation, flash,
//! CSRF token), and how values are shown to a person.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::security::session::{CurrentSession, Flash};
use crate::state::AppState;

/// An askama template as an HTML response (the 15-line wrapper of axum's templates example,
/// instead of another dependency).
pub(crate) struct Html<T>(pub(crate) T);

impl<T: Template> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        match self.0.render() {
            Ok(body) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                )],
                body,
            )
                .into_response(),
            Err(error) => {
                tracing::error!(%error, "template failed to render");
                (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
            }
        }
    }
}

/// One entry of the main navigation.
pub(crate) struct NavItem {
    pub(crate) href: &'static str,
    pub(crate) label: &'static str,
    pub(crate) current: bool,
}

const NAV: [(&str, &str); 6] = [
    ("/", "Dashboard"),
    ("/conflicts", "Conflicts"),
    ("/suggestions", "Customer matches"),
    ("/report", "Report"),
    ("/runs", "Runs"),
    ("/mappings", "Mappings"),
];

/// What every page shows around its content.
pub(crate) struct Chrome {
    pub(crate) title: String,
    pub(crate) nav: Vec<NavItem>,
    pub(crate) csrf: String,
    pub(crate) flash: Option<Flash>,
    pub(crate) user: Option<String>,
}

impl Chrome {
    /// The chrome of a page of `session`, with `active` (a nav href) marked current. Takes the
    /// session's pending flash message.
    pub(crate) fn new(
        state: &AppState,
        session: &CurrentSession,
        title: &str,
        active: &str,
    ) -> Self {
        Self {
            title: title.to_owned(),
            nav: nav(active),
            csrf: session.csrf.clone(),
            flash: state.inner.sessions.take_flash(&session.id),
            user: if state.requires_login() {
                session.user.clone()
            } else {
                None
            },
        }
    }

    /// Chrome without a session (error pages): navigation only.
    pub(crate) fn bare(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            nav: nav(""),
            csrf: String::new(),
            flash: None,
            user: None,
        }
    }
}

fn nav(active: &str) -> Vec<NavItem> {
    NAV.iter()
        .map(|&(href, label)| NavItem {
            href,
            label,
            current: href == active,
        })
        .collect()
}

/// A timestamp as people read it in a table: `2026-11-29 08:41 UTC`.
pub(crate) fn when(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An optional timestamp; empty when absent.
pub(crate) fn when_opt(at: Option<&DateTime<Utc>>) -> String {
    at.map(when).unwrap_or_default()
}

/// A canonical JSON value as a person reads it: text as is, money as `12.30 USD`, booleans as
/// yes/no, anything structured as compact JSON. `None` for null (shown as "empty").
pub(crate) fn shown(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(map) if is_money(value) => Some(format!(
            "{} {}",
            map.get("amount")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            map.get("currency")
                .and_then(Value::as_str)
                .unwrap_or_default()
        )),
        other => Some(other.to_string()),
    }
}

/// Whether a value is a canonical money object `{"amount": "12.30", "currency": "USD"}`.
pub(crate) fn is_money(value: &Value) -> bool {
    value.as_object().is_some_and(|m| {
        m.len() == 2
            && m.get("amount").is_some_and(Value::is_string)
            && m.get("currency").is_some_and(Value::is_string)
    })
}

/// Percent-encodes a query-string value (only unreserved characters stay as they are).
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_read_like_a_person_writes_them() {
        assert_eq!(shown(&json!(null)), None);
        assert_eq!(shown(&json!("Net 30")).as_deref(), Some("Net 30"));
        assert_eq!(shown(&json!(true)).as_deref(), Some("yes"));
        assert_eq!(
            shown(&json!({"amount": "12.30", "currency": "USD"})).as_deref(),
            Some("12.30 USD")
        );
        assert_eq!(
            shown(&json!({"key": "st:1", "quantity": "2"})).as_deref(),
            Some(r#"{"key":"st:1","quantity":"2"}"#)
        );
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(encode("1017823"), "1017823");
    }
}
