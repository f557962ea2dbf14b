//! The indexes agree with a full scan across creates, updates, deletes and voids of invoices
//! and payments (the writes the bridge makes, through the same path as the API).

use chrono::NaiveDate;
use ledgerbridge_emulator::scenario::SeedOptions;
use rust_decimal::Decimal;

use super::names::WriteCtx;
use super::{Company, Kind};
use crate::json::{Json, Obj, reference};
use crate::money::round2;
use crate::obj;
use crate::ops::{self, Op};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 10).expect("date")
}

fn ctx() -> WriteCtx {
    WriteCtx {
        now: crate::time::at(day(), 12, 0),
        today: day(),
        allow_duplicate_doc_number: false,
    }
}

fn write(co: &mut Company, kind: Kind, op: Op, body: Obj) -> Obj {
    let out = ops::execute(co, &ctx(), kind, op, body)
        .unwrap_or_else(|f| panic!("{op:?} {} refused: {:?}", kind.name(), f.errors));
    assert_consistent(co);
    out
}

fn id_of(o: &Obj) -> (String, String) {
    (
        o.str("Id").expect("Id").to_owned(),
        o.str("SyncToken").expect("SyncToken").to_owned(),
    )
}

fn invoice(customer: &str, amount: i64, number: Option<&str>) -> Obj {
    let mut body = obj! {
        "TxnDate" => day().to_string(),
        "CustomerRef" => reference(customer, None),
        "Line" => Json::Arr(vec![Json::Obj(obj! {
            "Amount" => Json::num(Decimal::new(amount, 0)),
            "DetailType" => "SalesItemLineDetail",
            "SalesItemLineDetail" => obj! { "ItemRef" => reference("1", None), "TaxCodeRef" => reference("NON", None) },
        })]),
    };
    if let Some(n) = number {
        body.insert("DocNumber", n);
    }
    body
}

fn payment(customer: &str, total: i64, applied: &[(&str, i64)]) -> Obj {
    let lines = applied
        .iter()
        .map(|(id, amount)| {
            Json::Obj(obj! {
                "Amount" => Json::num(Decimal::new(*amount, 0)),
                "LinkedTxn" => Json::Arr(vec![Json::Obj(obj! { "TxnId" => *id, "TxnType" => "Invoice" })]),
            })
        })
        .collect();
    obj! {
        "TxnDate" => day().to_string(),
        "CustomerRef" => reference(customer, None),
        "TotalAmt" => Json::num(Decimal::new(total, 0)),
        "Line" => Json::Arr(lines),
    }
}

/// The index equals one rebuilt from scratch, and the answers built on it equal the scans
/// they replaced (customer balances, applied payments, the next DocNumber, names).
fn assert_consistent(co: &Company) {
    assert_eq!(co.index(), &co.rebuilt_index(), "index out of step");
    for customer in co.live(Kind::Customer) {
        let of = |kind: Kind, field: &str| -> Decimal {
            co.live(kind)
                .filter(|r| r.body.ref_value("CustomerRef") == Some(customer.id.as_str()))
                .filter_map(|r| r.body.decimal(field).ok().flatten())
                .sum()
        };
        let scanned = round2(
            of(Kind::Invoice, "Balance")
                - of(Kind::Payment, "UnappliedAmt")
                - of(Kind::CreditMemo, "RemainingCredit"),
        );
        let stored = customer.body.decimal("Balance").ok().flatten();
        assert_eq!(stored, Some(scanned), "customer {} balance", customer.id);
        let named: Vec<&str> = co
            .index()
            .named(
                Kind::Customer,
                customer.body.str("DisplayName").expect("name"),
            )
            .map(|i| i.0.as_str())
            .collect();
        assert!(named.contains(&customer.id.as_str()));
    }
    for invoice in co.live(Kind::Invoice) {
        let scanned: Vec<&str> = co
            .live(Kind::Payment)
            .filter(|p| {
                super::payment::line_targets(&p.body)
                    .iter()
                    .any(|((k, i), _)| *k == Kind::Invoice && *i == invoice.id)
            })
            .map(|p| p.id.as_str())
            .collect();
        let indexed: Vec<&str> = co
            .index()
            .payments_to(Kind::Invoice, &invoice.id)
            .map(|p| p.0.as_str())
            .collect();
        assert_eq!(indexed, scanned, "payments of invoice {}", invoice.id);
        if let Some(number) = invoice.body.str("DocNumber") {
            let with: Vec<&str> = co
                .index()
                .with_doc_number(Kind::Invoice, number)
                .map(|i| i.0.as_str())
                .collect();
            assert!(with.contains(&invoice.id.as_str()));
        }
    }
    let scanned_max = [Kind::Invoice, Kind::CreditMemo, Kind::RefundReceipt]
        .iter()
        .flat_map(|k| co.live(*k))
        .filter_map(|r| r.body.str("DocNumber")?.parse::<u64>().ok())
        .max();
    assert_eq!(co.index().max_doc_number(), scanned_max);
}

#[test]
fn indexes_follow_creates_updates_deletes_and_voids() {
    let mut co = crate::seed::company(&SeedOptions::demo(day()));
    assert_consistent(&co);
    let a = id_of(&write(
        &mut co,
        Kind::Customer,
        Op::Create,
        obj! { "DisplayName" => "Index A" },
    ))
    .0;
    let b = id_of(&write(
        &mut co,
        Kind::Customer,
        Op::Create,
        obj! { "DisplayName" => "Index B" },
    ))
    .0;
    let inv1 = id_of(&write(
        &mut co,
        Kind::Invoice,
        Op::Create,
        invoice(&a, 100, Some("9001")),
    ));
    let inv2 = id_of(&write(
        &mut co,
        Kind::Invoice,
        Op::Create,
        invoice(&a, 50, None),
    ));
    let inv3 = id_of(&write(
        &mut co,
        Kind::Invoice,
        Op::Create,
        invoice(&b, 70, Some("X-1")),
    ));
    let pay = id_of(&write(
        &mut co,
        Kind::Payment,
        Op::Create,
        payment(&a, 120, &[(&inv1.0, 100), (&inv2.0, 20)]),
    ));
    // A duplicate DocNumber is refused through the index, as by the scan.
    let dup = ops::execute(
        &mut co,
        &ctx(),
        Kind::Invoice,
        Op::Create,
        invoice(&b, 1, Some("9001")),
    );
    assert!(dup.is_err(), "duplicate DocNumber accepted");
    assert_consistent(&co);
    // Move an unpaid invoice to another customer and renumber it.
    let mut moved = invoice(&a, 55, Some("9002"));
    moved.insert("Id", inv3.0.as_str());
    moved.insert(
        "SyncToken",
        co.get(Kind::Invoice, &inv3.0)
            .expect("inv3")
            .sync
            .to_string(),
    );
    write(&mut co, Kind::Invoice, Op::Update, moved);
    // Re-apply the payment to another invoice (sparse updates keep the customer).
    let mut repaid = payment(&a, 120, &[(&inv1.0, 60)]);
    repaid.insert("Id", pay.0.as_str());
    repaid.insert(
        "SyncToken",
        co.get(Kind::Payment, &pay.0).expect("pay").sync.to_string(),
    );
    write(&mut co, Kind::Payment, Op::Update, repaid);
    // Rename a customer.
    let mut renamed = obj! { "DisplayName" => "Index B renamed", "sparse" => true };
    renamed.insert("Id", b.as_str());
    renamed.insert(
        "SyncToken",
        co.get(Kind::Customer, &b).expect("b").sync.to_string(),
    );
    write(&mut co, Kind::Customer, Op::Update, renamed);
    assert!(co.index().named(Kind::Customer, "index b").next().is_none());
    // Void the paid invoice (unlinks the payment), delete the payment, delete an invoice.
    let txn = |co: &Company, kind: Kind, id: &str| {
        obj! { "Id" => id, "SyncToken" => co.get(kind, id).expect("live").sync.to_string() }
    };
    let body = txn(&co, Kind::Invoice, &inv1.0);
    write(&mut co, Kind::Invoice, Op::Void, body);
    let body = txn(&co, Kind::Payment, &pay.0);
    write(&mut co, Kind::Payment, Op::Delete, body);
    let body = txn(&co, Kind::Invoice, &inv3.0);
    write(&mut co, Kind::Invoice, Op::Delete, body);
    assert!(
        co.index()
            .with_doc_number(Kind::Invoice, "9002")
            .next()
            .is_none()
    );
    assert!(
        co.index()
            .with_doc_number(Kind::Invoice, "X-1")
            .next()
            .is_none()
    );
    // The number of a deleted invoice can be used again.
    write(
        &mut co,
        Kind::Invoice,
        Op::Create,
        invoice(&b, 5, Some("9002")),
    );
}
