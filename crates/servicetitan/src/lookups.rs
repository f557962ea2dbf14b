//! Helper reads: whole paged lists (reference data, look-ups by id) decoded record by record,
//! and the look-ups a batch of synced records needs (invoice items, contacts, the tax zones of
//! service locations).
//!
//! A related record that cannot be decoded never fails the page that needed it: the look-up
//! answers per synced record (`Ok(data)` or `Err(reason)`), the mapping quarantines only the
//! records whose related data is unreadable, and the rest of the page goes on. A look-up that
//! cannot tell which record an unreadable answer belonged to (no id in it) treats every record
//! it asked about and did not get back as unreadable, never as "has none".

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use futures::TryStreamExt;
use ledgerbridge_connector::ConnectorError;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::client::ServiceTitan;
use crate::map::LocationZone;
use crate::wire::customer::{ContactWire, LocationWire};
use crate::wire::invoice::InvoiceItemWire;

/// A record a helper read could not decode.
pub(crate) struct Unreadable {
    /// Its id, when even that could be read.
    pub(crate) id: Option<i64>,
    /// The decoding error (may quote a value: for quarantine reasons, never for logs).
    pub(crate) reason: String,
    pub(crate) raw: Box<RawValue>,
}

/// A list decoded record by record.
pub(crate) struct Listed<T> {
    pub(crate) records: Vec<T>,
    pub(crate) unreadable: Vec<Unreadable>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: i64,
}

fn id_of(raw: &RawValue) -> Option<i64> {
    serde_json::from_str::<IdOnly>(raw.get()).ok().map(|r| r.id)
}

fn decode_each<T: DeserializeOwned>(raw: Vec<Box<RawValue>>) -> Listed<T> {
    let mut listed = Listed {
        records: Vec::with_capacity(raw.len()),
        unreadable: Vec::new(),
    };
    for record in raw {
        match serde_json::from_str::<T>(record.get()) {
            Ok(value) => listed.records.push(value),
            Err(e) => listed.unreadable.push(Unreadable {
                id: id_of(&record),
                reason: e.to_string(),
                raw: record,
            }),
        }
    }
    listed
}

/// A paged envelope (some reference lists are a bare array instead: GL accounts in the 2025
/// spec).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Paged {
    data: Vec<Box<RawValue>>,
    has_more: bool,
}

fn joined(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl ServiceTitan {
    /// Every record of a paged list, raw. Decoded from the raw text, not through an untagged
    /// enum: serde buffers untagged input, which would lose the raw number text the exact
    /// decimals need.
    pub(crate) async fn raw_records(
        &self,
        module: &'static str,
        resource: &str,
        operation: &'static str,
        filters: &[(&str, String)],
    ) -> Result<Vec<Box<RawValue>>, ConnectorError> {
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
            let body: Box<RawValue> = self.get_json(operation, url).await?;
            let shape =
                |e| ConnectorError::fatal(format!("{operation}: unexpected response shape"), e);
            let (data, has_more) = if body.get().trim_start().starts_with('[') {
                (serde_json::from_str(body.get()).map_err(shape)?, false)
            } else {
                let paged: Paged = serde_json::from_str(body.get()).map_err(shape)?;
                (paged.data, paged.has_more)
            };
            let next = (has_more && !data.is_empty()).then_some(page + 1);
            Ok::<_, ConnectorError>(Some((data, next)))
        });
        let all: Vec<Vec<Box<RawValue>>> = pages.try_collect().await?;
        Ok(all.into_iter().flatten().collect())
    }

    /// Every record of a paged list, each decoded on its own.
    pub(crate) async fn raw_list<T: DeserializeOwned>(
        &self,
        module: &'static str,
        resource: &str,
        operation: &'static str,
        filters: &[(&str, String)],
    ) -> Result<Listed<T>, ConnectorError> {
        let raw = self
            .raw_records(module, resource, operation, filters)
            .await?;
        Ok(decode_each(raw))
    }

    /// Reference data (payment types, zones, accounts, units, locations): the readable
    /// records. There is no quarantine kind for reference data, so an unreadable one is
    /// logged by id and left out; the synced records that depend on it are quarantined by
    /// their own look-ups.
    pub(crate) async fn reference_list<T: DeserializeOwned>(
        &self,
        module: &'static str,
        resource: &str,
        operation: &'static str,
        filters: &[(&str, String)],
    ) -> Result<Vec<T>, ConnectorError> {
        let listed = self.raw_list(module, resource, operation, filters).await?;
        for bad in &listed.unreadable {
            tracing::warn!(
                operation,
                id = bad.id,
                "unreadable reference record left out"
            );
        }
        Ok(listed.records)
    }

    /// Items of invoices whose feed record came without them, read from the invoice list by
    /// id: per invoice, its items or why they could not be read.
    pub(crate) async fn invoice_items_of(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Result<Vec<InvoiceItemWire>, String>>, ConnectorError> {
        #[derive(Deserialize)]
        struct WithItems {
            id: i64,
            #[serde(default)]
            items: Option<Vec<InvoiceItemWire>>,
        }
        let mut out = HashMap::new();
        for chunk in ids.chunks(50) {
            let listed: Listed<WithItems> = self
                .raw_list(
                    "accounting",
                    "invoices",
                    "list invoice items",
                    &[("ids", joined(chunk)), ("activeState", "All".to_owned())],
                )
                .await?;
            for invoice in listed.records {
                // `items: null` in the list too: the invoice has none to read.
                out.insert(invoice.id, Ok(invoice.items.unwrap_or_default()));
            }
            let mut anonymous = false;
            for bad in listed.unreadable {
                match bad.id {
                    Some(id) => {
                        out.insert(
                            id,
                            Err(format!("its items could not be read: {}", bad.reason)),
                        );
                    }
                    None => anonymous = true,
                }
            }
            for id in chunk {
                out.entry(*id).or_insert_with(|| {
                    Err(if anonymous {
                        "its items could not be read: an unreadable record came back instead"
                            .to_owned()
                    } else {
                        "its items could not be read: the invoice list did not return it".to_owned()
                    })
                });
            }
        }
        Ok(out)
    }

    /// Contacts of `customer_ids`, per customer: its contacts, or why one could not be read.
    /// The bulk `/customers/contacts?customerIds=` (in the CRM spec) when the tenant serves
    /// it, else one `/customers/{id}/contacts` per customer (remembered per connector). A
    /// chunk whose bulk answer holds a contact that names no customer is re-read per customer,
    /// where the route says whose contacts they are.
    pub(crate) async fn contacts_of(
        &self,
        customer_ids: &[i64],
    ) -> Result<HashMap<i64, Result<Vec<ContactWire>, String>>, ConnectorError> {
        let mut out = HashMap::new();
        for chunk in customer_ids.chunks(50) {
            if !self.no_bulk_contacts.load(Ordering::Relaxed)
                && self.bulk_contacts(chunk, &mut out).await?
            {
                continue;
            }
            for id in chunk {
                let resource = format!("customers/{id}/contacts");
                let listed: Listed<ContactWire> = self
                    .raw_list("crm", &resource, "list customer contacts", &[])
                    .await?;
                let entry = match listed.unreadable.first() {
                    Some(bad) => Err(contact_reason(bad)),
                    None => Ok(listed.records),
                };
                out.insert(*id, entry);
            }
        }
        Ok(out)
    }

    /// The bulk contacts read of one chunk into `out`; `false` when the chunk must be read
    /// per customer instead (the route is not served, or an answer names no customer).
    async fn bulk_contacts(
        &self,
        chunk: &[i64],
        out: &mut HashMap<i64, Result<Vec<ContactWire>, String>>,
    ) -> Result<bool, ConnectorError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Owner {
            customer_id: Option<i64>,
        }
        // The spec says one of modifiedBefore/modifiedOnOrAfter "must be specified"; an early
        // bound asks for every contact of these customers.
        let filters = [
            ("customerIds", joined(chunk)),
            ("modifiedOnOrAfter", "2000-01-01T00:00:00Z".to_owned()),
        ];
        let listed: Listed<ContactWire> = match self
            .raw_list("crm", "customers/contacts", "list contacts", &filters)
            .await
        {
            Ok(listed) => listed,
            // A tenant without the bulk route answers 404, or 400 when `customers/{id}`
            // takes "contacts" for an id.
            Err(
                ConnectorError::NotFound { .. }
                | ConnectorError::NotSupported { .. }
                | ConnectorError::Validation { .. },
            ) => {
                tracing::info!(
                    tenant = self.tenant_id(),
                    "bulk customer contacts not served; reading them per customer"
                );
                self.no_bulk_contacts.store(true, Ordering::Relaxed);
                return Ok(false);
            }
            Err(e) => return Err(e),
        };
        let mut chunk_out: HashMap<i64, Result<Vec<ContactWire>, String>> =
            chunk.iter().map(|id| (*id, Ok(Vec::new()))).collect();
        for contact in listed.records {
            let Some(customer) = contact.customer_id else {
                return Ok(false);
            };
            if let Some(Ok(contacts)) = chunk_out.get_mut(&customer) {
                contacts.push(contact);
            }
        }
        for bad in &listed.unreadable {
            let owner = serde_json::from_str::<Owner>(bad.raw.get())
                .ok()
                .and_then(|o| o.customer_id);
            match owner {
                Some(customer) if chunk_out.contains_key(&customer) => {
                    chunk_out.insert(customer, Err(contact_reason(bad)));
                }
                _ => return Ok(false),
            }
        }
        out.extend(chunk_out);
        Ok(true)
    }

    /// The CRM tax zone of each location in `ids` (`Ok(None)`: none, or the location is
    /// gone), or why its record could not be read. Remembered for the connector's life (one
    /// run): invoices of one location share the answer, and a zone moves rarely.
    pub(crate) async fn location_zones(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, LocationZone>, ConnectorError> {
        let wanted: HashSet<i64> = ids.iter().copied().collect();
        let missing: Vec<i64> = {
            let cache = self.location_zones.lock().expect("location cache poisoned");
            wanted
                .iter()
                .filter(|id| !cache.contains_key(id))
                .copied()
                .collect()
        };
        let mut fetched = HashMap::new();
        for chunk in missing.chunks(50) {
            let listed: Listed<LocationWire> = self
                .raw_list(
                    "crm",
                    "locations",
                    "list locations",
                    &[("ids", joined(chunk)), ("active", "Any".to_owned())],
                )
                .await?;
            for location in listed.records {
                fetched.insert(location.id, Ok(location.tax_zone_id));
            }
            let mut anonymous = false;
            for bad in listed.unreadable {
                match bad.id {
                    Some(id) => {
                        let reason = format!("location {id} could not be read: {}", bad.reason);
                        fetched.insert(id, Err(reason));
                    }
                    None => anonymous = true,
                }
            }
            for id in chunk {
                fetched.entry(*id).or_insert_with(|| {
                    if anonymous {
                        Err(format!("location {id} could not be read: an unreadable record came back instead"))
                    } else {
                        Ok(None)
                    }
                });
            }
        }
        let mut cache = self.location_zones.lock().expect("location cache poisoned");
        cache.extend(fetched);
        Ok(wanted
            .into_iter()
            .filter_map(|id| cache.get(&id).map(|z| (id, z.clone())))
            .collect())
    }
}

fn contact_reason(bad: &Unreadable) -> String {
    match bad.id {
        Some(id) => format!("contact {id} could not be read: {}", bad.reason),
        None => format!("a contact could not be read: {}", bad.reason),
    }
}
