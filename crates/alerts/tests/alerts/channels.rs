//! Each channel against a real receiver.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::Utc;
use hmac::{KeyInit, Mac};
use ledgerbridge_alerts::{
    Alert, Channel, ChannelError, ChannelKind, EmailChannel, Message, SlackChannel, SmtpSettings,
    WebhookChannel,
};
use secrecy::SecretString;

use crate::helpers::{Sinks, TestClock, config, serve};

fn alert(id: Option<i64>) -> Alert {
    Alert {
        id,
        rule: "invoice_overdue".into(),
        tenant: Some("1017823".into()),
        subject: "Invoice 1042 for Acme Plumbing is 31 days overdue".into(),
        message: Message::new("Invoice 1042 is overdue", "Still open.")
            .field("Customer", "Acme Plumbing")
            .field("Balance", "812.50 USD")
            .link(
                "Open in ServiceTitan",
                "https://go.servicetitan.com/#/Invoice/1042",
            ),
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn slack_posts_block_kit_with_a_text_fallback_and_honours_429() {
    let sinks = Sinks::start().await;
    let channel = SlackChannel::new(SecretString::from(sinks.slack_url())).unwrap();
    let delivered = channel.send(&alert(Some(1))).await.unwrap();
    assert_eq!(delivered.answer, "HTTP 200 ok");
    let got = sinks.sinks.slack_messages();
    assert_eq!(got.len(), 1);
    assert!(got[0].text.as_deref().unwrap().contains("Acme Plumbing"));
    let blocks = got[0].blocks.as_ref().unwrap().to_string();
    assert!(
        blocks.contains("\"header\"") && blocks.contains("812.50 USD"),
        "{blocks}"
    );

    // Slack throttles: the channel reports the wait it was asked for, and sends nothing.
    let http = reqwest::Client::new();
    let throttle = http
        .post(format!("{}/_sandbox/slack/throttle", sinks.base))
        .json(&serde_json::json!({"count": 1, "retry_after": 7}))
        .send()
        .await
        .unwrap();
    assert!(throttle.status().is_success());
    let error = channel.send(&alert(Some(2))).await.unwrap_err();
    assert_eq!(
        error,
        ChannelError::RateLimited {
            retry_after: std::time::Duration::from_secs(7)
        }
    );
    assert_eq!(sinks.sinks.slack_messages().len(), 1);
    channel.send(&alert(Some(2))).await.unwrap();
    // Listed on the route, oldest first.
    let listed: serde_json::Value = http
        .get(format!("{}/_sandbox/slack/messages", sinks.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_wrong_slack_url_is_a_permanent_error_without_the_url_in_it() {
    let sinks = Sinks::start().await;
    let url = format!("{}/_sandbox/slack/services/T0/B0/wrongsecret", sinks.base);
    let channel = SlackChannel::new(SecretString::from(url)).unwrap();
    let error = channel.send(&alert(None)).await.unwrap_err();
    assert!(
        matches!(&error, ChannelError::Permanent(t) if t.contains("403")),
        "{error}"
    );
    assert!(!error.to_string().contains("wrongsecret"));
}

#[tokio::test]
async fn email_goes_through_a_real_smtp_conversation_with_auth() {
    let sinks = Sinks::start().await;
    let url = format!("smtp://bridge:pa%40ss@{}?tls=none", sinks.smtp.addr);
    let settings = SmtpSettings::parse(&url).unwrap();
    let to = vec!["books@example.com".to_owned(), "ar@example.com".to_owned()];
    let channel = EmailChannel::new(&settings, "Bridge <bridge@example.com>", &to).unwrap();
    let delivered = channel.send(&alert(Some(9))).await.unwrap();
    assert!(delivered.answer.starts_with("250"), "{}", delivered.answer);
    let mail = sinks.smtp.mailbox.messages();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].from, "bridge@example.com");
    assert_eq!(mail[0].to, to);
    assert_eq!(mail[0].auth_user.as_deref(), Some("bridge"));
    assert!(mail[0].subject.as_deref().unwrap().contains("1042"));
    assert!(
        mail[0].body.contains("Customer: Acme Plumbing"),
        "{}",
        mail[0].body
    );
    assert!(
        mail[0].data.contains("Message-ID: <alert-9-"),
        "{}",
        mail[0].data
    );
}

#[tokio::test]
async fn email_to_a_closed_port_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let settings = SmtpSettings::parse(&format!("smtp://{addr}?tls=none")).unwrap();
    let channel = EmailChannel::new(&settings, "a@example.com", &["b@example.com".into()]).unwrap();
    let error = channel.send(&alert(None)).await.unwrap_err();
    assert!(error.is_retryable(), "{error}");
}

type Seen = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A receiver that checks `X-Ledgerbridge-Signature` on its own (not with the crate's `sign`).
async fn verifying_receiver(
    State(seen): State<Seen>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let header = headers["x-ledgerbridge-signature"]
        .to_str()
        .unwrap()
        .to_owned();
    let (t, v1) = header.split_once(',').unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"whsec-test").unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&body);
    let ok = mac.verify_slice(&hex::decode(v1).unwrap()).is_ok();
    seen.lock().unwrap().push((headers, body.to_vec()));
    if ok {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    }
}

#[tokio::test]
async fn webhooks_are_signed_so_the_receiver_can_verify_them() {
    let seen: Seen = Arc::default();
    let base = serve(
        Router::new()
            .route("/hook", post(verifying_receiver))
            .with_state(seen.clone()),
    )
    .await;
    let clock = TestClock::at("2026-12-08T09:00:00Z");
    let good = WebhookChannel::new(
        SecretString::from(format!("{base}/hook")),
        SecretString::from("whsec-test".to_owned()),
        clock.wall(),
    )
    .unwrap();
    let delivered = good.send(&alert(Some(5))).await.unwrap();
    assert_eq!(delivered.answer, "HTTP 204");
    {
        let seen = seen.lock().unwrap();
        let (headers, body) = &seen[0];
        let signature = headers["x-ledgerbridge-signature"].to_str().unwrap();
        assert!(signature.starts_with(&format!("t={},v1=", clock.now().timestamp())));
        assert_eq!(headers["idempotency-key"], "ledgerbridge-alert-5");
        let json: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(json["id"], 5);
        assert_eq!(json["fields"][0]["value"], "Acme Plumbing");
    }
    let forged = WebhookChannel::new(
        SecretString::from(format!("{base}/hook")),
        SecretString::from("wrong".to_owned()),
        clock.wall(),
    )
    .unwrap();
    let error = forged.send(&alert(Some(6))).await.unwrap_err();
    assert!(
        matches!(error, ChannelError::Permanent(ref t) if t.starts_with("HTTP 401")),
        "{error}"
    );
}

#[tokio::test]
async fn alerts_test_reports_each_remote_answer() {
    let sinks = Sinks::start().await;
    let config = config(vec![sinks.slack("s"), sinks.email("e")], vec![]);
    let answers = ledgerbridge_alerts::send_test(&config, None, Utc::now())
        .await
        .unwrap();
    let names: Vec<_> = answers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["s", "e"]);
    assert!(answers.iter().all(|(_, a)| a.is_ok()), "{answers:?}");
    let only = ledgerbridge_alerts::send_test(&config, Some("e"), Utc::now())
        .await
        .unwrap();
    assert_eq!(only.len(), 1);
    assert!(
        ledgerbridge_alerts::send_test(&config, Some("x"), Utc::now())
            .await
            .is_err()
    );
    assert!(matches!(config.channels[0].kind, ChannelKind::Slack { .. }));
}
