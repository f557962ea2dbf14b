//! Every emulated endpoint's responses validate against the vendor's schemas, and a
//! deliberately broken response does not.

use ledgerbridge_emulator::LimitMode;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    World, acc, accounting_spec, assert_problem, assert_valid, crm, crm_spec, settings_spec,
    spawn_world, tenant,
};

async fn first_id(w: &World, token: &str, path: &str) -> i64 {
    w.get_json(token, path).await["data"][0]["id"]
        .as_i64()
        .expect("an id")
}

#[tokio::test]
async fn accounting_responses_match_the_2025_spec() {
    let w = spawn_world(LimitMode::Off).await;
    let a = accounting_spec();
    let token = w.token(0).await;
    // All invoices of the tenant in one page: covers the 150-line, $0, adjustment and inactive ones.
    let invoices = w
        .get_json(&token, &acc(0, "invoices?pageSize=1000&includeTotal=true"))
        .await;
    assert_valid(
        a,
        "PaginatedResponse_Of_Accounting.V2.InvoiceResponse",
        &invoices,
    );
    assert!(
        invoices["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["items"].as_array().unwrap().len() == 150)
    );
    let q = "?includeRecentChanges=true";
    assert_valid(
        a,
        "ExportResponse_Of_Accounting.V2.ExportInvoiceResponse",
        &w.get_json(&token, &acc(0, &format!("export/invoices{q}")))
            .await,
    );
    assert_valid(
        a,
        "ExportResponse_Of_Accounting.V2.ExportInvoiceItemResponse",
        &w.get_json(&token, &acc(0, &format!("export/invoice-items{q}")))
            .await,
    );
    assert_valid(
        a,
        "ExportResponse_Of_Accounting.V2.ExportPaymentResponse",
        &w.get_json(&token, &acc(0, &format!("export/payments{q}")))
            .await,
    );
    assert_valid(
        a,
        "PaginatedResponse_Of_Accounting.V2.DetailedPaymentResponse",
        &w.get_json(&token, &acc(0, "payments?pageSize=1000")).await,
    );
    assert_valid(
        a,
        "PaginatedResponse_Of_Accounting.V2.PaymentTypeResponse",
        &w.get_json(&token, &acc(0, "payment-types?active=Any"))
            .await,
    );
    let type_id = first_id(&w, &token, &acc(0, "payment-types")).await;
    assert_valid(
        a,
        "Accounting.V2.PaymentTypeResponse",
        &w.get_json(&token, &acc(0, &format!("payment-types/{type_id}")))
            .await,
    );
    assert_valid(
        a,
        "PaginatedResponse_Of_Accounting.V2.TaxZoneResponse",
        &w.get_json(&token, &acc(0, "tax-zones")).await,
    );
    // GL accounts: paged (2026); each item is the 2025 schema.
    let gl = w.get_json(&token, &acc(0, "gl-accounts?active=Any")).await;
    assert!(gl["page"].is_number() && gl["pageSize"].is_number() && gl["hasMore"].is_boolean());
    for item in gl["data"].as_array().unwrap() {
        assert_valid(a, "Accounting.V2.GlAccountExtendedResponse", item);
    }
    let gl_id = gl["data"][0]["id"].as_i64().unwrap();
    assert_valid(
        a,
        "Accounting.V2.GlAccountExtendedResponse",
        &w.get_json(&token, &acc(0, &format!("gl-accounts/{gl_id}")))
            .await,
    );

    // Writes.
    let open = w.get_json(&token, &acc(0, "invoices?statuses=Posted&balanceFilter.Balance=0&balanceFilter.Comparer=Greater&activeState=ActiveOnly")).await;
    let inv = &open["data"][0];
    let (inv_id, balance) = (
        inv["id"].as_i64().unwrap(),
        inv["balance"].as_str().unwrap().to_owned(),
    );
    let body = json!([{"invoiceId": inv_id, "externalId": "QBO-1", "externalMessage": "ok"}, {"invoiceId": 1}]);
    let marked: Value = w
        .send(
            Method::POST,
            &token,
            &acc(0, "invoices/markasexported"),
            Some(body),
        )
        .await
        .json()
        .await
        .unwrap();
    for item in marked.as_array().unwrap() {
        assert_valid(a, "Accounting.V2.MarkInvoiceAsExportedUpdateResponse", item);
    }
    let body = json!({"typeId": type_id, "splits": [{"invoiceId": inv_id, "amount": balance}]});
    let created: Value = w
        .send(Method::POST, &token, &acc(0, "payments"), Some(body))
        .await
        .json()
        .await
        .unwrap();
    assert_valid(a, "Accounting.V2.PaymentResponse", &created);
    let patch = json!({"typeId": type_id, "memo": "m", "splits": created["splits"].clone()});
    let updated: Value = w
        .send(
            Method::PATCH,
            &token,
            &acc(0, &format!("payments/{}", created["id"])),
            Some(patch),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_valid(a, "Accounting.V2.PaymentResponse", &updated);
    let gl_new = w
        .send(
            Method::POST,
            &token,
            &acc(0, "gl-accounts"),
            Some(json!({"name": "Spec Test Income", "number": "4999", "type": "Income"})),
        )
        .await;
    assert_eq!(gl_new.status(), 201);
    assert_valid(
        a,
        "Accounting.V2.GlAccountExtendedResponse",
        &gl_new.json().await.unwrap(),
    );
    let adj = w
        .send(
            Method::POST,
            &token,
            &acc(0, "invoices"),
            Some(json!({"adjustmentToId": inv_id})),
        )
        .await;
    assert!(adj.json::<Value>().await.unwrap().is_i64());
    assert_problem(
        w.send(Method::GET, &token, &acc(0, "invoices?page=0"), None)
            .await,
        400,
    )
    .await;
}

#[tokio::test]
async fn crm_and_settings_responses_match_their_specs() {
    let w = spawn_world(LimitMode::Off).await;
    let c = crm_spec();
    let token = w.token(1).await;
    let customers = w
        .get_json(&token, &crm(1, "customers?pageSize=500&active=Any"))
        .await;
    assert_valid(
        c,
        "PaginatedResponse_Of_Crm.V2.Customers.CustomerResponse",
        &customers,
    );
    let id = customers["data"][0]["id"].as_i64().unwrap();
    assert_valid(
        c,
        "Crm.V2.Customers.CustomerResponse",
        &w.get_json(&token, &crm(1, &format!("customers/{id}")))
            .await,
    );
    let contacts = w
        .get_json(&token, &crm(1, &format!("customers/{id}/contacts")))
        .await;
    assert_valid(
        c,
        "PaginatedResponse_Of_Crm.V2.Customers.CustomerContactWithModifiedOnResponse",
        &contacts,
    );
    let q = "?includeRecentChanges=true";
    assert_valid(
        c,
        "ExportResponse_Of_Crm.V2.ExportCustomerResponse",
        &w.get_json(&token, &crm(1, &format!("export/customers{q}")))
            .await,
    );
    assert_valid(
        c,
        "ExportResponse_Of_Crm.V2.ExportCustomerContactResponse",
        &w.get_json(&token, &crm(1, &format!("export/customers/contacts{q}")))
            .await,
    );
    assert_valid(
        c,
        "ExportResponse_Of_Crm.V2.ExportLocationsResponse",
        &w.get_json(&token, &crm(1, &format!("export/locations{q}")))
            .await,
    );
    let locations = w.get_json(&token, &crm(1, "locations?pageSize=500")).await;
    assert_valid(
        c,
        "PaginatedResponse_Of_Crm.V2.Locations.LocationResponse",
        &locations,
    );
    let lid = locations["data"][0]["id"].as_i64().unwrap();
    assert_valid(
        c,
        "Crm.V2.Locations.LocationResponse",
        &w.get_json(&token, &crm(1, &format!("locations/{lid}")))
            .await,
    );

    let guid = "6f1c1b0e-8a57-4d3c-9a43-0c2f8f1d2e11";
    let new = json!({
        "name": "Zoë's Tea & Cakes", "type": "Commercial",
        "address": {"street": "1 Main St", "city": "Portland", "state": "OR", "zip": "97205", "country": "USA", "latitude": 45.519123, "longitude": -122.6801},
        "locations": [{"name": "Shop", "address": {"street": "1 Main St", "city": "Portland", "state": "OR", "zip": "97205", "country": "USA"},
                       "contacts": [{"type": "Phone", "value": "555-330-0001"}]}],
        "contacts": [{"type": "Email", "value": "zoe@example.com", "memo": "owner"}],
        "externalData": {"applicationGuid": guid, "externalData": [{"key": "xero_id", "value": "abc"}]}
    });
    let created = w
        .send(Method::POST, &token, &crm(1, "customers"), Some(new))
        .await;
    let text = created.text().await.unwrap();
    assert!(
        text.contains("\"latitude\":45.519123"),
        "coordinates are written exactly: {text}"
    );
    let created: Value = serde_json::from_str(&text).unwrap();
    assert_valid(c, "Crm.V2.Customers.CreatedCustomerResponse", &created);
    let cid = created["id"].as_i64().unwrap();
    let patched = w
        .send(
            Method::PATCH,
            &token,
            &crm(1, &format!("customers/{cid}")),
            Some(json!({"name": "Zoë's Tea & Cakes Ltd"})),
        )
        .await;
    assert_valid(
        c,
        "Crm.V2.Customers.CustomerResponse",
        &patched.json().await.unwrap(),
    );
    let contact = w
        .send(
            Method::POST,
            &token,
            &crm(1, &format!("customers/{cid}/contacts")),
            Some(json!({"type": "MobilePhone", "value": "555-330-0002"})),
        )
        .await;
    assert_valid(
        c,
        "Crm.V2.Customers.CustomerContactWithModifiedOnResponse",
        &contact.json().await.unwrap(),
    );

    let s = settings_spec();
    let units = w
        .get_json(
            &token,
            &format!("/settings/v2/tenant/{}/business-units", tenant(1)),
        )
        .await;
    assert_valid(
        s,
        "PaginatedResponse_Of_TenantSettings.V2.BusinessUnitResponse",
        &units,
    );
    let bu = units["data"][0]["id"].as_i64().unwrap();
    assert_valid(
        s,
        "TenantSettings.V2.BusinessUnitResponse",
        &w.get_json(
            &token,
            &format!("/settings/v2/tenant/{}/business-units/{bu}", tenant(1)),
        )
        .await,
    );
    assert_problem(
        w.send(Method::GET, &token, &crm(1, "customers/1"), None)
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_deliberately_broken_response_fails_validation() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let page = w.get_json(&token, &acc(0, "invoices?pageSize=5")).await;
    let a = accounting_spec();
    assert_valid(
        a,
        "PaginatedResponse_Of_Accounting.V2.InvoiceResponse",
        &page,
    );
    let mut broken = page.clone();
    broken["data"][0]["total"] = json!(12.5); // money must be a string
    assert!(
        a.validate(
            "PaginatedResponse_Of_Accounting.V2.InvoiceResponse",
            &broken
        )
        .is_err()
    );
    let mut broken = page.clone();
    broken["data"][0]
        .as_object_mut()
        .unwrap()
        .remove("sentStatus"); // required
    assert!(
        a.validate(
            "PaginatedResponse_Of_Accounting.V2.InvoiceResponse",
            &broken
        )
        .is_err()
    );
    let mut broken = page;
    broken["data"][0]["taxZoneId"] = json!(7); // not in the 2025 schema
    assert!(
        a.validate(
            "PaginatedResponse_Of_Accounting.V2.InvoiceResponse",
            &broken
        )
        .is_err()
    );
    let mut customer = w.get_json(&token, &crm(0, "customers?pageSize=1")).await;
    customer["data"][0]["type"] = json!("Martian");
    assert!(
        crm_spec()
            .validate(
                "PaginatedResponse_Of_Crm.V2.Customers.CustomerResponse",
                &customer
            )
            .is_err()
    );
}

#[tokio::test]
async fn bulk_contacts_need_a_modified_window_and_filter_by_customer() {
    let w = spawn_world(LimitMode::Off).await;
    let c = crm_spec();
    let token = w.token(1).await;
    let refused = w
        .send(
            Method::GET,
            &token,
            &crm(1, "customers/contacts?customerIds=1"),
            None,
        )
        .await;
    assert_problem(refused, 400).await;

    let customers = w.get_json(&token, &crm(1, "customers?pageSize=3")).await;
    let ids: Vec<i64> = customers["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let joined = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let path = format!(
        "customers/contacts?modifiedOnOrAfter=2000-01-01T00:00:00Z&customerIds={joined}&pageSize=5000"
    );
    let bulk = w.get_json(&token, &crm(1, &path)).await;
    assert_valid(
        c,
        "PaginatedResponse_Of_Crm.V2.Customers.CustomerContactWithModifiedOnAndCustomerIdResponse",
        &bulk,
    );
    let data = bulk["data"].as_array().unwrap();
    assert!(!data.is_empty());
    assert!(
        data.iter()
            .all(|contact| ids.contains(&contact["customerId"].as_i64().unwrap()))
    );
    // The same contacts the per-customer route lists.
    let mut per_customer = 0;
    for id in &ids {
        let one = w
            .get_json(
                &token,
                &crm(1, &format!("customers/{id}/contacts?pageSize=500")),
            )
            .await;
        per_customer += one["data"].as_array().unwrap().len();
    }
    assert_eq!(data.len(), per_customer);
}
