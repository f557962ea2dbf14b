//! Tests of the `where` language.

use super::*;

fn check(expr: &str, fields: &[(&str, Val)]) -> bool {
    let e = parse_where(expr).expect("parses");
    eval(&e, &|name| {
        fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
    .expect("evaluates")
}

#[test]
fn the_documented_filters_work() {
    let id = Uuid::new_v4();
    let row = [
        ("type", Val::Str("ACCREC".into())),
        ("status", Val::Str("AUTHORISED".into())),
        ("amountdue", Val::Num(Decimal::new(500001, 2))),
        (
            "date",
            Val::date(NaiveDate::from_ymd_opt(2020, 1, 15).expect("date")),
        ),
        ("contact.contactid", Val::Guid(id)),
        ("name", Val::Str("Café Olé".into())),
        ("issupplier", Val::Bool(false)),
    ];
    assert!(check(r#"Type=="ACCREC" AND Status=="AUTHORISED""#, &row));
    assert!(!check(r#"Type=="ACCPAY" AND Status=="AUTHORISED""#, &row));
    assert!(check(r#"Type=="ACCPAY" OR (Status=="authorised")"#, &row));
    assert!(check(
        "Date>=DateTime(2020, 01, 01) AND Date<DateTime(2020, 02, 01)",
        &row
    ));
    assert!(check(&format!("Contact.ContactID=guid(\"{id}\")"), &row));
    assert!(check("AmountDue>=5000", &row) && !check("AmountDue>=5000.02", &row));
    assert!(check(r#"Name.Contains("olé")"#, &row) && check(r#"Name.ToLower()=="café olé""#, &row));
    assert!(!check("IsSupplier", &row) && check("NOT IsSupplier", &row));
}

#[test]
fn malformed_filters_and_unknown_fields_are_errors() {
    assert!(parse_where(r#"Status=="DRAFT"#).is_err());
    assert!(parse_where("Status== AND").is_err());
    let e = parse_where(r#"Nope=="x""#).expect("parses");
    assert!(eval(&e, &|_| None).is_err());
}
