//! Reference data (organisation and its lock date, items, tax rates, accounts, tracking
//! categories) and look-ups by the keys the bridge writes (InvoiceNumber, CreditNoteNumber,
//! ContactNumber, contact name).

use std::collections::HashMap;

use ledgerbridge_connector::{ConnectorError, TokenProvider};
use serde::de::DeserializeOwned;
use url::form_urlencoded::byte_serialize;

use crate::client::Xero;
use crate::wire::contact::Contact;
use crate::wire::envelope;
use crate::wire::invoice::{CreditNote, Invoice};
use crate::wire::reference::{Account, Item, Organisation, TaxRate, TrackingCategory};

/// Numbers per look-up request: keeps the URL well under common 8 KB limits.
const NUMBERS_PER_CALL: usize = 40;

/// Everything `doctor` and the mapping checks need from the organisation, read in five calls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferenceData {
    /// The organisation (base currency, lock dates).
    pub organisation: Organisation,
    /// Items.
    pub items: Vec<Item>,
    /// Tax rates.
    pub tax_rates: Vec<TaxRate>,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// Tracking categories with their options.
    pub tracking_categories: Vec<TrackingCategory>,
}

/// `where` string literal: quotes and backslashes escaped (C#-like, API facts §2).
pub(crate) fn where_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

pub(crate) fn encode(value: &str) -> String {
    byte_serialize(value.as_bytes()).collect()
}

impl<P: TokenProvider> Xero<P> {
    async fn list<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        key: &str,
    ) -> Result<Vec<T>, ConnectorError> {
        let response = self.send(crate::client::Call::get(operation, path)).await?;
        envelope(&response.body, key)
            .map(|(items, _)| items)
            .map_err(|e| {
                ConnectorError::fatal(format!("{operation}: unexpected response shape"), e)
            })
    }

    /// The organisation, with its period and year-end lock dates.
    pub async fn organisation(&self) -> Result<Organisation, ConnectorError> {
        let orgs: Vec<Organisation> = self
            .list("read organisation", "/Organisation", "Organisations")
            .await?;
        orgs.into_iter()
            .next()
            .ok_or_else(|| ConnectorError::Fatal {
                reason: "read organisation: the answer lists no organisation".to_owned(),
                problem: None,
                source: None,
            })
    }

    /// Items (not paged by Xero).
    pub async fn items(&self) -> Result<Vec<Item>, ConnectorError> {
        self.list("list items", "/Items?unitdp=4", "Items").await
    }

    /// Tax rates (no `If-Modified-Since` on this endpoint).
    pub async fn tax_rates(&self) -> Result<Vec<TaxRate>, ConnectorError> {
        self.list("list tax rates", "/TaxRates", "TaxRates").await
    }

    /// The chart of accounts.
    pub async fn accounts(&self) -> Result<Vec<Account>, ConnectorError> {
        self.list("list accounts", "/Accounts", "Accounts").await
    }

    /// Tracking categories and their options.
    pub async fn tracking_categories(&self) -> Result<Vec<TrackingCategory>, ConnectorError> {
        self.list(
            "list tracking categories",
            "/TrackingCategories",
            "TrackingCategories",
        )
        .await
    }

    /// All reference data, one call each.
    pub async fn reference_data(&self) -> Result<ReferenceData, ConnectorError> {
        Ok(ReferenceData {
            organisation: self.organisation().await?,
            items: self.items().await?,
            tax_rates: self.tax_rates().await?,
            accounts: self.accounts().await?,
            tracking_categories: self.tracking_categories().await?,
        })
    }

    /// Sales invoices by `InvoiceNumber`, with lines and payments (a paged read, so full
    /// detail). Numbers not found are absent from the map.
    pub async fn invoices_by_number(
        &self,
        numbers: &[String],
    ) -> Result<HashMap<String, Invoice>, ConnectorError> {
        let mut found = HashMap::new();
        for chunk in numbers.chunks(NUMBERS_PER_CALL) {
            let list = chunk
                .iter()
                .map(|n| encode(n))
                .collect::<Vec<_>>()
                .join(",");
            let path = format!("/Invoices?InvoiceNumbers={list}&page=1&pageSize=1000&unitdp=4");
            let invoices: Vec<Invoice> = self.list("find invoices", &path, "Invoices").await?;
            for invoice in invoices {
                let sales = invoice.kind.as_deref().is_none_or(|k| k == "ACCREC");
                if let (true, Some(number)) = (sales, invoice.invoice_number.clone())
                    && chunk.contains(&number)
                {
                    found.insert(number, invoice);
                }
            }
        }
        Ok(found)
    }

    /// Invoices by `InvoiceID`, with lines and payments.
    pub async fn invoices_by_id(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, Invoice>, ConnectorError> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(NUMBERS_PER_CALL) {
            let list = chunk
                .iter()
                .map(|n| encode(n))
                .collect::<Vec<_>>()
                .join(",");
            let path = format!("/Invoices?IDs={list}&page=1&pageSize=1000&unitdp=4");
            let invoices: Vec<Invoice> = self.list("read invoices", &path, "Invoices").await?;
            for invoice in invoices {
                if let Some(id) = invoice.invoice_id.clone() {
                    found.insert(id.to_ascii_lowercase(), invoice);
                }
            }
        }
        Ok(found)
    }

    /// Customer credit notes by `CreditNoteNumber`.
    pub async fn credit_notes_by_number(
        &self,
        numbers: &[String],
    ) -> Result<HashMap<String, CreditNote>, ConnectorError> {
        let mut found = HashMap::new();
        for chunk in numbers.chunks(NUMBERS_PER_CALL) {
            let filter = chunk
                .iter()
                .map(|n| format!("CreditNoteNumber=={}", where_literal(n)))
                .collect::<Vec<_>>()
                .join(" OR ");
            let path = format!("/CreditNotes?where={}&page=1&unitdp=4", encode(&filter));
            let notes: Vec<CreditNote> =
                self.list("find credit notes", &path, "CreditNotes").await?;
            for note in notes {
                if let Some(number) = note.credit_note_number.clone()
                    && chunk.contains(&number)
                {
                    found.insert(number, note);
                }
            }
        }
        Ok(found)
    }

    /// The contact whose `ContactNumber` is `number` (the bridge writes `ST-{id}`), if any.
    pub async fn contact_by_number(&self, number: &str) -> Result<Option<Contact>, ConnectorError> {
        let path = format!("/Contacts/{}", encode(number));
        match self
            .list::<Contact>("find contact", &path, "Contacts")
            .await
        {
            Ok(contacts) => Ok(contacts
                .into_iter()
                .find(|c| c.contact_number.as_deref() == Some(number))),
            Err(ConnectorError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Contacts by `ContactNumber`, archived ones included, one request per 40 numbers.
    pub async fn contacts_by_number(
        &self,
        numbers: &[String],
    ) -> Result<HashMap<String, Contact>, ConnectorError> {
        let mut found = HashMap::new();
        for chunk in numbers.chunks(NUMBERS_PER_CALL) {
            let filter = chunk
                .iter()
                .map(|n| format!("ContactNumber=={}", where_literal(n)))
                .collect::<Vec<_>>()
                .join(" OR ");
            let path = format!(
                "/Contacts?where={}&includeArchived=true&page=1",
                encode(&filter)
            );
            let contacts: Vec<Contact> = self.list("find contacts", &path, "Contacts").await?;
            for contact in contacts {
                if let Some(number) = contact.contact_number.clone()
                    && chunk.contains(&number)
                {
                    found.insert(number, contact);
                }
            }
        }
        Ok(found)
    }

    /// Contacts named exactly `name` (ignoring case, as Xero's uniqueness rule does),
    /// archived ones included. For the "already in the books" check; never a link by itself.
    pub async fn contacts_named(&self, name: &str) -> Result<Vec<Contact>, ConnectorError> {
        let filter = format!("Name=={}", where_literal(name));
        let path = format!(
            "/Contacts?where={}&includeArchived=true&page=1",
            encode(&filter)
        );
        let contacts: Vec<Contact> = self.list("find contacts", &path, "Contacts").await?;
        Ok(contacts
            .into_iter()
            .filter(|c| {
                c.name
                    .as_deref()
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_literals_escape_quotes_and_backslashes() {
        assert_eq!(where_literal(r#"O'Brien "Bob""#), r#""O'Brien \"Bob\"""#);
        assert_eq!(where_literal(r"a\b"), r#""a\\b""#);
        assert_eq!(encode("Café & Olé"), "Caf%C3%A9+%26+Ol%C3%A9");
    }
}
