//! Payments recorded in QuickBooks, read for the way back to ServiceTitan: the connector's
//! change pull (CDC for a recent cursor, query paging otherwise) read as raw JSON first, so a
//! record that does not fit the payment shape is quarantined with exactly what QuickBooks
//! sent while the rest of the page goes on.

use std::collections::HashMap;

use crate::map::read::{ReadContext, payment};
use crate::{ChangePage, Entity, QuickBooks, Remote, wire};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use ledgerbridge_core::{Money, Payment, PaymentStatus, SourceRef};
use serde_json::Value;

use ledgerbridge_protocol::{BooksPayment, BooksPayments, BooksQuarantined};

/// The method key of a payment without a PaymentMethodRef.
pub(crate) const NO_METHOD: &str = "(no payment method)";

/// Payments changed since `cursor`, keyed by QuickBooks ids.
pub(crate) async fn payment_changes<A: TokenProvider>(
    qbo: &QuickBooks<A>,
    cursor: Option<DateTime<Utc>>,
) -> Result<BooksPayments, ConnectorError> {
    let pages: Vec<ChangePage<Value>> = qbo
        .pull::<Value>(Entity::Payment, cursor)
        .try_collect()
        .await?;
    let cx = ReadContext {
        home_currency: Some(qbo.config().home_currency),
        ..ReadContext::default()
    };
    let mut out = BooksPayments {
        cursor,
        ..BooksPayments::default()
    };
    let mut read = Vec::new();
    for page in pages {
        out.cursor = out.cursor.max(page.cursor);
        out.quarantined
            .extend(page.quarantined.iter().map(|q| BooksQuarantined {
                id: q.id.map(|i| i.to_string()),
                reason: q.reason.clone(),
                raw: q.raw().to_owned(),
            }));
        read.extend(page.records);
    }
    // Real QuickBooks often sends a PaymentMethodRef without its name: read the list once.
    let mut names: Option<HashMap<String, String>> = None;
    for r in read {
        match to_books(&r, &cx) {
            Ok((mut books, method_id)) => {
                if let Some(id) = method_id {
                    if names.is_none() {
                        let data = qbo.reference_data().await?;
                        names = Some(
                            data.payment_methods
                                .into_iter()
                                .map(|m| (m.id, m.name))
                                .collect(),
                        );
                    }
                    books.method = names
                        .as_ref()
                        .and_then(|n| n.get(&id).cloned())
                        .unwrap_or(id);
                }
                out.payments.push(books);
            }
            Err(reason) => out.quarantined.push(BooksQuarantined {
                id: Some(r.id.clone()),
                reason: format!("QuickBooks Payment {}: {reason}", r.id),
                raw: r.record.to_string(),
            }),
        }
    }
    Ok(out)
}

/// One raw record as a [`BooksPayment`]; the second value is a PaymentMethod id whose name
/// is still to be looked up.
fn to_books(r: &Remote<Value>, cx: &ReadContext) -> Result<(BooksPayment, Option<String>), String> {
    let updated = r.last_updated;
    if r.deleted {
        // A deleted payment's stub carries only its id: enough to see it is gone.
        let currency = cx.home_currency.unwrap_or(ledgerbridge_core::Currency::USD);
        let zero = Money::zero(currency);
        let books = BooksPayment {
            id: r.id.clone(),
            version: Some(r.sync_token.clone()),
            updated,
            method: NO_METHOD.to_owned(),
            payment: Payment {
                date: updated.unwrap_or_default().date_naive(),
                amount: zero,
                payment_type: NO_METHOD.to_owned(),
                reference: None,
                customer: SourceRef::accounting(&r.id).map_err(|e| e.to_string())?,
                allocations: Vec::new(),
                unapplied: zero,
                memo: None,
                status: PaymentStatus::Voided,
            },
        };
        return Ok((books, None));
    }
    let record: wire::Payment =
        serde_json::from_value(r.record.clone()).map_err(|e| e.to_string())?;
    let (method, lookup) = match &record.payment_method_ref {
        Some(m) => match m.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => (name.to_owned(), None),
            None => (m.value.clone(), Some(m.value.clone())),
        },
        None => (NO_METHOD.to_owned(), None),
    };
    let typed = Remote {
        id: r.id.clone(),
        sync_token: r.sync_token.clone(),
        last_updated: r.last_updated,
        deleted: false,
        record,
    };
    let payment = payment(&typed, cx)?;
    let books = BooksPayment {
        id: r.id.clone(),
        version: Some(r.sync_token.clone()),
        updated,
        method,
        payment,
    };
    Ok((books, lookup))
}
