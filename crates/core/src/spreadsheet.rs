//! Text bound for a spreadsheet (the report's CSV, `mappings export`): a cell that starts like
//! a formula is prefixed with `'`, so opening the file never runs `=cmd|' /C calc'!A0` or
//! `=HYPERLINK(...)`. Spreadsheets show the `'` as the start of plain text.

use std::borrow::Cow;

/// What a spreadsheet may read as the start of a formula (tab and carriage return too: some
/// spreadsheets strip them and then see the formula behind).
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text`, prefixed with `'` when it starts like a formula.
pub fn defuse_formula(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text [`defuse_formula`] was given: drops a `'` that precedes a formula start, so a file
/// exported with the guard imports back unchanged.
pub fn restore_defused(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_prefixed_and_restored() {
        for formula in ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1"] {
            let defused = defuse_formula(formula);
            assert_eq!(defused, format!("'{formula}"));
            assert_eq!(restore_defused(&defused), formula);
        }
        assert_eq!(defuse_formula("SKU-100"), "SKU-100");
        assert_eq!(restore_defused("SKU-100"), "SKU-100");
        // A leading quote a person typed stays.
        assert_eq!(restore_defused("'quoted'"), "'quoted'");
    }
}
