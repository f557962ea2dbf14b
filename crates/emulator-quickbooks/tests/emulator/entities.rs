//! CRUD with SyncToken, sparse and full updates, delete and void, duplicate names and
//! numbers, inactive references and the closing date.

use crate::support::{Sandbox, assert_valid, dec};

#[tokio::test]
async fn create_read_sparse_and_full_update_with_sync_tokens() {
    let sb = Sandbox::start().await;
    let created = sb
        .invoice("ST-1001", "150.00", r#""PrivateNote":"job 123","#)
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_valid("InvoiceResponse", &created);
    let id = created.str("Invoice.Id").to_owned();
    assert_eq!(created.str("Invoice.SyncToken"), "0");
    assert_eq!(created.dec("Invoice.TotalAmt"), dec("150.00"));
    assert_eq!(created.dec("Invoice.Balance"), dec("150.00"));
    assert_eq!(
        created.str("Invoice.Line.1.DetailType"),
        "SubTotalLineDetail"
    );

    let read = sb.get(&format!("/invoice/{id}?minorversion=75")).await;
    assert_eq!(read.at("Invoice"), created.at("Invoice"));

    let sparse = sb
        .post(
            "/invoice?minorversion=75",
            &format!(r#"{{"Id":"{id}","SyncToken":"0","sparse":true,"PrivateNote":"edited"}}"#),
        )
        .await;
    assert_eq!(sparse.status, 200, "{}", sparse.text);
    assert_eq!(sparse.str("Invoice.SyncToken"), "1");
    assert_eq!(sparse.str("Invoice.PrivateNote"), "edited");
    assert_eq!(
        sparse.str("Invoice.DocNumber"),
        "ST-1001",
        "sparse keeps the rest"
    );
    assert_eq!(
        sparse.str("Invoice.Line.0.Id"),
        created.str("Invoice.Line.0.Id")
    );

    let stale = sb
        .post(
            "/invoice?minorversion=75",
            &format!(r#"{{"Id":"{id}","SyncToken":"0","sparse":true,"PrivateNote":"late"}}"#),
        )
        .await;
    assert_eq!((stale.status, stale.code()), (400, "5010"));
    assert_valid("FaultResponse", &stale);

    // A full update replaces every writable field: PrivateNote is gone, lines are new.
    let full = sb
        .post(
            "/invoice?operation=update&minorversion=75",
            &format!(
                r#"{{"Id":"{id}","SyncToken":"1","CustomerRef":{{"value":"1"}},"Line":[
                    {{"Id":"1","Amount":100,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"2"}},"TaxCodeRef":{{"value":"NON"}}}}}},
                    {{"Amount":25.5,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"2"}},"Qty":2,"UnitPrice":12.75,"TaxCodeRef":{{"value":"NON"}}}}}}]}}"#
            ),
        )
        .await;
    assert_eq!(full.status, 200, "{}", full.text);
    assert_eq!(full.str("Invoice.SyncToken"), "2");
    assert!(full.at("Invoice.PrivateNote").as_str().is_none());
    assert_eq!(
        full.str("Invoice.DocNumber"),
        "ST-1001",
        "the number is kept when none is sent"
    );
    assert_eq!(
        (full.str("Invoice.Line.0.Id"), full.str("Invoice.Line.1.Id")),
        ("1", "2")
    );
    assert_eq!(full.dec("Invoice.TotalAmt"), dec("125.50"));

    let bad_amount = sb
        .post(
            "/invoice?minorversion=75",
            r#"{"CustomerRef":{"value":"1"},"Line":[{"Amount":30,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{"ItemRef":{"value":"2"},"Qty":2,"UnitPrice":12.75}}]}"#,
        )
        .await;
    assert_eq!(bad_amount.code(), "6070");
    // python-quickbooks defaults: Qty 0 and UnitPrice 0 mean "not given"; a sparse save of a
    // fresh object carries `Line: []`, which leaves the lines alone.
    let defaults = sb
        .post(
            "/invoice?minorversion=75",
            r#"{"CustomerRef":{"value":"1"},"Line":[{"Amount":100.0,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{"ItemRef":{"value":"1"},"Qty":0,"UnitPrice":0,"ServiceDate":""}}]}"#,
        )
        .await;
    assert_eq!(defaults.status, 200, "{}", defaults.text);
    let fresh = defaults.str("Invoice.Id");
    let sparse_empty = sb
        .post("/invoice", &format!(r#"{{"Id":"{fresh}","SyncToken":"0","sparse":true,"Line":[],"CustomField":[],"PrivateNote":"n"}}"#))
        .await;
    assert_eq!(sparse_empty.status, 200, "{}", sparse_empty.text);
    assert_eq!(sparse_empty.dec("Invoice.TotalAmt"), dec("100.00"));
    let missing = sb.get("/invoice/99999?minorversion=75").await;
    assert_eq!((missing.status, missing.code()), (400, "610"));
}

#[tokio::test]
async fn delete_and_void_invoices_and_payments() {
    let sb = Sandbox::start().await;
    let doomed = sb.invoice("DEL-1", "10.00", "").await;
    let id = doomed.str("Invoice.Id").to_owned();
    let deleted = sb
        .post(
            "/invoice?operation=delete&minorversion=75",
            &format!(r#"{{"Id":"{id}","SyncToken":"0"}}"#),
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    assert_valid("DeletedResponse", &deleted);
    assert_eq!(
        (deleted.str("Invoice.status"), deleted.str("Invoice.Id")),
        ("Deleted", id.as_str())
    );
    assert_eq!(sb.get(&format!("/invoice/{id}")).await.code(), "610");
    let gone = sb
        .query(&format!("select * from Invoice where Id = '{id}'"))
        .await;
    assert!(
        gone.at("QueryResponse.Invoice").as_arr().is_none(),
        "{}",
        gone.text
    );
    assert!(
        sb.invoice("DEL-1", "10.00", "").await.status == 200,
        "a deleted invoice frees its number"
    );

    let paid = sb.invoice("VOID-1", "200.00", "").await;
    let invoice = paid.str("Invoice.Id").to_owned();
    let payment = sb
        .post("/payment?minorversion=75", &format!(r#"{{"CustomerRef":{{"value":"1"}},"TotalAmt":80,"Line":[{{"Amount":80,"LinkedTxn":[{{"TxnId":"{invoice}","TxnType":"Invoice"}}]}}]}}"#))
        .await;
    assert_eq!(payment.status, 200, "{}", payment.text);
    assert_valid("PaymentResponse", &payment);
    let payment_id = payment.str("Payment.Id").to_owned();
    let after = sb.get(&format!("/invoice/{invoice}")).await;
    assert_eq!(after.dec("Invoice.Balance"), dec("120.00"));
    assert_eq!(after.str("Invoice.LinkedTxn.0.TxnId"), payment_id);

    // Payment void (python-quickbooks: operation=update&include=void, sparse body).
    let voided = sb
        .post(
            "/payment?operation=update&include=void&minorversion=75",
            &format!(r#"{{"Id":"{payment_id}","SyncToken":"0","sparse":true}}"#),
        )
        .await;
    assert_eq!(voided.status, 200, "{}", voided.text);
    assert_eq!(
        (
            voided.dec("Payment.TotalAmt"),
            voided.dec("Payment.UnappliedAmt")
        ),
        (dec("0"), dec("0"))
    );
    assert!(voided.str("Payment.PrivateNote").contains("Voided"));
    let restored = sb.get(&format!("/invoice/{invoice}")).await;
    assert_eq!(restored.dec("Invoice.Balance"), dec("200.00"));

    let sync = restored.str("Invoice.SyncToken").to_owned();
    let void = sb
        .post(
            "/invoice?operation=void&minorversion=75",
            &format!(r#"{{"Id":"{invoice}","SyncToken":"{sync}"}}"#),
        )
        .await;
    assert_eq!(void.status, 200, "{}", void.text);
    assert_eq!(
        (void.dec("Invoice.TotalAmt"), void.dec("Invoice.Balance")),
        (dec("0"), dec("0"))
    );
    assert!(void.str("Invoice.PrivateNote").contains("Voided"));
    let sync = void.str("Invoice.SyncToken").to_owned();
    let edit = sb
        .post(
            "/invoice",
            &format!(
                r#"{{"Id":"{invoice}","SyncToken":"{sync}","sparse":true,"PrivateNote":"x"}}"#
            ),
        )
        .await;
    assert_eq!(edit.code(), "6000", "voided transactions stay voided");
    let customer_delete = sb
        .post(
            "/customer?operation=delete",
            r#"{"Id":"1","SyncToken":"0"}"#,
        )
        .await;
    assert_eq!(
        customer_delete.code(),
        "500",
        "name lists are deactivated, not deleted"
    );
}

#[tokio::test]
async fn duplicate_names_numbers_and_inactive_references() {
    let sb = Sandbox::start().await;
    let inactive = sb.customer_id("Harbor View Apartments").await;
    let dup = sb
        .post("/customer", r#"{"DisplayName":"harbor view apartments "}"#)
        .await;
    assert_eq!((dup.status, dup.code()), (400, "6240"));
    assert!(
        dup.str("Fault.Error.0.Detail")
            .contains("Another customer, vendor or employee")
    );
    assert_eq!(dup.str("Fault.Error.0.element"), "DisplayName");
    let created = sb
        .post("/customer", r#"{"GivenName":"Ana","FamilyName":"Lopez"}"#)
        .await;
    assert_eq!(created.str("Customer.DisplayName"), "Ana Lopez");
    assert_valid("CustomerResponse", &created);
    let no_name = sb.post("/customer", r#"{"Notes":"nameless"}"#).await;
    assert_eq!(no_name.code(), "6080");

    let ref_inactive = sb
        .post("/invoice", &format!(r#"{{"CustomerRef":{{"value":"{inactive}"}},"Line":[{{"Amount":5,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{}}}}]}}"#))
        .await;
    assert_eq!(ref_inactive.code(), "610");
    assert!(
        ref_inactive
            .str("Fault.Error.0.Detail")
            .contains("made inactive")
    );

    let dup_doc = sb.invoice("10007", "1.00", "").await;
    assert_eq!(dup_doc.code(), "6140", "10007 is the seeded invoice");
    assert!(
        dup_doc
            .str("Fault.Error.0.Detail")
            .contains("DocNumber=10007")
    );
    let allowed = sb
        .post(
            "/invoice?include=allowduplicatedocnum",
            r#"{"CustomerRef":{"value":"1"},"DocNumber":"10007","Line":[{"Amount":1,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{}}]}"#,
        )
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
    let auto = sb.post("/invoice", r#"{"CustomerRef":{"value":"1"},"Line":[{"Amount":1,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{}}]}"#).await;
    assert_eq!(
        auto.str("Invoice.DocNumber"),
        "10008",
        "next number after the highest"
    );
    let long = sb.invoice("ABCDEFGHIJKLMNOPQRSTUV", "1.00", "").await;
    assert_eq!(long.code(), "2050");
    let tax_write = sb.post("/taxcode", r#"{"Name":"X"}"#).await;
    assert_eq!(tax_write.code(), "500");
}

#[tokio::test]
async fn the_closing_date_refuses_writes_on_or_before_it() {
    let sb = Sandbox::start().await;
    let prefs = sb.get("/preferences?minorversion=75").await;
    assert_valid("PreferencesResponse", &prefs);
    let close = prefs
        .str("Preferences.AccountingInfoPrefs.BookCloseDate")
        .to_owned();
    let on_close = sb
        .invoice("CL-1", "10.00", &format!(r#""TxnDate":"{close}","#))
        .await;
    assert_eq!((on_close.status, on_close.code()), (400, "6200"));
    assert_eq!(
        on_close.str("Fault.Error.0.Message"),
        "Account Period Closed"
    );

    // An open invoice, then the books close over it: edits, voids and payments dated in the
    // closed period are refused.
    let open = sb.invoice("CL-2", "50.00", "").await;
    let id = open.str("Invoice.Id").to_owned();
    let today = open.str("Invoice.TxnDate").to_owned();
    let sync = prefs.str("Preferences.SyncToken").to_owned();
    let moved = sb
        .post("/preferences", &format!(r#"{{"Id":"1","SyncToken":"{sync}","sparse":true,"AccountingInfoPrefs":{{"BookCloseDate":"{today}"}}}}"#))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(
        moved.str("Preferences.AccountingInfoPrefs.BookCloseDate"),
        today
    );
    let edit = sb
        .post(
            "/invoice",
            &format!(r#"{{"Id":"{id}","SyncToken":"0","sparse":true,"PrivateNote":"late edit"}}"#),
        )
        .await;
    assert_eq!(edit.code(), "6200");
    let void = sb
        .post(
            "/invoice?operation=void",
            &format!(r#"{{"Id":"{id}","SyncToken":"0"}}"#),
        )
        .await;
    assert_eq!(void.code(), "6200");
    let payment = sb
        .post("/payment", &format!(r#"{{"CustomerRef":{{"value":"1"}},"TotalAmt":5,"TxnDate":"{today}","Line":[{{"Amount":5,"LinkedTxn":[{{"TxnId":"{id}","TxnType":"Invoice"}}]}}]}}"#))
        .await;
    assert_eq!(payment.code(), "6200");
    let bad = sb.post("/preferences", r#"{"Id":"1","SyncToken":"1","sparse":true,"AccountingInfoPrefs":{"BookCloseDate":"soon"}}"#).await;
    assert_eq!(bad.code(), "2070");
}

#[tokio::test]
async fn minor_versions_and_unknown_paths() {
    let sb = Sandbox::start().await;
    for v in ["75", "70", "80"] {
        assert_eq!(
            sb.get(&format!(
                "/companyinfo/{}?minorversion={v}&",
                ledgerbridge_emulator_quickbooks::REALM_ID
            ))
            .await
            .status,
            200,
            "minorversion {v}"
        );
    }
    let info = sb
        .get(&format!(
            "/companyinfo/{}",
            ledgerbridge_emulator_quickbooks::REALM_ID
        ))
        .await;
    assert_valid("CompanyInfoResponse", &info);
    assert_eq!(
        sb.get("/preferences?minorversion=latest").await.code(),
        "2010"
    );
    let unknown = sb.get("/vendor/1").await;
    assert_eq!(unknown.code(), "500");
    let garbage = sb.post("/customer", "{not json").await;
    assert_eq!(garbage.code(), "2010");
}
