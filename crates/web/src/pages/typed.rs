//! Typed values on the conflict page: the shared rules of `ledgerbridge_core::resolution`
//! (how typed text becomes a field's canonical value, and the checks a decision must pass),
//! fed from the ledger's conflict fields, whose paths are stored as text.

use ledgerbridge_core::FieldConflict;
use ledgerbridge_core::resolution::Shape;
use ledgerbridge_ledger::ConflictField;

/// The ledger's field as the core's, or why its stored path is not a field path.
pub(crate) fn core_field(field: &ConflictField) -> Result<FieldConflict, String> {
    Ok(FieldConflict {
        path: field.path.parse().map_err(|e| format!("{e}"))?,
        base: field.base.clone(),
        servicetitan: field.servicetitan.clone(),
        accounting: field.accounting.clone(),
    })
}

/// How text typed for `field` is read (text when its stored path cannot be parsed, which the
/// resolution then refuses with the path's error).
pub(crate) fn shape_of(field: &ConflictField) -> Shape {
    core_field(field).map_or(Shape::Text, |f| Shape::of(&f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ledger_fields_take_the_core_shapes() {
        let field = |path: &str| ConflictField {
            path: path.into(),
            base: json!(null),
            servicetitan: json!("1"),
            accounting: json!("2"),
        };
        assert_eq!(shape_of(&field("lines[st:1].quantity")), Shape::Decimal);
        assert_eq!(shape_of(&field("invoice.number")), Shape::Text);
        assert_eq!(shape_of(&field("Not A Path")), Shape::Text);
        assert!(core_field(&field("Not A Path")).is_err());
    }
}
