//! Writing: `/batch` with a caller-provided `requestid`, exact bodies, per-item outcomes.
//!
//! The ledger commits a request row (idempotency key + the exact body bytes) before anything
//! goes out, so writing is two steps: [`QuickBooks::prepare_batch`] (or
//! [`QuickBooks::prepare_void`]) turns items into a [`PreparedWrite`] whose bytes the caller
//! stores, and [`QuickBooks::send_write`] sends those bytes with the row's key as `requestid`.
//! A replay after a crash or a lost answer rebuilds the write from the stored row
//! ([`PreparedWrite::from_stored`]) and sends the very same bytes with the same key; QuickBooks
//! answers a remembered `requestid` with its original response instead of writing again.
//!
//! Each item's `bId` is its position in the batch (`"0"`..`"29"`: the ledger stores that
//! position beside each operation), at most 10 characters as QuickBooks requires when a
//! `requestid` is given, and the key at most 36. Answers are matched by `bId`, never by order.
//! A stale `SyncToken` (5010) is answered with the record's fresh version, re-read here, so
//! the caller can merge and retry without another round trip of its own.

use std::collections::{BTreeMap, HashSet};

use bytes::Bytes;
use http::Method;
use ledgerbridge_connector::{ApiRequest, ConnectorError, Idempotency, TokenProvider};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::client::{Entity, QuickBooks, fault_error};
use crate::outcome::{FaultReaction, ItemFault, ItemOutcome, ItemResult, QboStored};
use crate::wire::BatchAnswer;

/// Longest `requestid` QuickBooks takes with a batch.
pub const MAX_BATCH_REQUEST_ID: usize = 36;
/// Longest `bId` QuickBooks takes when a `requestid` is given.
pub const MAX_BID: usize = 10;

/// What a batch item does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Create a record.
    Create,
    /// Update it (send `Id`, `SyncToken` and `sparse: true` with the changed fields).
    Update,
    /// Delete it (transactions only).
    Delete,
    /// Void it (invoices and credit memos).
    Void,
}

/// One item of a batch: an entity body already encoded, so its bytes never change.
#[derive(Clone, Debug)]
pub struct BatchItem {
    /// Its `bId`.
    pub bid: String,
    /// Create, update, delete or void.
    pub operation: Operation,
    /// The entity.
    pub entity: Entity,
    body: Box<RawValue>,
}

impl BatchItem {
    /// An item at `position` in its batch (`bId` = the position).
    pub fn new<T: Serialize>(
        position: usize,
        operation: Operation,
        entity: Entity,
        body: &T,
    ) -> Result<Self, ConnectorError> {
        let text = serde_json::to_string(body)
            .map_err(|e| ConnectorError::fatal("a batch item could not be encoded", e))?;
        let body = RawValue::from_string(text)
            .map_err(|e| ConnectorError::fatal("a batch item could not be encoded", e))?;
        Ok(Self {
            bid: position.to_string(),
            operation,
            entity,
            body,
        })
    }

    /// A void of `id` at `SyncToken` (invoices and credit memos).
    pub fn void(
        position: usize,
        entity: Entity,
        id: &str,
        sync_token: &str,
    ) -> Result<Self, ConnectorError> {
        Self::new(
            position,
            Operation::Void,
            entity,
            &serde_json::json!({ "Id": id, "SyncToken": sync_token }),
        )
    }
}

impl Serialize for BatchItem {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("bId", &self.bid)?;
        map.serialize_entry("operation", &self.operation)?;
        map.serialize_entry(self.entity.name(), &self.body)?;
        map.end()
    }
}

/// A write ready to be recorded and sent: exactly what goes on the wire, minus the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedWrite {
    /// Always `POST` for QuickBooks writes.
    pub method: Method,
    /// Path and query below the API base (no `requestid`: the key is added when sending).
    pub path: String,
    /// The exact body bytes.
    pub body: Bytes,
}

impl PreparedWrite {
    /// A write rebuilt from a stored request row, for a byte-identical replay.
    pub fn from_stored(method: &str, path: &str, body: Vec<u8>) -> Result<Self, ConnectorError> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|e| ConnectorError::fatal("the stored request's method is not valid", e))?;
        Ok(Self {
            method,
            path: path.to_owned(),
            body: Bytes::from(body),
        })
    }

    fn is_batch(&self) -> bool {
        self.path
            .split('?')
            .next()
            .is_some_and(|p| p.ends_with("/batch"))
    }

    /// `bId` -> (entity, `Id`) of the items of the body (for re-reads and unanswered items).
    fn targets(&self) -> BTreeMap<String, (Option<Entity>, Option<String>)> {
        #[derive(Deserialize)]
        struct Body {
            #[serde(rename = "BatchItemRequest", default)]
            items: Vec<BTreeMap<String, serde_json::Value>>,
        }
        let mut out = BTreeMap::new();
        if !self.is_batch() {
            let entity = self
                .path
                .split('?')
                .next()
                .and_then(|p| p.rsplit('/').next())
                .and_then(Entity::parse);
            let id = serde_json::from_slice::<serde_json::Value>(&self.body)
                .ok()
                .and_then(|v| v.get("Id").and_then(|i| i.as_str()).map(str::to_owned));
            out.insert("0".to_owned(), (entity, id));
            return out;
        }
        let Ok(body) = serde_json::from_slice::<Body>(&self.body) else {
            return out;
        };
        for item in body.items {
            let Some(bid) = item.get("bId").and_then(|b| b.as_str()).map(str::to_owned) else {
                continue;
            };
            let found = item
                .iter()
                .find_map(|(k, v)| Entity::parse(k).map(|e| (e, v)));
            let entity = found.map(|(e, _)| e);
            let id = found
                .and_then(|(_, v)| v.get("Id"))
                .and_then(|i| i.as_str())
                .map(str::to_owned);
            out.insert(bid, (entity, id));
        }
        out
    }
}

impl<A: TokenProvider> QuickBooks<A> {
    /// Encodes a batch of at most 30 items with unique `bId`s of at most 10 characters.
    pub fn prepare_batch(&self, items: &[BatchItem]) -> Result<PreparedWrite, ConnectorError> {
        let refuse = |why: String| ConnectorError::Fatal {
            reason: format!("batch refused before sending: {why}"),
            problem: None,
            source: None,
        };
        if items.is_empty() || items.len() > self.config.batch_size {
            return Err(refuse(format!(
                "{} items (1 to {} allowed)",
                items.len(),
                self.config.batch_size
            )));
        }
        let mut bids = HashSet::new();
        for item in items {
            if item.bid.is_empty() || item.bid.len() > MAX_BID || !bids.insert(&item.bid) {
                return Err(refuse(format!(
                    "bId {:?} is empty, too long or repeated",
                    item.bid
                )));
            }
        }
        let body = serde_json::to_vec(&serde_json::json!({ "BatchItemRequest": items }))
            .map_err(|e| ConnectorError::fatal("the batch could not be encoded", e))?;
        Ok(PreparedWrite {
            method: Method::POST,
            path: self.path("batch", &[]),
            body: Bytes::from(body),
        })
    }

    /// A void through the entity endpoint, as documented for payments and refund receipts
    /// (`operation=update&include=void`, sparse); invoices and credit memos may also be voided
    /// inside a batch ([`BatchItem::void`]).
    pub fn prepare_void(
        &self,
        entity: Entity,
        id: &str,
        sync_token: &str,
    ) -> Result<PreparedWrite, ConnectorError> {
        let (params, body): (&[(&str, &str)], _) = match entity {
            Entity::Invoice | Entity::CreditMemo => (
                &[("operation", "void")],
                serde_json::json!({ "Id": id, "SyncToken": sync_token }),
            ),
            _ => (
                &[("operation", "update"), ("include", "void")],
                serde_json::json!({ "Id": id, "SyncToken": sync_token, "sparse": true }),
            ),
        };
        let body = serde_json::to_vec(&body)
            .map_err(|e| ConnectorError::fatal("the void could not be encoded", e))?;
        Ok(PreparedWrite {
            method: Method::POST,
            path: self.path(entity.segment(), params),
            body: Bytes::from(body),
        })
    }

    /// Sends `write` with `key` as `requestid` (retried with the same key on transient
    /// failures: QuickBooks answers a remembered key with its first response) and returns one
    /// outcome per item. Stale items come back with their fresh version re-read.
    pub async fn send_write(
        &self,
        key: &str,
        write: &PreparedWrite,
    ) -> Result<Vec<ItemResult>, ConnectorError> {
        let batch = write.is_batch();
        let max = if batch { MAX_BATCH_REQUEST_ID } else { 50 };
        if key.is_empty() || key.len() > max {
            return Err(ConnectorError::Fatal {
                reason: format!("requestid must be 1 to {max} characters, not {}", key.len()),
                problem: None,
                source: None,
            });
        }
        let sep = if write.path.contains('?') { '&' } else { '?' };
        let url = self.url(&format!(
            "{}{sep}requestid={}",
            write.path,
            url::form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>()
        ))?;
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        let request = ApiRequest {
            method: write.method.clone(),
            url,
            headers,
            body: Some(write.body.clone()),
            idempotency: Idempotency::Keyed(key.to_owned()),
            pace_key: self.config.realm_id.clone(),
            operation: if batch { "batch write" } else { "void" },
        };
        let response = self.send(request, batch).await?;
        let targets = write.targets();
        let mut results = if batch {
            let answer: BatchAnswer = response.json("batch write")?;
            if let Some(fault) = answer.fault {
                return Err(fault_error(&fault, 200, response.trace_id.clone()));
            }
            let mut by_bid: BTreeMap<String, ItemOutcome> = BTreeMap::new();
            for item in &answer.items {
                let outcome = match (&item.fault, item.entity()) {
                    (Some(fault), _) => ItemOutcome::Failed(ItemFault::from_fault(fault)),
                    (None, Some((name, raw))) => entity_outcome(name, raw)?,
                    (None, None) => ItemOutcome::NoAnswer,
                };
                by_bid.insert(item.bid.clone(), outcome);
            }
            targets
                .keys()
                .map(|bid| ItemResult {
                    bid: bid.clone(),
                    outcome: by_bid.remove(bid).unwrap_or(ItemOutcome::NoAnswer),
                })
                .collect::<Vec<_>>()
        } else {
            let answer: BTreeMap<String, Box<RawValue>> = response.json("void")?;
            let outcome = match answer
                .iter()
                .find_map(|(k, v)| Entity::parse(k).map(|_| (k, v)))
            {
                Some((name, raw)) => entity_outcome(name, raw)?,
                None => match answer.get("Fault") {
                    Some(raw) => ItemOutcome::Failed(ItemFault::from_fault(
                        &serde_json::from_str(raw.get()).unwrap_or_default(),
                    )),
                    None => ItemOutcome::NoAnswer,
                },
            };
            vec![ItemResult {
                bid: "0".to_owned(),
                outcome,
            }]
        };
        for result in &mut results {
            if let ItemOutcome::Failed(fault) = &result.outcome
                && fault.reaction == FaultReaction::StaleSyncToken
            {
                let fault = fault.clone();
                let current = match targets.get(&result.bid) {
                    Some((Some(entity), Some(id))) => self.reread(*entity, id).await?,
                    _ => None,
                };
                result.outcome = ItemOutcome::Stale { fault, current };
            }
        }
        Ok(results)
    }

    /// The current version of a record, for a stale item.
    async fn reread(&self, entity: Entity, id: &str) -> Result<Option<QboStored>, ConnectorError> {
        let statement = format!(
            "SELECT * FROM {} WHERE Id = {}",
            entity.name(),
            crate::read::quote(id)
        );
        let mut page = self.query(&statement).await?;
        page.take(entity.name())
            .first()
            .map(|raw| QboStored::parse(entity, raw))
            .transpose()
    }
}

/// An entity answer: deleted stub or saved record.
fn entity_outcome(name: &str, raw: &RawValue) -> Result<ItemOutcome, ConnectorError> {
    let entity = Entity::parse(name).expect("answers are parsed from known entity names");
    let envelope: crate::wire::Envelope = serde_json::from_str(raw.get()).unwrap_or_default();
    if envelope.is_deleted() {
        return Ok(ItemOutcome::Deleted {
            id: envelope.id.unwrap_or_default(),
        });
    }
    Ok(ItemOutcome::Saved(QboStored::parse(entity, raw)?))
}
