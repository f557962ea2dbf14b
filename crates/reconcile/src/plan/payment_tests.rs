//! Table tests of the payment planner: facts in, decision out (no HTTP, no ledger).

use chrono::NaiveDate;
use ledgerbridge_core::{Allocation, Currency, Money, Payment, PaymentStatus, SourceRef};

use super::payment::{
    EDITED_REASON, LinkedPayment, PaymentDecision as D, PaymentFacts, PaymentStep, decide_payment,
};
use crate::eligibility::Eligibility;

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

fn payment() -> Payment {
    Payment {
        date: NaiveDate::from_ymd_opt(2026, 11, 9).unwrap(),
        amount: usd("190.25"),
        payment_type: "Check".into(),
        reference: Some("1204".into()),
        customer: SourceRef::ServiceTitan(1),
        allocations: vec![Allocation {
            invoice: SourceRef::ServiceTitan(7),
            amount: usd("190.25"),
        }],
        unapplied: usd("0.00"),
        memo: None,
        status: PaymentStatus::Posted,
    }
}

fn voided() -> Payment {
    Payment {
        status: PaymentStatus::Voided,
        ..payment()
    }
}

fn edited() -> Payment {
    Payment {
        memo: Some("paid at the door".into()),
        ..payment()
    }
}

fn unlinked(payment: Payment) -> PaymentFacts {
    PaymentFacts {
        payment,
        eligibility: Eligibility::Sync,
        link: None,
        inputs: None,
    }
}

fn linked(payment: Payment, base: Option<Payment>, marked: bool) -> PaymentFacts {
    PaymentFacts {
        link: Some(LinkedPayment { base, marked }),
        ..unlinked(payment)
    }
}

fn skip(facts: PaymentFacts, reason: &str) -> PaymentFacts {
    PaymentFacts {
        eligibility: Eligibility::Skip(reason.into()),
        ..facts
    }
}

/// Asks until decided, answering the inputs with `inputs`; returns whether they were asked.
fn run(mut facts: PaymentFacts, inputs: Result<(), &str>) -> (D, bool) {
    let mut asked = false;
    loop {
        match decide_payment(&facts) {
            PaymentStep::Decide(d) => return (d, asked),
            PaymentStep::AskInputs => {
                assert!(!asked, "inputs asked twice");
                asked = true;
                facts.inputs = Some(inputs.map_err(str::to_owned));
            }
        }
    }
}

/// A case: its name, the facts, the inputs' answer, the decision, whether inputs were asked.
type Case = (
    &'static str,
    PaymentFacts,
    Result<(), &'static str>,
    D,
    bool,
);

#[test]
fn every_case_of_the_table() {
    let no_invoice = "pays invoice st:7 which is not in the books";
    let park = |r: &str| D::Park(r.to_owned());
    let edited_block = D::Block(EDITED_REASON.to_owned());
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("linked by a person, no base", linked(payment(), None, true), Ok(()), D::AdoptBase, false),
        ("no base, voided: the base first", linked(voided(), None, true), Ok(()), D::AdoptBase, false),
        ("same as the base", linked(payment(), Some(payment()), true), Ok(()), D::Unchanged, false),
        ("same as the base, never marked", linked(payment(), Some(payment()), false), Ok(()), D::MarkExported, false),
        ("voided in ServiceTitan", linked(voided(), Some(payment()), true), Ok(()), D::Void, false),
        ("a void needs no mapping", linked(voided(), Some(payment()), true), Err("unmapped"), D::Void, false),
        ("voided on both sides", linked(voided(), Some(voided()), true), Ok(()), D::Unchanged, false),
        ("a base voided: nothing more is written", linked(edited(), Some(voided()), true), Ok(()), D::Unchanged, false),
        ("edited after it was synced", linked(edited(), Some(payment()), true), Ok(()), edited_block.clone(), false),
        ("edited, never marked: still blocked", linked(edited(), Some(payment()), false), Ok(()), edited_block, false),
        ("a linked payment follows its link, eligible or not", skip(linked(voided(), Some(payment()), true), "before the start date"), Ok(()), D::Void, false),
        ("new", unlinked(payment()), Ok(()), D::Create, true),
        ("new refund", unlinked(Payment { amount: usd("-20.00"), allocations: Vec::new(), ..payment() }), Ok(()), D::Create, true),
        ("not eligible", skip(unlinked(payment()), "before the start date"), Ok(()), D::Skip("before the start date".into()), false),
        ("not eligible wins over a missing invoice", skip(unlinked(payment()), "voided before it was synced"), Err(no_invoice), D::Skip("voided before it was synced".into()), false),
        ("its invoice is not in the books", unlinked(payment()), Err(no_invoice), park(no_invoice), true),
        ("its customer is not in the books", unlinked(payment()), Err("customer 1 is not in the books yet"), park("customer 1 is not in the books yet"), true),
        ("its payment type unmapped", unlinked(payment()), Err("unmapped payment type \"Check\""), park("unmapped payment type \"Check\""), true),
        ("its period closed", unlinked(payment()), Err("the period is closed"), park("the period is closed"), true),
    ];
    assert!(cases.len() >= 15);
    for (name, facts, inputs, expected, asks) in cases {
        let (decision, asked) = run(facts, inputs);
        assert_eq!(decision, expected, "{name}");
        assert_eq!(asked, asks, "{name}: inputs asked");
    }
}

/// Level-triggered: a payment parked because its invoice was not in the books is created as
/// soon as the invoice is (the same run, or any later one); nothing of the park is an input.
#[test]
fn a_payment_parked_for_its_invoice_is_created_once_the_invoice_is_in_the_books() {
    let waiting = run(
        unlinked(payment()),
        Err("pays invoice st:7 which is not in the books"),
    );
    assert!(matches!(waiting.0, D::Park(_)));
    assert_eq!(run(unlinked(payment()), Ok(())).0, D::Create);
}
