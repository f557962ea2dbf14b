//! `GET /mappings` (list, and the add/edit form) and `POST /mappings` (save or remove one).
//!
//! The target of a mapping is typed, or picked from the values the accounting system lists
//! when a [`MappingChoices`](crate::ports::MappingChoices) source knows them (`ledgerbridge
//! serve` fetches them from QuickBooks or Xero once per page load, never cached across
//! requests): the form then shows a select, and a picked target must be one of the choices.
//! Typing stays possible beside the select, for an id the list does not show; an unreachable
//! remote is said beside the form, which then takes a typed id. "List the values" (a POST of
//! the same form with `action=choices`, so the CSRF token never goes into a URL) shows the
//! choices for what is filled in without saving. Every change goes through the ledger's
//! `mappings()`, which audits it (`mappings.changed`).

use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ledgerbridge_core::{System, TenantId};
use ledgerbridge_ledger::{Mapping, MappingKind};
use serde::Deserialize;

use crate::error::AppError;
use crate::pages::{Choice, non_blank};
use crate::ports::MappingChoice;
use crate::render::{Chrome, Html, encode};
use crate::security::session::{CurrentSession, Flash};
use crate::state::AppState;

const TEXT_LIMIT: usize = 200;

pub(crate) fn kind_label(kind: MappingKind) -> &'static str {
    match kind {
        MappingKind::Item => "Item",
        MappingKind::GlAccount => "GL account",
        MappingKind::BusinessUnit => "Business unit",
        MappingKind::TaxZone => "Tax zone",
        MappingKind::PaymentType => "Payment type",
        MappingKind::PaymentTypeReverse => "Payment method (back to ServiceTitan)",
    }
}

struct MappingRow {
    tenant: String,
    system: String,
    kind: String,
    kind_label: &'static str,
    source: String,
    target: String,
    label: String,
    edit_href: String,
}

impl MappingRow {
    fn new(m: &Mapping) -> Self {
        Self {
            tenant: m.tenant.clone(),
            system: m.target_system.to_string(),
            kind: m.kind.to_string(),
            kind_label: kind_label(m.kind),
            source: m.source.clone(),
            target: m.target.clone(),
            label: m.target_label.clone().unwrap_or_default(),
            edit_href: format!(
                "/mappings?tenant={}&system={}&kind={}&source={}#edit",
                encode(&m.tenant),
                m.target_system,
                m.kind,
                encode(&m.source)
            ),
        }
    }
}

/// What the form holds (from an edit link, or echoed back after a refused save).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MappingQuery {
    tenant: Option<String>,
    system: Option<String>,
    kind: Option<String>,
    source: Option<String>,
}

#[derive(Template)]
#[template(path = "mappings.html")]
struct MappingsPage {
    chrome: Chrome,
    filter_tenant: String,
    rows: Vec<MappingRow>,
    tenant: String,
    systems: Vec<Choice>,
    kinds: Vec<Choice>,
    source: String,
    target: String,
    typed: String,
    label: String,
    choices: Vec<Choice>,
    choices_error: Option<String>,
    errors: Vec<String>,
}

struct FormInput {
    tenant: String,
    system: String,
    kind: String,
    source: String,
    target: String,
    /// A target typed instead of picked (an id the list does not show).
    typed: String,
    label: String,
}

async fn render(
    state: &AppState,
    session: &CurrentSession,
    input: FormInput,
    errors: Vec<String>,
) -> Result<MappingsPage, AppError> {
    let filter = non_blank(Some(input.tenant.clone()));
    let mappings = state.ledger().mappings().list(filter.as_deref()).await?;
    let system = input
        .system
        .parse::<System>()
        .ok()
        .filter(|s| s.is_accounting());
    let kind = input.kind.parse::<MappingKind>().ok();
    let (choices, choices_error) = match (filter.as_deref(), system, kind) {
        (Some(tenant), Some(system), Some(kind)) => {
            let asked = state.inner.choices.choices(tenant, system, kind);
            match state.within_timeout(asked).await {
                Ok(list) => (list, None),
                Err(e) => (Vec::new(), Some(e)),
            }
        }
        _ => (Vec::new(), None),
    };
    let kinds: Vec<(&str, &str)> = MappingKind::ALL
        .iter()
        .map(|k| (k.as_str(), kind_label(*k)))
        .collect();
    Ok(MappingsPage {
        chrome: Chrome::new(state, session, "Mappings", "/mappings"),
        filter_tenant: filter.clone().unwrap_or_default(),
        rows: mappings.iter().map(MappingRow::new).collect(),
        systems: Choice::list(
            [("quickbooks", "QuickBooks Online"), ("xero", "Xero")],
            Some(&input.system),
        ),
        kinds: Choice::list(kinds, Some(&input.kind)),
        choices: choices
            .iter()
            .map(|c| Choice {
                value: c.value.clone(),
                label: format!("{} ({})", c.label, c.value),
                selected: c.value == input.target,
            })
            .collect(),
        choices_error,
        tenant: input.tenant,
        source: input.source,
        target: input.target,
        typed: input.typed,
        label: input.label,
        errors,
    })
}

/// `GET /mappings`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Query(query): Query<MappingQuery>,
) -> Result<impl IntoResponse, AppError> {
    let mut input = FormInput {
        tenant: query.tenant.unwrap_or_default(),
        system: query.system.unwrap_or_default(),
        kind: query.kind.unwrap_or_default(),
        source: query.source.unwrap_or_default(),
        target: String::new(),
        typed: String::new(),
        label: String::new(),
    };
    // An edit link: fill in what the mapping maps to now.
    if let (Ok(system), Ok(kind)) = (
        input.system.parse::<System>(),
        input.kind.parse::<MappingKind>(),
    ) && !input.source.is_empty()
        && system.is_accounting()
        && let Some(m) = state
            .ledger()
            .mappings()
            .get(&input.tenant, system, kind, &input.source)
            .await?
    {
        input.target = m.target;
        input.label = m.target_label.unwrap_or_default();
    }
    Ok(Html(render(&state, &session, input, Vec::new()).await?))
}

fn text(form: &HashMap<String, String>, key: &str) -> String {
    form.get(key)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

/// Checks the form; the mapping to save, or what is wrong.
fn validate(input: &FormInput, choices: &[MappingChoice]) -> Result<Mapping, Vec<String>> {
    let mut errors = Vec::new();
    if let Err(e) = TenantId::new(input.tenant.clone()) {
        errors.push(format!("Tenant: {e}."));
    }
    let system = input
        .system
        .parse::<System>()
        .ok()
        .filter(|s| s.is_accounting());
    if system.is_none() {
        errors.push("Accounting system: choose QuickBooks Online or Xero.".to_owned());
    }
    let kind = input.kind.parse::<MappingKind>().ok();
    if kind.is_none() {
        errors.push("Kind: choose what is mapped.".to_owned());
    }
    for (name, value) in [
        ("ServiceTitan value", &input.source),
        ("Maps to", &input.target),
    ] {
        if value.is_empty() {
            errors.push(format!("{name}: required."));
        } else if value.chars().count() > TEXT_LIMIT {
            errors.push(format!("{name}: at most {TEXT_LIMIT} characters."));
        }
    }
    let chosen = choices.iter().find(|c| c.value == input.target);
    if !choices.is_empty() && chosen.is_none() {
        errors.push("Maps to: pick one of the values the accounting system lists.".to_owned());
    }
    match (system, kind) {
        (Some(target_system), Some(kind)) if errors.is_empty() => Ok(Mapping {
            tenant: input.tenant.clone(),
            target_system,
            kind,
            source: input.source.clone(),
            target: input.target.clone(),
            target_label: non_blank(Some(input.label.clone()))
                .or_else(|| chosen.map(|c| c.label.clone())),
        }),
        _ => Err(errors),
    }
}

/// `POST /mappings`: `action=set` (default) saves, `action=remove` removes.
pub(crate) async fn save(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form: HashMap<String, String> = form.into_iter().collect();
    let input = FormInput {
        tenant: text(&form, "tenant"),
        system: text(&form, "target_system"),
        kind: text(&form, "kind"),
        source: text(&form, "source"),
        target: text(&form, "target"),
        typed: text(&form, "target_other"),
        label: text(&form, "target_label"),
    };
    let back = format!("/mappings?tenant={}", encode(&input.tenant));
    if form.get("action").map(String::as_str) == Some("remove") {
        let (Ok(system), Ok(kind)) = (
            input.system.parse::<System>(),
            input.kind.parse::<MappingKind>(),
        ) else {
            return Err(AppError::BadRequest("Unknown mapping.".to_owned()));
        };
        let removed = state
            .ledger()
            .mappings()
            .remove(&input.tenant, system, kind, &input.source)
            .await?;
        let flash = if removed {
            Flash::success(format!(
                "Mapping of {} “{}” removed.",
                kind_label(kind),
                input.source
            ))
        } else {
            Flash::error("That mapping did not exist; nothing was removed.")
        };
        state.inner.sessions.set_flash(&session.id, flash);
        return Ok(Redirect::to(&back).into_response());
    }
    if form.get("action").map(String::as_str) == Some("choices") {
        // "List the values": the same form again, with the accounting system's values for
        // what is filled in. Nothing is saved.
        return Ok(Html(render(&state, &session, input, Vec::new()).await?).into_response());
    }
    let choices = match (
        input.system.parse::<System>(),
        input.kind.parse::<MappingKind>(),
    ) {
        (Ok(system), Ok(kind))
            if system.is_accounting() && !input.tenant.is_empty() && input.typed.is_empty() =>
        {
            let asked = state.inner.choices.choices(&input.tenant, system, kind);
            state.within_timeout(asked).await.unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let mut input = input;
    if !input.typed.is_empty() {
        // Typing stays possible: a typed id wins over the list (which may be stale, or the
        // remote unreachable), and is saved as typed.
        input.target = std::mem::take(&mut input.typed);
    }
    match validate(&input, &choices) {
        Ok(mapping) => {
            let summary = state.ledger().mappings().set(&mapping).await?;
            let what = if summary.inserted > 0 {
                "added"
            } else if summary.updated > 0 {
                "updated"
            } else {
                "unchanged"
            };
            state.inner.sessions.set_flash(
                &session.id,
                Flash::success(format!(
                    "Mapping of {} “{}” {what}.",
                    kind_label(mapping.kind),
                    mapping.source
                )),
            );
            Ok(Redirect::to(&back).into_response())
        }
        Err(errors) => {
            let page = render(&state, &session, input, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response())
        }
    }
}
