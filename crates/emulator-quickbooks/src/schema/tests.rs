use super::*;
use crate::json::Json;

fn body(text: &str) -> Obj {
    match Json::parse(text.as_bytes()).expect("json") {
        Json::Obj(o) => o,
        other => panic!("not an object: {other:?}"),
    }
}

fn element(result: Result<(), Fault>) -> (String, String) {
    let fault = result.expect_err("refused");
    assert_eq!(fault.code(), "2010");
    assert_eq!(fault.status, StatusCode::BAD_REQUEST);
    (
        fault.errors[0].element.clone(),
        fault.errors[0].detail.clone(),
    )
}

#[test]
fn unknown_and_misshaped_properties_are_2010_naming_the_element() {
    let (el, _) = element(check_write(Kind::Invoice, &body(r#"{"BadJson":true}"#)));
    assert_eq!(el, "BadJson");
    let (el, detail) = element(check_write(
        Kind::Invoice,
        &body(r#"{"CustomerRef":{"value":"1"},"CustomerMemo":"thanks"}"#),
    ));
    assert_eq!(el, "CustomerMemo");
    assert!(detail.contains("Invoice.CustomerMemo"), "{detail}");
    let (el, _) = element(check_write(
        Kind::Invoice,
        &body(
            r#"{"Line":[{"Amount":1,"SalesItemLineDetail":{"ItemRef":{"value":"1","Bogus":1}}}]}"#,
        ),
    ));
    assert_eq!(el, "Bogus");
    let (el, _) = element(check_write(
        Kind::Customer,
        &body(r#"{"DisplayName":{"x":1}}"#),
    ));
    assert_eq!(el, "DisplayName");
    let (el, _) = element(check_write(
        Kind::Payment,
        &body(r#"{"Line":{"Amount":1}}"#),
    ));
    assert_eq!(el, "Line");
    let (el, _) = element(check_tax_service(&body(r#"{"TaxCode":"x","Rates":[]}"#)));
    assert_eq!(el, "Rates");
}

#[test]
fn what_python_quickbooks_sends_passes() {
    // `Invoice().to_json()` of python-quickbooks 0.9.12 plus a line and a customer, as its
    // smoke test saves it (SyncToken as a number, TotalAmt as "", empty strings for dates).
    let invoice = r#"{"AllowIPNPayment":true,"AllowOnlineACHPayment":false,"AllowOnlineCreditCardPayment":false,
      "ApplyTaxAfterDiscount":false,"Balance":0,"CustomField":[],"CustomerRef":{"name":"A","type":"","value":"1"},
      "Deposit":0,"DocNumber":"SMK-1","DueDate":"","EmailStatus":"NotSet","ExchangeRate":1,"FreeFormAddress":false,
      "GlobalTaxCalculation":"TaxExcluded","HomeBalance":0,"HomeTotalAmt":0,"InvoiceLink":"",
      "Line":[{"Amount":150.0,"CustomField":[],"Description":"x","DetailType":"SalesItemLineDetail","LineNum":0,"LinkedTxn":[],
        "SalesItemLineDetail":{"ItemRef":{"name":"","type":"","value":"1"},"Qty":0,"ServiceDate":"","TaxInclusiveAmt":0,"UnitPrice":0}}],
      "LinkedTxn":[],"PrintStatus":"NotSet","PrivateNote":"","ShipDate":"","SyncToken":0,"TotalAmt":"","TrackingNum":"",
      "TxnDate":"","domain":"QBO","sparse":false}"#;
    assert_eq!(check_write(Kind::Invoice, &body(invoice)), Ok(()));
    let customer = r#"{"Active":true,"Balance":0,"BalanceWithJobs":0,"BillWithParent":false,"CompanyName":"",
      "DisplayName":"O'Smoke","FamilyName":"","FullyQualifiedName":"","GivenName":"","IsProject":false,"Job":false,
      "Level":0,"MiddleName":"","Notes":"","OpenBalanceDate":"","PreferredDeliveryMethod":"","PrimaryTaxIdentifier":"",
      "PrintOnCheckName":"","ResaleNum":"","Suffix":"","SyncToken":0,"Taxable":true,"Title":"","domain":"QBO","sparse":false,
      "BillAddr":{"City":"","Country":"","CountrySubDivisionCode":"","Lat":"","Line1":"1 Main","Line2":"","Line3":"",
        "Line4":"","Line5":"","Long":"","Note":"","PostalCode":""}}"#;
    assert_eq!(check_write(Kind::Customer, &body(customer)), Ok(()));
    let payment = r#"{"Line":[{"Amount":10,"LinkedTxn":[{"TxnId":"5","TxnType":"Invoice"}]}],"SyncToken":0,
      "domain":"QBO","sparse":false,"CustomerRef":{"value":"1"},"TotalAmt":10}"#;
    assert_eq!(check_write(Kind::Payment, &body(payment)), Ok(()));
}
