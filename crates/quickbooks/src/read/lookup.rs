//! Look-ups: by number, by name, by id, counts.

use ledgerbridge_connector::{ConnectorError, TokenProvider};
use serde::de::DeserializeOwned;

use super::{Remote, parse_record, quote};
use crate::client::{Entity, QuickBooks};
use crate::wire::QueryPage;

impl<A: TokenProvider> QuickBooks<A> {
    /// Records of `entity` matching `condition` (a query `WHERE` clause body), all pages.
    pub async fn find<T: DeserializeOwned>(
        &self,
        entity: Entity,
        condition: &str,
    ) -> Result<Vec<Remote<T>>, ConnectorError> {
        let mut out = Vec::new();
        let mut start = 1u64;
        let page_size = u64::from(self.config.page_size);
        loop {
            let statement = format!(
                "SELECT * FROM {} WHERE {condition} STARTPOSITION {start} MAXRESULTS {page_size}",
                entity.name()
            );
            let rows = self.query(&statement).await?.take(entity.name());
            let n = rows.len() as u64;
            for raw in rows {
                match parse_record(entity, &raw) {
                    Ok(r) => out.push(r),
                    Err(q) => {
                        tracing::warn!(%entity, id = ?q.id, "unreadable record skipped in a look-up (its reason may quote record data, so it is not logged)")
                    }
                }
            }
            if n < page_size {
                return Ok(out);
            }
            start += n;
        }
    }

    /// The invoices numbered `doc_number` (normally zero or one).
    pub async fn find_invoices_by_doc_number(
        &self,
        doc_number: &str,
    ) -> Result<Vec<Remote<crate::wire::Invoice>>, ConnectorError> {
        self.find(
            Entity::Invoice,
            &format!("DocNumber = {}", quote(doc_number)),
        )
        .await
    }

    /// Sales forms of `entity` (Invoice, CreditMemo, RefundReceipt) numbered `doc_number`.
    pub async fn find_by_doc_number(
        &self,
        entity: Entity,
        doc_number: &str,
    ) -> Result<Vec<Remote<crate::wire::Invoice>>, ConnectorError> {
        self.find(entity, &format!("DocNumber = {}", quote(doc_number)))
            .await
    }

    /// The customers displayed as `name`, inactive ones included (QuickBooks keeps display
    /// names unique across both, so an inactive namesake still blocks a create).
    pub async fn find_customers_by_display_name(
        &self,
        name: &str,
    ) -> Result<Vec<Remote<crate::wire::Customer>>, ConnectorError> {
        self.find(
            Entity::Customer,
            &format!("DisplayName = {} AND Active IN (true, false)", quote(name)),
        )
        .await
    }

    /// Records of `entity` (Payment, RefundReceipt) of one customer on one date: the narrowest
    /// filterable query that holds a payment the bridge wrote, found again by its stamp.
    pub async fn find_by_customer_and_date<T: DeserializeOwned>(
        &self,
        entity: Entity,
        customer_id: &str,
        date: chrono::NaiveDate,
    ) -> Result<Vec<Remote<T>>, ConnectorError> {
        let condition = format!(
            "CustomerRef = {} AND TxnDate = {}",
            quote(customer_id),
            quote(&date.to_string())
        );
        self.find(entity, &condition).await
    }

    /// One record by id; `None` when it does not exist (or was deleted).
    pub async fn read<T: DeserializeOwned>(
        &self,
        entity: Entity,
        id: &str,
    ) -> Result<Option<Remote<T>>, ConnectorError> {
        let condition = if entity == Entity::Customer {
            format!("Id = {} AND Active IN (true, false)", quote(id))
        } else {
            format!("Id = {}", quote(id))
        };
        Ok(self.find(entity, &condition).await?.into_iter().next())
    }

    /// Counts the records of `entity` (`SELECT COUNT(*)`).
    pub async fn count(&self, entity: Entity) -> Result<u64, ConnectorError> {
        let page: QueryPage = self
            .query(&format!("SELECT COUNT(*) FROM {}", entity.name()))
            .await?;
        Ok(page.total_count.unwrap_or(0))
    }
}
