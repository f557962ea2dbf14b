//! OAuth as Xero does it: consent page, code exchange (Basic and form credentials), refresh
//! rotation with its grace window, expiry, revocation, tenant header, scopes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_emulator_xero::{
    XERO_CLIENT_ID, XERO_CLIENT_SECRET, XERO_REDIRECT_URI, XERO_TENANT_ID,
};
use serde_json::Value;

use crate::helpers::{SCOPES, Sandbox};

fn hidden_inputs(page: &str) -> Vec<(String, String)> {
    page.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|chunk| {
            let attr = |name: &str| {
                let start = chunk.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
                chunk[start..]
                    .split('"')
                    .next()
                    .expect("value")
                    .replace("&amp;", "&")
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

/// Approves the consent page as `connect xero --approve-sandbox` does; returns the code.
async fn consent(sb: &Sandbox, scope: &str, decision: &str) -> reqwest::Url {
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = no_redirect
        .get(sb.url("/identity/connect/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", XERO_CLIENT_ID),
            ("redirect_uri", XERO_REDIRECT_URI),
            ("scope", scope),
            ("state", "s1"),
        ])
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("<form method=\"post\""), "{page}");
    assert!(
        page.contains("<button name=\"decision\" value=\"approve\">")
            && page.contains("value=\"deny\"")
    );
    assert!(!page.contains("<script"), "plain HTML, no JavaScript");
    let mut form = hidden_inputs(&page);
    form.push(("decision".into(), decision.into()));
    let response = no_redirect
        .post(sb.url("/identity/connect/authorize"))
        .form(&form)
        .send()
        .await
        .expect("decision");
    assert!(response.status().is_redirection(), "{}", response.status());
    reqwest::Url::parse(response.headers()["location"].to_str().expect("ascii")).expect("url")
}

fn param(url: &reqwest::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn token(sb: &Sandbox, form: &[(&str, &str)], basic: bool) -> (u16, Value) {
    let mut request = sb.http.post(sb.url("/connect/token"));
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    if basic {
        request = request.header(
            "Authorization",
            format!(
                "Basic {}",
                STANDARD.encode(format!("{XERO_CLIENT_ID}:{XERO_CLIENT_SECRET}"))
            ),
        );
    } else {
        fields.push(("client_id", XERO_CLIENT_ID));
        fields.push(("client_secret", XERO_CLIENT_SECRET));
    }
    let response = request.form(&fields).send().await.expect("token call");
    (
        response.status().as_u16(),
        response.json().await.expect("json"),
    )
}

async fn organisation_status(sb: &Sandbox, access: &str) -> u16 {
    sb.http
        .get(sb.url("/api.xro/2.0/Organisation"))
        .bearer_auth(access)
        .header("xero-tenant-id", XERO_TENANT_ID)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn code_flow_rotation_grace_window_and_expiry() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let denied = consent(&sb, SCOPES, "deny").await;
    assert_eq!(param(&denied, "error").as_deref(), Some("access_denied"));
    let approved = consent(&sb, SCOPES, "approve").await;
    assert_eq!(param(&approved, "state").as_deref(), Some("s1"));
    let code = param(&approved, "code").expect("code");
    let wrong_redirect = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1:1/other"),
    ];
    assert_eq!(
        token(&sb, &wrong_redirect, true).await.0,
        400,
        "redirect_uri must match"
    );
    // A failed exchange burns the code (single use): approve again.
    let code = param(&consent(&sb, SCOPES, "approve").await, "code").expect("code");
    let (status, first) = token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", XERO_REDIRECT_URI),
        ],
        true,
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["expires_in"], 1800);
    assert_eq!(first["token_type"], "Bearer");
    let reuse = token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", XERO_REDIRECT_URI),
        ],
        true,
    )
    .await;
    assert_eq!(reuse.1["error"], "invalid_grant", "codes are single-use");

    // Refresh with credentials in the form body (xero-python's style): rotation.
    let r1 = first["refresh_token"].as_str().expect("refresh").to_owned();
    let (status, second) = token(
        &sb,
        &[("grant_type", "refresh_token"), ("refresh_token", &r1)],
        false,
    )
    .await;
    assert_eq!(status, 200, "{second}");
    let r2 = second["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    assert_ne!(r1, r2, "refresh tokens rotate");
    // The old one inside the 30-minute grace window: still accepted, answers with the new chain.
    sb.advance(29 * 60);
    let (status, retry) = token(
        &sb,
        &[("grant_type", "refresh_token"), ("refresh_token", &r1)],
        true,
    )
    .await;
    assert_eq!(status, 200, "{retry}");
    assert_eq!(retry["refresh_token"], r2.as_str());
    // Access tokens last 30 minutes: the first one is now 29 min old, the retry's is fresh.
    let old_access = first["access_token"].as_str().expect("access");
    assert_eq!(organisation_status(&sb, old_access).await, 200);
    sb.advance(2 * 60);
    let expired = sb
        .http
        .get(sb.url("/api.xro/2.0/Organisation"))
        .bearer_auth(old_access)
        .header("xero-tenant-id", XERO_TENANT_ID)
        .send()
        .await
        .expect("sent");
    assert_eq!(expired.status(), 401);
    let problem: Value = expired.json().await.expect("json");
    assert_eq!(problem["Title"], "Unauthorized");
    assert!(
        problem["Detail"]
            .as_str()
            .expect("detail")
            .starts_with("TokenExpired"),
        "{problem}"
    );
    // After the grace window the old refresh token is dead; the new one still works.
    let (status, dead) = token(
        &sb,
        &[("grant_type", "refresh_token"), ("refresh_token", &r1)],
        true,
    )
    .await;
    assert_eq!(
        (status, dead["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, third) = token(
        &sb,
        &[("grant_type", "refresh_token"), ("refresh_token", &r2)],
        true,
    )
    .await;
    assert_eq!(status, 200, "{third}");
    // An unused refresh token expires after 60 days.
    let r3 = third["refresh_token"].as_str().expect("refresh").to_owned();
    sb.advance(61 * 24 * 3600);
    assert_eq!(
        token(
            &sb,
            &[("grant_type", "refresh_token"), ("refresh_token", &r3)],
            true
        )
        .await
        .0,
        400
    );
}

#[tokio::test]
async fn bad_client_credentials_are_refused() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let response = sb
        .http
        .post(sb.url("/connect/token"))
        .basic_auth(XERO_CLIENT_ID, Some("wrong"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.expect("json")["error"],
        "invalid_client"
    );
}

#[tokio::test]
async fn revocation_ends_the_grant_and_the_connection() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let tokens = sb.state.issue_tokens(SCOPES);
    let refresh = tokens["refresh_token"].as_str().expect("refresh");
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(organisation_status(&sb, access).await, 200);
    let revoke = sb
        .http
        .post(sb.url("/connect/revocation"))
        .basic_auth(XERO_CLIENT_ID, Some(XERO_CLIENT_SECRET))
        .form(&[("token", refresh)])
        .send()
        .await
        .expect("sent");
    assert_eq!(revoke.status(), 200);
    assert_eq!(organisation_status(&sb, access).await, 401);
    assert_eq!(
        token(
            &sb,
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            true
        )
        .await
        .0,
        400
    );
}

#[tokio::test]
async fn tenant_header_and_scopes_are_enforced() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let no_tenant = sb
        .http
        .get(sb.url("/api.xro/2.0/Invoices"))
        .bearer_auth(&sb.token)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("sent");
    assert_eq!(no_tenant.status(), 403);
    let body: Value = no_tenant.json().await.expect("json");
    assert_eq!(
        (body["Title"].as_str(), body["Detail"].as_str()),
        (Some("Forbidden"), Some("AuthenticationUnsuccessful"))
    );
    let no_token = sb
        .http
        .get(sb.url("/api.xro/2.0/Invoices"))
        .header("xero-tenant-id", XERO_TENANT_ID)
        .send()
        .await
        .expect("sent");
    assert_eq!(no_token.status(), 401);

    // Granular scopes: invoices (and items) yes, contacts no; read-only scopes cannot write.
    let granular = sb
        .state
        .issue_tokens("offline_access accounting.invoices accounting.payments.read");
    let access = granular["access_token"].as_str().expect("access");
    let get = |path: &str| {
        sb.http
            .get(sb.url(&format!("/api.xro/2.0{path}")))
            .bearer_auth(access)
            .header("xero-tenant-id", XERO_TENANT_ID)
            .header("Accept", "application/json")
            .send()
    };
    assert_eq!(get("/Invoices").await.expect("sent").status(), 200);
    assert_eq!(get("/Items").await.expect("sent").status(), 200);
    assert_eq!(get("/Payments").await.expect("sent").status(), 200);
    assert_eq!(get("/Contacts").await.expect("sent").status(), 403);
    let write = sb
        .http
        .put(sb.url("/api.xro/2.0/Payments"))
        .bearer_auth(access)
        .header("xero-tenant-id", XERO_TENANT_ID)
        .header("Accept", "application/json")
        .body("{}")
        .send()
        .await
        .expect("sent");
    assert_eq!(write.status(), 403, "accounting.payments.read cannot write");

    // Connections: listed without a tenant header; a deleted connection closes the tenant.
    let list: Value = sb
        .http
        .get(sb.url("/Connections"))
        .bearer_auth(&sb.token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let id = list[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(list[0]["tenantId"], XERO_TENANT_ID);
    let deleted = sb
        .http
        .delete(sb.url(&format!("/connections/{id}")))
        .bearer_auth(&sb.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(deleted.status(), 204);
    assert_eq!(sb.get("/Organisation").await.status, 403);
}
