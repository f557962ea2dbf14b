//! Sales tax (AST) and balances: payments, over-payments, credit memos, refund receipts.

use crate::support::{Resp, Sandbox, assert_valid, dec};

async fn taxable_invoice(sb: &Sandbox, customer: &str, amount: &str, extra: &str) -> Resp {
    let body = format!(
        r#"{{"CustomerRef":{{"value":"{customer}"}},{extra}"Line":[{{"Amount":"{amount}","DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"5"}},"TaxCodeRef":{{"value":"TAX"}}}}}}]}}"#
    );
    let r = sb.post("/invoice?minorversion=75", &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r
}

#[tokio::test]
async fn automated_sales_tax_rounds_per_rate_and_honours_overrides() {
    let sb = Sandbox::start().await;
    // Springfield: 6.25 + 1 + 2.5 = 9.75 %. Per rate: 0.64 + 0.10 + 0.26 = 1.00, where one
    // rounding of 10.20 x 9.75 % gives 0.99: the one-cent difference of real life.
    let computed = taxable_invoice(&sb, "1", "10.20", "").await;
    assert_eq!(computed.dec("Invoice.TxnTaxDetail.TotalTax"), dec("1.00"));
    assert_eq!(computed.dec("Invoice.TotalAmt"), dec("11.20"));
    assert_eq!(
        computed
            .at("Invoice.TxnTaxDetail.TaxLine")
            .as_arr()
            .map(<[_]>::len),
        Some(3)
    );
    assert_eq!(
        computed.str("Invoice.TxnTaxDetail.TxnTaxCodeRef.value"),
        "2"
    );
    assert_eq!(
        computed.dec("Invoice.Line.0.Amount"),
        dec("10.20"),
        "a quoted amount is read exactly"
    );

    let overridden =
        taxable_invoice(&sb, "1", "10.20", r#""TxnTaxDetail":{"TotalTax":0.99},"#).await;
    assert_eq!(overridden.dec("Invoice.TxnTaxDetail.TotalTax"), dec("0.99"));
    assert_eq!(overridden.dec("Invoice.TotalAmt"), dec("11.19"));
    let lines: rust_decimal::Decimal = (0..3)
        .map(|i| overridden.dec(&format!("Invoice.TxnTaxDetail.TaxLine.{i}.Amount")))
        .sum();
    assert_eq!(
        lines,
        dec("0.99"),
        "the override is prorated over the rate lines"
    );

    // A sparse edit that does not touch tax inputs keeps the override.
    let id = overridden.str("Invoice.Id");
    let memo = sb
        .post(
            "/invoice",
            &format!(r#"{{"Id":"{id}","SyncToken":"0","sparse":true,"PrivateNote":"memo"}}"#),
        )
        .await;
    assert_eq!(memo.dec("Invoice.TxnTaxDetail.TotalTax"), dec("0.99"));

    let exempt = sb.customer_id("Grace Community Church").await;
    let none = taxable_invoice(&sb, &exempt, "100.00", "").await;
    assert_eq!(
        (
            none.dec("Invoice.TxnTaxDetail.TotalTax"),
            none.dec("Invoice.TotalAmt")
        ),
        (dec("0"), dec("100.00"))
    );

    // The transaction's ship-to address decides the jurisdiction.
    let ship =
        r#""ShipAddr":{"City":"Chatham","CountrySubDivisionCode":"IL","PostalCode":"62629"},"#;
    let chatham_tax = taxable_invoice(&sb, "1", "100.00", ship).await;
    assert_eq!(
        chatham_tax.dec("Invoice.TxnTaxDetail.TotalTax"),
        dec("7.25")
    );
    let away =
        r#""ShipAddr":{"City":"St. Louis","CountrySubDivisionCode":"MO","PostalCode":"63101"},"#;
    assert_eq!(
        taxable_invoice(&sb, "1", "100.00", away)
            .await
            .dec("Invoice.TxnTaxDetail.TotalTax"),
        dec("0")
    );

    // Springfield's city rate changes on start + 15 days.
    let start = sb.start;
    let before = taxable_invoice(
        &sb,
        "1",
        "100.00",
        &format!(r#""TxnDate":"{}","#, start + chrono::Days::new(14)),
    )
    .await;
    let after = taxable_invoice(
        &sb,
        "1",
        "100.00",
        &format!(r#""TxnDate":"{}","#, start + chrono::Days::new(15)),
    )
    .await;
    assert_eq!(
        (
            before.dec("Invoice.TxnTaxDetail.TotalTax"),
            after.dec("Invoice.TxnTaxDetail.TotalTax")
        ),
        (dec("9.50"), dec("9.75"))
    );
    let bad_code = sb
        .post("/invoice", r#"{"CustomerRef":{"value":"1"},"Line":[{"Amount":1,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{"TaxCodeRef":{"value":"2"}}}]}"#)
        .await;
    assert_eq!(bad_code.code(), "6100");
}

#[tokio::test]
async fn payments_partial_over_split_and_credit_memos() {
    let sb = Sandbox::start().await;
    let a = sb
        .invoice("P-1", "100.00", "")
        .await
        .str("Invoice.Id")
        .to_owned();
    let b = sb
        .invoice("P-2", "50.00", "")
        .await
        .str("Invoice.Id")
        .to_owned();
    let pay = |total: &str, lines: &[(&str, &str, &str)]| {
        let lines: Vec<String> = lines
            .iter()
            .map(|(id, kind, amount)| {
                format!(
                    r#"{{"Amount":{amount},"LinkedTxn":[{{"TxnId":"{id}","TxnType":"{kind}"}}]}}"#
                )
            })
            .collect();
        format!(
            r#"{{"CustomerRef":{{"value":"1"}},"TotalAmt":{total},"PaymentMethodRef":{{"value":"2"}},"Line":[{}]}}"#,
            lines.join(",")
        )
    };
    let split = sb
        .post(
            "/payment",
            &pay(
                "130.00",
                &[(&a, "Invoice", "90.00"), (&b, "Invoice", "30.00")],
            ),
        )
        .await;
    assert_eq!(split.status, 200, "{}", split.text);
    assert_eq!(
        split.dec("Payment.UnappliedAmt"),
        dec("10.00"),
        "over-payment leaves unapplied credit"
    );
    assert_eq!(
        split.str("Payment.DepositToAccountRef.name"),
        "Undeposited Funds"
    );
    assert_eq!(
        sb.get(&format!("/invoice/{a}"))
            .await
            .dec("Invoice.Balance"),
        dec("10.00")
    );
    assert_eq!(
        sb.get(&format!("/invoice/{b}"))
            .await
            .dec("Invoice.Balance"),
        dec("20.00")
    );
    let too_much = sb
        .post("/payment", &pay("25.00", &[(&b, "Invoice", "25.00")]))
        .await;
    assert_eq!(too_much.code(), "6000", "more than the open balance");
    let customer = sb.get("/customer/1").await;
    assert_eq!(
        customer.dec("Customer.Balance"),
        dec("20.00"),
        "30 open - 10 unapplied"
    );

    let memo = sb
        .post("/creditmemo", r#"{"CustomerRef":{"value":"1"},"Line":[{"Amount":20,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{"TaxCodeRef":{"value":"NON"}}}]}"#)
        .await;
    assert_eq!(memo.status, 200, "{}", memo.text);
    assert_valid("CreditMemoResponse", &memo);
    assert_eq!(memo.dec("CreditMemo.RemainingCredit"), dec("20.00"));
    let cm = memo.str("CreditMemo.Id").to_owned();
    let apply = sb
        .post(
            "/payment",
            &pay(
                "0",
                &[(&b, "Invoice", "20.00"), (&cm, "CreditMemo", "20.00")],
            ),
        )
        .await;
    assert_eq!(apply.status, 200, "{}", apply.text);
    assert_eq!(
        sb.get(&format!("/invoice/{b}"))
            .await
            .dec("Invoice.Balance"),
        dec("0.00")
    );
    assert_eq!(
        sb.get(&format!("/creditmemo/{cm}"))
            .await
            .dec("CreditMemo.RemainingCredit"),
        dec("0.00")
    );

    // Voiding an invoice unlinks its payments: their money becomes unapplied credit.
    let invoice_a = sb.get(&format!("/invoice/{a}")).await;
    let sync = invoice_a.str("Invoice.SyncToken");
    let void = sb
        .post(
            "/invoice?operation=void",
            &format!(r#"{{"Id":"{a}","SyncToken":"{sync}"}}"#),
        )
        .await;
    assert_eq!(void.status, 200, "{}", void.text);
    let split_after = sb
        .get(&format!("/payment/{}", split.str("Payment.Id")))
        .await;
    assert_eq!(split_after.dec("Payment.UnappliedAmt"), dec("100.00"));

    let refund = sb
        .post(
            "/refundreceipt",
            r#"{"CustomerRef":{"value":"1"},"DepositToAccountRef":{"value":"5"},"Line":[{"Amount":15,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{"TaxCodeRef":{"value":"NON"}}}]}"#,
        )
        .await;
    assert_eq!(refund.status, 200, "{}", refund.text);
    assert_valid("RefundReceiptResponse", &refund);
    assert_eq!(refund.dec("RefundReceipt.TotalAmt"), dec("15.00"));
    let from_undeposited = sb
        .post("/refundreceipt", r#"{"CustomerRef":{"value":"1"},"Line":[{"Amount":15,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{}}]}"#)
        .await;
    assert_eq!(
        from_undeposited.code(),
        "2020",
        "a refund says where the money comes from"
    );
}
