//! Shapes QuickBooks adds to what it stores, whoever wrote it (a request or the seed).
//!
//! * Every address object carries an `Id` (the captured invoice in `intuit/QuickBooks-V3-Java-SDK`
//!   `JSONSerializerTest` has `"BillAddr": {"Id": "5679", ...}`; XSD `PhysicalAddress.Id`):
//!   an address stored without one gets the next id of the company's address sequence; one
//!   sent with an id (an echo of what was read, or a customer's address copied onto an
//!   invoice) keeps it.
//! * An invoice carries `CustomField`, `[]` when none (the same capture: `"CustomField": []`).

use crate::json::{Json, Obj};
use crate::model::Kind;

/// Address-valued properties (XSD `PhysicalAddress` elements of the entities served here).
const ADDRESS_KEYS: [&str; 5] = [
    "BillAddr",
    "ShipAddr",
    "ShipFromAddr",
    "CompanyAddr",
    "LegalAddr",
];

/// Completes `body` of `kind` before it is stored; `next_address_id` is the company's
/// address sequence.
pub(crate) fn complete(kind: Kind, body: &mut Obj, next_address_id: &mut u64) {
    for key in ADDRESS_KEYS {
        if let Some(Json::Obj(address)) = body.get_mut(key) {
            give_id(address, next_address_id);
        }
    }
    if let Some(Json::Arr(others)) = body.get_mut("OtherAddr") {
        for address in others.iter_mut().filter_map(Json::as_obj_mut) {
            give_id(address, next_address_id);
        }
    }
    if kind == Kind::Invoice && !matches!(body.get("CustomField"), Some(Json::Arr(_))) {
        body.insert("CustomField", Json::Arr(Vec::new()));
    }
}

fn give_id(address: &mut Obj, next: &mut u64) {
    let has_id = matches!(address.get("Id"), Some(Json::Str(s)) if !s.is_empty());
    if !has_id {
        address.insert("Id", next.to_string());
        *next += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obj;

    #[test]
    fn addresses_get_ids_and_invoices_custom_fields() {
        let mut next = 7;
        let mut body = obj! {
            "BillAddr" => obj! { "Line1" => "1 Main" },
            "ShipAddr" => obj! { "Id" => "3", "Line1" => "2 Main" },
        };
        complete(Kind::Invoice, &mut body, &mut next);
        assert_eq!(body.obj("BillAddr").and_then(|a| a.str("Id")), Some("7"));
        assert_eq!(body.obj("ShipAddr").and_then(|a| a.str("Id")), Some("3"));
        assert_eq!(body.get("CustomField"), Some(&Json::Arr(vec![])));
        assert_eq!(next, 8);
        let mut customer = obj! { "DisplayName" => "A" };
        complete(Kind::Customer, &mut customer, &mut next);
        assert!(!customer.contains("CustomField"));
    }
}
