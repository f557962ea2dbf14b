//! Reading invoices back from Xero in canonical form, for the two-way merge
//! ([`ledgerbridge_protocol::BooksInvoice`]), through `all_changes` (If-Modified-Since
//! paging). The adapter knows no ledger links, so lines are keyed `acct:{line id}` and the
//! engine translates them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use ledgerbridge_core::SourceRef;
use ledgerbridge_protocol::{BooksChanges, BooksInvoice};

use crate::Xero;
use crate::map::{Mappings, invoice_from_xero};
use crate::wire::invoice::Invoice as XeroInvoice;

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
