//! Rate limits: 10/s per realm+app, 500/min per realm (all apps together), 40 batch/min per
//! realm+app, 429 with Fault 3001. (120 batch/min per realm needs four apps; it is covered by
//! a unit test of the limiter.)

use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_emulator_quickbooks::{
    DEFAULT_REDIRECT_URI, SECOND_CLIENT_ID, SECOND_CLIENT_SECRET,
};

use crate::support::{Resp, Sandbox};

async fn prefs(sb: &Sandbox, token: &str) -> Resp {
    sb.send(sb.http.get(sb.api("/preferences")).bearer_auth(token))
        .await
}

/// An access token for the second app, through consent and code exchange.
async fn second_app_token(sb: &Sandbox) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let answer = http
        .post(format!("{}/connect/oauth2", sb.base()))
        .form(&[
            ("client_id", SECOND_CLIENT_ID),
            ("redirect_uri", DEFAULT_REDIRECT_URI),
            ("response_type", "code"),
            ("scope", "com.intuit.quickbooks.accounting"),
            ("state", "s"),
            ("decision", "approve"),
        ])
        .send()
        .await
        .expect("consent");
    let location =
        url::Url::parse(answer.headers()["location"].to_str().expect("location")).expect("url");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    let tokens = sb
        .send(
            sb.http
                .post(format!("{}/oauth2/v1/tokens/bearer", sb.base()))
                .basic_auth(SECOND_CLIENT_ID, Some(SECOND_CLIENT_SECRET))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", DEFAULT_REDIRECT_URI),
                ]),
        )
        .await;
    tokens.str("access_token").to_owned()
}

#[tokio::test]
async fn ten_per_second_per_app_then_429_with_fault_3001() {
    let sb = Sandbox::with(LimitMode::Real, Scenario::Empty).await;
    let other = second_app_token(&sb).await;
    for i in 0..10 {
        assert_eq!(prefs(&sb, &sb.token).await.status, 200, "request {i}");
    }
    let refused = prefs(&sb, &sb.token).await;
    assert_eq!((refused.status, refused.code()), (429, "3001"));
    // The throttle body is XML even though JSON was asked (issue 21: as observed on the real
    // service), with the same Fault: type SERVICE, code 3001.
    assert_eq!(
        crate::support::xml_attribute(&refused.text, "<Fault type=\""),
        Some("SERVICE"),
        "{}",
        refused.text
    );
    assert!(
        !refused.headers.contains_key("retry-after"),
        "Intuit documents no Retry-After"
    );
    assert!(refused.headers.contains_key("intuit_tid"));
    assert_eq!(
        prefs(&sb, &other).await.status,
        200,
        "another app has its own 10/s"
    );
    sb.advance(1).await;
    assert_eq!(
        prefs(&sb, &sb.token).await.status,
        200,
        "the next second is open again"
    );
}

#[tokio::test]
async fn five_hundred_per_minute_per_realm_across_apps() {
    let sb = Sandbox::with(LimitMode::Real, Scenario::Empty).await;
    let other = second_app_token(&sb).await;
    for i in 0..500 {
        if i % 10 == 0 {
            sb.advance(1).await;
        }
        let token = if i % 20 < 10 {
            sb.token.as_str()
        } else {
            other.as_str()
        };
        let r = prefs(&sb, token).await;
        assert_eq!(r.status, 200, "request {i}: {}", r.text);
    }
    sb.advance(1).await;
    for token in [sb.token.as_str(), other.as_str()] {
        let over = prefs(&sb, token).await;
        assert_eq!(
            (over.status, over.code()),
            (429, "3001"),
            "the realm's 501st request within the minute"
        );
    }
    sb.advance(60).await;
    assert_eq!(prefs(&sb, &sb.token).await.status, 200);
}

#[tokio::test]
async fn forty_batches_per_minute_per_app() {
    let sb = Sandbox::with(LimitMode::Real, Scenario::Empty).await;
    let batch =
        r#"{"BatchItemRequest":[{"bId":"q","Query":"select * from Account maxresults 1"}]}"#;
    for i in 0..40 {
        if i % 8 == 0 {
            sb.advance(1).await;
        }
        let r = sb.post("/batch", batch).await;
        assert_eq!(r.status, 200, "batch {i}: {}", r.text);
    }
    sb.advance(1).await;
    let over = sb.post("/batch", batch).await;
    assert_eq!((over.status, over.code()), (429, "3001"));
    assert_eq!(
        prefs(&sb, &sb.token).await.status,
        200,
        "ordinary requests are still allowed"
    );
}

#[tokio::test]
async fn relaxed_limits_are_a_hundred_times_the_real_ones() {
    let sb = Sandbox::with(LimitMode::Relaxed, Scenario::Empty).await;
    for i in 0..60 {
        assert_eq!(prefs(&sb, &sb.token).await.status, 200, "request {i}");
    }
}
