//! The three synced entities as the feeds see them: where they are listed and exported, what
//! each batch needs loaded (tax zones and the zones of service locations, missing invoice
//! items, contacts) and how they map. A record whose related data could not be read is
//! quarantined with that reason; its page goes on (see [`crate::lookups`]).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ledgerbridge_connector::{ConnectorError, SourceRecord};
use ledgerbridge_core::{Customer, EntityKind, Invoice, Payment};

use crate::client::ServiceTitan;
use crate::feeds::Entity;
use crate::map::{self, LocationZone, ZoneIndex};
use crate::wire::customer::{ContactWire, CustomerWire};
use crate::wire::invoice::{InvoiceItemWire, InvoiceWire};
use crate::wire::payment::PaymentWire;

pub(crate) struct Invoices;
pub(crate) struct Customers;

/// Payments. `LISTED_ACTIVE` is what a record without an `active` field is taken to be: the
/// 2025 list item has none, so the list is read in two passes (`activeState=ActiveOnly`, then
/// `InactiveOnly`) and the pass says it. Export records always carry `active`.
pub(crate) struct PaymentsOf<const LISTED_ACTIVE: bool>;
/// Payments of the export feed and the active-only list pass.
pub(crate) type Payments = PaymentsOf<true>;
/// Payments of the inactive-only (voided) list pass.
pub(crate) type VoidedPayments = PaymentsOf<false>;

/// What mapping a batch of invoices needs.
pub(crate) struct InvoiceContext {
    zones: Arc<ZoneIndex>,
    /// Items of the invoices whose feed record came without them.
    items: HashMap<i64, Result<Vec<InvoiceItemWire>, String>>,
    /// The CRM tax zone of the service locations of invoices without a zone of their own.
    locations: HashMap<i64, LocationZone>,
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
        let taxed = wires
            .iter()
            .any(|w| w.tax_zone_id.is_some() || w.location.is_some() || w.sales_tax_code.is_some());
        let zones = if taxed {
            st.tax_zone_index().await?
        } else {
            Arc::default()
        };
        // Only invoices that name no zone themselves ask CRM for their location's.
        let located: Vec<i64> = if zones.zones.is_empty() && zones.unreadable.is_empty() {
            Vec::new()
        } else {
            wires
                .iter()
                .filter(|w| matches!(map::invoice_zone(w, &zones), Ok(None)))
                .filter_map(|w| w.location.as_ref().map(|l| l.id))
                .collect()
        };
        let locations = if located.is_empty() {
            HashMap::new()
        } else {
            st.location_zones(&located).await?
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
        Ok(InvoiceContext {
            zones,
            items,
            locations,
        })
    }

    fn map(
        st: &ServiceTitan,
        ctx: &InvoiceContext,
        mut wire: InvoiceWire,
    ) -> Result<SourceRecord<Invoice>, String> {
        if wire.items.is_none() {
            let items = ctx
                .items
                .get(&wire.id)
                .ok_or("its items were not looked up")?;
            wire.items = Some(items.clone()?);
        }
        let location = wire
            .location
            .as_ref()
            .and_then(|l| ctx.locations.get(&l.id));
        let zone = map::tax_zone(&wire, location, &ctx.zones)?;
        map::invoice(wire, st.config.currency, zone)
    }
}

impl<const LISTED_ACTIVE: bool> Entity for PaymentsOf<LISTED_ACTIVE> {
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
        map::payment(wire, st.config.currency, LISTED_ACTIVE)
    }
}

impl Entity for Customers {
    type Wire = CustomerWire;
    type Record = Customer;
    type Context = HashMap<i64, Result<Vec<ContactWire>, String>>;
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
        let own = match contacts.get(&wire.id) {
            Some(Ok(own)) => own.as_slice(),
            Some(Err(reason)) => return Err(reason.clone()),
            None => &[],
        };
        map::customer(wire, own)
    }
}
