//! Business rules: statuses, payments, paid-invoice edits, lines, tax, unitdp, lock date,
//! credit notes, contacts.

use ledgerbridge_emulator::LimitMode;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::{Sandbox, amount, invoice_json};

fn d(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

fn first_error(reply: &Value) -> String {
    reply["Elements"][0]["ValidationErrors"][0]["Message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn create(sb: &Sandbox, number: &str, unit: &str) -> String {
    let contact = sb.contact_id("Café Olé").await;
    let reply = sb
        .put("/Invoices", &invoice_json(&contact, number, unit, "210"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["Invoices"][0]["InvoiceID"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn pay(sb: &Sandbox, invoice: &str, amount: &str) -> (u16, Value) {
    let body = format!(
        r#"{{"Invoice":{{"InvoiceID":"{invoice}"}},"Account":{{"Code":"090"}},"Date":"2026-10-12","Amount":{amount}}}"#
    );
    let reply = sb
        .put("/Payments", &format!(r#"{{"Payments":[{body}]}}"#))
        .await;
    (reply.status.as_u16(), reply.json())
}

#[tokio::test]
async fn payments_paid_status_and_the_paid_invoice_edit_rules() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let id = create(&sb, "R-100", "200.00").await;
    let (status, over) = pay(&sb, &id, "200.01").await;
    assert_eq!(
        (status, first_error(&over).as_str()),
        (
            400,
            "Payment amount exceeds the amount outstanding on this document"
        )
    );
    let (status, part) = pay(&sb, &id, "50.00").await;
    assert_eq!(status, 200, "{part}");
    let invoice = sb.get(&format!("/Invoices/{id}")).await;
    let exact = invoice.lossless();
    assert_eq!(amount(&exact, &["Invoices", "0", "AmountDue"]), d("150.00"));
    assert_eq!(amount(&exact, &["Invoices", "0", "AmountPaid"]), d("50.00"));
    let line_id = invoice.json()["Invoices"][0]["LineItems"][0]["LineItemID"]
        .as_str()
        .expect("line")
        .to_owned();

    // Allowed on a part-paid invoice: Reference, DueDate, number, line Description/AccountCode.
    let allowed = format!(
        r#"{{"Reference":"PO-1","DueDate":"2026-12-01","InvoiceNumber":"R-100B","LineItems":[{{"LineItemID":"{line_id}","Description":"Renamed","AccountCode":"200","Quantity":1,"UnitAmount":200.00,"TaxType":"NONE"}}]}}"#
    );
    let ok = sb.post(&format!("/Invoices/{id}"), &allowed).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(
        ok.json()["Invoices"][0]["LineItems"][0]["Description"],
        "Renamed"
    );
    // Refused: an amount change, a new line (no LineItemID) and a date change.
    let message =
        "This document cannot be edited as it has a payment or credit note allocated to it.";
    for body in [
        format!(r#"{{"LineItems":[{{"LineItemID":"{line_id}","Description":"Renamed","UnitAmount":250.00}}]}}"#),
        r#"{"LineItems":[{"Description":"Another","Quantity":1,"UnitAmount":200.00,"AccountCode":"210"}]}"#.to_owned(),
        r#"{"Date":"2026-10-11"}"#.to_owned(),
    ] {
        let refused = sb.post(&format!("/Invoices/{id}"), &body).await;
        assert_eq!(refused.status, 400, "{body}");
        assert_eq!(first_error(&refused.json()), message, "{body}");
    }
    let void = sb
        .post(&format!("/Invoices/{id}"), r#"{"Status":"VOIDED"}"#)
        .await;
    assert_eq!(void.status, 400, "a part-paid invoice cannot be voided");

    // The rest of the money: PAID, then deleting the payment brings it back to AUTHORISED.
    let (status, rest) = pay(&sb, &id, "150.00").await;
    assert_eq!(status, 200, "{rest}");
    let paid = sb.get(&format!("/Invoices/{id}")).await.json();
    assert_eq!(paid["Invoices"][0]["Status"], "PAID");
    assert!(paid["Invoices"][0]["FullyPaidOnDate"].is_string());
    let payment_id = rest["Payments"][0]["PaymentID"]
        .as_str()
        .expect("payment id");
    let deleted = sb
        .post(
            &format!("/Payments/{payment_id}"),
            r#"{"Status":"DELETED"}"#,
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    assert_eq!(deleted.json()["Payments"][0]["Status"], "DELETED");
    let back = sb.get(&format!("/Invoices/{id}")).await.json();
    assert_eq!(back["Invoices"][0]["Status"], "AUTHORISED");
    let (status, draft_pay) = pay(&sb, &create_draft(&sb).await, "1.00").await;
    assert_eq!(status, 400, "payments only on AUTHORISED: {draft_pay}");
}

async fn create_draft(sb: &Sandbox) -> String {
    let contact = sb.contact_id("Café Olé").await;
    let body = invoice_json(&contact, "", "10.00", "210")
        .replace(r#""InvoiceNumber":"","#, "")
        .replace("AUTHORISED", "DRAFT");
    let reply = sb.put("/Invoices", &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["Invoices"][0]["InvoiceID"]
        .as_str()
        .expect("id")
        .to_owned()
}

#[tokio::test]
async fn status_transitions() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let draft = create_draft(&sb).await;
    let number = sb.get(&format!("/Invoices/{draft}")).await.json()["Invoices"][0]["InvoiceNumber"]
        .as_str()
        .expect("n")
        .to_owned();
    assert!(
        number.starts_with("INV-"),
        "numbered automatically: {number}"
    );
    assert_eq!(
        sb.post(&format!("/Invoices/{draft}"), r#"{"Status":"DELETED"}"#)
            .await
            .status,
        200
    );
    assert_eq!(
        sb.post(&format!("/Invoices/{draft}"), r#"{"Reference":"x"}"#)
            .await
            .status,
        400,
        "DELETED is final"
    );
    let authorised = create(&sb, "R-200", "30.00").await;
    let refused = sb
        .post(
            &format!("/Invoices/{authorised}"),
            r#"{"Status":"DELETED"}"#,
        )
        .await;
    assert_eq!(refused.status, 400, "AUTHORISED cannot be DELETED");
    let voided = sb
        .post(&format!("/Invoices/{authorised}"), r#"{"Status":"VOIDED"}"#)
        .await;
    assert_eq!(voided.status, 200);
    assert_eq!(voided.json()["Invoices"][0]["Status"], "VOIDED");
    let contact = sb.contact_id("Café Olé").await;
    let paid_on_create = sb
        .put(
            "/Invoices",
            &invoice_json(&contact, "R-201", "1.00", "210").replace("AUTHORISED", "PAID"),
        )
        .await;
    assert_eq!(paid_on_create.status, 400, "PAID is set by the system only");
    let zero = sb
        .put("/Invoices", &invoice_json(&contact, "R-202", "0.00", "210"))
        .await;
    assert_eq!(
        zero.json()["Invoices"][0]["Status"],
        "PAID",
        "a $0 approved invoice is paid at once"
    );
}

#[tokio::test]
async fn lines_tax_and_unitdp() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let contact = sb.contact_id("Maria Garcia").await;
    let body = format!(
        r#"{{"Type":"ACCREC","Contact":{{"ContactID":"{contact}"}},"Date":"/Date(1791763200000+0000)/","LineAmountTypes":"Exclusive","Status":"AUTHORISED","LineItems":[
            {{"Description":"Water heater","Quantity":1,"UnitAmount":1189.00,"AccountCode":"220","TaxType":"TAX001"}},
            {{"Description":"Fittings","Quantity":3,"UnitAmount":3.3333,"AccountCode":"220","TaxType":"TAX001"}},
            {{"Description":"Labor, tax given","Quantity":2,"UnitAmount":62.50,"AccountCode":"210","TaxType":"TAX001","TaxAmount":10.00}}]}}"#
    );
    let reply = sb.put("/Invoices?unitdp=4", &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let exact = reply.lossless();
    let line = |i: &str, f: &str| amount(&exact, &["Invoices", "0", "LineItems", i, f]);
    assert_eq!(
        line("0", "TaxAmount"),
        d("103.44"),
        "8.7% of 1189.00, half away from zero"
    );
    assert_eq!(
        line("1", "UnitAmount").to_string(),
        "3.3333",
        "unitdp=4 keeps four places"
    );
    assert_eq!(line("1", "LineAmount"), d("10.00"));
    assert_eq!(
        line("2", "TaxAmount"),
        d("10.00"),
        "an explicit TaxAmount wins"
    );
    assert_eq!(amount(&exact, &["Invoices", "0", "Total"]), d("1438.31"));
    let json = reply.json();
    assert_eq!(
        json["Invoices"][0]["DateString"], "2026-10-12T00:00:00",
        "MS date input accepted"
    );
    let id = json["Invoices"][0]["InvoiceID"].as_str().expect("id");
    // Without unitdp the unit amount is written with two places.
    let two = sb.get(&format!("/Invoices/{id}")).await.lossless();
    assert_eq!(
        amount(&two, &["Invoices", "0", "LineItems", "1", "UnitAmount"]).to_string(),
        "3.33"
    );
    // Lines sent without LineItemID replace all lines; Inclusive tax is contained in the amount.
    let replace = r#"{"LineAmountTypes":"Inclusive","LineItems":[{"Description":"One line","Quantity":1,"UnitAmount":108.70,"AccountCode":"210","TaxType":"TAX001"}]}"#;
    let replaced = sb.post(&format!("/Invoices/{id}"), replace).await;
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    let exact = replaced.lossless();
    assert_eq!(
        replaced.json()["Invoices"][0]["LineItems"]
            .as_array()
            .expect("lines")
            .len(),
        1
    );
    assert_eq!(amount(&exact, &["Invoices", "0", "TotalTax"]), d("8.70"));
    assert_eq!(amount(&exact, &["Invoices", "0", "Total"]), d("108.70"));
}

#[tokio::test]
async fn the_lock_date_refuses_writes_on_or_before_it() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let org = sb.get("/Organisation").await.json();
    assert!(
        org["Organisations"][0]["PeriodLockDate"]
            .as_str()
            .expect("lock")
            .starts_with("/Date(")
    );
    let contact = sb.contact_id("Café Olé").await;
    let locked = invoice_json(&contact, "L-1", "10.00", "210").replace("2026-10-10", "2026-09-30");
    let refused = sb.put("/Invoices", &locked).await;
    assert_eq!(refused.status, 400);
    assert!(
        first_error(&refused.json()).contains("lock date"),
        "{}",
        refused.text
    );
    assert_eq!(
        sb.put("/Invoices", &locked.replace("2026-09-30", "2026-10-01"))
            .await
            .status,
        200,
        "the day after is open"
    );
    // Moving the lock date (a UI setting, so a control route) closes existing invoices.
    let moved = sb
        .http
        .post(sb.url("/_sandbox/xero/lock_date"))
        .body(r#"{"period_lock_date":"2026-10-31"}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(moved.status(), 200);
    let edit = sb.post("/Invoices/20011", r#"{"Reference":"late"}"#).await;
    assert_eq!(edit.status, 400, "{}", edit.text);
    let payment = r#"{"Invoice":{"InvoiceNumber":"20011"},"Account":{"Code":"090"},"Date":"2026-10-12","Amount":1.00}"#;
    let refused = sb.put("/Payments", payment).await;
    assert_eq!(refused.status, 400, "a payment dated in the locked period");
    assert!(
        first_error(&refused.json()).contains("lock date"),
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn credit_note_allocation_reduces_amount_due() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let invoice = create(&sb, "R-300", "80.00").await;
    let contact = sb.contact_id("Café Olé").await;
    let cn_body = format!(
        r#"{{"CreditNotes":[{{"Type":"ACCRECCREDIT","Contact":{{"ContactID":"{contact}"}},"Date":"2026-10-11","Status":"AUTHORISED","LineAmountTypes":"NoTax","LineItems":[{{"Description":"Refund","Quantity":1,"UnitAmount":30.00,"AccountCode":"210"}}]}}]}}"#
    );
    let cn = sb.put("/CreditNotes", &cn_body).await;
    assert_eq!(cn.status, 200, "{}", cn.text);
    let cn_id = cn.json()["CreditNotes"][0]["CreditNoteID"]
        .as_str()
        .expect("id")
        .to_owned();
    let too_much = format!(
        r#"{{"Allocations":[{{"Invoice":{{"InvoiceID":"{invoice}"}},"Amount":30.01,"Date":"2026-10-12"}}]}}"#
    );
    assert_eq!(
        sb.put(&format!("/CreditNotes/{cn_id}/Allocations"), &too_much)
            .await
            .status,
        400
    );
    let alloc = sb
        .put(
            &format!("/CreditNotes/{cn_id}/Allocations"),
            &too_much.replace("30.01", "30.00"),
        )
        .await;
    assert_eq!(alloc.status, 200, "{}", alloc.text);
    let inv = sb.get(&format!("/Invoices/{invoice}")).await.lossless();
    assert_eq!(amount(&inv, &["Invoices", "0", "AmountDue"]), d("50.00"));
    assert_eq!(
        amount(&inv, &["Invoices", "0", "AmountCredited"]),
        d("30.00")
    );
    let credit = sb.get(&format!("/CreditNotes/{cn_id}")).await;
    assert_eq!(
        credit.json()["CreditNotes"][0]["Status"],
        "PAID",
        "fully allocated"
    );
    assert_eq!(
        amount(&credit.lossless(), &["CreditNotes", "0", "RemainingCredit"]),
        d("0.00")
    );
}

#[tokio::test]
async fn contact_names_are_unique_among_active_contacts() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let duplicate = sb
        .put("/Contacts", r#"{"Contacts":[{"Name":"café olé"}]}"#)
        .await;
    assert_eq!(duplicate.status, 400);
    assert!(first_error(&duplicate.json()).contains("must be unique across all active contacts"));
    // An archived contact's name may be reused.
    let reused = sb
        .put(
            "/Contacts",
            r#"{"Contacts":[{"Name":"Oldtown Laundromat","EmailAddress":"a@b.example"}]}"#,
        )
        .await;
    assert_eq!(reused.status, 200, "{}", reused.text);
    let bad_email = sb
        .put(
            "/Contacts?summarizeErrors=false",
            r#"{"Contacts":[{"Name":"Someone New","EmailAddress":"nope"}]}"#,
        )
        .await;
    assert_eq!(
        bad_email.json()["Contacts"][0]["ValidationErrors"][0]["Message"],
        "Email address must be valid."
    );
    let renamed = sb
        .post(
            "/Contacts",
            &format!(
                r#"{{"ContactID":"{}","Name":"Café Olé (Pearl St)"}}"#,
                sb.contact_id("Café Olé").await
            ),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(
        renamed.json()["Contacts"][0]["EmailAddress"],
        "hola@cafeole.example",
        "omitted fields are kept"
    );
}
