//! `GET /conflicts` (the queue, filtered by status, tenant and entity) and
//! `GET /conflicts/{id}` (the side-by-side field diff with the resolve form).

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use ledgerbridge_core::EntityKind;
use ledgerbridge_ledger::{Conflict, ConflictFilter, ConflictId, ConflictStatus};
use serde::Deserialize;

use crate::error::AppError;
use crate::pages::resolve::{FieldRow, field_rows};
use crate::pages::{Choice, known_tenants, non_blank};
use crate::render::{Chrome, Html, encode, shown, when, when_opt};
use crate::security::session::CurrentSession;
use crate::state::AppState;

/// A conflict as a row of the queue.
pub(crate) struct ConflictRow {
    pub(crate) id: i64,
    pub(crate) status: String,
    pub(crate) status_class: &'static str,
    pub(crate) entity: String,
    pub(crate) tenant: String,
    pub(crate) servicetitan_id: String,
    pub(crate) record_href: String,
    pub(crate) target: String,
    pub(crate) target_id: String,
    pub(crate) detected: String,
    pub(crate) paths: String,
}

impl ConflictRow {
    pub(crate) fn new(c: &Conflict) -> Self {
        let mut paths: Vec<&str> = c.fields.iter().map(|f| f.path.as_str()).take(3).collect();
        if c.fields.len() > 3 {
            paths.push("…");
        }
        Self {
            id: c.id.0,
            status: c.status.to_string(),
            status_class: status_class(c.status),
            entity: c.entity.to_string(),
            tenant: c.tenant.clone(),
            servicetitan_id: c.servicetitan_id.clone(),
            record_href: record_href(c.entity, &c.servicetitan_id, &c.tenant),
            target: c.target_system.to_string(),
            target_id: c.target_id.clone(),
            detected: when(&c.detected_at),
            paths: paths.join(", "),
        }
    }
}

/// The record page of a ServiceTitan record.
pub(crate) fn record_href(entity: EntityKind, servicetitan_id: &str, tenant: &str) -> String {
    format!(
        "/records/{entity}/{}?tenant={}",
        encode(servicetitan_id),
        encode(tenant)
    )
}

pub(crate) fn status_class(status: ConflictStatus) -> &'static str {
    match status {
        ConflictStatus::Open => "badge warn",
        ConflictStatus::Resolved => "badge ok",
        ConflictStatus::Dismissed => "badge info",
    }
}

/// The queue's filters, as the filter form sends them.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct QueueQuery {
    status: Option<String>,
    tenant: Option<String>,
    entity: Option<String>,
}

#[derive(Template)]
#[template(path = "conflicts.html")]
struct QueuePage {
    chrome: Chrome,
    statuses: Vec<Choice>,
    tenants: Vec<Choice>,
    entities: Vec<Choice>,
    rows: Vec<ConflictRow>,
    describe: String,
}

const ENTITIES: [(&str, &str); 4] = [
    ("customer", "Customers"),
    ("invoice", "Invoices"),
    ("payment", "Payments"),
    ("credit_note", "Credit notes"),
];

/// `GET /conflicts`: open conflicts by default; `status=all` shows every status.
pub(crate) async fn queue(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Query(query): Query<QueueQuery>,
) -> Result<impl IntoResponse, AppError> {
    let status_text = non_blank(query.status).unwrap_or_else(|| "open".to_owned());
    let status = match status_text.as_str() {
        "all" => None,
        other => Some(other.parse::<ConflictStatus>().map_err(|_| {
            AppError::BadRequest(format!(
                "Unknown status {other:?}: use open, resolved, dismissed or all."
            ))
        })?),
    };
    let tenant = non_blank(query.tenant);
    let entity_text = non_blank(query.entity);
    let entity = entity_text
        .as_deref()
        .map(|e| e.parse::<EntityKind>().map_err(AppError::BadRequest))
        .transpose()?;
    let filter = ConflictFilter {
        status,
        tenant: tenant.clone(),
        entity,
        limit: Some(500),
    };
    let conflicts = state.ledger().conflicts().list(&filter).await?;
    let mut tenant_names = known_tenants(state.ledger()).await?;
    if let Some(t) = &tenant
        && !tenant_names.contains(t)
    {
        tenant_names.push(t.clone());
    }
    let mut tenants = vec![Choice {
        value: String::new(),
        label: "All tenants".to_owned(),
        selected: tenant.is_none(),
    }];
    tenants.extend(Choice::list(
        tenant_names.iter().map(|t| (t.as_str(), t.as_str())),
        tenant.as_deref(),
    ));
    let mut entities = vec![Choice {
        value: String::new(),
        label: "All records".to_owned(),
        selected: entity.is_none(),
    }];
    entities.extend(Choice::list(ENTITIES, entity_text.as_deref()));
    let describe = match conflicts.len() {
        0 => "No conflicts match these filters.".to_owned(),
        1 => "1 conflict.".to_owned(),
        n if n >= 500 => "The first 500 conflicts; narrow the filters to see others.".to_owned(),
        n => format!("{n} conflicts."),
    };
    Ok(Html(QueuePage {
        chrome: Chrome::new(&state, &session, "Conflicts", "/conflicts"),
        statuses: Choice::list(
            [
                ("open", "Open"),
                ("resolved", "Resolved"),
                ("dismissed", "Dismissed"),
                ("all", "All"),
            ],
            Some(&status_text),
        ),
        tenants,
        entities,
        rows: conflicts.iter().map(ConflictRow::new).collect(),
        describe,
    }))
}

/// How a settled conflict was settled.
pub(crate) struct SettledView {
    pub(crate) status: String,
    pub(crate) by: String,
    pub(crate) at: String,
    pub(crate) note: Option<String>,
    pub(crate) choices: Vec<SettledChoice>,
}

/// One field's decision.
pub(crate) struct SettledChoice {
    pub(crate) path: String,
    pub(crate) decision: String,
}

impl SettledView {
    fn new(c: &Conflict) -> Self {
        let choices = c
            .resolution
            .as_ref()
            .and_then(|r| r.as_object())
            .into_iter()
            .flatten()
            .map(|(path, choice)| SettledChoice {
                path: path.clone(),
                decision: match choice.as_str() {
                    Some("servicetitan") => "ServiceTitan's value".to_owned(),
                    Some("accounting") => "the accounting value".to_owned(),
                    _ => match choice.get("value").map(shown) {
                        Some(Some(v)) => format!("typed value: {v}"),
                        Some(None) => "typed value: (empty)".to_owned(),
                        None => choice.to_string(),
                    },
                },
            })
            .collect();
        Self {
            status: c.status.to_string(),
            by: c.resolved_by.clone().unwrap_or_default(),
            at: when_opt(c.resolved_at.as_ref()),
            note: c.note.clone(),
            choices,
        }
    }
}

/// The conflict page: also rendered by the resolve handler with the person's input and errors.
#[derive(Template)]
#[template(path = "conflict.html")]
pub(crate) struct ConflictPage {
    pub(crate) chrome: Chrome,
    pub(crate) row: ConflictRow,
    pub(crate) open: bool,
    pub(crate) fields: Vec<FieldRow>,
    pub(crate) digest: String,
    pub(crate) note: String,
    pub(crate) errors: Vec<String>,
    pub(crate) settled: Option<SettledView>,
}

impl ConflictPage {
    pub(crate) fn new(chrome: Chrome, conflict: &Conflict) -> Self {
        Self {
            chrome,
            row: ConflictRow::new(conflict),
            open: conflict.status == ConflictStatus::Open,
            fields: field_rows(conflict),
            digest: crate::pages::resolve::digest(conflict),
            note: String::new(),
            errors: Vec::new(),
            settled: (conflict.status != ConflictStatus::Open).then(|| SettledView::new(conflict)),
        }
    }
}

/// Parses a conflict id from the path; an unparsable one is simply not found.
pub(crate) fn parse_id(text: &str) -> Result<ConflictId, AppError> {
    text.parse()
        .map_err(|_| AppError::NotFound(format!("There is no conflict {text:?}.")))
}

/// `GET /conflicts/{id}`.
pub(crate) async fn detail(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id)?;
    let conflict = state
        .ledger()
        .conflicts()
        .get(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no conflict {id}.")))?;
    let title = format!("Conflict {id}");
    Ok(Html(ConflictPage::new(
        Chrome::new(&state, &session, &title, "/conflicts"),
        &conflict,
    )))
}
