//! Mappings: one per (tenant, target system, kind, source); imports are all or nothing.

use ledgerbridge_core::System;
use ledgerbridge_ledger::{EventFilter, LedgerError, Mapping, MappingKind, UpsertSummary};
use sqlx::SqlitePool;

use crate::helpers::ledger;

fn mapping(tenant: &str, kind: MappingKind, source: &str, target: &str) -> Mapping {
    Mapping {
        tenant: tenant.into(),
        target_system: System::QuickBooks,
        kind,
        source: source.into(),
        target: target.into(),
        target_label: Some(format!("label {target}")),
    }
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_source_value_maps_to_one_target(pool: SqlitePool) {
    let ledger = ledger(pool);
    let first = ledger
        .mappings()
        .set(&mapping("t1", MappingKind::Item, "WH-50", "12"))
        .await
        .unwrap();
    assert_eq!(
        first,
        UpsertSummary {
            inserted: 1,
            updated: 0,
            unchanged: 0
        }
    );
    let second = ledger
        .mappings()
        .set(&mapping("t1", MappingKind::Item, "WH-50", "13"))
        .await
        .unwrap();
    assert_eq!(
        second,
        UpsertSummary {
            inserted: 0,
            updated: 1,
            unchanged: 0
        }
    );
    let same = ledger
        .mappings()
        .set(&mapping("t1", MappingKind::Item, "WH-50", "13"))
        .await
        .unwrap();
    assert_eq!(
        same,
        UpsertSummary {
            inserted: 0,
            updated: 0,
            unchanged: 1
        }
    );
    let all = ledger.mappings().list(Some("t1")).await.unwrap();
    assert_eq!(all, [mapping("t1", MappingKind::Item, "WH-50", "13")]);

    // The same source under another kind, tenant or system is a different mapping.
    ledger
        .mappings()
        .set(&mapping("t1", MappingKind::GlAccount, "WH-50", "4000"))
        .await
        .unwrap();
    ledger
        .mappings()
        .set(&mapping("t2", MappingKind::Item, "WH-50", "99"))
        .await
        .unwrap();
    let xero = Mapping {
        target_system: System::Xero,
        ..mapping("t1", MappingKind::Item, "WH-50", "WH50")
    };
    ledger.mappings().set(&xero).await.unwrap();
    assert_eq!(ledger.mappings().list(Some("t1")).await.unwrap().len(), 3);
    assert_eq!(ledger.mappings().list(None).await.unwrap().len(), 4);
    let found = ledger
        .mappings()
        .get("t1", System::Xero, MappingKind::Item, "WH-50")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.target, "WH50");
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_bulk_import_with_one_bad_row_changes_nothing(pool: SqlitePool) {
    let ledger = ledger(pool);
    let rows = vec![
        mapping("t1", MappingKind::PaymentType, "Check", "2"),
        mapping("t1", MappingKind::PaymentTypeReverse, "2", "Check"),
        mapping("t1", MappingKind::TaxZone, "Zone A", ""),
    ];
    let refused = ledger.mappings().upsert_all(&rows).await;
    assert!(
        matches!(
            refused,
            Err(LedgerError::Invalid {
                what: "mapping",
                ..
            })
        ),
        "{refused:?}"
    );
    assert!(ledger.mappings().list(None).await.unwrap().is_empty());

    let good = &rows[..2];
    let summary = ledger.mappings().upsert_all(good).await.unwrap();
    assert_eq!(summary.inserted, 2);
    let events = ledger
        .events()
        .list(&EventFilter {
            kind: Some("mappings.changed".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail["inserted"], 2);
    assert!(
        ledger
            .mappings()
            .remove("t1", System::QuickBooks, MappingKind::PaymentType, "Check")
            .await
            .unwrap()
    );
    assert!(
        !ledger
            .mappings()
            .remove("t1", System::QuickBooks, MappingKind::PaymentType, "Check")
            .await
            .unwrap()
    );
}

#[test]
fn mapping_kinds_parse_from_their_csv_names() {
    for kind in MappingKind::ALL {
        assert_eq!(kind.as_str().parse::<MappingKind>().unwrap(), *kind);
    }
    let err = "items".parse::<MappingKind>().unwrap_err().to_string();
    assert!(
        err.contains("gl_account") && err.contains("\"items\""),
        "{err}"
    );
    let json = serde_json::to_string(&mapping("t1", MappingKind::BusinessUnit, "BU-1", "Class 3"))
        .unwrap();
    assert!(
        json.contains(r#""kind":"business_unit""#)
            && json.contains(r#""target_system":"quickbooks""#),
        "{json}"
    );
}
