//! `ledgerbridge doctor`: every connection with its environment, company, status, last success
//! and, for OAuth connections, its token dates (never a token), so an integrator sees at a
//! glance what needs a reconnect and when.

use chrono::{DateTime, Utc};
use ledgerbridge_connector::oauth::TokenStatus;
use ledgerbridge_core::System;
use ledgerbridge_ledger::Connection;
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

pub(crate) async fn run(global: &GlobalArgs, format: OutputFormat) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    // Without the key the connections are still listed; only their token dates are unknown.
    let store = ctx.key().ok().map(|key| ledger.credential_store(Some(key)));
    let now = Utc::now();
    let mut rows = Vec::new();
    for connection in ledger.connections().list().await? {
        let tokens = match (&store, connection.system) {
            (Some(store), System::QuickBooks | System::Xero) => {
                TokenStatus::load(store, &connection.id.to_string())
                    .await
                    .ok()
                    .flatten()
                    .map(|s| tokens(s, now))
            }
            _ => None,
        };
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
    Ok(Exit::Ok)
}
