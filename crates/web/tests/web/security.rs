use std::time::Duration;

use axum::http::StatusCode;
use ledgerbridge_web::{AppState, ServeOptions, WebError};

use crate::helpers::*;

#[tokio::test]
async fn a_foreign_host_is_refused_with_421_before_any_page() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    for host in ["evil.example:8080", "localhost:9999", "127.0.0.1"] {
        client.host = host.to_owned();
        let r = client.get("/suggestions").await;
        assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert!(!r.body.contains("Bea Lopez"), "{host}");
        let r = client.get("/").await;
        assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert!(!r.body.contains("Open conflicts"), "{host}");
        assert!(
            r.headers.get("set-cookie").is_none(),
            "no session for {host}"
        );
    }
    client.host = "localhost:8080".to_owned();
    assert_eq!(client.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_post_with_a_foreign_host_is_refused_even_with_a_valid_token() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let csrf = client.get("/mappings").await.csrf();
    client.host = "evil.example:8080".to_owned();
    let r = client
        .post_raw(
            "/mappings",
            &[
                ("csrf", &csrf),
                ("action", "remove"),
                ("tenant", QBO_TENANT),
                ("target_system", "quickbooks"),
                ("kind", "item"),
                ("source", "SKU-100"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(ledger.mappings().list(None).await.unwrap().len(), 1);
    let r = client
        .post_raw(
            &format!("/suggestions/{QBO_TENANT}/312/accept"),
            &[("csrf", &csrf), ("target_id", "58")],
        )
        .await;
    assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST);
    assert!(
        ledger
            .links()
            .list(QBO_TENANT, Some(ledgerbridge_core::EntityKind::Customer))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    for path in ["/", "/conflicts/1", "/nope", "/assets/app.css"] {
        let r = client.get(path).await;
        assert!(
            r.header("content-security-policy")
                .starts_with("default-src 'self'"),
            "{path}"
        );
        assert!(
            r.header("content-security-policy")
                .contains("frame-ancestors 'none'")
        );
        assert_eq!(r.header("x-frame-options"), "DENY", "{path}");
        assert_eq!(r.header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{path}");
    }
    assert_eq!(client.get("/").await.header("cache-control"), "no-store");
    client.host = "evil.example".to_owned();
    assert_eq!(client.get("/").await.header("x-frame-options"), "DENY");
}

#[tokio::test]
async fn the_session_cookie_is_httponly_and_samesite_strict() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let r = client.get("/").await;
    let cookie = r.header("set-cookie");
    assert!(cookie.starts_with("lb_session="), "{cookie}");
    let id = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("lb_session=");
    assert_eq!(id.len(), 64, "256 bits as hex");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    // The same session is kept, not a new cookie per page.
    assert!(
        client
            .get("/runs")
            .await
            .headers
            .get("set-cookie")
            .is_none()
    );
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_whatever_the_headers_say() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    client.get("/conflicts/1").await;
    let fields = [
        ("choice.0", "servicetitan"),
        ("choice.1", "servicetitan"),
        ("choice.2", "servicetitan"),
    ];
    let body = serde_urlencoded::to_string(fields).unwrap();
    let request = axum::http::Request::post("/conflicts/1/resolve")
        .header("host", ADDR)
        .header("cookie", client.cookie.clone().unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "http://127.0.0.1:8080")
        .header("sec-fetch-site", "same-origin")
        .header("x-requested-with", "XMLHttpRequest")
        .header("x-csrf-token", "anything")
        .body(axum::body::Body::from(body))
        .unwrap();
    let r = client.send(request).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let open = ledger
        .conflicts()
        .get(ledgerbridge_ledger::ConflictId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(open.status, ledgerbridge_ledger::ConflictStatus::Open);
}

#[tokio::test]
async fn a_wrong_or_foreign_csrf_token_is_refused() {
    let ledger = seeded_ledger().await;
    let app = app_on(&ledger);
    let mut mallory = Client::new(app.clone());
    let mallorys_token = mallory.get("/mappings").await.csrf();
    let mut victim = Client::new(app);
    let victims_token = victim.get("/mappings").await.csrf();
    assert_ne!(mallorys_token, victims_token, "tokens are per session");
    let remove = |token: &str| {
        vec![
            ("csrf".to_owned(), token.to_owned()),
            ("action".into(), "remove".into()),
            ("tenant".into(), QBO_TENANT.into()),
            ("target_system".into(), "quickbooks".into()),
            ("kind".into(), "item".into()),
            ("source".into(), "SKU-100".into()),
        ]
    };
    for token in [mallorys_token.as_str(), "", &victims_token[..63]] {
        let fields = remove(token);
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            victim.post_raw("/mappings", &fields).await.status,
            StatusCode::FORBIDDEN
        );
    }
    // Without a session at all, a POST is refused too.
    let mut stranger = Client::new(app_on(&ledger));
    let fields = remove(&victims_token);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        stranger.post_raw("/mappings", &fields).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ledger.mappings().list(None).await.unwrap().len(),
        1,
        "nothing removed"
    );
    // The right token works.
    let fields = remove(&victims_token);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        victim.post_raw("/mappings", &fields).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(ledger.mappings().list(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_non_loopback_bind_without_a_password_refuses_to_start() {
    let ledger = seeded_ledger().await;
    for addr in ["0.0.0.0:8080", "192.0.2.10:8080", "[::]:8080"] {
        let err = AppState::new(ServeOptions::new(addr.parse().unwrap(), ledger.clone()))
            .err()
            .expect("refused");
        assert!(matches!(err, WebError::PasswordRequired { .. }), "{addr}");
        assert!(err.to_string().contains("password"), "{err}");
        let err = ledgerbridge_web::bind(ServeOptions::new(addr.parse().unwrap(), ledger.clone()))
            .await
            .expect_err("bind refused too");
        assert!(matches!(err, WebError::PasswordRequired { .. }));
    }
    let empty =
        ServeOptions::new("192.0.2.10:8080".parse().unwrap(), ledger.clone()).password(secret(""));
    assert!(matches!(AppState::new(empty), Err(WebError::EmptyPassword)));
    assert!(AppState::new(ServeOptions::new("[::1]:8080".parse().unwrap(), ledger)).is_ok());
}

fn lan_app(ledger: &ledgerbridge_ledger::Ledger) -> axum::Router {
    let options = ServeOptions::new("192.0.2.10:8080".parse().unwrap(), ledger.clone())
        .password(secret("correct horse"))
        .login_delay(Duration::from_millis(1));
    ledgerbridge_web::app(AppState::new(options).unwrap())
}

#[tokio::test]
async fn on_a_lan_bind_every_page_requires_login() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(lan_app(&ledger));
    client.host = "192.0.2.10:8080".to_owned();
    for path in [
        "/",
        "/conflicts",
        "/conflicts/1",
        "/records/invoice/4521",
        "/mappings",
        "/runs",
        "/report",
        "/suggestions",
    ] {
        let r = client.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(r.header("location").starts_with("/login?next="), "{path}");
        assert!(!r.body.contains("4521"), "{path} leaks nothing");
    }
    let login = client.get("/login?next=%2Fconflicts%2F1").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains(r#"type="password""#));
    // A POST before login is refused even with the anonymous session's token.
    let csrf = login.csrf();
    let r = client
        .post_raw("/conflicts/1/resolve", &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = client
        .post_raw(
            &format!("/suggestions/{QBO_TENANT}/312/reject"),
            &[("csrf", &csrf), ("target_id", "58")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        ledgerbridge_reconcile::links::suggested(&ledger, QBO_TENANT)
            .await
            .unwrap()
            .len(),
        2,
        "nothing decided before login"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_right_one_rotates_the_session() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(lan_app(&ledger));
    client.host = "192.0.2.10:8080".to_owned();
    let page = client.get("/login?next=%2Fconflicts%2F1").await;
    let anonymous = client.cookie.clone().unwrap();
    let r = client
        .post_raw(
            "/login",
            &[
                ("csrf", &page.csrf()),
                ("password", "Correct horse"),
                ("next", "/conflicts/1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Wrong password"));
    assert!(r.body.contains(r#"role="alert""#));
    assert_eq!(
        client.get("/").await.status,
        StatusCode::SEE_OTHER,
        "still logged out"
    );
    // No token, right password: refused by CSRF.
    let r = client
        .post_raw("/login", &[("password", "correct horse")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let page = client.get("/login").await;
    let r = client
        .post_raw(
            "/login",
            &[
                ("csrf", &page.csrf()),
                ("password", "correct horse"),
                ("name", "Ana"),
                ("next", "/conflicts/1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/conflicts/1");
    let cookie = r.header("set-cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let fresh = client.cookie.clone().unwrap();
    assert_ne!(fresh, anonymous, "a login starts a new session");
    let page = client.get("/conflicts/1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Signed in as Ana"));

    // The pre-login id is worthless now.
    client.cookie = Some(anonymous);
    assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER);

    // Logging out ends the session.
    client.cookie = Some(fresh.clone());
    let r = client.post("/", "/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("set-cookie").contains("Max-Age=0"));
    client.cookie = Some(fresh);
    assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_login_never_redirects_off_site() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(lan_app(&ledger));
    client.host = "192.0.2.10:8080".to_owned();
    let page = client.get("/login").await;
    let r = client
        .post_raw(
            "/login",
            &[
                ("csrf", &page.csrf()),
                ("password", "correct horse"),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.header("location"), "/");
}

#[tokio::test]
async fn without_a_password_there_is_no_login() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let r = client.get("/login").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/");
    assert!(!client.get("/").await.body.contains("Log out"));
}
