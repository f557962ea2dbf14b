//! Reading invoices back from the books in canonical form, for the two-way merge
//! ([`ledgerbridge_protocol::BooksInvoice`]): QuickBooks through the connector's change `pull` (CDC,
//! else query paging), Xero through `all_changes` (If-Modified-Since paging). Neither adapter
//! knows the ledger's links, so lines are keyed `acct:{line id}` and the engine translates them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use ledgerbridge_core::SourceRef;
use ledgerbridge_quickbooks::map::read::{ReadContext, invoice as qbo_invoice};
use ledgerbridge_quickbooks::read::Remote;
use ledgerbridge_quickbooks::{Entity, QuickBooks, wire};
use ledgerbridge_xero::Xero;
use ledgerbridge_xero::map::{Mappings, invoice_from_xero};
use ledgerbridge_xero::wire::invoice::Invoice as XeroInvoice;

use ledgerbridge_protocol::{BooksChanges, BooksInvoice};

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

fn xero_books(i: &XeroInvoice) -> Option<Result<BooksInvoice, (String, String)>> {
    if i.kind.as_deref().is_some_and(|k| k != "ACCREC") {
        return None;
    }
    let id = i.invoice_id.clone()?;
    let contact = i
        .contact
        .as_ref()
        .and_then(|c| c.contact_id.clone())
        .unwrap_or_else(|| "unknown".to_owned());
    let customer = match SourceRef::accounting(contact) {
        Ok(c) => c,
        Err(e) => return Some(Err((id, e.to_string()))),
    };
    Some(
        invoice_from_xero(i, customer, &HashMap::new(), &Mappings::new())
            .map(|invoice| BooksInvoice {
                id: id.clone(),
                version: i.updated_date_utc.map(|u| u.to_rfc3339()),
                updated: i.updated_date_utc,
                invoice,
            })
            .map_err(|e| (id, e.to_string())),
    )
}

/// Xero sales invoices changed since `cursor`.
pub(super) async fn xero_changes<P: TokenProvider>(
    xero: &Xero<P>,
    cursor: Option<DateTime<Utc>>,
) -> Result<BooksChanges, ConnectorError> {
    let (invoices, next) = xero.all_changes::<XeroInvoice>(cursor).await?;
    let mut out = BooksChanges {
        cursor: next.or(cursor),
        ..BooksChanges::default()
    };
    for i in &invoices {
        match xero_books(i) {
            Some(Ok(b)) => out.invoices.push(b),
            Some(Err(unreadable)) => out.unreadable.push(unreadable),
            None => {}
        }
    }
    Ok(out)
}

/// Xero sales invoices by id.
pub(super) async fn xero_by_id<P: TokenProvider>(
    xero: &Xero<P>,
    ids: &[String],
) -> Result<Vec<BooksInvoice>, ConnectorError> {
    let found = xero.invoices_by_id(ids).await?;
    Ok(found
        .values()
        .filter_map(xero_books)
        .filter_map(|r| match r {
            Ok(b) => Some(b),
            Err((id, reason)) => {
                tracing::warn!(invoice = %id, %reason, "Xero invoice unreadable");
                None
            }
        })
        .collect())
}
