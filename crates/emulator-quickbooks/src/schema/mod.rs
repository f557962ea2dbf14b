//! Request-body validation: every write body is checked against the entity's writable
//! properties before anything else looks at it, as QuickBooks does.
//!
//! Real QuickBooks deserialises request JSON into its v3 schema classes and refuses anything
//! that does not fit with HTTP 400, Fault **2010** "Request has invalid or unsupported
//! property", naming the property: an unknown property (`"BadJson": true`) and a mis-shaped
//! one (`"CustomerMemo": "text"` where a `{"value": ...}` object belongs) alike. The property
//! tables live in [`entities`], each citing the published metadata it was taken from.
//!
//! Shape rules (how lenient the deserialiser is, from what real clients send successfully):
//! * `null` is accepted everywhere (an absent value);
//! * a scalar property accepts any scalar: python-quickbooks 0.9.12 sends `"SyncToken": 0`
//!   (a number for a string) and `"TotalAmt": ""` (a string for a number) on every create,
//!   and QuickBooks accepts them; whether a scalar's *value* is valid (a number, a date, an
//!   enum member) is checked by the entity code with its own codes (2080, 2040, ...);
//! * an object property needs an object, an array property an array; a scalar where an
//!   object belongs, or an object where a scalar belongs, is 2010.

// One property per cell reads as the table it is; rustfmt would put each on its own line.
#[rustfmt::skip]
mod entities;

use axum::http::StatusCode;

use crate::fault::Fault;
use crate::json::{Json, Obj};
use crate::model::Kind;

/// What a property holds.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ty {
    /// A string, number, boolean or date (see the module docs).
    Scalar,
    /// An object with exactly these properties.
    Obj(&'static [Prop]),
    /// An array of objects with these properties.
    Arr(&'static [Prop]),
    /// An array of transaction lines (recursive: a group line holds lines).
    Lines,
    /// An array of scalars (e.g. `AccountPurposes`).
    ScalarArr,
}

/// One declared property.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prop {
    pub name: &'static str,
    pub ty: Ty,
}

pub(crate) const fn p(name: &'static str, ty: Ty) -> Prop {
    Prop { name, ty }
}

/// Fault 2010, naming the property (`element`) and what was wrong with it (`Detail`).
pub fn unsupported_property(path: &str, detail: &str) -> Fault {
    Fault::new(
        StatusCode::BAD_REQUEST,
        "ValidationFault",
        2010,
        "Request has invalid or unsupported property",
        format!("Property Name:{detail} specified is unsupported or invalid"),
    )
    .with_element(path)
}

/// Checks a write body (create, update, delete or void) of `kind`.
pub fn check_write(kind: Kind, body: &Obj) -> Result<(), Fault> {
    match entities::writable(kind) {
        Some(props) => check_obj(kind.name(), props, body),
        None => Ok(()),
    }
}

/// Checks a `TaxService/taxcode` body.
pub fn check_tax_service(body: &Obj) -> Result<(), Fault> {
    check_obj("TaxService", entities::TAX_SERVICE, body)
}

fn check_obj(path: &str, props: &[Prop], body: &Obj) -> Result<(), Fault> {
    for (key, value) in body.iter() {
        let Some(prop) = props.iter().find(|p| p.name == key.as_str()) else {
            return Err(unsupported_property(
                key,
                &format!("Unrecognized field \"{key}\" (class {path}), not marked as ignorable"),
            ));
        };
        check_value(&format!("{path}.{key}"), key, prop.ty, value)?;
    }
    Ok(())
}

fn check_value(path: &str, name: &str, ty: Ty, value: &Json) -> Result<(), Fault> {
    let mismatch = |expected: &str| {
        Err(unsupported_property(
            name,
            &format!("Can not deserialize {path}: expected {expected}"),
        ))
    };
    match (ty, value) {
        (_, Json::Null) => Ok(()),
        (Ty::Scalar, Json::Obj(_) | Json::Arr(_)) => mismatch("a single value"),
        (Ty::Scalar, _) => Ok(()),
        (Ty::Obj(props), Json::Obj(o)) => check_obj(path, props, o),
        (Ty::Obj(_), _) => mismatch("an object"),
        (Ty::Arr(props), Json::Arr(items)) => {
            for item in items {
                match item {
                    Json::Obj(o) => check_obj(path, props, o)?,
                    Json::Null => {}
                    _ => return mismatch("an array of objects"),
                }
            }
            Ok(())
        }
        (Ty::Lines, Json::Arr(_)) => check_value(path, name, Ty::Arr(entities::LINE), value),
        (Ty::ScalarArr, Json::Arr(items)) => {
            if items
                .iter()
                .any(|i| matches!(i, Json::Obj(_) | Json::Arr(_)))
            {
                mismatch("an array of values")
            } else {
                Ok(())
            }
        }
        (Ty::Arr(_) | Ty::Lines | Ty::ScalarArr, _) => mismatch("an array"),
    }
}

#[cfg(test)]
mod tests;
