//! The kind of reason a record waits for a person (`ledgerbridge blocked --reason KIND`), read
//! from the reason text the engine stored with it. Pure, so every text the engine writes is
//! pinned by a table test below: a reworded reason that falls to `other` fails there.

use serde::Serialize;

/// The reason kinds CONTRACTS.md pins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub(crate) enum ReasonKind {
    /// A ServiceTitan or books value has no mapping.
    Unmapped,
    /// The customer is not in the books yet: a match waits for review (or the customer
    /// itself is blocked).
    CustomerMatch,
    /// The books are closed for the record's date.
    PeriodClosed,
    /// The number (or display name) is taken in the books by another record.
    NumberTaken,
    /// A payment whose invoice is not in the books (or not linked) yet.
    WaitsForInvoice,
    /// ServiceTitan says another integration exported it already.
    PreExported,
    /// Not eligible to sync (status, start date, voided, zero).
    NotEligible,
    /// A payment recorded in the books that cannot be brought to ServiceTitan.
    BooksPayment,
    /// The remote sent something unreadable; it is kept in the quarantine.
    Quarantined,
    /// A write failed for good (the outbox gave up).
    GivenUp,
    /// Anything else (the reason says what).
    Other,
}

impl ReasonKind {
    /// The pinned name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Unmapped => "unmapped",
            Self::CustomerMatch => "customer_match",
            Self::PeriodClosed => "period_closed",
            Self::NumberTaken => "number_taken",
            Self::WaitsForInvoice => "waits_for_invoice",
            Self::PreExported => "pre_exported",
            Self::NotEligible => "not_eligible",
            Self::BooksPayment => "books_payment",
            Self::Quarantined => "quarantined",
            Self::GivenUp => "given_up",
            Self::Other => "other",
        }
    }
}

/// The kind of a parked record's `reason`. `from_books`: a payment recorded in the books
/// (whose reasons not matched otherwise are `books_payment`). The order matters: a payment
/// waiting for an invoice says why the invoice waits too, and the first cause is its kind
/// (except a pre-exported invoice, which never syncs, so nothing else would clear it).
pub(crate) fn classify(reason: &str, from_books: bool) -> ReasonKind {
    use ReasonKind as K;
    let has = |s: &str| reason.contains(s);
    if has("already exported by another integration") {
        return K::PreExported;
    }
    if reason.starts_with("pays ") && (has("not in the books") || has("not linked")) {
        return K::WaitsForInvoice;
    }
    if has("links suggested") || has("possible match") || has("is not in the books yet") {
        return K::CustomerMatch;
    }
    if reason.starts_with("unmapped ") || has("ledgerbridge mappings set") {
        return K::Unmapped;
    }
    if reason.starts_with("period closed") {
        return K::PeriodClosed;
    }
    if has("already exists in")
        || has("already has an invoice numbered")
        || has("name taken")
        || has("name is taken")
    {
        return K::NumberTaken;
    }
    if has("syncStatus is")
        || has("before the start date")
        || has("before it was synced")
        || reason == "zero amount"
    {
        return K::NotEligible;
    }
    if has("quarantined") {
        return K::Quarantined;
    }
    if from_books {
        return K::BooksPayment;
    }
    K::Other
}

#[cfg(test)]
mod tests {
    use super::ReasonKind as K;
    use super::classify;

    /// Reason texts as the engine writes them (ids and names made up).
    const ENGINE: &[(&str, bool, K)] = &[
        (
            "unmapped tax zone \"Tigard\" (add it with `ledgerbridge mappings set`)",
            false,
            K::Unmapped,
        ),
        (
            "unmapped SKU \"SKU-200\", unmapped business unit \"HVAC\" (add it with \
             `ledgerbridge mappings set`)",
            false,
            K::Unmapped,
        ),
        (
            "unmapped accounting payment method \"(no payment method)\" (add it with \
             `ledgerbridge mappings set`)",
            true,
            K::Unmapped,
        ),
        (
            "possible match with xero customer 5c5b (60% confidence): review it with \
             `ledgerbridge links suggested`",
            false,
            K::CustomerMatch,
        ),
        (
            "customer 2001 is not in the books yet: possible match with xero customer 5c5b \
             (60% confidence): review it with `ledgerbridge links suggested`",
            false,
            K::CustomerMatch,
        ),
        (
            "period closed: the quickbooks books are closed through 2026-10-31 and this \
             record is dated 2026-10-12; reopen the period or move the date",
            false,
            K::PeriodClosed,
        ),
        (
            "an invoice numbered 10049 already exists in quickbooks (id 27) but its customer \
             or total differs: link it with `ledgerbridge links set` or correct one side",
            false,
            K::NumberTaken,
        ),
        (
            "xero already has an invoice numbered 20014: link it with `ledgerbridge links set` \
             if it is this one",
            false,
            K::NumberTaken,
        ),
        ("display name taken", false, K::NumberTaken),
        ("the display name is taken twice", false, K::NumberTaken),
        (
            "pays invoice st:20000843 which is not in the books",
            false,
            K::WaitsForInvoice,
        ),
        (
            "pays invoice st:20000843 which is not in the books: unmapped SKU \"X\" (add it \
             with `ledgerbridge mappings set`)",
            false,
            K::WaitsForInvoice,
        ),
        (
            "pays xero invoice acct:6965 which is not linked to a ServiceTitan invoice; the \
             whole payment waits (a payment is brought over whole or not at all, so \
             ServiceTitan never shows it short)",
            true,
            K::WaitsForInvoice,
        ),
        (
            "pays invoice st:20000843 which was already exported by another integration (the \
             bridge does not sync it): record the payment where the invoice was exported",
            false,
            K::PreExported,
        ),
        (
            "already exported by another integration",
            false,
            K::PreExported,
        ),
        (
            "syncStatus is Pending (only Posted is synced)",
            false,
            K::NotEligible,
        ),
        (
            "dated 2026-01-02 before the start date 2026-02-01",
            false,
            K::NotEligible,
        ),
        ("voided before it was synced", false, K::NotEligible),
        ("zero amount", false, K::NotEligible),
        (
            "malformed ServiceTitan record, quarantined (see the quarantine list)",
            false,
            K::Quarantined,
        ),
        (
            "payment 88 was voided in quickbooks after the bridge recorded it in ServiceTitan",
            true,
            K::BooksPayment,
        ),
        (
            "ServiceTitan refused the payment: the invoice is closed",
            true,
            K::BooksPayment,
        ),
        (
            "xero refused the payment: refunds are recorded in Xero as a credit note and its \
             refund, which the bridge does not write yet",
            false,
            K::Other,
        ),
        (
            "not written after an unknown outcome; planned again next run",
            false,
            K::Other,
        ),
        (
            "customer name is 120 characters, longer than the 100 quickbooks takes: shorten \
             it in ServiceTitan (the bridge never cuts a value)",
            false,
            K::Other,
        ),
    ];

    #[test]
    fn every_engine_reason_has_its_kind() {
        for (reason, from_books, kind) in ENGINE {
            assert_eq!(classify(reason, *from_books), *kind, "{reason}");
        }
    }

    #[test]
    fn the_names_are_the_pinned_ones() {
        let names: Vec<&str> = [
            K::Unmapped,
            K::CustomerMatch,
            K::PeriodClosed,
            K::NumberTaken,
            K::WaitsForInvoice,
            K::PreExported,
            K::NotEligible,
            K::BooksPayment,
            K::Quarantined,
            K::GivenUp,
            K::Other,
        ]
        .iter()
        .map(|k| {
            let json = serde_json::to_value(k).unwrap();
            assert_eq!(json, k.as_str());
            let value = clap::ValueEnum::to_possible_value(k).unwrap();
            assert_eq!(value.get_name(), k.as_str());
            k.as_str()
        })
        .collect();
        assert_eq!(
            names,
            [
                "unmapped",
                "customer_match",
                "period_closed",
                "number_taken",
                "waits_for_invoice",
                "pre_exported",
                "not_eligible",
                "books_payment",
                "quarantined",
                "given_up",
                "other"
            ]
        );
    }
}
