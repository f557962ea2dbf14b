//! Reference data for mapping choices: accounts, items, classes, payment methods, tax codes.

use chrono::NaiveDate;
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use serde::Deserialize;

use crate::client::QuickBooks;

/// One choice a mapping can point at.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RefItem {
    /// The QuickBooks id (the mapping's target).
    pub id: String,
    /// Its name (fully qualified for sub-accounts and sub-items).
    pub name: String,
    /// The kind within the list: account type (`Bank`, `Income`), item type (`Service`).
    pub kind: Option<String>,
    /// Whether it is active (inactive ones cannot be used in new transactions).
    pub active: bool,
}

/// Everything `mappings` offers for a QuickBooks company.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReferenceData {
    /// The chart of accounts (deposit accounts come from here).
    pub accounts: Vec<RefItem>,
    /// Products and services.
    pub items: Vec<RefItem>,
    /// Classes (business units).
    pub classes: Vec<RefItem>,
    /// Payment methods.
    pub payment_methods: Vec<RefItem>,
    /// Sales tax codes.
    pub tax_codes: Vec<RefItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Named {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    fully_qualified_name: Option<String>,
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    account_type: Option<String>,
    #[serde(default, rename = "Type")]
    kind: Option<String>,
}

impl<A: TokenProvider> QuickBooks<A> {
    /// Every record of a name list, active and inactive, all pages.
    async fn list(&self, entity: &'static str) -> Result<Vec<RefItem>, ConnectorError> {
        let mut out = Vec::new();
        let page_size = u64::from(self.config.page_size);
        let mut start = 1u64;
        loop {
            let statement = format!(
                "SELECT * FROM {entity} WHERE Active IN (true, false) STARTPOSITION {start} MAXRESULTS {page_size}"
            );
            let rows = self.query(&statement).await?.take(entity);
            let n = rows.len() as u64;
            for raw in rows {
                let named: Named = serde_json::from_str(raw.get()).map_err(|e| {
                    ConnectorError::fatal(format!("a QuickBooks {entity} could not be read"), e)
                })?;
                out.push(RefItem {
                    name: named
                        .fully_qualified_name
                        .or(named.name)
                        .unwrap_or_else(|| named.id.clone()),
                    id: named.id,
                    kind: named.account_type.or(named.kind),
                    active: named.active.unwrap_or(true),
                });
            }
            if n < page_size {
                return Ok(out);
            }
            start += n;
        }
    }

    /// Reads the five lists mapping choices are made from.
    pub async fn reference_data(&self) -> Result<ReferenceData, ConnectorError> {
        Ok(ReferenceData {
            accounts: self.list("Account").await?,
            items: self.list("Item").await?,
            classes: self.list("Class").await?,
            payment_methods: self.list("PaymentMethod").await?,
            tax_codes: self.list("TaxCode").await?,
        })
    }

    /// The company's closing date (`Preferences.AccountingInfoPrefs.BookCloseDate`): nothing
    /// dated on or before it can be written (fault 6200). `None` when the books are open.
    ///
    /// Read once per run so a closed period blocks its records before any write is sent,
    /// rather than being discovered by the first refused write.
    pub async fn closing_date(&self) -> Result<Option<NaiveDate>, ConnectorError> {
        let path = self.path("preferences", &[]);
        let answer: PreferencesAnswer = self.get_json("read preferences", &path).await?;
        let text = answer
            .preferences
            .accounting_info_prefs
            .and_then(|a| a.book_close_date)
            .filter(|d| !d.trim().is_empty());
        text.map(|d| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|e| {
                ConnectorError::fatal("read preferences: BookCloseDate is not a date", e)
            })
        })
        .transpose()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PreferencesAnswer {
    preferences: Preferences,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Preferences {
    #[serde(default)]
    accounting_info_prefs: Option<AccountingInfoPrefs>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountingInfoPrefs {
    #[serde(default)]
    book_close_date: Option<String>,
}
