//! `GET /`: what needs attention first. Latest runs, open conflicts, customer matches awaiting
//! review, unmapped values that block records (each with a link to map it), records that
//! cannot move (blocked or failed in the last run, quarantined payloads, writes given up),
//! connection health, and the recent alerts.
//!
//! The unmapped values come from the [`UnmappedValues`](crate::ports::UnmappedValues) plug-in,
//! which may read a remote (ServiceTitan's tax zones): it is bounded by the remote timeout, and
//! a failure is shown in its section while the rest of the page renders.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::IntoResponse;
use ledgerbridge_ledger::{
    ConflictFilter, ConflictStatus, Connection, ConnectionStatus, Operation, OperationFilter,
    OperationState, QuarantineEntry,
};
use serde_json::Value;

use crate::error::AppError;
use crate::pages::conflicts::{ConflictRow, record_href};
use crate::pages::known_tenants;
use crate::pages::runs::{COUNT_KEYS, RunRow};
use crate::pages::suggestions::{SuggestionRow, open_suggestions};
use crate::ports::BlockingValue;
use crate::render::{Chrome, Html, encode, when, when_opt};
use crate::security::session::CurrentSession;
use crate::state::AppState;

/// How many items each dashboard list shows before linking on.
const SHOWN: usize = 10;

struct Tile {
    label: &'static str,
    value: i64,
    href: Option<&'static str>,
    alert: bool,
}

struct BlockedRow {
    tenant: String,
    target: String,
    blocked: u64,
    errors: u64,
}

struct QuarantineRow {
    id: i64,
    tenant: String,
    system: String,
    entity: String,
    remote_id: String,
    reason: String,
    received: String,
}

impl QuarantineRow {
    fn new(q: &QuarantineEntry) -> Self {
        Self {
            id: q.id.0,
            tenant: q.tenant.clone(),
            system: q.system.to_string(),
            entity: q.entity.to_string(),
            remote_id: q.remote_id.clone().unwrap_or_default(),
            reason: q.reason.clone(),
            received: when(&q.received_at),
        }
    }
}

struct DeadRow {
    tenant: String,
    record: String,
    record_href: Option<String>,
    action: String,
    side: String,
    error: String,
    updated: String,
}

impl DeadRow {
    fn new(op: &Operation) -> Self {
        Self {
            tenant: op.tenant.clone(),
            record: format!(
                "{} {}",
                op.entity,
                op.servicetitan_id.as_deref().unwrap_or("(new)")
            ),
            record_href: op
                .servicetitan_id
                .as_deref()
                .map(|id| record_href(op.entity, id, &op.tenant)),
            action: op.action.to_string(),
            side: op.side.to_string(),
            error: op.last_error.clone().unwrap_or_default(),
            updated: when(&op.updated_at),
        }
    }
}

/// An unmapped value, with the link that opens the mapping form for it.
struct UnmappedRow {
    tenant: String,
    system: String,
    kind: &'static str,
    source: String,
    blocked: usize,
    fix_href: String,
}

impl UnmappedRow {
    fn new(v: &BlockingValue) -> Self {
        Self {
            tenant: v.tenant.clone(),
            system: v.target_system.to_string(),
            kind: crate::pages::mappings::kind_label(v.kind),
            source: v.source.clone(),
            blocked: v.blocked,
            fix_href: format!(
                "/mappings?tenant={}&system={}&kind={}&source={}#edit",
                encode(&v.tenant),
                v.target_system,
                v.kind,
                encode(&v.source)
            ),
        }
    }
}

struct ConnectionRow {
    tenant: String,
    system: String,
    company: String,
    environment: String,
    ok: bool,
    reason: String,
    last_success: String,
}

impl ConnectionRow {
    fn new(c: &Connection) -> Self {
        Self {
            tenant: c.tenant.clone(),
            system: c.system.to_string(),
            company: c.company.clone(),
            environment: c.environment.to_string(),
            ok: c.status == ConnectionStatus::Ok,
            reason: c.status_reason.clone().unwrap_or_default(),
            last_success: when_opt(c.last_success_at.as_ref()),
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    tiles: Vec<Tile>,
    keys: [&'static str; 7],
    runs: Vec<RunRow>,
    rows: Vec<ConflictRow>,
    blocked_run: Option<i64>,
    blocked: Vec<BlockedRow>,
    quarantined: Vec<QuarantineRow>,
    dead: Vec<DeadRow>,
    connections: Vec<ConnectionRow>,
    suggestions: Vec<SuggestionRow>,
    more_suggestions: usize,
    unmapped: Vec<UnmappedRow>,
    more_unmapped: usize,
    unmapped_error: Option<String>,
    /// How many waiting records the unmapped values block in all.
    blocking: usize,
    /// The newest alerts (shown only when there are some).
    alerts: Vec<crate::pages::alerts::AlertRow>,
}

/// Per tenant, the blocked and error counts of a run (from its stored counts).
fn blocked_rows(counts: &Value) -> Vec<BlockedRow> {
    counts
        .get("targets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            let n = |key: &str| {
                t.get("counts")
                    .and_then(|c| c.get(key))
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
            };
            BlockedRow {
                tenant: t
                    .get("tenant")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                target: t
                    .get("target")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                blocked: n("blocked"),
                errors: n("errors"),
            }
        })
        .filter(|b| b.blocked > 0 || b.errors > 0)
        .collect()
}

/// `GET /`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
) -> Result<impl IntoResponse, AppError> {
    let ledger = state.ledger();
    let runs = ledger.runs().list(5).await?;
    let open = ledger.conflicts().count_open(None).await?;
    let first_open = ledger
        .conflicts()
        .list(&ConflictFilter {
            status: Some(ConflictStatus::Open),
            limit: Some(SHOWN as u32),
            ..ConflictFilter::default()
        })
        .await?;
    let quarantined = ledger.quarantine().list(None, false).await?;
    let by_state = ledger.outbox().count_by_state(None).await?;
    let ops = |s: OperationState| {
        by_state
            .iter()
            .find(|(state, _)| *state == s)
            .map_or(0, |(_, n)| *n)
    };
    let dead = ledger
        .outbox()
        .list(&OperationFilter {
            state: Some(OperationState::Dead),
            limit: Some(SHOWN as u32),
            ..OperationFilter::default()
        })
        .await?;
    let connections = ledger.connections().list().await?;
    let broken = connections
        .iter()
        .filter(|c| c.status == ConnectionStatus::Broken)
        .count();
    let last_finished = runs.iter().find(|r| r.finished_at.is_some());
    let blocked = last_finished
        .map(|r| blocked_rows(&r.counts))
        .unwrap_or_default();
    let mut suggestions = open_suggestions(ledger, &known_tenants(ledger).await?).await?;
    let (mut unmapped, unmapped_error) = match state
        .within_timeout(state.inner.unmapped.unmapped(ledger))
        .await
    {
        Ok(list) => (list, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    // The values that block the most records first.
    unmapped.sort_by_key(|v| std::cmp::Reverse(v.blocked));
    let blocking: usize = unmapped.iter().map(|v| v.blocked).sum();
    let tiles = vec![
        Tile {
            label: "Open conflicts",
            value: open,
            href: Some("/conflicts"),
            alert: open > 0,
        },
        Tile {
            label: "Customer matches to review",
            value: suggestions.len() as i64,
            href: Some("/suggestions"),
            alert: !suggestions.is_empty(),
        },
        Tile {
            label: "Unmapped values",
            value: unmapped.len() as i64,
            href: Some("#h-unmapped"),
            alert: !unmapped.is_empty(),
        },
        Tile {
            label: "Quarantined records",
            value: quarantined.len() as i64,
            href: None,
            alert: !quarantined.is_empty(),
        },
        Tile {
            label: "Writes given up",
            value: ops(OperationState::Dead),
            href: None,
            alert: ops(OperationState::Dead) > 0,
        },
        Tile {
            label: "Writes failed, to retry",
            value: ops(OperationState::Failed),
            href: None,
            alert: ops(OperationState::Failed) > 0,
        },
        Tile {
            label: "Broken connections",
            value: broken as i64,
            href: None,
            alert: broken > 0,
        },
    ];
    Ok(Html(DashboardPage {
        chrome: Chrome::new(&state, &session, "Dashboard", "/"),
        tiles,
        keys: COUNT_KEYS,
        runs: runs.iter().map(RunRow::new).collect(),
        rows: first_open.iter().map(ConflictRow::new).collect(),
        blocked_run: last_finished.map(|r| r.id.0),
        blocked,
        quarantined: quarantined
            .iter()
            .take(SHOWN)
            .map(QuarantineRow::new)
            .collect(),
        dead: dead.iter().map(DeadRow::new).collect(),
        connections: connections.iter().map(ConnectionRow::new).collect(),
        more_suggestions: suggestions.len().saturating_sub(SHOWN),
        suggestions: {
            suggestions.truncate(SHOWN);
            suggestions
        },
        more_unmapped: unmapped.len().saturating_sub(SHOWN),
        unmapped: unmapped.iter().take(SHOWN).map(UnmappedRow::new).collect(),
        unmapped_error,
        blocking,
        alerts: crate::pages::alerts::recent(ledger).await?,
    }))
}
