//! Reading invoices back from QuickBooks in canonical form, for the two-way merge
//! ([`ledgerbridge_protocol::BooksInvoice`]), through the connector's change `pull` (CDC, else
//! query paging). The adapter knows no ledger links, so lines are keyed `acct:{line id}` and
//! the engine translates them.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use ledgerbridge_protocol::{BooksChanges, BooksInvoice};

use crate::map::read::{ReadContext, invoice as qbo_invoice};
use crate::read::Remote;
use crate::{Entity, QuickBooks, wire};

fn qbo_books(
    r: &Remote<wire::Invoice>,
    home: ledgerbridge_core::Currency,
) -> Result<BooksInvoice, String> {
    let cx = ReadContext {
        home_currency: Some(home),
        ..ReadContext::default()
    };
    Ok(BooksInvoice {
        id: r.id.clone(),
        version: Some(r.sync_token.clone()),
        updated: r.last_updated,
        invoice: qbo_invoice(r, &cx)?,
    })
}

/// QuickBooks invoices changed since `cursor`.
pub(super) async fn qbo_changes<A: TokenProvider>(
    qbo: &QuickBooks<A>,
    cursor: Option<DateTime<Utc>>,
) -> Result<BooksChanges, ConnectorError> {
    let home = qbo.config().home_currency;
    let pages: Vec<_> = qbo
        .pull::<wire::Invoice>(Entity::Invoice, cursor)
        .try_collect()
        .await?;
    let mut out = BooksChanges {
        cursor,
        ..BooksChanges::default()
    };
    for page in pages {
        out.cursor = page.cursor.or(out.cursor);
        for q in &page.quarantined {
            let id = q.id.map(|i| i.to_string()).unwrap_or_default();
            out.unreadable.push((id, q.reason.clone()));
        }
        for r in &page.records {
            match qbo_books(r, home) {
                Ok(b) => out.invoices.push(b),
                Err(reason) => out.unreadable.push((r.id.clone(), reason)),
            }
        }
    }
    Ok(out)
}

/// QuickBooks invoices by id (absent ones are left out; unreadable ones too, with a log line).
pub(super) async fn qbo_by_id<A: TokenProvider>(
    qbo: &QuickBooks<A>,
    ids: &[String],
) -> Result<Vec<BooksInvoice>, ConnectorError> {
    let home = qbo.config().home_currency;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = qbo.read::<wire::Invoice>(Entity::Invoice, id).await? {
            match qbo_books(&r, home) {
                Ok(b) => out.push(b),
                Err(reason) => {
                    tracing::warn!(invoice = %id, %reason, "QuickBooks invoice unreadable")
                }
            }
        }
    }
    Ok(out)
}
