//! How a person settles a conflict: the pinned `choice` object, typed values, and the checks a
//! decision must pass before it is recorded.
//!
//! A conflict lists fields with three values each (a [`FieldConflict`]). The decision is, per
//! field path, ServiceTitan's value, the accounting value, or a value the person typed. Its
//! JSON form is pinned (it is what the ledger stores as the resolution and what the engine
//! applies on the next sync):
//!
//! ```json
//! {"invoice.memo": "servicetitan",
//!  "lines[st:4521].description": "accounting",
//!  "invoice.due_date": {"value": "2026-03-01"}}
//! ```
//!
//! `V` in `{"value": V}` is the canonical JSON of the field (money as
//! `{"amount": "12.50", "currency": "USD"}`, decimals as normalized strings, dates
//! `YYYY-MM-DD`, `null` to clear or to remove a whole line). Every field of the conflict gets
//! an entry, and no other path may appear ([`Decision::values`]).
//!
//! Checks, in the order a caller meets them:
//!
//! 1. the text typed for a field must read in the field's [`Shape`] ([`Choice::from_text`]);
//! 2. the value must fit the record's field ([`check_value`]: the model refuses an unknown
//!    path, a wrong type, an amount with too many decimals);
//! 3. the whole resolved record must stay consistent ([`check_resolution`]): for invoices and
//!    payments the core consistency checks ([`Invoice::check`], [`Payment::check`]) run on
//!    the resolved record, and a discrepancy is refused unless taking one side for every field
//!    shows one of the same kind at the same place (the same line, or the same sum). The
//!    checks start from a record the caller has (the base snapshot in the CLI and the web UI,
//!    the merged record in the engine), which may lack changes outside the conflict; a place
//!    where a pure "take a side" decision already fails cannot be judged from it, so taking a
//!    side is never refused for consistency, and a mix is refused only where both sides add
//!    up and the mix does not (ServiceTitan's quantity with the accounting amount).
//!
//! 4. every resolved value must fit both systems' documented field limits ([`check_limits`],
//!    see [`crate::limits`]), so a resolution is never half-applied.
//!
//! This module depends only on core types, so the CLI, the web UI and the engine share it.

mod fit;
mod shape;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::check::Discrepancy;
use crate::fields::{ModelError, with_values};
use crate::ids::EntityKind;
use crate::merge::FieldConflict;
use crate::model::{Customer, Invoice, Payment, Record};
use crate::path::FieldPath;
use crate::policy::Side;

pub use fit::check_limits;
pub use shape::{Shape, check_value};

/// Why a decision cannot be recorded. Every variant is the person's to fix (a different
/// choice or value), so they are one group; the message says what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolutionError {
    /// The stored or submitted choice is not a JSON object.
    #[error("a resolution is a JSON object of field path -> choice, not {found}")]
    NotAnObject {
        /// What was found instead.
        found: String,
    },
    /// A key of the choice is not a field path.
    #[error("{path:?} is not a field path: {reason}")]
    BadPath {
        /// The text given.
        path: String,
        /// The grammar's complaint.
        reason: String,
    },
    /// An entry is not `"servicetitan"`, `"accounting"` or `{"value": V}`.
    #[error("{path}: expected \"servicetitan\", \"accounting\" or {{\"value\": V}}, not {found}")]
    BadChoice {
        /// The field.
        path: FieldPath,
        /// The entry given.
        found: String,
    },
    /// A path that is not one of the conflict's fields.
    #[error("{path} is not a field of this conflict (its fields: {fields})")]
    UnknownField {
        /// The path given.
        path: FieldPath,
        /// The conflict's fields, comma-separated.
        fields: String,
    },
    /// A field of the conflict without a choice.
    #[error("{path} has no choice; every field of the conflict needs one")]
    Missing {
        /// The field left out.
        path: FieldPath,
    },
    /// Typed text that does not read as a value of its field.
    #[error("{path}: {reason}")]
    Unreadable {
        /// The field.
        path: FieldPath,
        /// What was expected.
        reason: String,
    },
    /// A value the record's model refuses at that path.
    #[error("{reason}")]
    DoesNotFit {
        /// The field.
        path: FieldPath,
        /// The model's reason (names the path and the record kind).
        reason: ModelError,
    },
    /// The resolved record would not add up.
    #[error("the resolved {entity} would not add up: {}", list(discrepancies))]
    Inconsistent {
        /// The record kind.
        entity: EntityKind,
        /// What does not add up (only what the decision itself introduced).
        discrepancies: Vec<Discrepancy>,
    },
    /// A typed value, but no record to check it against.
    #[error("the record has no agreed snapshot to check a typed value against; choose a side")]
    NoSnapshot,
    /// The record to check against does not read as its kind.
    #[error("the record's last agreed snapshot cannot be read ({reason})")]
    UnreadableRecord {
        /// serde's explanation.
        reason: String,
    },
    /// A value longer than one of the two systems takes for its field.
    #[error("{0}")]
    TooLong(crate::limits::TooLong),
    /// Typed values for a record kind without a canonical model.
    #[error("typed values are not supported for {entity} records yet; choose a side")]
    Unsupported {
        /// The record kind.
        entity: EntityKind,
    },
}

fn list(discrepancies: &[Discrepancy]) -> String {
    let texts: Vec<String> = discrepancies.iter().map(ToString::to_string).collect();
    texts.join("; ")
}

/// What a person chose for one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// That side's current value.
    Take(Side),
    /// A typed value, in the field's canonical JSON (`null` clears it or removes the item).
    Value(Value),
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::ServiceTitan => "servicetitan",
        Side::Accounting => "accounting",
    }
}

/// `servicetitan` or `accounting` as a [`Side`].
pub fn parse_side(text: &str) -> Option<Side> {
    match text {
        "servicetitan" => Some(Side::ServiceTitan),
        "accounting" => Some(Side::Accounting),
        _ => None,
    }
}

impl Choice {
    /// Reads one entry of the pinned JSON object.
    pub fn from_json(path: &FieldPath, entry: &Value) -> Result<Self, ResolutionError> {
        let bad = || ResolutionError::BadChoice {
            path: path.clone(),
            found: entry.to_string(),
        };
        match entry {
            Value::String(s) => parse_side(s).map(Self::Take).ok_or_else(bad),
            Value::Object(o) if o.len() == 1 => {
                o.get("value").cloned().map(Self::Value).ok_or_else(bad)
            }
            _ => Err(bad()),
        }
    }

    /// The entry of the pinned JSON object.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Take(side) => Value::String(side_name(*side).to_owned()),
            Self::Value(v) => json!({ "value": v }),
        }
    }

    /// What a person typed for `field` on a command line or in a form: `servicetitan`,
    /// `accounting`, or a value read in the field's [`Shape`] (so the two side names cannot be
    /// typed as text values this way).
    pub fn from_text(field: &FieldConflict, text: &str) -> Result<Self, ResolutionError> {
        if let Some(side) = parse_side(text.trim()) {
            return Ok(Self::Take(side));
        }
        Shape::of(field)
            .read(text)
            .map(Self::Value)
            .map_err(|reason| ResolutionError::Unreadable {
                path: field.path.clone(),
                reason,
            })
    }

    /// The value this choice gives `field`.
    pub fn value_for(&self, field: &FieldConflict) -> Value {
        match self {
            Self::Take(Side::ServiceTitan) => field.servicetitan.clone(),
            Self::Take(Side::Accounting) => field.accounting.clone(),
            Self::Value(v) => v.clone(),
        }
    }
}

/// A decision on a whole conflict: one [`Choice`] per field path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    choices: BTreeMap<FieldPath, Choice>,
}

impl Decision {
    /// An empty decision, to fill with [`Decision::insert`].
    pub fn new() -> Self {
        Self::default()
    }

    /// `side` for every field of the conflict.
    pub fn take(side: Side, fields: &[FieldConflict]) -> Self {
        let choices = fields
            .iter()
            .map(|f| (f.path.clone(), Choice::Take(side)))
            .collect();
        Self { choices }
    }

    /// Sets one field's choice, returning the one it replaces.
    pub fn insert(&mut self, path: FieldPath, choice: Choice) -> Option<Choice> {
        self.choices.insert(path, choice)
    }

    /// The choice for `path`.
    pub fn get(&self, path: &FieldPath) -> Option<&Choice> {
        self.choices.get(path)
    }

    /// The choices, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&FieldPath, &Choice)> {
        self.choices.iter()
    }

    /// Whether any field gets a typed value (which needs a record to be checked against).
    pub fn has_values(&self) -> bool {
        self.choices.values().any(|c| matches!(c, Choice::Value(_)))
    }

    /// Reads the pinned JSON object (see the module docs).
    pub fn from_json(json: &Value) -> Result<Self, ResolutionError> {
        let Value::Object(object) = json else {
            return Err(ResolutionError::NotAnObject {
                found: json.to_string(),
            });
        };
        let mut choices = BTreeMap::new();
        for (text, entry) in object {
            let path = FieldPath::parse(text).map_err(|e| ResolutionError::BadPath {
                path: text.clone(),
                reason: e.to_string(),
            })?;
            let choice = Choice::from_json(&path, entry)?;
            choices.insert(path, choice);
        }
        Ok(Self { choices })
    }

    /// The pinned JSON object.
    pub fn to_json(&self) -> Value {
        let object: Map<String, Value> = self
            .choices
            .iter()
            .map(|(path, choice)| (path.to_string(), choice.to_json()))
            .collect();
        Value::Object(object)
    }

    /// The resolved value of each field of the conflict, in the conflict's order. Refuses a
    /// path that is not a field of the conflict and a field without a choice.
    pub fn values(
        &self,
        fields: &[FieldConflict],
    ) -> Result<Vec<(FieldPath, Value)>, ResolutionError> {
        if let Some(path) = self
            .choices
            .keys()
            .find(|p| !fields.iter().any(|f| &f.path == *p))
        {
            let known: Vec<String> = fields.iter().map(|f| f.path.to_string()).collect();
            return Err(ResolutionError::UnknownField {
                path: path.clone(),
                fields: known.join(", "),
            });
        }
        fields
            .iter()
            .map(|field| {
                let choice =
                    self.choices
                        .get(&field.path)
                        .ok_or_else(|| ResolutionError::Missing {
                            path: field.path.clone(),
                        })?;
                Ok((field.path.clone(), choice.value_for(field)))
            })
            .collect()
    }
}

/// `start` with the decision's values put in (checked by the model, see [`with_values`]).
pub fn resolve_record<R: Record>(
    start: &R,
    fields: &[FieldConflict],
    decision: &Decision,
) -> Result<R, ResolutionError> {
    let values = decision.values(fields)?;
    put(start, values)
}

fn put<R: Record>(start: &R, values: Vec<(FieldPath, Value)>) -> Result<R, ResolutionError> {
    // Apply one at a time first, so a refusal names the field that caused it.
    for (path, value) in &values {
        with_values(start, [(path.clone(), value.clone())]).map_err(|reason| {
            ResolutionError::DoesNotFit {
                path: path.clone(),
                reason,
            }
        })?;
    }
    with_values(start, values).map_err(|reason| ResolutionError::DoesNotFit {
        path: reason_path(&reason),
        reason,
    })
}

fn reason_path(reason: &ModelError) -> FieldPath {
    match reason {
        ModelError::DuplicateKey { path } | ModelError::UnknownPath { path, .. } => path.clone(),
        ModelError::InvalidValue { entity, .. } => {
            FieldPath::parse(entity).expect("record roots are valid paths")
        }
    }
}

/// A record kind and its consistency check (none for customers).
trait Checked: Record {
    fn discrepancies(&self) -> Vec<Discrepancy>;
}

impl Checked for Customer {
    fn discrepancies(&self) -> Vec<Discrepancy> {
        Vec::new()
    }
}

impl Checked for Invoice {
    fn discrepancies(&self) -> Vec<Discrepancy> {
        self.check()
    }
}

impl Checked for Payment {
    fn discrepancies(&self) -> Vec<Discrepancy> {
        self.check()
    }
}

/// Where a discrepancy is: its kind and the line or field it concerns, not its amounts. A
/// place where a pure "take a side" decision already fails cannot be judged from the start
/// record (it lacks changes outside the conflict), so a decision is refused only for places
/// that add up for both sides.
fn place(d: &Discrepancy) -> (std::mem::Discriminant<Discrepancy>, String) {
    let at = match d {
        Discrepancy::CurrencyMismatch { field, .. } | Discrepancy::DuplicateKey { field } => {
            field.to_string()
        }
        Discrepancy::LineAmount { line, .. } => line.to_string(),
        _ => String::new(),
    };
    (std::mem::discriminant(d), at)
}

fn check_kind<R: Checked>(
    start: &Value,
    fields: &[FieldConflict],
    decision: &Decision,
) -> Result<Option<Value>, ResolutionError> {
    let start: R = shape::read_record(start)?;
    // Each typed value must fit the record on its own, whatever else is known.
    for (path, choice) in decision.iter() {
        if let Choice::Value(value) = choice {
            put(&start, vec![(path.clone(), value.clone())])?;
        }
    }
    let pure: Vec<Result<R, ResolutionError>> = [Side::ServiceTitan, Side::Accounting]
        .into_iter()
        .map(|side| resolve_record(&start, fields, &Decision::take(side, fields)))
        .collect();
    let resolved = match resolve_record(&start, fields, decision) {
        Ok(resolved) => resolved,
        // The sides' own values do not fit the start record (it lacks the conflict's line,
        // say): nothing more can be judged from it.
        Err(_) if pure.iter().any(Result::is_err) => return Ok(None),
        Err(e) => return Err(e),
    };
    let tolerated: Vec<_> = pure
        .iter()
        .flatten()
        .flat_map(|r| r.discrepancies())
        .map(|d| place(&d))
        .collect();
    let introduced: Vec<Discrepancy> = resolved
        .discrepancies()
        .into_iter()
        .filter(|d| !tolerated.contains(&place(d)))
        .collect();
    if !introduced.is_empty() {
        return Err(ResolutionError::Inconsistent {
            entity: R::ENTITY,
            discrepancies: introduced,
        });
    }
    serde_json::to_value(&resolved)
        .map(Some)
        .map_err(|e| ResolutionError::UnreadableRecord {
            reason: e.to_string(),
        })
}

/// Checks a whole decision on a conflict of an `entity` record before it is recorded: every
/// field has a choice and no other path appears, typed values fit their fields, and the
/// resolved record stays consistent (see the module docs). `start` is the record to put the
/// values into (the base snapshot, or the engine's merged record); without one only side
/// choices can be checked, and typed values are refused.
///
/// Returns the resolved record's canonical JSON when it could be built from `start` (not when
/// the sides' own values do not fit `start`, e.g. a snapshot older than the conflict's line;
/// then only the typed values are checked, each on its own).
pub fn check_resolution(
    entity: EntityKind,
    start: Option<&Value>,
    fields: &[FieldConflict],
    decision: &Decision,
) -> Result<Option<Value>, ResolutionError> {
    decision.values(fields)?;
    let Some(start) = start else {
        return if decision.has_values() {
            Err(ResolutionError::NoSnapshot)
        } else {
            Ok(None)
        };
    };
    match entity {
        EntityKind::Customer => check_kind::<Customer>(start, fields, decision),
        EntityKind::Invoice => check_kind::<Invoice>(start, fields, decision),
        EntityKind::Payment => check_kind::<Payment>(start, fields, decision),
        EntityKind::CreditNote if decision.has_values() => {
            Err(ResolutionError::Unsupported { entity })
        }
        EntityKind::CreditNote => Ok(None),
    }
}

#[cfg(test)]
mod tests;
