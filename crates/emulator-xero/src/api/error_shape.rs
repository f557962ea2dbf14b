//! An element Xero refused, under `summarizeErrors=false`, is serialised the way a stored one
//! is, not echoed back as sent (issue 21 item 6, from recorded responses): dates as
//! `/Date(ms+0000)/` with their `DateString` / `DueDateString` companions on invoices and
//! credit notes, line items with a `LineItemID`; the caller then attaches `HasErrors`,
//! `StatusAttributeString` and `ValidationErrors`.

use uuid::Uuid;

use crate::wire::Json;
use crate::wire::dates::{date_string, ms_date, parse_date};

/// Date properties Xero writes as MS dates (fact sheet §2 "MS JSON dates").
const DATE_KEYS: [&str; 5] = [
    "Date",
    "DueDate",
    "FullyPaidOnDate",
    "ExpectedPaymentDate",
    "PlannedPaymentDate",
];

/// `input` (one element of a `key` batch, e.g. `Invoices`) in its stored form.
pub(crate) fn as_stored(key: &str, input: Json) -> Json {
    let Json::Obj(entries) = input else {
        return input;
    };
    let documents = matches!(key, "Invoices" | "CreditNotes");
    let mut out: Vec<(String, Json)> = Vec::with_capacity(entries.len() + 2);
    for (name, value) in entries {
        let date = DATE_KEYS
            .iter()
            .find(|k| k.eq_ignore_ascii_case(&name))
            .and_then(|k| value.as_str().and_then(parse_date).map(|d| (*k, d)));
        match date {
            Some((canonical, d)) => {
                if documents && matches!(canonical, "Date" | "DueDate") {
                    out.push((format!("{canonical}String"), Json::str(date_string(d))));
                }
                out.push((canonical.to_owned(), Json::str(ms_date(d))));
            }
            None if name.eq_ignore_ascii_case("LineItems") => {
                out.push((name, with_line_ids(value)));
            }
            None => out.push((name, value)),
        }
    }
    Json::Obj(out)
}

fn with_line_ids(lines: Json) -> Json {
    let Json::Arr(items) = lines else {
        return lines;
    };
    Json::Arr(
        items
            .into_iter()
            .map(|mut line| {
                if matches!(line, Json::Obj(_)) && !line.has("LineItemID") {
                    line.set("LineItemID", Json::str(Uuid::new_v4().to_string()));
                }
                line
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_ms_dates_with_companions_and_lines_get_ids() {
        let input = Json::parse(
            r#"{"Type":"ACCREC","Date":"2026-10-10","DueDate":"2026-11-10","LineItems":[{"Description":"x"}]}"#,
        )
        .expect("json");
        let out = as_stored("Invoices", input);
        assert_eq!(out.str_of("Date"), Some("/Date(1791590400000+0000)/"));
        assert_eq!(out.str_of("DateString"), Some("2026-10-10T00:00:00"));
        assert_eq!(out.str_of("DueDateString"), Some("2026-11-10T00:00:00"));
        let line = &out
            .get("LineItems")
            .and_then(Json::as_array)
            .expect("lines")[0];
        assert!(line.str_of("LineItemID").is_some_and(|id| id.len() == 36));
        let payment = as_stored(
            "Payments",
            Json::parse(r#"{"Date":"2026-10-10"}"#).expect("json"),
        );
        assert!(payment.get("DateString").is_none());
    }
}
