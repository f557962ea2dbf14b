//! The three synced entities as the feeds see them: where they are listed and exported, what
//! each batch needs loaded (tax zones, missing invoice items, contacts) and how they map.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use ledgerbridge_connector::{ConnectorError, SourceRecord};
use ledgerbridge_core::{Customer, EntityKind, Invoice, Payment};

use crate::client::ServiceTitan;
use crate::feeds::Entity;
use crate::map;
use crate::wire::customer::{ContactWire, CustomerWire};
use crate::wire::invoice::{InvoiceItemWire, InvoiceWire};
use crate::wire::payment::PaymentWire;
use crate::wire::reference::TaxZone;

pub(crate) struct Invoices;
pub(crate) struct Payments;
pub(crate) struct Customers;

/// What mapping a batch of invoices needs.
pub(crate) struct InvoiceContext {
    zones: Arc<HashMap<i64, TaxZone>>,
    /// Items fetched for invoices whose feed record came without them.
    items: HashMap<i64, Vec<InvoiceItemWire>>,
}

impl Entity for Invoices {
    type Wire = InvoiceWire;
    type Record = Invoice;
    type Context = InvoiceContext;
    const KIND: EntityKind = EntityKind::Invoice;
    const MODULE: &'static str = "accounting";
    const LIST: &'static str = "invoices";
    const EXPORT: &'static str = "export/invoices";
    const LIST_OP: &'static str = "list invoices";
    const EXPORT_OP: &'static str = "export invoices";

    fn key(wire: &InvoiceWire) -> (i64, DateTime<Utc>) {
        (wire.id, wire.modified_on.unwrap_or(wire.created_on))
    }

    async fn prepare(
        st: &ServiceTitan,
        wires: &[InvoiceWire],
    ) -> Result<InvoiceContext, ConnectorError> {
        let zones = if wires.iter().any(|w| w.tax_zone_id.is_some()) {
            st.tax_zone_index().await?
        } else {
            Arc::default()
        };
        let missing: Vec<i64> = wires
            .iter()
            .filter(|w| w.items.is_none())
            .map(|w| w.id)
            .collect();
        let items = if missing.is_empty() {
            HashMap::new()
        } else {
            st.invoice_items_of(&missing).await?
        };
        Ok(InvoiceContext { zones, items })
    }

    fn map(
        st: &ServiceTitan,
        ctx: &InvoiceContext,
        mut wire: InvoiceWire,
    ) -> Result<SourceRecord<Invoice>, String> {
        if wire.items.is_none() {
            wire.items = ctx.items.get(&wire.id).cloned();
        }
        map::invoice(wire, st.config.currency, &ctx.zones)
    }
}

impl Entity for Payments {
    type Wire = PaymentWire;
    type Record = Payment;
    type Context = ();
    const KIND: EntityKind = EntityKind::Payment;
    const MODULE: &'static str = "accounting";
    const LIST: &'static str = "payments";
    const EXPORT: &'static str = "export/payments";
    const LIST_OP: &'static str = "list payments";
    const EXPORT_OP: &'static str = "export payments";

    fn key(wire: &PaymentWire) -> (i64, DateTime<Utc>) {
        (wire.id, wire.modified_on)
    }

    async fn prepare(_: &ServiceTitan, _: &[PaymentWire]) -> Result<(), ConnectorError> {
        Ok(())
    }

    fn map(st: &ServiceTitan, _: &(), wire: PaymentWire) -> Result<SourceRecord<Payment>, String> {
        map::payment(wire, st.config.currency)
    }
}

impl Entity for Customers {
    type Wire = CustomerWire;
    type Record = Customer;
    type Context = HashMap<i64, Vec<ContactWire>>;
    const KIND: EntityKind = EntityKind::Customer;
    const MODULE: &'static str = "crm";
    const LIST: &'static str = "customers";
    const EXPORT: &'static str = "export/customers";
    const LIST_OP: &'static str = "list customers";
    const EXPORT_OP: &'static str = "export customers";

    fn key(wire: &CustomerWire) -> (i64, DateTime<Utc>) {
        (wire.id, wire.modified_on)
    }

    async fn prepare(
        st: &ServiceTitan,
        wires: &[CustomerWire],
    ) -> Result<Self::Context, ConnectorError> {
        let ids: Vec<i64> = wires.iter().map(|w| w.id).collect();
        st.contacts_of(&ids).await
    }

    fn map(
        _: &ServiceTitan,
        contacts: &Self::Context,
        wire: CustomerWire,
    ) -> Result<SourceRecord<Customer>, String> {
        let own = contacts
            .get(&wire.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        map::customer(wire, own)
    }
}

impl ServiceTitan {
    /// Items of invoices whose feed record came without them, read from the invoice list by id.
    async fn invoice_items_of(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<InvoiceItemWire>>, ConnectorError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(50) {
            let joined = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let wires: Vec<InvoiceWire> = self
                .raw_list(
                    "accounting",
                    "invoices",
                    "list invoice items",
                    &[("ids", joined)],
                )
                .await?;
            out.extend(
                wires
                    .into_iter()
                    .filter_map(|w| w.items.map(|items| (w.id, items))),
            );
        }
        Ok(out)
    }

    /// Contacts of `customer_ids`: the bulk `/customers/contacts?customerIds=` (in the CRM
    /// spec) when the tenant serves it, else one `/customers/{id}/contacts` per customer
    /// (remembered per connector).
    async fn contacts_of(
        &self,
        customer_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<ContactWire>>, ConnectorError> {
        let mut out: HashMap<i64, Vec<ContactWire>> = HashMap::new();
        if customer_ids.is_empty() {
            return Ok(out);
        }
        if !self.no_bulk_contacts.load(Ordering::Relaxed) {
            let mut bulk = Vec::new();
            let mut refused = false;
            for chunk in customer_ids.chunks(50) {
                let joined = chunk
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                match self
                    .raw_list::<ContactWire>(
                        "crm",
                        "customers/contacts",
                        "list contacts",
                        // The spec says one of modifiedBefore/modifiedOnOrAfter "must be
                        // specified"; an early bound asks for every contact of these customers.
                        &[
                            ("customerIds", joined),
                            ("modifiedOnOrAfter", "2000-01-01T00:00:00Z".to_owned()),
                        ],
                    )
                    .await
                {
                    Ok(contacts) => bulk.extend(contacts),
                    // A tenant without the bulk route answers 404, or 400 when
                    // `customers/{id}` takes "contacts" for an id.
                    Err(
                        ConnectorError::NotFound { .. }
                        | ConnectorError::NotSupported { .. }
                        | ConnectorError::Validation { .. },
                    ) => {
                        refused = true;
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            if !refused {
                for contact in bulk {
                    if let Some(customer) = contact.customer_id {
                        out.entry(customer).or_default().push(contact);
                    }
                }
                return Ok(out);
            }
            tracing::info!(
                tenant = self.tenant_id(),
                "bulk customer contacts not served; reading them per customer"
            );
            self.no_bulk_contacts.store(true, Ordering::Relaxed);
        }
        for id in customer_ids {
            let resource = format!("customers/{id}/contacts");
            let contacts: Vec<ContactWire> = self
                .raw_list("crm", &resource, "list customer contacts", &[])
                .await?;
            out.insert(*id, contacts);
        }
        Ok(out)
    }

    /// Every record of a paged list, decoded strictly (reference data and helper reads).
    pub(crate) async fn raw_list<T: serde::de::DeserializeOwned + Send>(
        &self,
        module: &'static str,
        resource: &str,
        operation: &'static str,
        filters: &[(&str, String)],
    ) -> Result<Vec<T>, ConnectorError> {
        let pages = futures::stream::try_unfold(Some(1u32), |page| async move {
            let Some(page) = page else { return Ok(None) };
            let mut url = self.url(module, resource);
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in filters {
                    query.append_pair(k, v);
                }
                query.append_pair("page", &page.to_string());
                query.append_pair("pageSize", &self.config.page_size.to_string());
            }
            // Decoded from the raw text, not through an untagged enum: serde buffers untagged
            // input, which would lose the raw number text the exact decimals need.
            let body: Box<serde_json::value::RawValue> = self.get_json(operation, url).await?;
            let (data, has_more) = if body.get().trim_start().starts_with('[') {
                (
                    serde_json::from_str::<Vec<T>>(body.get())
                        .map_err(|e| shape_error(operation, e))?,
                    false,
                )
            } else {
                let paged: Paged<T> =
                    serde_json::from_str(body.get()).map_err(|e| shape_error(operation, e))?;
                (paged.data, paged.has_more)
            };
            let next = (has_more && !data.is_empty()).then_some(page + 1);
            Ok::<_, ConnectorError>(Some((data, next)))
        });
        let all: Vec<Vec<T>> = pages.try_collect().await?;
        Ok(all.into_iter().flatten().collect())
    }
}

/// A paged envelope (some reference lists are a bare array instead: GL accounts in the 2025
/// spec).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Paged<T> {
    data: Vec<T>,
    has_more: bool,
}

fn shape_error(operation: &str, e: serde_json::Error) -> ConnectorError {
    ConnectorError::fatal(format!("{operation}: unexpected response shape"), e)
}
