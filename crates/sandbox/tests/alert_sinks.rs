//! The alert sinks: the Slack-compatible webhook and the SMTP sink, and their listings on the
//! ServiceTitan emulator's port.

use ledgerbridge_sandbox::{LimitMode, Sandbox, SandboxOptions, Scenario};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions::for_tests(Scenario::Empty, LimitMode::Off))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_slack_webhook_answers_like_slack_and_lists_what_arrived() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let http = reqwest::Client::new();
    let post = |body: Value| http.post(&info.alerts.slack_webhook_url).json(&body).send();
    let ok = post(json!({"text": "first"})).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "ok");
    let empty = post(json!({"username": "x"})).await.unwrap();
    assert_eq!(
        (empty.status().as_u16(), empty.text().await.unwrap()),
        (400, "no_text".into())
    );
    post(json!({"text": "second", "blocks": []})).await.unwrap();
    let wrong = http
        .post(format!(
            "{}/_sandbox/slack/services/T1/B1/nope",
            sandbox.servicetitan_handle.base_url
        ))
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);

    let listed: Value = reqwest::get(format!(
        "{}/_sandbox/slack/messages",
        sandbox.servicetitan_handle.base_url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let served: Value = reqwest::get(format!(
        "{}/_sandbox/alerts/info",
        sandbox.servicetitan_handle.base_url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(served, serde_json::to_value(&info.alerts).unwrap());
    let texts: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(texts, [json!("first"), json!("second")]);
}

/// Sends one line and reads the reply (all lines of a multi-line reply).
async fn say(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    line: &str,
) -> String {
    write
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .unwrap();
    read_reply(lines).await
}

async fn read_reply(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
    let mut reply = String::new();
    loop {
        let mut line = String::new();
        lines.read_line(&mut line).await.unwrap();
        reply.push_str(&line);
        if line.as_bytes().get(3) != Some(&b'-') {
            return reply;
        }
    }
}

#[tokio::test]
async fn the_smtp_sink_speaks_smtp_and_lists_the_mail_oldest_first() {
    let sandbox = sandbox().await;
    let stream = tokio::net::TcpStream::connect(sandbox.smtp.addr)
        .await
        .unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    assert!(read_reply(&mut lines).await.starts_with("220 "));
    let ehlo = say(&mut lines, &mut write, "EHLO test.local").await;
    assert!(
        ehlo.starts_with("250-") && ehlo.contains("AUTH PLAIN LOGIN"),
        "{ehlo}"
    );
    assert!(say(&mut lines, &mut write, "DATA").await.starts_with("503"));
    assert!(
        say(&mut lines, &mut write, "MAIL FROM:<a@example.com>")
            .await
            .starts_with("250")
    );
    assert!(
        say(&mut lines, &mut write, "RCPT TO:<b@example.com>")
            .await
            .starts_with("250")
    );
    assert!(say(&mut lines, &mut write, "DATA").await.starts_with("354"));
    write
        .write_all(b"Subject: Overdue\r\n\r\nfirst line\r\n..dot-stuffed\r\n.\r\n")
        .await
        .unwrap();
    assert!(read_reply(&mut lines).await.starts_with("250"));
    assert!(say(&mut lines, &mut write, "QUIT").await.starts_with("221"));

    let listed: Value = reqwest::get(format!(
        "{}/_sandbox/mail/messages",
        sandbox.servicetitan_handle.base_url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(listed[0]["from"], "a@example.com");
    assert_eq!(listed[0]["to"], json!(["b@example.com"]));
    assert_eq!(listed[0]["subject"], "Overdue");
    assert_eq!(listed[0]["body"], "first line\r\n.dot-stuffed\r\n");
}
