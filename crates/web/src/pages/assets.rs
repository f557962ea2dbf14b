//! `/assets/app.css` and `/assets/app.js`, compiled into the binary: no CDN, nothing fetched
//! from elsewhere, and served from this origin so the CSP needs no `'unsafe-inline'`.

use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;

const CSS: &str = include_str!("../../assets/app.css");
const JS: &str = include_str!("../../assets/app.js");

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
}

/// `GET /assets/app.css`.
pub(crate) async fn css() -> impl IntoResponse {
    asset("text/css; charset=utf-8", CSS)
}

/// `GET /assets/app.js`.
pub(crate) async fn js() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", JS)
}
