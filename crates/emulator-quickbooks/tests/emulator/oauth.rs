//! OAuth: consent, code exchange, refresh rotation inside and outside the grace window,
//! expiry on the sandbox clock, revoke, discovery, and the 401 shape.

use ledgerbridge_emulator_quickbooks::{CLIENT_ID, CLIENT_SECRET, DEFAULT_REDIRECT_URI, REALM_ID};
use serde_json::Value;

use crate::support::{Resp, Sandbox, assert_valid};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Submits the consent form as `ledgerbridge connect --approve-sandbox` would: read the page,
/// post its hidden fields plus the decision.
async fn consent(sb: &Sandbox, decision: &str, state: &str) -> url::Url {
    let http = no_redirects();
    let page = http
        .get(format!("{}/connect/oauth2", sb.base()))
        .query(&[
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("scope", "com.intuit.quickbooks.accounting openid"),
            ("redirect_uri", DEFAULT_REDIRECT_URI),
            ("state", state),
        ])
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert_eq!(html.matches("<form method=\"post\">").count(), 1, "{html}");
    assert!(html.contains("<button name=\"decision\" value=\"approve\">"));
    assert!(html.contains("<button name=\"decision\" value=\"deny\">"));
    assert!(!html.contains("<script"), "plain HTML, no JavaScript");
    let mut fields: Vec<(String, String)> = html
        .lines()
        .filter(|l| l.contains("type=\"hidden\""))
        .map(|l| {
            let attr = |name: &str| {
                let start = l.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
                l[start..]
                    .split('"')
                    .next()
                    .expect("value")
                    .replace("&amp;", "&")
            };
            (attr("name"), attr("value"))
        })
        .collect();
    fields.push(("decision".into(), decision.into()));
    let answer = http
        .post(format!("{}/connect/oauth2", sb.base()))
        .form(&fields)
        .send()
        .await
        .expect("submit");
    assert_eq!(answer.status(), 302);
    let location = answer.headers()["location"].to_str().expect("location");
    url::Url::parse(location).expect("redirect url")
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn token(sb: &Sandbox, form: &[(&str, &str)]) -> Resp {
    let request = sb
        .http
        .post(format!("{}/oauth2/v1/tokens/bearer", sb.base()))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(form);
    sb.send(request).await
}

async fn company_info(sb: &Sandbox, access_token: &str) -> Resp {
    sb.send(
        sb.http
            .get(sb.api(&format!("/companyinfo/{REALM_ID}?minorversion=75")))
            .bearer_auth(access_token)
            .header("Accept", "application/json"),
    )
    .await
}

#[tokio::test]
async fn consent_code_exchange_and_rotation_with_a_24_hour_grace() {
    let sb = Sandbox::start().await;
    let redirect = consent(&sb, "approve", "st-1").await;
    assert!(redirect.as_str().starts_with(DEFAULT_REDIRECT_URI));
    assert_eq!(param(&redirect, "state").as_deref(), Some("st-1"));
    assert_eq!(param(&redirect, "realmId").as_deref(), Some(REALM_ID));
    let code = param(&redirect, "code").expect("code");

    let wrong = token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/cb"),
        ],
    )
    .await;
    assert_eq!((wrong.status, wrong.str("error")), (400, "invalid_grant"));
    let first = token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", DEFAULT_REDIRECT_URI),
        ],
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_valid("TokenResponse", &first);
    assert_eq!(first.at("expires_in").decimal(), Some(3600.into()));
    assert_eq!(
        first.at("x_refresh_token_expires_in").decimal(),
        Some((100 * 86400).into())
    );
    assert!(first.headers.contains_key("intuit_tid"));
    let again = token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", DEFAULT_REDIRECT_URI),
        ],
    )
    .await;
    assert_eq!(again.str("error"), "invalid_grant", "a code works once");

    let rt1 = first.str("refresh_token").to_owned();
    let second = token(
        &sb,
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
    )
    .await;
    assert_eq!(second.status, 200);
    let rt2 = second.str("refresh_token").to_owned();
    assert_ne!(rt1, rt2, "refresh rotates the token");

    sb.advance(23 * 3600).await;
    let grace = token(
        &sb,
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
    )
    .await;
    assert_eq!(
        grace.status, 200,
        "the previous token still works inside 24 h: {}",
        grace.text
    );

    sb.advance(3600).await;
    let late = token(
        &sb,
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
    )
    .await;
    assert_eq!((late.status, late.str("error")), (400, "invalid_grant"));
    assert_valid("OAuthError", &late);
    let current = token(
        &sb,
        &[("grant_type", "refresh_token"), ("refresh_token", &rt2)],
    )
    .await;
    assert_eq!(current.status, 200, "the newest token keeps working");

    let hard = sb
        .send(
            sb.http
                .post(format!("{}/oauth2/v1/tokens/bearer", sb.base()))
                .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
                .header("x-include-refresh-token-hard-expires-in", "true")
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", current.str("refresh_token")),
                ]),
        )
        .await;
    assert!(
        hard.at("x_refresh_token_hard_expires_in")
            .decimal()
            .is_some(),
        "{}",
        hard.text
    );
}

#[tokio::test]
async fn access_tokens_expire_after_an_hour_and_the_401_has_its_own_shape() {
    let sb = Sandbox::start().await;
    let tokens = sb.state.connect();
    assert_eq!(company_info(&sb, &tokens.access_token).await.status, 200);
    sb.advance(3599).await;
    assert_eq!(company_info(&sb, &tokens.access_token).await.status, 200);
    sb.advance(2).await;
    let expired = company_info(&sb, &tokens.access_token).await;
    assert_eq!(expired.status, 401);
    assert_valid("AuthenticationFaultResponse", &expired);
    assert_eq!(expired.str("fault.error.0.code"), "3200");
    assert_eq!(expired.str("fault.error.0.detail"), "Token expired");
    let malformed = company_info(&sb, "abc").await;
    assert_eq!(
        malformed.str("fault.error.0.detail"),
        "Malformed bearer token: too short or too long"
    );
    let missing = sb.send(sb.http.get(sb.api("/preferences"))).await;
    assert_eq!(missing.status, 401);
    // A refresh after the access token expired gives a working one.
    let refreshed = token(
        &sb,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &tokens.refresh_token),
        ],
    )
    .await;
    assert_eq!(
        company_info(&sb, refreshed.str("access_token"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn deny_bad_clients_revoke_and_other_realms() {
    let sb = Sandbox::start().await;
    let denied = consent(&sb, "deny", "st-2").await;
    assert_eq!(param(&denied, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&denied, "state").as_deref(), Some("st-2"));
    assert!(param(&denied, "code").is_none());

    let not_loopback = no_redirects()
        .get(format!("{}/connect/oauth2", sb.base()))
        .query(&[
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("scope", "com.intuit.quickbooks.accounting"),
            ("redirect_uri", "https://evil.example/cb"),
            ("state", "s"),
        ])
        .send()
        .await
        .expect("page");
    assert_eq!(
        not_loopback.status(),
        400,
        "non-loopback redirect URIs are refused, not redirected to"
    );

    let bad_client = sb
        .send(
            sb.http
                .post(format!("{}/oauth2/v1/tokens/bearer", sb.base()))
                .basic_auth(CLIENT_ID, Some("wrong"))
                .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")]),
        )
        .await;
    assert_eq!(
        (bad_client.status, bad_client.str("error")),
        (401, "invalid_client")
    );

    let tokens = sb.state.connect();
    let other = sb.state.connect();
    let revoke = sb
        .send(
            sb.http
                .post(format!("{}/v2/oauth2/tokens/revoke", sb.base()))
                .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
                .json(&serde_json::json!({ "token": tokens.refresh_token })),
        )
        .await;
    assert_eq!((revoke.status, revoke.text.as_str()), (200, ""));
    assert_eq!(
        company_info(&sb, &tokens.access_token).await.status,
        401,
        "revoking disconnects the grant"
    );
    let refresh = token(
        &sb,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &tokens.refresh_token),
        ],
    )
    .await;
    assert_eq!(refresh.str("error"), "invalid_grant");
    assert_eq!(
        company_info(&sb, &other.access_token).await.status,
        200,
        "other grants are untouched"
    );
    // Form-encoded revoke (node-quickbooks) works too.
    let form = sb
        .send(
            sb.http
                .post(format!("{}/v2/oauth2/tokens/revoke", sb.base()))
                .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
                .form(&[("token", other.access_token.as_str())]),
        )
        .await;
    assert_eq!(form.status, 200);
    assert_eq!(company_info(&sb, &other.access_token).await.status, 401);

    let fresh = sb.state.connect();
    let wrong_realm = sb
        .send(
            sb.http
                .get(format!("{}/v3/company/123/preferences", sb.base()))
                .bearer_auth(&fresh.access_token)
                .header("Accept", "application/json"),
        )
        .await;
    assert_eq!((wrong_realm.status, wrong_realm.code()), (403, "120"));
}

#[tokio::test]
async fn discovery_document_points_at_the_emulator() {
    let sb = Sandbox::start().await;
    for path in [
        "/.well-known/openid_sandbox_configuration",
        "/.well-known/openid_sandbox_configuration/",
        "/.well-known/openid_configuration",
    ] {
        let doc = sb.send(sb.http.get(format!("{}{path}", sb.base()))).await;
        assert_eq!(doc.status, 200, "{path}");
        assert_valid("DiscoveryDocument", &doc);
        let value = doc.value();
        for key in [
            "authorization_endpoint",
            "token_endpoint",
            "revocation_endpoint",
            "issuer",
            "jwks_uri",
            "userinfo_endpoint",
        ] {
            let url = value[key].as_str().expect("string");
            assert!(url.starts_with(sb.base()), "{key} = {url}");
        }
    }
    let info: Value = sb
        .http
        .get(format!("{}/_sandbox/info", sb.base()))
        .send()
        .await
        .expect("info")
        .json()
        .await
        .expect("json");
    let discovery: Value = sb
        .http
        .get(info["discovery_url"].as_str().expect("url"))
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    assert_eq!(discovery["token_endpoint"], info["token_url"]);
    assert_eq!(discovery["revocation_endpoint"], info["revoke_url"]);
    assert_eq!(discovery["authorization_endpoint"], info["authorize_url"]);
}
