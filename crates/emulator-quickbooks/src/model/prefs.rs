//! Preferences (a singleton, Id "1"): updates merge the sections sent into the stored ones.
//!
//! Choice: QuickBooks documents Preferences as updatable, but not which sections a full update
//! resets; here both sparse and full updates merge section by section, so a client sending
//! only `AccountingInfoPrefs.BookCloseDate` changes just the closing date. A null or empty
//! `BookCloseDate` opens the books.

use crate::fault::Fault;
use crate::json::{Json, Obj};

/// The merged Preferences body after an update request.
pub fn merged(stored: &Obj, request: &Obj) -> Result<Obj, Fault> {
    let mut out = stored.clone();
    merge_into(&mut out, request);
    if let Some(accounting) = out.obj("AccountingInfoPrefs").cloned() {
        match accounting.get("BookCloseDate") {
            Some(Json::Null) => {
                out.obj_mut("AccountingInfoPrefs").remove("BookCloseDate");
            }
            Some(Json::Str(s)) if s.trim().is_empty() => {
                out.obj_mut("AccountingInfoPrefs").remove("BookCloseDate");
            }
            Some(Json::Str(s)) if crate::time::parse_date(s).is_none() => {
                return Err(Fault::invalid_date("BookCloseDate", s));
            }
            Some(Json::Str(_)) => {}
            Some(other) => return Err(Fault::invalid_date("BookCloseDate", &other.to_text())),
            None => {}
        }
    }
    Ok(out)
}

/// Objects merge key by key (recursively); anything else replaces.
fn merge_into(target: &mut Obj, patch: &Obj) {
    for (key, value) in patch.iter() {
        if matches!(
            key.as_str(),
            "Id" | "SyncToken" | "MetaData" | "domain" | "sparse"
        ) {
            continue;
        }
        match (target.get_mut(key), value) {
            (Some(Json::Obj(existing)), Json::Obj(patch)) => merge_into(existing, patch),
            _ => target.insert(key.clone(), value.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obj;

    #[test]
    fn sections_merge_and_a_bad_closing_date_is_refused() {
        let stored = obj! {
            "AccountingInfoPrefs" => obj! { "BookCloseDate" => "2025-01-31", "TrackDepartments" => false },
            "TaxPrefs" => obj! { "PartnerTaxEnabled" => true },
        };
        let patch = obj! { "AccountingInfoPrefs" => obj! { "BookCloseDate" => "2025-02-28" } };
        let out = merged(&stored, &patch).expect("valid");
        let accounting = out.obj("AccountingInfoPrefs").expect("kept");
        assert_eq!(accounting.str("BookCloseDate"), Some("2025-02-28"));
        assert_eq!(accounting.bool("TrackDepartments"), Some(false));
        assert!(out.obj("TaxPrefs").is_some());
        let bad = obj! { "AccountingInfoPrefs" => obj! { "BookCloseDate" => "last month" } };
        assert_eq!(merged(&stored, &bad).unwrap_err().code(), "2070");
        let open = obj! { "AccountingInfoPrefs" => obj! { "BookCloseDate" => Json::Null } };
        assert!(
            merged(&stored, &open)
                .expect("valid")
                .obj("AccountingInfoPrefs")
                .expect("kept")
                .get("BookCloseDate")
                .is_none()
        );
    }
}
