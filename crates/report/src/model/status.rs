//! A record's verdict, in order of urgency.

use serde::Serialize;

/// A record's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// An open conflict waits for a person.
    ConflictOpen,
    /// The bridge cannot write it yet (reason given).
    Blocked,
    /// Same document, different tax.
    TaxMismatch,
    /// Same document, different amounts, balance or status.
    AmountMismatch,
    /// In ServiceTitan only.
    MissingInAccounting,
    /// In the books only, and its number is also another invoice's.
    DuplicateSuspected,
    /// In the books only.
    MissingInServicetitan,
    /// Both sides agree.
    Matched,
}

impl Status {
    /// Every status, most urgent first (the order of the listing).
    pub const ALL: [Status; 8] = [
        Status::ConflictOpen,
        Status::Blocked,
        Status::TaxMismatch,
        Status::AmountMismatch,
        Status::MissingInAccounting,
        Status::DuplicateSuspected,
        Status::MissingInServicetitan,
        Status::Matched,
    ];

    /// The snake_case word of the JSON, CSV and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::ConflictOpen => "conflict_open",
            Status::Blocked => "blocked",
            Status::TaxMismatch => "tax_mismatch",
            Status::AmountMismatch => "amount_mismatch",
            Status::MissingInAccounting => "missing_in_accounting",
            Status::DuplicateSuspected => "duplicate_suspected",
            Status::MissingInServicetitan => "missing_in_servicetitan",
            Status::Matched => "matched",
        }
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Status::ConflictOpen => "Conflict open",
            Status::Blocked => "Blocked",
            Status::TaxMismatch => "Tax mismatch",
            Status::AmountMismatch => "Amount mismatch",
            Status::MissingInAccounting => "Missing in accounting",
            Status::DuplicateSuspected => "Duplicate suspected",
            Status::MissingInServicetitan => "Missing in ServiceTitan",
            Status::Matched => "Matched",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Status::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| format!("{s:?} is not a report status"))
    }
}
