//! `POST /conflicts/{id}/resolve`: checks a person's per-field choices and records them with
//! the ledger's `conflicts().resolve` (which writes the audit event in the same transaction).
//!
//! Each field is settled with ServiceTitan's value, the accounting value, or a typed value.
//! A typed value is read by the field's shape (money in the field's currency, yes/no, a JSON
//! object for a whole line, text otherwise) and then checked the way the engine will use it:
//! put into the record's last agreed snapshot with `ledgerbridge_core::with_values`, which
//! refuses a path the record does not have and a value that does not fit (a date that is no
//! date, an amount with too many decimals). Nothing is written to ServiceTitan or the books
//! here; the engine does that on its next sync, and the page says so.
//!
//! The form carries a digest of the fields it showed: when a sync refreshed the conflict in
//! the meantime, the choices were made on values that are gone, so the page is shown again
//! with the new values instead of recording the old decision.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ledgerbridge_core::EntityKind;
use ledgerbridge_core::resolution::{Decision, Shape, check_limits, check_resolution, check_value};
use ledgerbridge_ledger::{Conflict, ConflictField, ConflictStatus, LedgerError, Resolution};
use serde_json::{Map, Value};

use crate::error::AppError;
use crate::pages::conflicts::{ConflictPage, parse_id};
use crate::pages::typed::{core_field, shape_of};
use crate::ports::AfterResolve;
use crate::render::{Chrome, Html, shown};
use crate::security::session::{CurrentSession, Flash};
use crate::state::AppState;

/// The longest note accepted.
const NOTE_LIMIT: usize = 2000;

/// One field of the conflict page, with what the person chose (when re-rendered).
pub(crate) struct FieldRow {
    pub(crate) index: usize,
    pub(crate) path: String,
    pub(crate) base: Option<String>,
    pub(crate) servicetitan: Option<String>,
    pub(crate) accounting: Option<String>,
    pub(crate) hint: String,
    pub(crate) pick_servicetitan: bool,
    pub(crate) pick_accounting: bool,
    pub(crate) pick_value: bool,
    pub(crate) typed: String,
    pub(crate) error: Option<String>,
}

pub(crate) fn field_rows(conflict: &Conflict) -> Vec<FieldRow> {
    conflict
        .fields
        .iter()
        .enumerate()
        .map(|(index, f)| FieldRow {
            index,
            path: f.path.clone(),
            base: shown(&f.base),
            servicetitan: shown(&f.servicetitan),
            accounting: shown(&f.accounting),
            hint: shape_of(f).hint(),
            pick_servicetitan: false,
            pick_accounting: false,
            pick_value: false,
            typed: String::new(),
            error: None,
        })
        .collect()
}

/// A stable fingerprint of the conflict's fields (FNV-1a over their JSON), to notice a
/// conflict refreshed by a sync after the form was loaded. Not a security measure.
pub(crate) fn digest(conflict: &Conflict) -> String {
    let text = serde_json::to_string(&conflict.fields).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Reads the submitted form into the resolution's `choice` object, filling each row's echo
/// of the input and error.
async fn read_choices(
    state: &AppState,
    conflict: &Conflict,
    form: &HashMap<String, String>,
    rows: &mut [FieldRow],
) -> Result<Option<Map<String, Value>>, AppError> {
    let mut choice = Map::new();
    let mut base: Option<Option<Value>> = None;
    let mut ok = true;
    for (row, field) in rows.iter_mut().zip(&conflict.fields) {
        let picked = form
            .get(&format!("choice.{}", row.index))
            .map(String::as_str);
        row.typed = form
            .get(&format!("value.{}", row.index))
            .cloned()
            .unwrap_or_default();
        row.pick_servicetitan = picked == Some("servicetitan");
        row.pick_accounting = picked == Some("accounting");
        row.pick_value = picked == Some("value");
        let decided = match picked {
            Some(side @ ("servicetitan" | "accounting")) => Ok(Value::String(side.to_owned())),
            Some("value") => {
                if base.is_none() {
                    let snapshot = state.ledger().snapshots().get(&conflict.key()).await?;
                    base = Some(snapshot.map(|s| s.base));
                }
                typed_choice(
                    conflict.entity,
                    field,
                    &row.typed,
                    base.as_ref().and_then(Option::as_ref),
                )
            }
            _ => Err("choose ServiceTitan, accounting, or type a value".to_owned()),
        };
        match decided {
            Ok(value) => {
                choice.insert(field.path.clone(), value);
            }
            Err(message) => {
                row.error = Some(message);
                ok = false;
            }
        }
    }
    Ok(ok.then_some(choice))
}

fn typed_choice(
    entity: EntityKind,
    field: &ConflictField,
    text: &str,
    base: Option<&Value>,
) -> Result<Value, String> {
    let field = core_field(field)?;
    let value = Shape::of(&field).read(text)?;
    let base = base
        .ok_or("the record has no agreed snapshot to check a typed value against; choose a side")?;
    check_value(entity, base, &field.path, value.clone()).map_err(|e| e.to_string())?;
    Ok(serde_json::json!({ "value": value }))
}

/// The whole decision, checked the way the CLI checks it (`ledgerbridge_core::resolution`):
/// every field chosen, and the resolved record still adds up (an invoice's amounts).
async fn check_decision(
    state: &AppState,
    conflict: &Conflict,
    choice: &Map<String, Value>,
) -> Result<Result<(), String>, AppError> {
    let snapshot = state.ledger().snapshots().get(&conflict.key()).await?;
    Ok(decide(conflict, choice, snapshot.as_ref().map(|s| &s.base)))
}

fn decide(
    conflict: &Conflict,
    choice: &Map<String, Value>,
    start: Option<&Value>,
) -> Result<(), String> {
    let fields = conflict
        .fields
        .iter()
        .map(core_field)
        .collect::<Result<Vec<_>, _>>()?;
    let decision =
        Decision::from_json(&Value::Object(choice.clone())).map_err(|e| e.to_string())?;
    check_resolution(conflict.entity, start, &fields, &decision).map_err(|e| e.to_string())?;
    check_limits(conflict.target_system, &fields, &decision).map_err(|e| e.to_string())
}

/// Who resolved, for the ledger and its audit trail: `web`, or `web:<name>` after a login.
fn who(session: &CurrentSession) -> String {
    match &session.user {
        Some(user) => format!("web:{user}"),
        None => "web".to_owned(),
    }
}

/// `POST /conflicts/{id}/resolve`.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let form: HashMap<String, String> = form.into_iter().collect();
    let conflict = state
        .ledger()
        .conflicts()
        .get(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no conflict {id}.")))?;
    if conflict.status != ConflictStatus::Open {
        return Err(AppError::Conflict(format!(
            "Conflict {id} is already {}; nothing was changed.",
            conflict.status
        )));
    }
    let title = format!("Conflict {id}");
    let mut page = ConflictPage::new(
        Chrome::new(&state, &session, &title, "/conflicts"),
        &conflict,
    );
    page.note = form.get("note").cloned().unwrap_or_default();
    if form.get("digest") != Some(&page.digest) {
        page.errors.push(
            "A sync changed this conflict after you opened it. Review the values below and \
             choose again."
                .to_owned(),
        );
        return Ok((StatusCode::CONFLICT, Html(page)).into_response());
    }
    let note = page.note.trim().to_owned();
    if note.chars().count() > NOTE_LIMIT {
        page.errors
            .push(format!("The note is longer than {NOTE_LIMIT} characters."));
    }
    let choice = read_choices(&state, &conflict, &form, &mut page.fields).await?;
    let Some(choice) = choice.filter(|_| page.errors.is_empty()) else {
        page.errors
            .push("Nothing was recorded. Fix the fields marked below.".to_owned());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response());
    };
    if let Err(message) = check_decision(&state, &conflict, &choice).await? {
        page.errors
            .push(format!("Nothing was recorded: {message}."));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response());
    }
    let resolution = Resolution {
        choice: Value::Object(choice),
        by: who(&session),
        note: (!note.is_empty()).then_some(note),
    };
    let resolved = match state.ledger().conflicts().resolve(id, &resolution).await {
        Ok(c) => c,
        Err(LedgerError::IllegalTransition { from, .. }) => {
            return Err(AppError::Conflict(format!(
                "Conflict {id} was {from} meanwhile; nothing was changed."
            )));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        conflict = id.0,
        fields = resolved.fields.len(),
        "conflict resolved in the web UI"
    );
    let flash = match state.inner.on_resolved.resolved(&resolved).await {
        AfterResolve::NextSync => Flash::success(format!(
            "Conflict {id} resolved. The chosen values are written to ServiceTitan and the \
             accounting system on the next sync."
        )),
        AfterResolve::Applied { detail } => {
            Flash::success(format!("Conflict {id} resolved and applied: {detail}"))
        }
        AfterResolve::Failed { reason } => Flash::error(format!(
            "Conflict {id} resolved, but applying it failed ({reason}); the next sync retries."
        )),
    };
    state.inner.sessions.set_flash(&session.id, flash);
    Ok(Redirect::to(&format!("/conflicts/{id}")).into_response())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use ledgerbridge_core::System;
    use ledgerbridge_ledger::ConflictId;
    use serde_json::json;

    use super::*;

    fn usd(amount: &str) -> Value {
        json!({"amount": amount, "currency": "USD"})
    }

    #[test]
    fn a_mix_that_breaks_the_invoice_is_refused_and_a_side_is_not() {
        let field = |path: &str, b: Value, s: Value, a: Value| ConflictField {
            path: path.into(),
            base: b,
            servicetitan: s,
            accounting: a,
        };
        let conflict = Conflict {
            id: ConflictId(1),
            status: ConflictStatus::Open,
            entity: EntityKind::Invoice,
            tenant: "1".into(),
            servicetitan_id: "5001".into(),
            target_system: System::QuickBooks,
            target_company: "9".into(),
            target_id: "130".into(),
            detected_at: Utc::now(),
            fields: vec![
                field(
                    "invoice.subtotal",
                    usd("90.00"),
                    usd("135.00"),
                    usd("180.00"),
                ),
                field("invoice.total", usd("90.00"), usd("135.00"), usd("180.00")),
                field(
                    "lines[st:1].amount",
                    usd("90.00"),
                    usd("135.00"),
                    usd("180.00"),
                ),
                field("lines[st:1].quantity", json!("2"), json!("3"), json!("4")),
            ],
            run: None,
            resolution: None,
            resolved_by: None,
            resolved_at: None,
            note: None,
        };
        let base = json!({
            "number": "5001", "customer": "st:10", "invoice_date": "2026-01-10",
            "due_date": null, "status": "posted", "currency": "USD",
            "lines": [{"key": "st:1", "item": null, "description": "Labor", "quantity": "2",
                       "unit_price": "45", "amount": usd("90.00"), "gl_account": null,
                       "taxable": false, "tax_code": null}],
            "tax_lines": [], "subtotal": usd("90.00"), "tax": usd("0.00"),
            "total": usd("90.00"), "balance": usd("90.00"), "memo": null, "business_unit": null
        });
        let choose = |quantity: &str| -> Map<String, Value> {
            let mut choice: Map<String, Value> = conflict
                .fields
                .iter()
                .map(|f| (f.path.clone(), json!("servicetitan")))
                .collect();
            choice.insert("lines[st:1].quantity".into(), json!(quantity));
            choice
        };
        assert_eq!(
            decide(&conflict, &choose("servicetitan"), Some(&base)),
            Ok(())
        );
        let refused = decide(&conflict, &choose("accounting"), Some(&base)).unwrap_err();
        assert!(refused.contains("would not add up"), "{refused}");
    }
}
