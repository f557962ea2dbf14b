//! The query language: grammar, escapes, operators, paging, errors, GET and POST.

use crate::support::{Sandbox, assert_valid, dec};

#[tokio::test]
async fn grammar_in_every_client_dialect() {
    let sb = Sandbox::start().await;
    // python-quickbooks escapes quotes as \' (build_where_clause).
    let escaped = sb
        .query(r"SELECT * FROM Customer WHERE DisplayName = 'O\'Brien & Sons Bakery'")
        .await;
    assert_eq!(escaped.status, 200, "{}", escaped.text);
    assert_valid("QueryResponseEnvelope", &escaped);
    assert_eq!(
        escaped.str("QueryResponse.Customer.0.DisplayName"),
        "O'Brien & Sons Bakery"
    );
    assert_eq!(
        escaped.at("QueryResponse.maxResults").decimal(),
        Some(1.into())
    );
    assert_eq!(
        escaped.at("QueryResponse.startPosition").decimal(),
        Some(1.into())
    );

    // node-quickbooks: lower case keywords and entity, orderby, desc.
    let lower = sb
        .query("select * from customer where Active = true orderby DisplayName desc maxresults 2")
        .await;
    let names: Vec<&str> = (0..2)
        .map(|i| lower.str(&format!("QueryResponse.Customer.{i}.DisplayName")))
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.to_lowercase()));
    assert_eq!(names, sorted);
    assert_eq!(
        lower.at("QueryResponse.maxResults").decimal(),
        Some(2.into()),
        "maxResults = rows returned"
    );

    let like = sb
        .query("SELECT * FROM Customer WHERE DisplayName LIKE '%bakery'")
        .await;
    assert_eq!(
        like.str("QueryResponse.Customer.0.DisplayName"),
        "O'Brien & Sons Bakery"
    );
    let within = sb.query("Select * From Item Where Name IN ('Services', 'HVAC Service Call', 'Nope') ORDER BY Name ASC").await;
    assert_eq!(
        within.at("QueryResponse.Item").as_arr().map(<[_]>::len),
        Some(2)
    );
    assert_eq!(within.str("QueryResponse.Item.0.Name"), "HVAC Service Call");
    let amounts = sb
        .query("select * from Invoice where TotalAmt > '188.99' and TotalAmt <= 189")
        .await;
    assert_eq!(
        amounts.dec("QueryResponse.Invoice.0.TotalAmt"),
        dec("189.00")
    );
    let by_ref = sb
        .query("SELECT * FROM Invoice WHERE CustomerRef = '2'")
        .await;
    assert_eq!(by_ref.str("QueryResponse.Invoice.0.DocNumber"), "10007");

    // GET with the statement in the query string.
    let get = sb
        .get("/query?query=SELECT%20COUNT(*)%20FROM%20Customer&minorversion=75")
        .await;
    assert_eq!(get.status, 200, "{}", get.text);
    let active = get.at("QueryResponse.totalCount").decimal().expect("count");
    let all = sb
        .query("SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)")
        .await;
    assert_eq!(
        all.at("QueryResponse.totalCount").decimal(),
        Some(active + rust_decimal::Decimal::ONE),
        "one inactive customer"
    );
    let inactive = sb
        .query("SELECT * FROM Customer WHERE Active = false")
        .await;
    assert_eq!(
        inactive.str("QueryResponse.Customer.0.DisplayName"),
        "Harbor View Apartments"
    );

    // Item Sku only when asked for (python-quickbooks sends SELECT *, Sku).
    let sku = sb.post("/item", r#"{"Name":"Thermostat","Type":"NonInventory","Sku":"TH-1","IncomeAccountRef":{"value":"2"}}"#).await;
    assert_eq!(sku.status, 200, "{}", sku.text);
    let plain = sb
        .query("SELECT * FROM Item WHERE Name = 'Thermostat'")
        .await;
    assert!(plain.at("QueryResponse.Item.0.Sku").as_str().is_none());
    let with_sku = sb
        .query("SELECT *, Sku FROM Item WHERE Name = 'Thermostat'")
        .await;
    assert_eq!(with_sku.str("QueryResponse.Item.0.Sku"), "TH-1");
}

#[tokio::test]
async fn time_comparisons_paging_and_empty_results() {
    let sb = Sandbox::start().await;
    sb.advance(5).await;
    let created = sb.invoice("T-1", "5.00", "").await;
    let stamp = created.str("Invoice.MetaData.LastUpdatedTime").to_owned();
    let since = sb.query(&format!("SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '{stamp}' ORDERBY MetaData.LastUpdatedTime")).await;
    assert_eq!(since.str("QueryResponse.Invoice.0.DocNumber"), "T-1");
    assert!(since.at("QueryResponse.Invoice.1").as_obj().is_none());
    // Another offset, and Metadata in another case, mean the same instant.
    let utc = chrono::DateTime::parse_from_rfc3339(&stamp)
        .expect("time")
        .with_timezone(&chrono::Utc)
        .to_rfc3339();
    let strictly = sb
        .query(&format!(
            "select * from Invoice where Metadata.LastUpdatedTime > '{utc}'"
        ))
        .await;
    assert!(!strictly.text.contains("\"Invoice\""), "{}", strictly.text);
    let empty = sb
        .query("SELECT * FROM Invoice WHERE DocNumber = 'nope'")
        .await;
    assert_eq!(empty.status, 200);
    assert_eq!(
        empty.at("QueryResponse").as_obj().map(|o| o.len()),
        Some(0),
        "{{}} when empty: {}",
        empty.text
    );

    let ids = sb.state.seed_bulk_invoices(2_500);
    assert_eq!(ids.len(), 2_500);
    let mut seen = 0usize;
    let mut start = 1;
    loop {
        let page = sb.query(&format!("SELECT * FROM Invoice WHERE DocNumber LIKE 'B%' STARTPOSITION {start} MAXRESULTS 1000")).await;
        let rows = page
            .at("QueryResponse.Invoice")
            .as_arr()
            .map_or(0, <[_]>::len);
        if rows == 0 {
            break;
        }
        assert_eq!(
            page.at("QueryResponse.maxResults").decimal(),
            Some((rows as i64).into())
        );
        seen += rows;
        start += rows;
    }
    assert_eq!(seen, 2_500);
}

#[tokio::test]
async fn bad_queries_are_faults_4000_and_4001() {
    let sb = Sandbox::start().await;
    for (statement, code) in [
        (
            "SELECT * FROM Customer WHERE DisplayName = 'a' OR DisplayName = 'b'",
            "4000",
        ),
        (
            "SELECT * FROM Customer WHERE DisplayName = 'unterminated",
            "4000",
        ),
        ("SELECT * FROM", "4000"),
        ("SELECT * FROM Vendor", "4001"),
        ("SELECT * FROM Customer MAXRESULTS 0", "4001"),
        ("SELECT * FROM Customer MAXRESULTS 1001", "4001"),
        ("SELECT * FROM Customer STARTPOSITION 0", "4001"),
        (
            "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > 'yesterday'",
            "4001",
        ),
    ] {
        let r = sb.query(statement).await;
        assert_eq!((r.status, r.code()), (400, code), "{statement}: {}", r.text);
        assert_valid("FaultResponse", &r);
    }
    let r = sb.query("SELECT * FROM Customer MAXRESULTS 0").await;
    assert!(
        r.str("Fault.Error.0.Detail")
            .contains("Min allowed value is 1")
    );
}
