//! The company file: entity tables, ids, versions and timestamps.
//!
//! Entities are stored as exact JSON ([`crate::json::Obj`]) without the envelope fields
//! (`Id`, `SyncToken`, `MetaData`, `domain`, `sparse`), which [`Record::render`] adds. Derived
//! fields (`TotalAmt`, `Balance`, `LinkedTxn`, the subtotal line, `TxnTaxDetail`) are
//! recomputed on every write that can change them and stored, so reads and queries are plain
//! lookups. Deleted transactions stay as tombstones for CDC.

pub mod index;
#[cfg(test)]
mod index_tests;
mod lines;
pub mod names;
pub mod payment;
pub mod prefs;
pub mod sales;
mod shapes;
pub mod tax;

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use crate::json::{Json, Obj};
use crate::obj;
use crate::time::format_time;

/// The entities this emulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Account,
    Class,
    CompanyInfo,
    CreditMemo,
    Customer,
    Invoice,
    Item,
    Payment,
    PaymentMethod,
    Preferences,
    RefundReceipt,
    TaxCode,
    TaxRate,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::Account,
        Kind::Class,
        Kind::CompanyInfo,
        Kind::CreditMemo,
        Kind::Customer,
        Kind::Invoice,
        Kind::Item,
        Kind::Payment,
        Kind::PaymentMethod,
        Kind::Preferences,
        Kind::RefundReceipt,
        Kind::TaxCode,
        Kind::TaxRate,
    ];

    /// The entity name as it appears in JSON and queries.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Account => "Account",
            Kind::Class => "Class",
            Kind::CompanyInfo => "CompanyInfo",
            Kind::CreditMemo => "CreditMemo",
            Kind::Customer => "Customer",
            Kind::Invoice => "Invoice",
            Kind::Item => "Item",
            Kind::Payment => "Payment",
            Kind::PaymentMethod => "PaymentMethod",
            Kind::Preferences => "Preferences",
            Kind::RefundReceipt => "RefundReceipt",
            Kind::TaxCode => "TaxCode",
            Kind::TaxRate => "TaxRate",
        }
    }

    /// Case-insensitive lookup (`invoice`, `Invoice`, `INVOICE`: paths are lower case, NQB
    /// queries `from invoice`).
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// Name-list entities: never hard-deleted, deactivated with `Active: false`, and queries
    /// return only active ones unless the statement filters on `Active`.
    pub fn is_name_list(self) -> bool {
        matches!(
            self,
            Kind::Customer | Kind::Item | Kind::Account | Kind::Class | Kind::PaymentMethod
        )
    }

    /// Transactions share one id sequence, can be deleted and voided, and respect the
    /// closing date.
    pub fn is_txn(self) -> bool {
        matches!(
            self,
            Kind::Invoice | Kind::Payment | Kind::CreditMemo | Kind::RefundReceipt
        )
    }

    /// Sales forms share the DocNumber sequence.
    pub fn is_sales_form(self) -> bool {
        matches!(self, Kind::Invoice | Kind::CreditMemo | Kind::RefundReceipt)
    }

    /// The `TxnType` text of a transaction (as in `LinkedTxn` and the 6140 message).
    pub fn txn_type(self) -> &'static str {
        match self {
            Kind::CreditMemo => "CreditMemo",
            Kind::RefundReceipt => "RefundReceipt",
            other => other.name(),
        }
    }

    /// Whether the REST create/update endpoints may write it (tax codes and rates are
    /// created through TaxService; CompanyInfo is read-only here).
    pub fn writable(self) -> bool {
        !matches!(self, Kind::TaxCode | Kind::TaxRate | Kind::CompanyInfo)
    }
}

/// An id ordered numerically when numeric (`"2" < "10"`), after that as text (`"NON"`, `"TAX"`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdKey(pub String);

impl Ord for IdKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.0.parse::<u64>(), other.0.parse::<u64>()) {
            (Ok(a), Ok(b)) => a.cmp(&b),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => self.0.cmp(&other.0),
        }
    }
}

impl PartialOrd for IdKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One stored entity.
#[derive(Clone, Debug)]
pub struct Record {
    pub id: String,
    pub sync: u64,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub body: Obj,
    pub deleted: bool,
    pub voided: bool,
}

impl Record {
    /// The entity as the API returns it.
    pub fn render(&self) -> Obj {
        let mut out = obj! {
            "Id" => self.id.as_str(),
            "SyncToken" => self.sync.to_string(),
            "MetaData" => obj! {
                "CreateTime" => format_time(self.created),
                "LastUpdatedTime" => format_time(self.updated),
            },
            "domain" => "QBO",
            "sparse" => false,
        };
        for (k, v) in self.body.iter() {
            out.insert(k.clone(), v.clone());
        }
        out
    }

    /// The stub QuickBooks returns for a deleted object (and lists in CDC).
    pub fn deleted_stub(&self, with_time: bool) -> Obj {
        let mut out = obj! { "domain" => "QBO", "status" => "Deleted", "Id" => self.id.as_str() };
        if with_time {
            out.insert(
                "MetaData",
                obj! { "LastUpdatedTime" => format_time(self.updated) },
            );
        }
        out
    }

    /// A field for filtering and sorting: the envelope fields, then the body (case-insensitive
    /// dotted path; a reference yields its `value`).
    pub fn field(&self, path: &str) -> Option<Json> {
        let lower = path.to_ascii_lowercase();
        match lower.as_str() {
            "id" => return Some(Json::Str(self.id.clone())),
            "synctoken" => return Some(Json::Str(self.sync.to_string())),
            "metadata.createtime" => return Some(Json::Str(format_time(self.created))),
            "metadata.lastupdatedtime" => return Some(Json::Str(format_time(self.updated))),
            _ => {}
        }
        let mut parts = path.split('.');
        let mut node = self.body.get_ci(parts.next()?)?;
        for key in parts {
            node = node.as_obj()?.get_ci(key)?;
        }
        match node {
            Json::Obj(o) => o.get("value").cloned(),
            other => Some(other.clone()),
        }
    }
}

/// One QuickBooks company (realm).
#[derive(Clone, Debug)]
pub struct Company {
    pub realm: String,
    tables: HashMap<Kind, BTreeMap<IdKey, Record>>,
    next_name_id: HashMap<Kind, u64>,
    next_txn_id: u64,
    /// The address `Id` sequence ([`shapes`]).
    next_address_id: u64,
    /// AST jurisdictions: (state, city or None for the whole state, TaxCode id).
    pub tax_zones: Vec<(String, Option<String>, String)>,
    /// Kept in step with `tables` by every write ([`Company::modify`] is the only `&mut`).
    index: index::Indexes,
}

impl Company {
    pub fn new(realm: &str) -> Self {
        Self {
            realm: realm.to_owned(),
            tables: HashMap::new(),
            next_name_id: HashMap::new(),
            next_txn_id: 1,
            next_address_id: 1,
            tax_zones: Vec::new(),
            index: index::Indexes::default(),
        }
    }

    /// The indexes over the live records.
    pub fn index(&self) -> &index::Indexes {
        &self.index
    }

    /// The indexes built afresh from every record (what [`Company::index`] must equal).
    pub fn rebuilt_index(&self) -> index::Indexes {
        let mut fresh = index::Indexes::default();
        for (kind, table) in &self.tables {
            for record in table.values() {
                fresh.insert(*kind, record);
            }
        }
        fresh
    }

    /// Every record of a kind, tombstones included, in id order.
    pub fn all(&self, kind: Kind) -> impl Iterator<Item = &Record> {
        self.tables.get(&kind).into_iter().flat_map(|t| t.values())
    }

    /// Live (not deleted) records of a kind, in id order.
    pub fn live(&self, kind: Kind) -> impl Iterator<Item = &Record> {
        self.all(kind).filter(|r| !r.deleted)
    }

    /// A live record.
    pub fn get(&self, kind: Kind, id: &str) -> Option<&Record> {
        self.get_any(kind, id).filter(|r| !r.deleted)
    }

    /// A record, tombstones included.
    pub fn get_any(&self, kind: Kind, id: &str) -> Option<&Record> {
        self.tables.get(&kind)?.get(&IdKey(id.to_owned()))
    }

    /// Changes a record in place (tombstones included) and re-indexes it; false if absent.
    /// The only way to a `&mut Record`, so the indexes cannot fall behind.
    pub fn modify(&mut self, kind: Kind, id: &str, change: impl FnOnce(&mut Record)) -> bool {
        let Some(record) = self
            .tables
            .get_mut(&kind)
            .and_then(|t| t.get_mut(&IdKey(id.to_owned())))
        else {
            return false;
        };
        self.index.remove(kind, record);
        change(record);
        self.index.insert(kind, record);
        true
    }

    /// The next id for `kind`: transactions share one sequence, name lists count apart.
    pub fn alloc_id(&mut self, kind: Kind) -> String {
        if kind.is_txn() {
            let id = self.next_txn_id;
            self.next_txn_id += 1;
            id.to_string()
        } else {
            let next = self.next_name_id.entry(kind).or_insert(1);
            let id = *next;
            *next += 1;
            id.to_string()
        }
    }

    /// Stores a new record under a fresh id and returns that id.
    pub fn insert_new(&mut self, kind: Kind, body: Obj, now: DateTime<Utc>) -> String {
        let id = self.alloc_id(kind);
        self.put(kind, &id, body, now);
        id
    }

    /// Stores a new record under a given id (seeding: `TAX`, `NON`, singletons).
    pub fn put(&mut self, kind: Kind, id: &str, mut body: Obj, now: DateTime<Utc>) {
        shapes::complete(kind, &mut body, &mut self.next_address_id);
        // Keep the sequences ahead of ids stored by hand.
        if let Ok(n) = id.parse::<u64>() {
            if kind.is_txn() {
                self.next_txn_id = self.next_txn_id.max(n + 1);
            } else {
                let next = self.next_name_id.entry(kind).or_insert(1);
                *next = (*next).max(n + 1);
            }
        }
        let now = crate::time::whole_seconds(now);
        let record = Record {
            id: id.to_owned(),
            sync: 0,
            created: now,
            updated: now,
            body,
            deleted: false,
            voided: false,
        };
        let table = self.tables.entry(kind).or_default();
        // Un-index a record stored by hand under the same id before indexing its successor.
        if let Some(old) = table.remove(&IdKey(id.to_owned())) {
            self.index.remove(kind, &old);
        }
        self.index.insert(kind, &record);
        table.insert(IdKey(id.to_owned()), record);
    }

    /// Replaces a record's body as a new version (SyncToken + 1, LastUpdatedTime = now).
    pub fn update(&mut self, kind: Kind, id: &str, mut body: Obj, now: DateTime<Utc>) {
        shapes::complete(kind, &mut body, &mut self.next_address_id);
        self.modify(kind, id, |r| {
            r.body = body;
            r.sync += 1;
            r.updated = crate::time::whole_seconds(now);
        });
    }

    /// The single Preferences object.
    pub fn preferences(&self) -> Obj {
        self.live(Kind::Preferences)
            .next()
            .map(|r| r.body.clone())
            .unwrap_or_default()
    }

    /// `Preferences.AccountingInfoPrefs.BookCloseDate`, if the books are closed.
    pub fn book_close_date(&self) -> Option<NaiveDate> {
        let prefs = self.preferences();
        prefs
            .obj("AccountingInfoPrefs")?
            .str("BookCloseDate")
            .and_then(crate::time::parse_date)
    }

    /// The company's address (AST's ship-from, and ship-to when nothing else is known).
    pub fn company_address(&self) -> Obj {
        self.live(Kind::CompanyInfo)
            .next()
            .and_then(|r| r.body.obj("CompanyAddr").cloned())
            .unwrap_or_default()
    }

    /// Counts per kind (live records), for the state dump and tests.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        Kind::ALL
            .iter()
            .map(|k| (k.name(), self.live(*k).count()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_numerically_then_as_text_and_txns_share_a_sequence() {
        let mut ids = [
            IdKey("10".into()),
            IdKey("TAX".into()),
            IdKey("2".into()),
            IdKey("NON".into()),
        ];
        ids.sort();
        let text: Vec<&str> = ids.iter().map(|k| k.0.as_str()).collect();
        assert_eq!(text, ["2", "10", "NON", "TAX"]);
        let mut co = Company::new("1");
        assert_eq!(co.alloc_id(Kind::Invoice), "1");
        assert_eq!(co.alloc_id(Kind::Payment), "2");
        assert_eq!(co.alloc_id(Kind::Customer), "1");
        assert_eq!(Kind::parse("creditmemo"), Some(Kind::CreditMemo));
        assert_eq!(Kind::parse("Vendor"), None);
    }
}
