//! The HTTP side of `watch` (CONTRACTS.md "Service mode"): `/healthz`, `/readyz`, `/metrics`
//! and the two webhook receivers. A webhook is answered as soon as it is verified and its
//! tenants are woken: no sync runs inside a request, so the remotes' 3 s (QuickBooks) and 5 s
//! (Xero) deadlines hold whatever a run costs.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ledgerbridge_core::System;
use secrecy::ExposeSecret;

use crate::webhooks;
use crate::worker::{Shared, StopToken, Syncer};

type AppState<S> = State<Arc<Shared<S>>>;

/// Serves until `stop`.
pub(crate) async fn serve<S: Syncer>(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared<S>>,
    stop: StopToken,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz::<S>))
        .route("/metrics", get(metrics::<S>))
        .route("/webhooks/quickbooks", post(quickbooks::<S>))
        .route("/webhooks/xero", post(xero::<S>))
        // A client that trickles its request cannot hold a connection (or a stop) for long.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(10),
        ))
        .with_state(shared);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { stop.stopped().await })
    .await
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// `/readyz` and `/metrics` answer loopback clients only, unless a token is configured: then
/// the matching bearer token is required from anywhere (loopback included).
fn allowed<S>(shared: &Shared<S>, peer: SocketAddr, headers: &HeaderMap) -> bool {
    match &shared.settings.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                constant_time_eq(given.as_bytes(), token.expose_secret().as_bytes())
            }),
        None => peer.ip().is_loopback(),
    }
}

/// Constant-time equality (the length may leak; the content does not).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn readyz<S: Syncer>(
    State(shared): AppState<S>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !allowed(&shared, peer, &headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let ledger = shared.syncer.ledger_reachable().await;
    let readiness =
        shared
            .health
            .readiness(shared.clock.now(), shared.settings.stale_after, ledger);
    let status = if readiness.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(readiness)).into_response()
}

async fn metrics<S: Syncer>(
    State(shared): AppState<S>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !allowed(&shared, peer, &headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        shared.metrics.render(),
    )
        .into_response()
}

async fn quickbooks<S: Syncer>(
    State(shared): AppState<S>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let key = shared.settings.webhooks.quickbooks_verifier_token.as_ref();
    receive(&shared, System::QuickBooks, key, &headers, &body)
}

async fn xero<S: Syncer>(
    State(shared): AppState<S>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let key = shared.settings.webhooks.xero_webhook_key.as_ref();
    receive(&shared, System::Xero, key, &headers, &body)
}

/// One delivery: 404 when this system's secret is not configured, 401 (and nothing else read)
/// when the signature does not verify, 400 for a verified body of the wrong shape, else 200
/// with an empty body (Xero's intent-to-receive expects exactly that) after waking the
/// tenants it names.
fn receive<S>(
    shared: &Shared<S>,
    system: System,
    key: Option<&secrecy::SecretString>,
    headers: &HeaderMap,
    body: &[u8],
) -> StatusCode {
    let Some(key) = key else {
        return StatusCode::NOT_FOUND;
    };
    let header_name = match system {
        System::Xero => "x-xero-signature",
        _ => "intuit-signature",
    };
    let signature = headers.get(header_name).and_then(|v| v.to_str().ok());
    if !webhooks::verify(key, body, signature) {
        shared.metrics.webhook(system, "rejected");
        tracing::warn!(%system, "webhook refused: missing or wrong signature");
        return StatusCode::UNAUTHORIZED;
    }
    let named = match system {
        System::Xero => webhooks::xero_tenants(body),
        _ => webhooks::quickbooks_realms(body),
    };
    let companies = match named {
        Ok(companies) => companies,
        Err(e) => {
            shared.metrics.webhook(system, "rejected");
            tracing::warn!(%system, error = %e, "webhook refused");
            return StatusCode::BAD_REQUEST;
        }
    };
    let woken = shared.wake(system, &companies);
    let result = if woken > 0 { "accepted" } else { "ignored" };
    shared.metrics.webhook(system, result);
    tracing::info!(%system, companies = companies.len(), woken, result, "webhook");
    StatusCode::OK
}
