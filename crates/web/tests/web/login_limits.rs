//! Password guessing is limited per client address and overall, on a clock the test moves;
//! short passwords refuse to start.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use ledgerbridge_core::WallClock;
use ledgerbridge_ledger::{Ledger, LedgerLocation, LedgerOptions};
use ledgerbridge_web::{AppState, ServeOptions, WebError};

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const LAN: &str = "192.0.2.10:8080";

/// A password-protected UI on a ledger whose clock moves only when the test says so.
async fn guarded_app() -> (axum::Router, Arc<AtomicI64>) {
    let seconds = Arc::new(AtomicI64::new(0));
    let read = seconds.clone();
    let clock =
        WallClock::new(move || now() + chrono::TimeDelta::seconds(read.load(Ordering::SeqCst)));
    let ledger = Ledger::open(
        LedgerLocation::InMemory,
        LedgerOptions::default().clock(clock),
    )
    .await
    .unwrap();
    let options = ServeOptions::new(LAN.parse().unwrap(), ledger)
        .password(secret(PASSWORD))
        .login_delay(Duration::ZERO);
    (
        ledgerbridge_web::app(AppState::new(options).unwrap()),
        seconds,
    )
}

fn client_from(app: &axum::Router, peer: &str) -> Client {
    let mut client = Client::new(app.clone());
    client.host = LAN.to_owned();
    client.peer = Some(peer.parse::<SocketAddr>().unwrap());
    client
}

async fn try_password(client: &mut Client, password: &str) -> Resp {
    client
        .post("/login", "/login", &[("password", password)])
        .await
}

#[tokio::test]
async fn a_guessing_client_is_locked_out_even_from_the_right_password() {
    let (app, seconds) = guarded_app().await;
    let mut mallory = client_from(&app, "198.51.100.7:50000");
    for guess in 0..5 {
        let r = try_password(&mut mallory, &format!("guess number {guess}")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "guess {guess}");
    }
    // Throttled before the password is looked at: the right one is refused too.
    let r = try_password(&mut mallory, PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header("retry-after"), "1");
    assert!(r.body.contains("Too many wrong passwords"), "{}", r.body);
    // Another port of the same address is the same client.
    let mut same_host = client_from(&app, "198.51.100.7:50001");
    assert_eq!(
        try_password(&mut same_host, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Someone else logs in meanwhile.
    let mut ana = client_from(&app, "192.0.2.50:40000");
    assert_eq!(
        try_password(&mut ana, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // Each further failure doubles the wait.
    seconds.fetch_add(1, Ordering::SeqCst);
    assert_eq!(
        try_password(&mut mallory, "guess number 5").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = try_password(&mut mallory, PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header("retry-after"), "2");
    seconds.fetch_add(2, Ordering::SeqCst);
    let r = try_password(&mut mallory, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the wait is over");
}

#[tokio::test]
async fn many_addresses_guessing_in_parallel_share_one_budget() {
    let (app, seconds) = guarded_app().await;
    for n in 0..30u8 {
        let mut bot = client_from(&app, &format!("203.0.113.{n}:1234"));
        assert_eq!(
            try_password(&mut bot, "a wrong guess!").await.status,
            StatusCode::UNAUTHORIZED,
            "bot {n}"
        );
    }
    // Every address is throttled now, a fresh one with the right password included.
    let mut ana = client_from(&app, "192.0.2.50:40000");
    let r = try_password(&mut ana, PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header("retry-after"), "10");
    seconds.fetch_add(10, Ordering::SeqCst);
    assert_eq!(
        try_password(&mut ana, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_password_shorter_than_12_characters_refuses_to_start() {
    let ledger = seeded_ledger().await;
    for short in ["x", "eleven char"] {
        let options = ServeOptions::new("0.0.0.0:8080".parse().unwrap(), ledger.clone())
            .password(secret(short));
        let err = AppState::new(options).err().expect("refused");
        assert!(
            matches!(err, WebError::PasswordTooShort { min: 12 }),
            "{err}"
        );
        assert!(err.to_string().contains("at least 12 characters"), "{err}");
    }
    // Characters, not bytes: twelve accented letters are enough, eleven are not.
    let options = ServeOptions::new("0.0.0.0:8080".parse().unwrap(), ledger.clone())
        .password(secret(&"é".repeat(11)));
    assert!(AppState::new(options).is_err());
    let options = ServeOptions::new("0.0.0.0:8080".parse().unwrap(), ledger)
        .password(secret(&"é".repeat(12)));
    assert!(AppState::new(options).is_ok());
}
