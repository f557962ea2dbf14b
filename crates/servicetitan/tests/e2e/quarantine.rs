//! A malformed record is quarantined with its reason and the rest of its page is read; so is
//! a record whose related data (a contact, its location, its items) cannot be read. Proven
//! against the emulator, which serves a record malformed on request; the items look-up (which
//! the emulator's feeds never need) against wiremock.

use std::collections::HashSet;

use futures::TryStreamExt;
use ledgerbridge_connector::Quarantined;
use ledgerbridge_core::EntityKind;
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_servicetitan::{Credentials, Endpoints, ServiceTitan, ServiceTitanConfig};
use secrecy::SecretString;
use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::World;

fn reason_of(quarantined: &[Quarantined], id: i64) -> String {
    quarantined
        .iter()
        .find(|q| q.id == Some(id))
        .unwrap_or_else(|| panic!("{id} not quarantined: {quarantined:?}"))
        .reason
        .clone()
}

#[tokio::test]
async fn a_malformed_invoice_from_the_emulator_is_quarantined_and_its_page_goes_on() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let st = world.connector();
    let before: Vec<_> = st.invoice_pages(None).try_collect().await.unwrap();
    let all: Vec<i64> = before
        .iter()
        .flat_map(|p| &p.records)
        .map(|r| r.id)
        .collect();
    let (non_numeric, missing) = (all[3], all[7]);
    world
        .malform("invoices", non_numeric, json!({"total": "one hundred"}))
        .await;
    world
        .malform("invoices", missing, json!({"createdOn": null}))
        .await;

    let batches: Vec<_> = st.invoice_changes(None).try_collect().await.unwrap();
    let quarantined: Vec<Quarantined> =
        batches.iter().flat_map(|b| b.quarantined.clone()).collect();
    let read: HashSet<i64> = batches
        .iter()
        .flat_map(|b| &b.records)
        .map(|r| r.id)
        .collect();
    assert_eq!(quarantined.len(), 2, "{quarantined:?}");
    assert!(quarantined.iter().all(|q| q.entity == EntityKind::Invoice));
    assert!(reason_of(&quarantined, non_numeric).contains("one hundred"));
    assert!(reason_of(&quarantined, missing).contains("createdOn"));
    let raw = quarantined
        .iter()
        .find(|q| q.id == Some(non_numeric))
        .unwrap()
        .raw();
    assert!(
        raw.contains("\"one hundred\""),
        "the raw record is kept for the ledger"
    );
    let expected: HashSet<i64> = all
        .iter()
        .copied()
        .filter(|id| ![non_numeric, missing].contains(id))
        .collect();
    assert_eq!(read, expected, "every other invoice is read");

    let pages: Vec<_> = st.invoice_pages(None).try_collect().await.unwrap();
    let listed: Vec<Quarantined> = pages.iter().flat_map(|p| p.quarantined.clone()).collect();
    assert_eq!(listed.len(), 2, "the list quarantines the same two");
    assert_eq!(
        pages.iter().map(|p| p.records.len()).sum::<usize>(),
        all.len() - 2
    );
}

#[tokio::test]
async fn a_malformed_contact_quarantines_only_its_customer() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let st = world.connector();
    let customers: Vec<_> = st.customer_changes(None).try_collect().await.unwrap();
    let with_email: Vec<i64> = customers
        .iter()
        .flat_map(|b| &b.records)
        .filter(|c| c.record.email.is_some())
        .map(|c| c.id)
        .collect();
    let total: usize = customers.iter().map(|b| b.records.len()).sum();
    let (named, anonymous) = (with_email[0], with_email[5]);
    // One contact of each: the first still names its customer, the second does not (the
    // bulk read cannot place it, so its chunk is read again per customer).
    for (customer, patch) in [
        (named, json!({"value": {"not": "text"}})),
        (
            anonymous,
            json!({"value": {"not": "text"}, "customerId": null}),
        ),
    ] {
        let contacts = world
            .api_get(&format!(
                "crm/v2/tenant/{}/customers/{customer}/contacts",
                world.tenant_id()
            ))
            .await;
        let contact = contacts["data"][0]["id"].as_i64().unwrap();
        world.malform("contacts", contact, patch).await;
    }

    let fresh = world.connector();
    let batches: Vec<_> = fresh.customer_changes(None).try_collect().await.unwrap();
    let quarantined: Vec<Quarantined> =
        batches.iter().flat_map(|b| b.quarantined.clone()).collect();
    assert_eq!(quarantined.len(), 2, "{quarantined:?}");
    assert!(quarantined.iter().all(|q| q.entity == EntityKind::Customer));
    assert!(reason_of(&quarantined, named).contains("contact"));
    assert!(reason_of(&quarantined, anonymous).contains("contact"));
    let read: Vec<_> = batches.iter().flat_map(|b| &b.records).collect();
    assert_eq!(read.len(), total - 2, "the other customers are read");
    assert!(
        read.iter().filter(|c| c.record.email.is_some()).count() >= with_email.len() - 2,
        "with their contacts"
    );
}

#[tokio::test]
async fn an_unreadable_location_quarantines_the_invoices_it_taxes_and_is_left_out_of_lists() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let st = world.connector();
    let pages: Vec<_> = st.invoice_pages(None).try_collect().await.unwrap();
    let invoices: Vec<_> = pages.iter().flat_map(|p| &p.records).collect();
    let customer = invoices
        .iter()
        .find(|i| !i.record.tax.is_zero())
        .unwrap()
        .record
        .customer
        .servicetitan_id()
        .unwrap();
    let theirs: HashSet<i64> = invoices
        .iter()
        .filter(|i| i.record.customer.servicetitan_id() == Some(customer))
        .map(|i| i.id)
        .collect();
    let locations = st.locations(Some(customer)).await.unwrap();
    assert!(!locations.is_empty());
    // Without a sales tax code naming their zone, the invoices ask their location for it.
    for id in &theirs {
        world
            .malform("invoices", *id, json!({"salesTaxCode": null}))
            .await;
    }
    for location in &locations {
        world
            .malform("locations", location.id, json!({"taxZoneId": "north"}))
            .await;
    }

    let fresh = world.connector();
    let pages: Vec<_> = fresh.invoice_pages(None).try_collect().await.unwrap();
    let quarantined: Vec<Quarantined> = pages.iter().flat_map(|p| p.quarantined.clone()).collect();
    let ids: HashSet<i64> = quarantined.iter().filter_map(|q| q.id).collect();
    assert_eq!(ids, theirs, "exactly that customer's invoices");
    assert!(
        quarantined.iter().all(|q| q.reason.contains("location")),
        "{quarantined:?}"
    );
    assert_eq!(
        pages.iter().map(|p| p.records.len()).sum::<usize>(),
        invoices.len() - theirs.len()
    );
    assert!(
        fresh.locations(Some(customer)).await.unwrap().is_empty(),
        "unreadable locations are left out of the location list, which still answers"
    );
}

fn invoice(id: i64) -> serde_json::Value {
    json!({
        "id": id, "syncStatus": "Posted", "referenceNumber": format!("INV-{id}"),
        "invoiceDate": "2025-01-10T00:00:00Z", "dueDate": "2025-02-10T00:00:00Z",
        "subTotal": "100.00", "salesTax": "0.00", "total": "100.00", "balance": "100.00",
        "customer": {"id": 11, "name": "Jane Roe"}, "createdOn": "2025-01-10T00:00:00Z",
        "modifiedOn": "2025-01-10T18:00:00.1234567Z", "sentStatus": "Sent", "reviewStatus": "Reviewed",
        "active": true
    })
}

fn item(id: i64, quantity: &str) -> serde_json::Value {
    json!({"id": id, "type": "Service", "skuId": 5, "skuName": "SVC-1", "description": "<p>Repair</p>",
           "quantity": quantity, "price": "100.00", "total": "100.00", "taxable": true,
           "inventory": false, "membershipTypeId": 0, "createdOn": "2025-01-10T00:00:00Z",
           "modifiedOn": "2025-01-10T00:00:00Z", "order": 1, "addOn": false})
}

#[tokio::test]
async fn invoices_whose_items_cannot_be_looked_up_are_quarantined_and_the_page_goes_on() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"access_token": "t", "expires_in": 900, "token_type": "Bearer"}),
            ),
        )
        .mount(&server)
        .await;
    // The feed sends invoices without items; the list by id is asked for them.
    Mock::given(method("GET"))
        .and(path("/accounting/v2/tenant/8450/export/invoices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "hasMore": false, "continueFrom": "tok-2",
            "data": [invoice(1), invoice(2), invoice(3), {"id": 4, "active": true}]
        })))
        .mount(&server)
        .await;
    let mut with_bad_items = invoice(2);
    with_bad_items["items"] = json!([item(20, "lots")]);
    let mut with_items = invoice(1);
    with_items["items"] = json!([item(10, "1")]);
    Mock::given(method("GET"))
        .and(path("/accounting/v2/tenant/8450/invoices"))
        .and(query_param("ids", "1,2,3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "page": 1, "pageSize": 5000, "hasMore": false,
            "data": [with_items, with_bad_items]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let endpoints = Endpoints {
        api_base: Url::parse(&server.uri()).unwrap(),
        token_url: Url::parse(&format!("{}/connect/token", server.uri())).unwrap(),
    };
    let credentials = Credentials {
        client_id: "cid.x".into(),
        client_secret: SecretString::from("cs1.x".to_owned()),
        app_key: SecretString::from("ak1.x".to_owned()),
    };
    let st = ServiceTitan::new(ServiceTitanConfig::new(endpoints, 8450, credentials)).unwrap();
    let batches: Vec<_> = st.invoice_changes(None).try_collect().await.unwrap();
    assert_eq!(batches.len(), 1);
    let batch = &batches[0];
    assert_eq!(
        batch.records.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![1]
    );
    assert_eq!(batch.records[0].record.lines[0].description, "Repair");
    assert_eq!(batch.cursor.as_str(), "tok-2");
    assert!(batch.caught_up);
    let ids: Vec<_> = batch.quarantined.iter().map(|q| q.id).collect();
    assert_eq!(
        ids,
        vec![Some(4), Some(2), Some(3)],
        "{:?}",
        batch.quarantined
    );
    assert!(reason_of(&batch.quarantined, 2).contains("lots"));
    assert!(reason_of(&batch.quarantined, 3).contains("did not return"));
}
