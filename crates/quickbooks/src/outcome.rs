//! What happened to each item of a write: saved (with its new version and line ids),
//! deleted, refused (with the caller's reaction), stale (with the fresh version), or
//! unanswered.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use ledgerbridge_connector::ConnectorError;

use crate::client::Entity;
use crate::wire::{Fault, FaultError};

/// How the caller reacts to a refused item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultReaction {
    /// 5010: someone edited the record; merge with the fresh version and retry.
    StaleSyncToken,
    /// 6240: the display name is taken (by a customer, vendor or employee); disambiguate.
    DuplicateName,
    /// 6140/6210: the document number is taken; look the record up before anything else.
    DuplicateNumber,
    /// 6200: the books are closed for that date; block with the reason, never retry.
    PeriodClosed,
    /// 610: a referenced object does not exist or is inactive; fix the mapping or link.
    NotFound,
    /// 3001: throttled; retry later.
    Throttled,
    /// 1-499: authentication or authorization; reconnect.
    Unauthorized,
    /// 10000+: a QuickBooks system fault; retry later.
    RemoteError,
    /// Anything else: the record is invalid as sent.
    Invalid,
}

impl FaultReaction {
    fn of(code: &str) -> Self {
        match code.parse::<u32>().unwrap_or(0) {
            5010 => Self::StaleSyncToken,
            6240 => Self::DuplicateName,
            6140 | 6210 => Self::DuplicateNumber,
            6200 => Self::PeriodClosed,
            610 => Self::NotFound,
            3001 => Self::Throttled,
            1..=499 => Self::Unauthorized,
            10_000.. => Self::RemoteError,
            _ => Self::Invalid,
        }
    }

    /// Whether sending the same item again later may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Throttled | Self::RemoteError)
    }
}

/// Why QuickBooks refused one item. `Display` omits the detail, which may quote names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemFault {
    /// The error code (`"5010"`).
    pub code: String,
    /// Its message (`"Stale Object Error"`).
    pub message: String,
    /// The field at fault, when named.
    pub element: Option<String>,
    /// What to do about it.
    pub reaction: FaultReaction,
    detail: Option<String>,
}

impl ItemFault {
    pub(crate) fn from_fault(fault: &Fault) -> Self {
        let first = fault
            .errors
            .first()
            .cloned()
            .unwrap_or(FaultError::default());
        let code = first.code.unwrap_or_default();
        Self {
            reaction: FaultReaction::of(&code),
            message: first.message.unwrap_or_default(),
            element: first.element.filter(|e| !e.is_empty()),
            detail: first.detail,
            code,
        }
    }

    /// QuickBooks' detail text: may quote submitted values, so keep it out of logs.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
}

impl std::fmt::Display for ItemFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QuickBooks {}: {}", self.code, self.message)?;
        if let Some(e) = &self.element {
            write!(f, " (field {e})")?;
        }
        Ok(())
    }
}

/// A record as QuickBooks stored it after a write (or re-read it).
#[derive(Clone, Debug)]
pub struct QboStored {
    /// Which entity.
    pub entity: Entity,
    /// Its id.
    pub id: String,
    /// Its new version: store it; the next update must send it.
    pub sync_token: String,
    /// Its document number (sales forms).
    pub doc_number: Option<String>,
    /// Its total as QuickBooks computed it (compare with what was sent).
    pub total: Option<Decimal>,
    /// The ids of its sales-item lines, in order (pair them with the draft's line keys).
    pub line_ids: Vec<String>,
    /// The whole record as returned, for snapshots and canonical mapping.
    pub raw: Box<RawValue>,
}

impl QboStored {
    /// Reads the identity and version fields of an entity answer.
    pub fn parse(entity: Entity, raw: &RawValue) -> Result<Self, ConnectorError> {
        #[derive(Deserialize)]
        struct LineId {
            #[serde(rename = "Id")]
            id: Option<String>,
            #[serde(rename = "DetailType")]
            detail_type: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Head {
            id: String,
            #[serde(default)]
            sync_token: Option<String>,
            #[serde(default)]
            doc_number: Option<String>,
            #[serde(
                default,
                deserialize_with = "ledgerbridge_connector::wire::decimal_opt"
            )]
            total_amt: Option<Decimal>,
            #[serde(default)]
            line: Vec<LineId>,
        }
        let head: Head = serde_json::from_str(raw.get()).map_err(|e| {
            ConnectorError::fatal(format!("QuickBooks {entity} answer could not be read"), e)
        })?;
        Ok(Self {
            entity,
            id: head.id,
            sync_token: head.sync_token.unwrap_or_default(),
            doc_number: head.doc_number,
            total: head.total_amt,
            line_ids: head
                .line
                .into_iter()
                .filter(|l| l.detail_type.as_deref() == Some("SalesItemLineDetail"))
                .filter_map(|l| l.id)
                .collect(),
            raw: raw.to_owned(),
        })
    }
}

/// What happened to one item.
#[derive(Clone, Debug)]
pub enum ItemOutcome {
    /// Created, updated or voided: the record as stored now.
    Saved(QboStored),
    /// Deleted.
    Deleted {
        /// The deleted record's id.
        id: String,
    },
    /// Refused (see [`ItemFault::reaction`]).
    Failed(ItemFault),
    /// Refused for a stale `SyncToken`; `current` is the record's fresh version (`None` if
    /// it could not be re-read, e.g. it was deleted meanwhile).
    Stale {
        /// The 5010 fault.
        fault: ItemFault,
        /// The fresh version.
        current: Option<QboStored>,
    },
    /// The answer had nothing for this `bId`: outcome unknown, look the record up.
    NoAnswer,
}

/// One item's outcome, by `bId`.
#[derive(Clone, Debug)]
pub struct ItemResult {
    /// The item's `bId` (its position in the batch).
    pub bid: String,
    /// What happened.
    pub outcome: ItemOutcome,
}
