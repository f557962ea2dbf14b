//! Documents and the hand-checked scenario shared by the tests.

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_core::{Currency, InvoiceStatus, Money, System};
use ledgerbridge_report::model::OpenConflict;
use ledgerbridge_report::{Basis, Difference, Doc, Period, RecordInput, TenantInput};

pub(crate) fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

pub(crate) fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

pub(crate) fn generated_at() -> DateTime<Utc> {
    "2026-12-01T08:00:00Z".parse().unwrap()
}

pub(crate) fn november() -> Period {
    Period::parse_month("2026-11").unwrap()
}

/// A posted USD document: `[subtotal, tax, balance]`, total = subtotal + tax.
pub(crate) fn doc(id: &str, number: &str, date: &str, [sub, tax, balance]: [&str; 3]) -> Doc {
    let (sub, tax) = (usd(sub), usd(tax));
    let total = sub.checked_add(&tax).unwrap();
    Doc::new(
        id,
        number,
        Some(day(date)),
        InvoiceStatus::Posted,
        [sub, tax, total, usd(balance)],
    )
    .unwrap()
}

fn pair(st: Option<Doc>, acct: Option<Doc>) -> RecordInput {
    RecordInput {
        servicetitan: st,
        accounting: acct,
        ..RecordInput::default()
    }
}

/// Eight records, one of each status (see the table in `scenario.rs`).
pub(crate) fn scenario() -> TenantInput {
    let matched = pair(
        Some(doc(
            "5001",
            "1001",
            "2026-11-02",
            ["100.00", "8.25", "0.00"],
        )),
        Some(doc("q1", "1001", "2026-11-02", ["100.00", "8.25", "0.00"])),
    );
    let amount = pair(
        Some(doc(
            "5002",
            "1002",
            "2026-11-03",
            ["200.00", "16.50", "216.50"],
        )),
        Some(doc(
            "q2",
            "1002",
            "2026-11-03",
            ["180.00", "16.50", "196.50"],
        )),
    );
    let tax = pair(
        Some(doc(
            "5003",
            "1003",
            "2026-11-04",
            ["50.00", "4.13", "54.13"],
        )),
        Some(doc("q3", "1003", "2026-11-04", ["50.00", "4.12", "54.12"])),
    );
    let missing_acct = pair(
        Some(doc(
            "5004",
            "1004",
            "2026-11-05",
            ["75.00", "0.00", "75.00"],
        )),
        None,
    );
    let missing_st = pair(
        None,
        Some(doc("q77", "QB-77", "2026-11-06", ["30.00", "0.00", "0.00"])),
    );
    let duplicate = RecordInput {
        duplicate_of: Some("ServiceTitan invoice 5001".into()),
        ..pair(
            None,
            Some(doc(
                "q88",
                "1001",
                "2026-11-07",
                ["100.00", "8.25", "108.25"],
            )),
        )
    };
    let blocked = RecordInput {
        blocked: Some("unmapped SKU FILTER-20: map it with `ledgerbridge mappings set`".into()),
        ..pair(
            Some(doc(
                "5005",
                "1005",
                "2026-11-08",
                ["40.00", "3.30", "43.30"],
            )),
            None,
        )
    };
    let conflict = RecordInput {
        conflict: Some(OpenConflict {
            id: 7,
            fields: vec![Difference {
                field: "invoice.due_date".into(),
                servicetitan: "2026-12-09".into(),
                accounting: "2026-12-19".into(),
            }],
        }),
        ..pair(
            Some(doc(
                "5006",
                "1006",
                "2026-11-09",
                ["60.00", "4.95", "64.95"],
            )),
            Some(doc("q6", "1006", "2026-11-09", ["60.00", "4.95", "64.95"])),
        )
    };
    TenantInput {
        tenant: "1017823".into(),
        target: System::QuickBooks,
        company: "9130357766110".into(),
        servicetitan_basis: Basis::Live,
        accounting_basis: Basis::Live,
        records: vec![
            matched,
            amount,
            tax,
            missing_acct,
            missing_st,
            duplicate,
            blocked,
            conflict,
        ],
    }
}
