//! Reads: change feeds, paged lists, look-ups by id, locations and reference data.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::Stream;
use ledgerbridge_connector::{ChangeBatch, ConnectorError, FeedCursor, SourceRecord};
use ledgerbridge_core::{Address, Customer, Invoice, Payment};
use serde::Deserialize;

use crate::client::ServiceTitan;
use crate::entities::{Customers, Invoices, Payments};
use crate::feeds::Page;
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

    /// All payments, page by page.
    pub fn payment_pages(
        &self,
        modified_since: Option<DateTime<Utc>>,
    ) -> impl Stream<Item = Result<Page<Payment>, ConnectorError>> + Send + '_ {
        self.list_pages::<Payments>(modified_filter(modified_since))
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
        self.by_ids::<Invoices>(ids).await
    }

    /// Payments by id.
    pub async fn payments_by_id(
        &self,
        ids: &[i64],
    ) -> Result<Vec<SourceRecord<Payment>>, ConnectorError> {
        self.by_ids::<Payments>(ids).await
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
            .raw_list("crm", "locations", "list locations", &filters)
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
                self.raw_list("accounting", "payment-types", "list payment types", &[])
            })
            .await?;
        Ok(types.clone())
    }

    /// Tax zones with their component rates.
    pub async fn tax_zones(&self) -> Result<Vec<TaxZone>, ConnectorError> {
        Ok(self.tax_zone_index().await?.values().cloned().collect())
    }

    /// Tax zones by id, loaded once per connector.
    pub(crate) async fn tax_zone_index(
        &self,
    ) -> Result<Arc<HashMap<i64, TaxZone>>, ConnectorError> {
        let index = self
            .tax_zones
            .get_or_try_init(|| async {
                let zones: Vec<TaxZone> = self
                    .raw_list("accounting", "tax-zones", "list tax zones", &[])
                    .await?;
                Ok::<_, ConnectorError>(Arc::new(zones.into_iter().map(|z| (z.id, z)).collect()))
            })
            .await?;
        Ok(Arc::clone(index))
    }

    /// General-ledger accounts.
    pub async fn gl_accounts(&self) -> Result<Vec<GlAccount>, ConnectorError> {
        self.raw_list("accounting", "gl-accounts", "list GL accounts", &[])
            .await
    }

    /// Business units (settings module).
    pub async fn business_units(&self) -> Result<Vec<BusinessUnit>, ConnectorError> {
        self.raw_list("settings", "business-units", "list business units", &[])
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
