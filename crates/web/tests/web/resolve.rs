use std::sync::atomic::Ordering;

use axum::http::StatusCode;
use ledgerbridge_ledger::{ConflictId, ConflictStatus, EventFilter};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn resolving_records_the_choices_who_and_when_and_audits_it() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let page = client.get("/conflicts/1").await;
    let digest = page.hidden("digest");
    let r = client
        .post_raw(
            "/conflicts/1/resolve",
            &[
                ("csrf", &page.csrf()),
                ("digest", &digest),
                ("choice.0", "servicetitan"),
                ("choice.1", "accounting"),
                ("choice.2", "value"),
                ("value.2", "1.750"),
                ("note", "Tech added a part; office agreed the due date."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), "/conflicts/1");

    let conflict = ledger
        .conflicts()
        .get(ConflictId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conflict.status, ConflictStatus::Resolved);
    assert_eq!(conflict.resolved_by.as_deref(), Some("web"));
    assert_eq!(conflict.resolved_at, Some(now()));
    assert_eq!(
        conflict.note.as_deref(),
        Some("Tech added a part; office agreed the due date.")
    );
    assert_eq!(
        conflict.resolution,
        Some(json!({
            "invoice.memo": "servicetitan",
            "invoice.due_date": "accounting",
            "lines[st:9001].quantity": {"value": "1.75"},
        }))
    );
    let events = ledger
        .events()
        .list(&EventFilter {
            kind: Some("conflict.resolved".into()),
            ..EventFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].record_id.as_deref(), Some("4521"));
    assert_eq!(events[0].detail["conflict"], json!(1));
    assert_eq!(events[0].detail["by"], json!("web"));

    let after = client.get("/conflicts/1").await;
    assert!(
        after
            .body
            .contains("Conflict 1 resolved. The chosen values are written to ServiceTitan")
    );
    assert!(after.body.contains(r#"role="status" aria-live="polite""#));
    assert!(after.body.contains("typed value: 1.75"));
    assert!(
        !after.body.contains("Record resolution"),
        "no form on a settled conflict"
    );
    // The flash is shown once.
    assert!(
        !client
            .get("/conflicts/1")
            .await
            .body
            .contains("Conflict 1 resolved.")
    );

    // Resolving again changes nothing.
    let r = client
        .post(
            "/mappings",
            "/conflicts/1/resolve",
            &[
                ("digest", &digest),
                ("choice.0", "accounting"),
                ("choice.1", "accounting"),
                ("choice.2", "accounting"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let again = ledger
        .conflicts()
        .get(ConflictId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.resolution, conflict.resolution);
}

#[tokio::test]
async fn every_field_needs_a_choice_and_typed_values_must_fit_their_field() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let page = client.get("/conflicts/1").await;
    let (csrf, digest) = (page.csrf(), page.hidden("digest"));
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("choice.0", "servicetitan"), ("choice.1", "accounting")],
            "choose ServiceTitan, accounting, or type a value",
        ),
        (
            &[
                ("choice.0", "servicetitan"),
                ("choice.1", "value"),
                ("value.1", "2026-02-30"),
                ("choice.2", "servicetitan"),
            ],
            "is not a date",
        ),
        (
            &[
                ("choice.0", "servicetitan"),
                ("choice.1", "accounting"),
                ("choice.2", "value"),
                ("value.2", "two"),
            ],
            "is not a number",
        ),
        (
            &[
                ("choice.0", "sideways"),
                ("choice.1", "accounting"),
                ("choice.2", "servicetitan"),
            ],
            "choose ServiceTitan",
        ),
    ];
    for (choices, expected) in cases {
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("digest", digest.as_str()),
            ("note", "kept"),
        ];
        fields.extend_from_slice(choices);
        let r = client.post_raw("/conflicts/1/resolve", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{choices:?}");
        assert!(r.body.contains(expected), "{choices:?}: {expected}");
        assert!(r.body.contains("Nothing was recorded"));
        assert!(r.body.contains(r#"<tr class="invalid">"#));
        assert!(r.body.contains(">kept</textarea>"), "the note is kept");
    }
    // What was typed is shown again, with the choice.
    let r = client
        .post_raw(
            "/conflicts/1/resolve",
            &[
                ("csrf", &csrf),
                ("digest", &digest),
                ("choice.0", "value"),
                ("value.0", "Fixed memo"),
                ("choice.1", "value"),
                ("value.1", "tomorrow"),
            ],
        )
        .await;
    assert!(r.body.contains(r#"value="Fixed memo""#));
    assert!(r.body.contains(r#"name="choice.0" value="value" checked"#));
    let open = ledger
        .conflicts()
        .get(ConflictId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(open.status, ConflictStatus::Open, "nothing recorded");
}

#[tokio::test]
async fn a_conflict_refreshed_by_a_sync_after_the_form_loaded_is_shown_again() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let page = client.get("/conflicts/2").await;
    let (csrf, digest) = (page.csrf(), page.hidden("digest"));
    let mut refreshed = ledger
        .conflicts()
        .get(ConflictId(2))
        .await
        .unwrap()
        .unwrap();
    refreshed.fields[0].accounting = json!("accounts@example.net");
    ledger
        .conflicts()
        .raise(&ledgerbridge_ledger::NewConflict {
            key: refreshed.key(),
            target_id: refreshed.target_id.clone(),
            run: None,
            fields: refreshed.fields.clone(),
        })
        .await
        .unwrap();
    let r = client
        .post_raw(
            "/conflicts/2/resolve",
            &[
                ("csrf", &csrf),
                ("digest", &digest),
                ("choice.0", "accounting"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body
            .contains("A sync changed this conflict after you opened it")
    );
    assert!(
        r.body.contains("accounts@example.net"),
        "the new values are shown"
    );
    assert_eq!(
        ledger
            .conflicts()
            .get(ConflictId(2))
            .await
            .unwrap()
            .unwrap()
            .status,
        ConflictStatus::Open
    );
}

#[tokio::test]
async fn the_resolution_hook_runs_and_a_logged_in_name_is_recorded() {
    let ledger = seeded_ledger().await;
    let hook = counting_hook();
    let app = app_with(&ledger, |o| {
        o.on_resolved(hook.clone())
            .password(secret("pw-long-enough"))
            .login_delay(std::time::Duration::ZERO)
    });
    let mut client = Client::new(app);
    let login = client.get("/login").await;
    client
        .post_raw(
            "/login",
            &[
                ("csrf", &login.csrf()),
                ("password", "pw-long-enough"),
                ("name", "Ana"),
            ],
        )
        .await;
    let page = client.get("/conflicts/2").await;
    let r = client
        .post_raw(
            "/conflicts/2/resolve",
            &[
                ("csrf", &page.csrf()),
                ("digest", &page.hidden("digest")),
                ("choice.0", "servicetitan"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(hook.0.load(Ordering::SeqCst), 1);
    let c = ledger
        .conflicts()
        .get(ConflictId(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.resolved_by.as_deref(), Some("web:Ana"));
    let after = client.get("/conflicts/2").await;
    assert!(
        after
            .body
            .contains("resolved and applied: invoice 130 updated")
    );
}

#[tokio::test]
async fn resolving_an_unknown_conflict_is_404() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let r = client
        .post(
            "/mappings",
            "/conflicts/42/resolve",
            &[("choice.0", "servicetitan")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
