//! `GET /records/{entity}/{id}?tenant=T`: one ServiceTitan record as the ledger knows it, its
//! link to the accounting record (down to the lines), the last agreed snapshot, its conflicts,
//! and its history from the audit log.
//!
//! Without `tenant`, every tenant with a connection is searched. The audit log has no index by
//! record yet, so the history is found by reading the tenant's events in pages, up to
//! [`HISTORY_SCAN`] of them; the page says when it stopped there. (A ledger filter by record
//! would make this one indexed query; the handler is written so that is a one-line change.)

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use ledgerbridge_core::EntityKind;
use ledgerbridge_ledger::{ConflictFilter, EventFilter, EventId, Ledger, LedgerError, Link};
use serde::Deserialize;

use crate::error::AppError;
use crate::pages::conflicts::ConflictRow;
use crate::pages::{known_tenants, non_blank};
use crate::render::{Chrome, Html, when};
use crate::report_source::amount;
use crate::security::session::CurrentSession;
use crate::state::AppState;

/// The most audit events read per tenant to find one record's history.
const HISTORY_SCAN: usize = 50_000;
const PAGE: u32 = 1_000;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RecordQuery {
    tenant: Option<String>,
}

struct LineRow {
    servicetitan_item_id: String,
    target_line_id: String,
}

struct SnapshotView {
    document_date: String,
    currency: String,
    total: String,
    tax: String,
    balance: String,
    servicetitan_version: String,
    target_version: String,
    updated: String,
    base: String,
}

struct LinkView {
    tenant: String,
    target: String,
    company: String,
    target_id: String,
    created: String,
    lines: Vec<LineRow>,
    snapshot: Option<SnapshotView>,
}

struct EventRow {
    id: i64,
    at: String,
    kind: String,
    run: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    chrome: Chrome,
    entity: String,
    id: String,
    links: Vec<LinkView>,
    rows: Vec<ConflictRow>,
    events: Vec<EventRow>,
    truncated: bool,
}

async fn link_view(ledger: &Ledger, link: &Link) -> Result<LinkView, LedgerError> {
    let lines = ledger.links().lines(&link.key).await?;
    let snapshot = ledger.snapshots().get(&link.key).await?.map(|s| {
        let totals = s.totals.as_ref();
        SnapshotView {
            document_date: s.document_date.map(|d| d.to_string()).unwrap_or_default(),
            currency: totals
                .map(|t| t.total.currency().to_string())
                .unwrap_or_default(),
            total: totals.map(|t| amount(&t.total)).unwrap_or_default(),
            tax: totals.map(|t| amount(&t.tax)).unwrap_or_default(),
            balance: totals.map(|t| amount(&t.balance)).unwrap_or_default(),
            servicetitan_version: s.servicetitan_version.clone().unwrap_or_default(),
            target_version: s.target_version.clone().unwrap_or_default(),
            updated: when(&s.updated_at),
            base: serde_json::to_string_pretty(&s.base).unwrap_or_default(),
        }
    });
    Ok(LinkView {
        tenant: link.key.tenant.clone(),
        target: link.key.target_system.to_string(),
        company: link.key.target_company.clone(),
        target_id: link.target_id.clone(),
        created: when(&link.created_at),
        lines: lines
            .into_iter()
            .map(|l| LineRow {
                servicetitan_item_id: l.servicetitan_item_id,
                target_line_id: l.target_line_id,
            })
            .collect(),
        snapshot,
    })
}

/// The record's events in one tenant's audit log, oldest first, and whether the scan stopped
/// at its bound.
async fn history(
    ledger: &Ledger,
    tenant: &str,
    entity: EntityKind,
    id: &str,
) -> Result<(Vec<EventRow>, bool), LedgerError> {
    let mut found = Vec::new();
    let mut after: Option<EventId> = None;
    let mut scanned = 0;
    loop {
        let page = ledger
            .events()
            .list(&EventFilter {
                tenant: Some(tenant.to_owned()),
                after,
                limit: Some(PAGE),
                ..EventFilter::default()
            })
            .await?;
        let Some(last) = page.last() else {
            return Ok((found, false));
        };
        after = Some(last.id);
        scanned += page.len();
        found.extend(
            page.iter()
                .filter(|e| e.entity == Some(entity) && e.record_id.as_deref() == Some(id))
                .map(|e| EventRow {
                    id: e.id.0,
                    at: when(&e.at),
                    kind: e.kind.clone(),
                    run: e.run.map(|r| r.to_string()).unwrap_or_default(),
                    detail: e.detail.to_string(),
                }),
        );
        if page.len() < PAGE as usize {
            return Ok((found, false));
        }
        if scanned >= HISTORY_SCAN {
            return Ok((found, true));
        }
    }
}

/// `GET /records/{entity}/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Path((entity_text, id)): Path<(String, String)>,
    Query(query): Query<RecordQuery>,
) -> Result<impl IntoResponse, AppError> {
    let entity: EntityKind = entity_text
        .parse()
        .map_err(|_| AppError::NotFound(format!("There are no {entity_text:?} records.")))?;
    let ledger = state.ledger();
    let tenants = match non_blank(query.tenant) {
        Some(t) => vec![t],
        None => known_tenants(ledger).await?,
    };
    let mut links = Vec::new();
    let mut rows = Vec::new();
    let mut events = Vec::new();
    let mut truncated = false;
    for tenant in &tenants {
        for link in ledger.links().list(tenant, Some(entity)).await? {
            if link.key.servicetitan_id == id {
                links.push(link_view(ledger, &link).await?);
            }
        }
        let conflicts = ledger
            .conflicts()
            .list(&ConflictFilter {
                tenant: Some(tenant.clone()),
                entity: Some(entity),
                ..ConflictFilter::default()
            })
            .await?;
        rows.extend(
            conflicts
                .iter()
                .filter(|c| c.servicetitan_id == id)
                .map(ConflictRow::new),
        );
        let (found, cut) = history(ledger, tenant, entity, &id).await?;
        events.extend(found);
        truncated |= cut;
    }
    if links.is_empty() && rows.is_empty() && events.is_empty() {
        return Err(AppError::NotFound(format!(
            "The ledger knows nothing of {entity} {id}."
        )));
    }
    let title = format!("{entity} {id}");
    Ok(Html(RecordPage {
        chrome: Chrome::new(&state, &session, &title, ""),
        entity: entity.to_string(),
        id,
        links,
        rows,
        events,
        truncated,
    }))
}
