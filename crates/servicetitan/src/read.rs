//! Reads: change feeds, paged lists, look-ups by id, locations and reference data.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::{Stream, StreamExt};
use ledgerbridge_connector::{ChangeBatch, ConnectorError, FeedCursor, SourceRecord};
use ledgerbridge_core::{Address, Customer, Invoice, Payment};
use serde::Deserialize;

use crate::client::ServiceTitan;
use crate::entities::{Customers, Invoices, Payments, VoidedPayments};
use crate::feeds::{Page, SharedSeen};
use crate::map::ZoneIndex;
use crate::wire::AddressWire;
use crate::wire::customer::LocationWire;
use crate::wire::reference::{BusinessUnit, GlAccount, PaymentType, TaxZone};

/// A service location of a customer (where the work was done; carries the tax zone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Its id.
    pub id: i64,
    /// The customer it belongs to.
    pub customer_id: i64,
    /// Its name.
    pub name: Option<String>,
    /// Its address.
    pub address: Address,
    /// The tax zone that applies there.
    pub tax_zone_id: Option<i64>,
    /// Whether it is tax exempt.
    pub tax_exempt: bool,
    /// Whether it is active.
    pub active: bool,
}

fn modified_filter(since: Option<DateTime<Utc>>) -> Vec<(&'static str, String)> {
    since
        .map(|t| {
            vec![(
                "modifiedOnOrAfter",
                t.to_rfc3339_opts(SecondsFormat::Secs, true),
            )]
        })
        .unwrap_or_default()
}

impl ServiceTitan {
    /// The invoice export feed (with items) from `from`; see [`crate::feeds`] for cursors
    /// and dedupe.
    pub fn invoice_changes(
        &self,
        from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Invoice>, ConnectorError>> + Send + '_ {
        self.export_changes::<Invoices>(from)
    }

    /// The payment export feed from `from`.
    pub fn payment_changes(
        &self,
        from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Payment>, ConnectorError>> + Send + '_ {
        self.export_changes::<Payments>(from)
    }

    /// The customer export feed (with contacts) from `from`.
    pub fn customer_changes(
        &self,
        from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Customer>, ConnectorError>> + Send + '_ {
        self.export_changes::<Customers>(from)
    }

    /// All invoices (every status, active or not), optionally only those modified since a
    /// time, page by page at the configured page size.
    pub fn invoice_pages(
        &self,
        modified_since: Option<DateTime<Utc>>,
    ) -> impl Stream<Item = Result<Page<Invoice>, ConnectorError>> + Send + '_ {
        let mut filters = modified_filter(modified_since);
        // Exports return inactive records too; the list does so only when asked.
        filters.push(("activeState", "All".to_owned()));
        self.list_pages::<Invoices>(filters)
    }

    /// Invoices dated around `from..=to` (every status, active or not), page by page: the
    /// reconciliation report's live read of a period. The server filter is widened by a day
    /// on each side (ServiceTitan compares `invoicedOn` as a time of day); callers keep the
    /// records whose invoice date is in the period.
    pub fn invoice_pages_dated(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> impl Stream<Item = Result<Page<Invoice>, ConnectorError>> + Send + '_ {
        let day = |d: chrono::NaiveDate| format!("{d}T00:00:00Z");
        let filters = vec![
            ("invoicedOnOrAfter", day(from.pred_opt().unwrap_or(from))),
            (
                "invoicedOnBefore",
                day(to.succ_opt().and_then(|d| d.succ_opt()).unwrap_or(to)),
            ),
            ("activeState", "All".to_owned()),
        ];
        self.list_pages::<Invoices>(filters)
    }

    /// All payments, voided ones included (as [`ledgerbridge_core::PaymentStatus::Voided`]),
    /// page by page: the active pages, then the voided pages (each pass numbered from 1).
    pub fn payment_pages(
        &self,
        modified_since: Option<DateTime<Utc>>,
    ) -> impl Stream<Item = Result<Page<Payment>, ConnectorError>> + Send + '_ {
        self.payment_passes(modified_filter(modified_since))
    }

    /// The payment list in two passes. The 2025 list leaves voided payments out unless
    /// `activeState` asks, and its items have no `active` field, so the pass says what each
    /// record is. Both passes share one dedupe: a server that ignored `activeState` would
    /// send the active records again, and they are dropped (and counted), not turned voided.
    pub(crate) fn payment_passes(
        &self,
        filters: Vec<(&'static str, String)>,
    ) -> impl Stream<Item = Result<Page<Payment>, ConnectorError>> + Send + '_ {
        let seen = SharedSeen::default();
        let with = |state: &str| {
            let mut f = filters.clone();
            f.push(("activeState", state.to_owned()));
            f
        };
        let (active, voided) = (with("ActiveOnly"), with("InactiveOnly"));
        self.list_pages_sharing::<Payments>(active, Arc::clone(&seen))
            .chain(self.list_pages_sharing::<VoidedPayments>(voided, seen))
    }

    /// All customers with their contacts, page by page.
    pub fn customer_pages(
        &self,
        modified_since: Option<DateTime<Utc>>,
    ) -> impl Stream<Item = Result<Page<Customer>, ConnectorError>> + Send + '_ {
        let mut filters = modified_filter(modified_since);
        filters.push(("active", "Any".to_owned()));
        self.list_pages::<Customers>(filters)
    }

    /// Invoices by id (there is no GET `/invoices/{id}`; `?ids=` takes up to 50).
    pub async fn invoices_by_id(
        &self,
        ids: &[i64],
    ) -> Result<Vec<SourceRecord<Invoice>>, ConnectorError> {
        // Voided invoices too, whatever the tenant's default (the 2026 spec adds
        // `activeState`; the 2025 list returns both).
        self.by_ids(ids, |mut filters| {
            filters.push(("activeState", "All".to_owned()));
            self.list_pages::<Invoices>(filters)
        })
        .await
    }

    /// Payments by id, voided ones included (as `Voided`).
    pub async fn payments_by_id(
        &self,
        ids: &[i64],
    ) -> Result<Vec<SourceRecord<Payment>>, ConnectorError> {
        self.by_ids(ids, |filters| self.payment_passes(filters))
            .await
    }

    /// A customer's locations (or every location when `customer_id` is `None`).
    pub async fn locations(
        &self,
        customer_id: Option<i64>,
    ) -> Result<Vec<Location>, ConnectorError> {
        let filters: Vec<(&str, String)> = customer_id
            .map(|c| vec![("customerId", c.to_string())])
            .unwrap_or_default();
        let wires: Vec<LocationWire> = self
            .reference_list("crm", "locations", "list locations", &filters)
            .await?;
        Ok(wires
            .into_iter()
            .map(|w| Location {
                id: w.id,
                customer_id: w.customer_id,
                name: w.name,
                address: w
                    .address
                    .as_ref()
                    .map(AddressWire::to_core)
                    .unwrap_or_default(),
                tax_zone_id: w.tax_zone_id,
                tax_exempt: w.tax_exempt.unwrap_or(false),
                active: w.active,
            })
            .collect())
    }

    /// Payment types (cached for the connector's life: payments are created by type id).
    pub async fn payment_types(&self) -> Result<Vec<PaymentType>, ConnectorError> {
        let types = self
            .payment_types
            .get_or_try_init(|| {
                self.reference_list("accounting", "payment-types", "list payment types", &[])
            })
            .await?;
        Ok(types.clone())
    }

    /// Tax zones with their component rates, inactive ones included (old invoices were taxed
    /// in them; see [`TaxZone::active`]).
    pub async fn tax_zones(&self) -> Result<Vec<TaxZone>, ConnectorError> {
        Ok(self
            .tax_zone_index()
            .await?
            .zones
            .values()
            .cloned()
            .collect())
    }

    /// Tax zones by id, and the ids of those that could not be read, loaded once per
    /// connector.
    pub(crate) async fn tax_zone_index(&self) -> Result<Arc<ZoneIndex>, ConnectorError> {
        let index = self
            .tax_zones
            .get_or_try_init(|| async {
                let listed = self
                    .raw_list::<TaxZone>(
                        "accounting",
                        "tax-zones",
                        "list tax zones",
                        &[("active", "Any".to_owned())],
                    )
                    .await?;
                let mut index = ZoneIndex {
                    zones: listed.records.into_iter().map(|z| (z.id, z)).collect(),
                    ..ZoneIndex::default()
                };
                for bad in listed.unreadable {
                    tracing::warn!(id = bad.id, "unreadable tax zone");
                    if let Some(id) = bad.id {
                        index.unreadable.insert(id, bad.reason);
                    }
                }
                Ok::<_, ConnectorError>(Arc::new(index))
            })
            .await?;
        Ok(Arc::clone(index))
    }

    /// General-ledger accounts.
    pub async fn gl_accounts(&self) -> Result<Vec<GlAccount>, ConnectorError> {
        self.reference_list("accounting", "gl-accounts", "list GL accounts", &[])
            .await
    }

    /// Business units (settings module).
    pub async fn business_units(&self) -> Result<Vec<BusinessUnit>, ConnectorError> {
        self.reference_list("settings", "business-units", "list business units", &[])
            .await
    }
}

/// The id ServiceTitan answers a create with: a bare number, or an object with `id`.
pub(crate) fn created_id(body: &[u8]) -> Option<i64> {
    #[derive(Deserialize)]
    struct WithId {
        id: i64,
    }
    serde_json::from_slice::<i64>(body)
        .ok()
        .or_else(|| serde_json::from_slice::<WithId>(body).ok().map(|w| w.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_ids_come_bare_or_wrapped() {
        assert_eq!(created_id(b"1701"), Some(1701));
        assert_eq!(created_id(br#"{"id":42,"typeId":3}"#), Some(42));
        assert_eq!(created_id(b""), None);
    }
}
