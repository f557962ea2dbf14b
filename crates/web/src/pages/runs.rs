//! `GET /runs`: the sync runs with their counts.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::IntoResponse;
use ledgerbridge_ledger::{Run, RunStatus};
use serde_json::Value;

use crate::error::AppError;
use crate::render::{Chrome, Html, when, when_opt};
use crate::security::session::CurrentSession;
use crate::state::AppState;

/// The seven run counts of CONTRACTS.md, in their pinned order.
pub(crate) const COUNT_KEYS: [&str; 7] = [
    "created",
    "updated",
    "unchanged",
    "skipped",
    "blocked",
    "conflicts",
    "errors",
];

/// A run as a table row.
pub(crate) struct RunRow {
    pub(crate) id: i64,
    pub(crate) started: String,
    pub(crate) finished: String,
    pub(crate) dry_run: bool,
    pub(crate) status: String,
    pub(crate) status_class: &'static str,
    pub(crate) counts: Vec<u64>,
    /// Tenants whose sync stopped early, with why.
    pub(crate) stopped: Vec<String>,
}

fn count(counts: &Value, key: &str) -> u64 {
    counts.get(key).and_then(Value::as_u64).unwrap_or(0)
}

impl RunRow {
    pub(crate) fn new(run: &Run) -> Self {
        let totals = run.counts.get("totals").cloned().unwrap_or(Value::Null);
        let stopped = run
            .counts
            .get("targets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let reason = t.get("stopped").and_then(Value::as_str)?;
                let tenant = t.get("tenant").and_then(Value::as_str).unwrap_or("?");
                Some(format!("tenant {tenant}: {reason}"))
            })
            .collect();
        Self {
            id: run.id.0,
            started: when(&run.started_at),
            finished: when_opt(run.finished_at.as_ref()),
            dry_run: run.dry_run,
            status: run.status.to_string(),
            status_class: status_class(run.status),
            counts: COUNT_KEYS.iter().map(|k| count(&totals, k)).collect(),
            stopped,
        }
    }
}

fn status_class(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Ok => "badge ok",
        RunStatus::Running => "badge info",
        RunStatus::Conflicts => "badge warn",
        RunStatus::Failed | RunStatus::Interrupted => "badge err",
    }
}

#[derive(Template)]
#[template(path = "runs.html")]
struct RunsPage {
    chrome: Chrome,
    keys: [&'static str; 7],
    runs: Vec<RunRow>,
}

/// `GET /runs`: the newest 100 runs.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
) -> Result<impl IntoResponse, AppError> {
    let runs = state.ledger().runs().list(100).await?;
    Ok(Html(RunsPage {
        chrome: Chrome::new(&state, &session, "Runs", "/runs"),
        keys: COUNT_KEYS,
        runs: runs.iter().map(RunRow::new).collect(),
    }))
}
