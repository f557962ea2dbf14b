//! Rate limits (real mode): the minute and day limits, their headers and 429s. Driven with
//! `oneshot` (no socket needed to count thousands of calls).

use axum::body::Body;
use axum::http::{Request, Response};
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_emulator_xero::{EmulatorState, XERO_TENANT_ID, router};
use tower::ServiceExt;

use crate::helpers::{SCOPES, Sandbox, ctx, seed};

async fn call(app: &axum::Router, token: &str) -> Response<Body> {
    let request = Request::get("/api.xro/2.0/Organisation")
        .header("Authorization", format!("Bearer {token}"))
        .header("xero-tenant-id", XERO_TENANT_ID)
        .header("Accept", "application/json")
        .body(Body::empty())
        .expect("request");
    app.clone().oneshot(request).await.expect("infallible")
}

fn header(r: &Response<Body>, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn sixty_a_minute_then_429_with_retry_after() {
    let state = EmulatorState::new(ctx(LimitMode::Real), seed(Scenario::Demo));
    let token = state.issue_tokens(SCOPES)["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let app = router(state.clone());
    for i in 0..60u32 {
        let r = call(&app, &token).await;
        assert_eq!(r.status(), 200, "call {i}");
        assert_eq!(
            header(&r, "X-MinLimit-Remaining"),
            Some((59 - i).to_string())
        );
        assert_eq!(
            header(&r, "X-DayLimit-Remaining"),
            Some((4999 - i).to_string())
        );
        assert_eq!(
            header(&r, "X-AppMinLimit-Remaining"),
            Some((9999 - i).to_string())
        );
    }
    let refused = call(&app, &token).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(
        header(&refused, "X-Rate-Limit-Problem").as_deref(),
        Some("minute")
    );
    let retry: u64 = header(&refused, "Retry-After")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        header(&refused, "X-MinLimit-Remaining").as_deref(),
        Some("0")
    );
    state.context().clock.advance(60);
    assert_eq!(
        call(&app, &token).await.status(),
        200,
        "the window slid on the sandbox clock"
    );
}

#[tokio::test]
async fn five_thousand_a_day() {
    let state = EmulatorState::new(ctx(LimitMode::Real), seed(Scenario::Empty));
    let app = router(state.clone());
    let fresh = || {
        state.issue_tokens(SCOPES)["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    };
    let mut made = 0u32;
    while made < 5000 {
        // A fresh token each sandbox minute (tokens live 30 minutes); the day count is the tenant's.
        let token = fresh();
        for _ in 0..60.min(5000 - made) {
            assert_eq!(call(&app, &token).await.status(), 200, "call {made}");
            made += 1;
        }
        state.context().clock.advance(61);
    }
    let token = fresh();
    let refused = call(&app, &token).await;
    assert_eq!(refused.status(), 429, "the 5,001st call in a day");
    assert_eq!(
        header(&refused, "X-Rate-Limit-Problem").as_deref(),
        Some("day")
    );
    assert_eq!(
        header(&refused, "X-DayLimit-Remaining").as_deref(),
        Some("0")
    );
    assert!(
        header(&refused, "Retry-After")
            .expect("Retry-After")
            .parse::<u64>()
            .expect("seconds")
            > 60
    );
}

#[tokio::test]
async fn relaxed_limits_keep_the_headers() {
    let sb = Sandbox::start(LimitMode::Relaxed).await;
    let reply = sb.get("/Organisation").await;
    assert_eq!(reply.header("X-MinLimit-Remaining"), Some("5999"));
    assert_eq!(reply.header("X-DayLimit-Remaining"), Some("499999"));
}
