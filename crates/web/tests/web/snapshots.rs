//! The pages as rendered from the seeded ledger (whose clock is fixed), compared as their
//! `<main>` element. CSRF tokens and UUIDs are redacted.

use crate::helpers::*;

async fn page(path: &str) -> String {
    let ledger = seeded_ledger().await;
    let r = Client::new(app_on(&ledger)).get(path).await;
    assert_eq!(r.status, axum::http::StatusCode::OK, "{path}");
    main_of(&r.body).to_owned()
}

macro_rules! snapshot {
    ($name:literal, $html:expr) => {
        let html = $html;
        insta::with_settings!({
            filters => vec![
                (r#"name="csrf" value="[0-9a-f]{64}""#, r#"name="csrf" value="[csrf]""#),
                (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
            ],
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, html);
        });
    };
}

#[tokio::test]
async fn dashboard() {
    snapshot!("dashboard", page("/").await);
}

#[tokio::test]
async fn conflict_queue() {
    snapshot!("conflicts", page("/conflicts").await);
}

#[tokio::test]
async fn conflict_detail() {
    snapshot!("conflict", page("/conflicts/1").await);
}

#[tokio::test]
async fn record_detail() {
    snapshot!(
        "record",
        page(&format!("/records/invoice/4521?tenant={QBO_TENANT}")).await
    );
}

#[tokio::test]
async fn mappings() {
    snapshot!("mappings", page("/mappings").await);
}

#[tokio::test]
async fn runs() {
    snapshot!("runs", page("/runs").await);
}

#[tokio::test]
async fn report() {
    snapshot!("report", page("/report?period=2026-11").await);
}

#[tokio::test]
async fn suggestions() {
    snapshot!("suggestions", page("/suggestions").await);
}
