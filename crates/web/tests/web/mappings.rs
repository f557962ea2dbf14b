use axum::http::StatusCode;
use ledgerbridge_core::System;
use ledgerbridge_ledger::{EventFilter, MappingKind};
use ledgerbridge_web::{BoxFuture, MappingChoice, MappingChoices};
use std::sync::Arc;

use crate::helpers::*;

#[tokio::test]
async fn the_list_shows_mappings_and_an_edit_link_fills_the_form() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let r = client.get("/mappings").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<th scope=\"row\">SKU-100</th>"));
    assert!(r.body.contains("Service call"));
    let edit = client
        .get(&format!(
            "/mappings?tenant={QBO_TENANT}&system=quickbooks&kind=item&source=SKU-100"
        ))
        .await;
    assert!(
        edit.body
            .contains(r#"<input id="m-target" name="target" value="42" aria-describedby="m-target-help" required>"#)
    );
    assert!(edit.body.contains(r#"<option value="item" selected>"#));
    let none = client.get("/mappings?tenant=nobody").await;
    assert!(none.body.contains("No mappings for tenant nobody."));
}

#[tokio::test]
async fn saving_a_mapping_writes_the_ledger_and_audits_it() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let r = client
        .post(
            "/mappings",
            "/mappings",
            &[
                ("action", "set"),
                ("tenant", QBO_TENANT),
                ("target_system", "quickbooks"),
                ("kind", "tax_zone"),
                ("source", "Springfield City"),
                ("target", "TAX-7"),
                ("target_label", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location"),
        format!("/mappings?tenant={QBO_TENANT}")
    );
    let saved = ledger
        .mappings()
        .get(
            QBO_TENANT,
            System::QuickBooks,
            MappingKind::TaxZone,
            "Springfield City",
        )
        .await
        .unwrap()
        .expect("saved");
    assert_eq!(saved.target, "TAX-7");
    assert_eq!(saved.target_label, None);
    let page = client.get("/mappings").await;
    assert!(
        page.body
            .contains("Mapping of Tax zone “Springfield City” added.")
    );
    let audited = ledger
        .events()
        .list(&EventFilter {
            kind: Some("mappings.changed".into()),
            ..EventFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(audited.len(), 2, "the seed's and this one");

    // Changing it updates in place.
    client
        .post(
            "/mappings",
            "/mappings",
            &[
                ("tenant", QBO_TENANT),
                ("target_system", "quickbooks"),
                ("kind", "tax_zone"),
                ("source", "Springfield City"),
                ("target", "TAX-8"),
            ],
        )
        .await;
    let changed = ledger
        .mappings()
        .get(
            QBO_TENANT,
            System::QuickBooks,
            MappingKind::TaxZone,
            "Springfield City",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.target, "TAX-8");
    assert!(client.get("/mappings").await.body.contains("updated."));
}

#[tokio::test]
async fn an_invalid_mapping_is_refused_with_reasons_and_nothing_changes() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let r = client
        .post(
            "/mappings",
            "/mappings",
            &[
                ("tenant", "has space"),
                ("target_system", "servicetitan"),
                ("kind", "boat"),
                ("source", ""),
                ("target", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for reason in [
        "Tenant:",
        "Accounting system:",
        "Kind:",
        "ServiceTitan value: required.",
    ] {
        assert!(r.body.contains(reason), "{reason}");
    }
    assert!(r.body.contains(r#"role="alert""#));
    assert_eq!(ledger.mappings().list(None).await.unwrap().len(), 1);
}

struct Items;

impl MappingChoices for Items {
    fn choices<'a>(
        &'a self,
        _: &'a str,
        _: System,
        kind: MappingKind,
    ) -> BoxFuture<'a, Result<Vec<MappingChoice>, String>> {
        Box::pin(async move {
            Ok(if kind == MappingKind::Item {
                vec![
                    MappingChoice {
                        value: "42".into(),
                        label: "Service call".into(),
                    },
                    MappingChoice {
                        value: "43".into(),
                        label: "Filter".into(),
                    },
                ]
            } else {
                Vec::new()
            })
        })
    }
}

#[tokio::test]
async fn with_a_choices_source_the_target_is_picked_from_the_list() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_with(&ledger, |o| o.mapping_choices(Arc::new(Items))));
    let form = client
        .get(&format!(
            "/mappings?tenant={QBO_TENANT}&system=quickbooks&kind=item"
        ))
        .await;
    assert!(
        form.body
            .contains(r#"<select id="m-target" name="target">"#)
    );
    assert!(
        form.body
            .contains(r#"<option value="43">Filter (43)</option>"#)
    );
    let refused = client
        .post(
            "/mappings",
            "/mappings",
            &[
                ("tenant", QBO_TENANT),
                ("target_system", "quickbooks"),
                ("kind", "item"),
                ("source", "SKU-200"),
                ("target", "99"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("pick one of the values"));
    let ok = client
        .post(
            "/mappings",
            "/mappings",
            &[
                ("tenant", QBO_TENANT),
                ("target_system", "quickbooks"),
                ("kind", "item"),
                ("source", "SKU-200"),
                ("target", "43"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let saved = ledger
        .mappings()
        .get(QBO_TENANT, System::QuickBooks, MappingKind::Item, "SKU-200")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        saved.target_label.as_deref(),
        Some("Filter"),
        "label from the choice"
    );
}

#[tokio::test]
async fn removing_a_mapping() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let fields = [
        ("action", "remove"),
        ("tenant", QBO_TENANT),
        ("target_system", "quickbooks"),
        ("kind", "item"),
        ("source", "SKU-100"),
    ];
    assert_eq!(
        client.post("/mappings", "/mappings", &fields).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(ledger.mappings().list(None).await.unwrap().is_empty());
    assert!(client.get("/mappings").await.body.contains("removed."));
    client.post("/mappings", "/mappings", &fields).await;
    assert!(client.get("/mappings").await.body.contains("did not exist"));
}

#[tokio::test]
async fn a_typed_id_wins_over_the_list_and_list_the_values_saves_nothing() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_with(&ledger, |o| o.mapping_choices(Arc::new(Items))));
    // "List the values" from the blank form: the same form, now with the choices.
    let listed = client
        .post(
            "/mappings",
            "/mappings",
            &[
                ("action", "choices"),
                ("tenant", QBO_TENANT),
                ("target_system", "quickbooks"),
                ("kind", "item"),
                ("source", "SKU-300"),
            ],
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(
        listed
            .body
            .contains(r#"<option value="42">Service call (42)</option>"#)
    );
    assert!(listed.body.contains(r#"<label for="m-other">"#));
    assert!(listed.body.contains(r#"name="source" value="SKU-300""#));
    assert_eq!(
        ledger.mappings().list(None).await.unwrap().len(),
        1,
        "nothing saved"
    );
    // An id the list does not show is typed, and saved as typed.
    let saved = client
        .post(
            "/mappings",
            "/mappings",
            &[
                ("action", "set"),
                ("tenant", QBO_TENANT),
                ("target_system", "quickbooks"),
                ("kind", "item"),
                ("source", "SKU-300"),
                ("target", "42"),
                ("target_other", "77"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let m = ledger
        .mappings()
        .get(QBO_TENANT, System::QuickBooks, MappingKind::Item, "SKU-300")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.target, "77");
    assert_eq!(m.target_label, None);
}

struct Unreachable;

impl MappingChoices for Unreachable {
    fn choices<'a>(
        &'a self,
        _: &'a str,
        _: System,
        _: MappingKind,
    ) -> BoxFuture<'a, Result<Vec<MappingChoice>, String>> {
        Box::pin(async { Err("reading quickbooks's lists: connection refused".into()) })
    }
}

struct Hangs;

impl MappingChoices for Hangs {
    fn choices<'a>(
        &'a self,
        _: &'a str,
        _: System,
        _: MappingKind,
    ) -> BoxFuture<'a, Result<Vec<MappingChoice>, String>> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn an_unreachable_or_silent_remote_is_said_beside_the_form_which_takes_a_typed_id() {
    let ledger = seeded_ledger().await;
    let form_url =
        format!("/mappings?tenant={QBO_TENANT}&system=quickbooks&kind=item&source=SKU-300");
    let mut client = Client::new(app_with(&ledger, |o| {
        o.mapping_choices(Arc::new(Unreachable))
    }));
    let page = client.get(&form_url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("could not be listed (reading quickbooks")
    );
    assert!(page.body.contains("connection refused); type the id."));
    assert!(page.body.contains(
        r#"<input id="m-target" name="target" value="" aria-describedby="m-target-help">"#
    ));
    let saved = client
        .post(
            &form_url,
            "/mappings",
            &[
                ("tenant", QBO_TENANT),
                ("target_system", "quickbooks"),
                ("kind", "item"),
                ("source", "SKU-300"),
                ("target", "88"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);

    let mut slow = Client::new(app_with(&ledger, |o| {
        o.mapping_choices(Arc::new(Hangs))
            .remote_timeout(std::time::Duration::from_millis(50))
    }));
    let page = slow.get(&form_url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("could not be listed (no answer within 50ms)")
    );
}
