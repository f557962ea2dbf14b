//! Xero's JSON, as `shared/api/xero.md` and the official OpenAPI describe it.
//!
//! One struct per resource serves both directions: every field is optional, `None` is left
//! out of a request (so a status-only update never sends `LineItems`, which would delete the
//! lines), and read-only fields (totals, `UpdatedDateUTC`, per-element status) are never
//! serialized. Amounts are exact decimals read from and written as the number's own text
//! ([`ledgerbridge_connector::wire`]); no amount passes through a float.

pub mod contact;
pub mod dates;
pub mod invoice;
pub mod payment;
pub mod reference;

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// A `{ "Message": … }` item of `ValidationErrors` or `Warnings`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Message {
    /// The text. (One documentation sample says `Description`; both are read.)
    #[serde(rename = "Message", alias = "Description", default)]
    pub message: String,
}

/// `pagination` of a paged answer.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// 1-based page number.
    #[serde(default)]
    pub page: u32,
    /// The page size Xero applied (after clamping).
    #[serde(default)]
    pub page_size: u32,
    /// Pages in total.
    #[serde(default)]
    pub page_count: u32,
    /// Records in total.
    #[serde(default)]
    pub item_count: u64,
}

/// Decodes the array under `key` of an answer envelope (`{"Id", "Status", …, "Invoices":
/// [...]}`), plus its `pagination`. The envelope is read as a map of raw values so nothing
/// else in it is decoded (and no number in it meets a float).
pub(crate) fn envelope<T: DeserializeOwned>(
    body: &[u8],
    key: &str,
) -> Result<(Vec<T>, Option<Pagination>), serde_json::Error> {
    let mut map: HashMap<String, Box<RawValue>> = serde_json::from_slice(body)?;
    let items = match map.remove(key) {
        Some(raw) => serde_json::from_str(raw.get())?,
        None => Vec::new(),
    };
    let pagination = map
        .remove("pagination")
        .map(|raw| serde_json::from_str(raw.get()))
        .transpose()?;
    Ok((items, pagination))
}

/// The request body `{key: elements}`.
pub(crate) fn wrap<T: Serialize>(key: &str, elements: &[T]) -> Result<Vec<u8>, serde_json::Error> {
    // Encoded directly (never through a `Value`, which would not keep exact number tokens).
    let inner = serde_json::to_string(elements)?;
    let text = format!("{{{}:{inner}}}", serde_json::to_string(key)?);
    Ok(text.into_bytes())
}

/// Serde helpers for optional exact decimals, shortening the attribute lists.
pub(crate) mod amount {
    pub(crate) use ledgerbridge_connector::wire::{decimal_number_opt as ser, decimal_opt as de};
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[derive(Debug, Deserialize, Serialize)]
    struct Thing {
        #[serde(
            rename = "Amount",
            default,
            deserialize_with = "amount::de",
            serialize_with = "amount::ser",
            skip_serializing_if = "Option::is_none"
        )]
        amount: Option<Decimal>,
    }

    #[test]
    fn envelopes_read_their_key_and_pagination_and_bodies_keep_exact_numbers() {
        let body = br#"{"Id":"x","Status":"OK","DateTimeUTC":"/Date(1552326816230)/",
            "pagination":{"page":2,"pageSize":1000,"pageCount":5,"itemCount":4321},
            "Things":[{"Amount":0.1},{"Amount":1234567.89},{}]}"#;
        let (things, page) = envelope::<Thing>(body, "Things").unwrap();
        assert_eq!(things.len(), 3);
        assert_eq!(things[1].amount.unwrap().to_string(), "1234567.89");
        assert_eq!(page.unwrap().item_count, 4321);
        let (none, page) = envelope::<Thing>(br#"{"Status":"OK"}"#, "Things").unwrap();
        assert!(none.is_empty() && page.is_none());
        let body = wrap("Things", &things).unwrap();
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"Things":[{"Amount":0.1},{"Amount":1234567.89},{}]}"#
        );
    }
}
