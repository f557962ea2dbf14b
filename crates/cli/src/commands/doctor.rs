//! `ledgerbridge doctor`: every connection with its environment, company, status, last success
//! and, for OAuth connections, its token dates (never a token), so an integrator sees at a
//! glance what needs a reconnect and when.
//!
//! Each connection's stored credentials are decrypted with the key (and dropped): one that
//! cannot be read (the key is missing, not a key, or not this ledger's key) is shown `broken`
//! with why. Exit codes: 1 when any credential cannot be read (fix the key: reconnecting
//! would not help), else 5 when a connection is broken (its tokens were refused: run the
//! `connect` command), else 0.

use chrono::{DateTime, Utc};
use ledgerbridge_connector::oauth::TokenStatus;
use ledgerbridge_core::System;
use ledgerbridge_ledger::{Connection, ConnectionStatus, LedgerCredentialStore};
use serde::Serialize;

use crate::args::{GlobalArgs, OutputFormat};
use crate::context::Context;
use crate::exit::Exit;
use crate::output::print_listing;

/// Token dates of an OAuth connection.
#[derive(Serialize)]
struct Tokens {
    connected_at: Option<DateTime<Utc>>,
    last_refresh_at: Option<DateTime<Utc>>,
    access_token_expires_at: Option<DateTime<Utc>>,
    refresh_token_issued_at: Option<DateTime<Utc>>,
    refresh_token_expires_at: Option<DateTime<Utc>>,
    /// Days since the current refresh token was issued.
    refresh_token_age_days: Option<i64>,
    reconnect_needed: bool,
}

#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    connection: Connection,
    /// OAuth connections only; `null` when the key is unavailable or nothing is stored.
    tokens: Option<Tokens>,
}

fn tokens(status: TokenStatus, now: DateTime<Utc>) -> Tokens {
    Tokens {
        connected_at: status.connected_at,
        last_refresh_at: status.last_refresh_at,
        access_token_expires_at: status.access_token_expires_at,
        refresh_token_issued_at: status.refresh_token_issued_at,
        refresh_token_expires_at: status.refresh_token_expires_at,
        refresh_token_age_days: status.refresh_token_age(now).map(|age| age.num_days()),
        reconnect_needed: status.needs_reconnect(now),
    }
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

fn cells(row: &Row) -> Vec<String> {
    let c = &row.connection;
    let token_text = match &row.tokens {
        Some(t) if t.reconnect_needed => "expired: reconnect".to_owned(),
        Some(t) => format!(
            "refresh token {} d old, expires {}",
            t.refresh_token_age_days
                .map_or_else(|| "?".to_owned(), |d| d.to_string()),
            day(t.refresh_token_expires_at)
        ),
        None if c.system == System::ServiceTitan => "client credentials".to_owned(),
        None => "-".to_owned(),
    };
    vec![
        c.system.to_string(),
        c.tenant.clone(),
        c.company.clone(),
        c.environment.to_string(),
        match &c.status_reason {
            Some(reason) => format!("{} ({reason})", c.status),
            None => c.status.to_string(),
        },
        c.last_success_at
            .map(|t| day(Some(t)))
            .unwrap_or_else(|| "never".into()),
        token_text,
    ]
}

/// Why `connection`'s credentials cannot be used, if they cannot, and whether the key is
/// the cause (exit 1) rather than the connection (nothing stored: reconnect, exit 5).
async fn unreadable(
    store: &Result<LedgerCredentialStore, String>,
    connection: &Connection,
) -> Option<(String, bool)> {
    let store = match store {
        Ok(store) => store,
        Err(why) => return Some((why.clone(), true)),
    };
    match store.check_connection(&connection.id.to_string()).await {
        Ok(0) => Some(("no credentials stored: reconnect".to_owned(), false)),
        Ok(_) => None,
        Err(e) => Some((format!("credentials unreadable: {e}"), true)),
    }
}

pub(crate) async fn run(global: &GlobalArgs, format: OutputFormat) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    // Without a usable key the connections are still listed, each shown broken with why.
    let store = ctx
        .key()
        .map(|key| ledger.credential_store(Some(key)))
        .map_err(|e| format!("the ledger key is unusable: {e:#}"));
    let now = Utc::now();
    let mut rows = Vec::new();
    let (mut key_problem, mut broken) = (false, false);
    for mut connection in ledger.connections().list().await? {
        let tokens = match (&store, connection.system) {
            (Ok(store), System::QuickBooks | System::Xero) => {
                TokenStatus::load(store, &connection.id.to_string())
                    .await
                    .ok()
                    .flatten()
                    .map(|s| tokens(s, now))
            }
            _ => None,
        };
        if let Some((why, key)) = unreadable(&store, &connection).await {
            key_problem |= key;
            connection.status = ConnectionStatus::Broken;
            connection.status_reason = Some(why);
        }
        broken |= connection.status == ConnectionStatus::Broken;
        rows.push(Row { connection, tokens });
    }
    let header = [
        "system",
        "tenant",
        "company",
        "environment",
        "status",
        "last success",
        "tokens",
    ];
    print_listing(format, &rows, &header, cells)?;
    ledger.close().await;
    Ok(if key_problem {
        Exit::Error
    } else if broken {
        Exit::ReconnectNeeded
    } else {
        Exit::Ok
    })
}
