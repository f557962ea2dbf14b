use ledgerbridge_core::{Address, Customer};
use proptest::prelude::*;

use super::*;

fn customer(name: &str, email: Option<&str>, phone: Option<&str>, street: &str) -> Customer {
    Customer {
        display_name: name.to_owned(),
        company_name: None,
        email: email.map(str::to_owned),
        phone: phone.map(str::to_owned),
        billing_address: Address {
            line1: Some(street.to_owned()),
            postal_code: Some("62701".to_owned()),
            ..Address::default()
        },
        tax_exempt: false,
        currency: None,
        active: true,
    }
}

fn remote(id: &str, c: Customer, stamp: Option<i64>) -> RemoteCustomer {
    RemoteCustomer {
        id: id.to_owned(),
        version: None,
        servicetitan_id: stamp,
        customer: c,
    }
}

#[test]
fn names_normalise_punctuation_case_and_ampersands() {
    assert_eq!(
        normalise_name("O'Brien & Sons  Bakery"),
        normalise_name("obrien and sons bakery")
    );
    assert_eq!(normalise_name("Café Olé"), "café olé");
    assert_ne!(normalise_name("John Smith"), normalise_name("Jon Smith"));
    assert_eq!(
        normalise_phone("+1 (555) 201-4410").as_deref(),
        Some("5552014410")
    );
    assert_eq!(normalise_phone("12"), None);
    let ours = customer("Ann Lee", None, Some("555-330-1200"), "1 A St");
    let theirs = remote(
        "1",
        customer("Ann Lee", None, Some("330-1200"), "9 B St"),
        None,
    );
    assert!(
        evidence(1, &ours, &theirs).phone,
        "an area code kept apart still matches"
    );
}

#[test]
fn email_and_name_link_but_a_name_alone_only_asks() {
    let ours = customer(
        "John Smith",
        Some("john.smith@example.com"),
        None,
        "18 Elm Street",
    );
    let same = remote("1", ours.clone(), None);
    match decide(7, &ours, &[&same], STRONG) {
        Decision::Link {
            target_id,
            confidence,
            evidence,
        } => {
            assert_eq!(target_id, "1");
            assert!(confidence >= STRONG && evidence.email && evidence.name);
        }
        other => panic!("expected a link, got {other:?}"),
    }
    let bare = remote("2", customer("John Smith", None, None, "1 Other Rd"), None);
    assert!(matches!(
        decide(7, &ours, &[&bare], STRONG),
        Decision::Review { confidence: 30, .. }
    ));
}

#[test]
fn a_namesake_with_other_email_and_phone_is_someone_else() {
    let first = customer(
        "John Smith",
        Some("john.smith@example.com"),
        Some("555-201-4410"),
        "18 Elm Street",
    );
    let second = customer(
        "John Smith",
        Some("johnsmith64@example.net"),
        Some("555-201-3364"),
        "64 Walnut Street",
    );
    let books = remote("1", first, None);
    assert_eq!(decide(9, &second, &[&books], STRONG), Decision::Create);
}

#[test]
fn the_bridges_own_stamp_wins_and_a_foreign_stamp_is_never_taken() {
    let ours = customer("Zoë Ltd", None, None, "1 A St");
    let stamped = remote("5", customer("Zoë Ltd (ST 3)", None, None, "x"), Some(3));
    assert!(matches!(
        decide(3, &ours, &[&stamped], STRONG),
        Decision::Link {
            confidence: 100,
            ..
        }
    ));
    let other = remote("6", ours.clone(), Some(4));
    assert_eq!(decide(3, &ours, &[&other], STRONG), Decision::Create);
}

proptest! {
    /// Whatever the values, a pair whose emails and phones both differ is never linked.
    #[test]
    fn contradicting_contacts_never_link(
        name in "[A-Za-z ]{1,20}",
        a in "[a-z]{1,8}", b in "[a-z]{1,8}",
        p in 1_000_000u64..9_999_999, q in 1_000_000u64..9_999_999,
    ) {
        prop_assume!(a != b && p != q);
        let ours = customer(&name, Some(&format!("{a}@x.example")), Some(&format!("555{p}")), "1 A St");
        let theirs = remote("1", customer(&name, Some(&format!("{b}@x.example")), Some(&format!("555{q}")), "1 A St"), None);
        let linked = matches!(decide(1, &ours, &[&theirs], STRONG), Decision::Link { .. });
        prop_assert!(!linked, "contradicting contacts were linked");
    }

    /// Matching is symmetric in its evidence: swapping the sides changes no field.
    #[test]
    fn evidence_is_symmetric(
        n1 in "[A-Za-z&' ]{0,12}", n2 in "[A-Za-z&' ]{0,12}",
        e1 in proptest::option::of("[a-c]{1,2}@x"), e2 in proptest::option::of("[a-c]{1,2}@x"),
    ) {
        let x = customer(&n1, e1.as_deref(), None, "1 A St");
        let y = customer(&n2, e2.as_deref(), None, "1 A St");
        let xy = evidence(1, &x, &remote("y", y.clone(), None));
        let yx = evidence(1, &y, &remote("x", x, None));
        prop_assert_eq!(xy, yx);
    }
}
