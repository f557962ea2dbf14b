//! In-memory books: creates customers and invoices as the writes ask, answers each write at
//! once, and remembers every write it was sent.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_connector::ConnectorError;
use ledgerbridge_core::System;
use ledgerbridge_protocol::{
    BooksChanges, BooksInvoice, BooksPayments, EncodedRequest, Prepared, ReferenceChoices,
    Rejection, RejectionKind, RemoteCustomer, RemoteInvoice, Saved, Target, Write, WriteKind,
    WriteOutcome,
};

pub(crate) const COMPANY: &str = "books-1";

#[derive(Default)]
pub(crate) struct FakeBooks {
    pub(crate) invoices: Mutex<Vec<RemoteInvoice>>,
    /// Every write sent, in order.
    pub(crate) sent: Mutex<Vec<Write>>,
}

impl FakeBooks {
    /// How many writes of `kind` were sent.
    pub(crate) fn sent(&self, kind: WriteKind) -> usize {
        let sent = self.sent.lock().unwrap();
        sent.iter().filter(|w| w.kind() == kind).count()
    }

    fn answer(&self, write: &Write) -> WriteOutcome {
        let Write::CreateInvoice {
            invoice,
            customer_id,
            ..
        } = write
        else {
            return WriteOutcome::Rejected(Rejection {
                kind: RejectionKind::Invalid,
                message: format!("the fake books take no {:?}", write.kind()),
            });
        };
        let mut invoices = self.invoices.lock().unwrap();
        let id = format!("INV-{}", invoices.len() + 1);
        invoices.push(RemoteInvoice {
            id: id.clone(),
            version: Some("1".to_owned()),
            number: invoice.number.clone(),
            customer_id: customer_id.clone(),
            date: Some(invoice.invoice_date),
            total: invoice.total.amount(),
            tax: invoice.tax.amount(),
            balance: invoice.balance.amount(),
            status: invoice.status,
        });
        WriteOutcome::Saved(Saved {
            line_ids: (1..=invoice.lines.len())
                .map(|n| format!("{id}-L{n}"))
                .collect(),
            ids: vec![id],
            version: Some("1".to_owned()),
            total: Some(invoice.total.amount()),
            tax: Some(invoice.tax.amount()),
            found_by_lookup: false,
        })
    }
}

impl Target for FakeBooks {
    fn system(&self) -> System {
        // Lines take an account, as in Xero; nothing else depends on the vendor.
        System::Xero
    }

    fn company(&self) -> &str {
        COMPANY
    }

    fn batch_limit(&self, _kind: WriteKind) -> usize {
        10
    }

    fn lines_need_items(&self) -> bool {
        false
    }

    fn disambiguate(&self, name: &str, servicetitan_id: i64) -> String {
        format!("{name} ({servicetitan_id})")
    }

    async fn customers(&self) -> Result<Vec<RemoteCustomer>, ConnectorError> {
        Ok(Vec::new())
    }

    async fn invoices(&self) -> Result<Vec<RemoteInvoice>, ConnectorError> {
        Ok(self.invoices.lock().unwrap().clone())
    }

    async fn read_invoices(&self, ids: &[String]) -> Result<Vec<RemoteInvoice>, ConnectorError> {
        let invoices = self.invoices.lock().unwrap();
        Ok(invoices
            .iter()
            .filter(|i| ids.contains(&i.id))
            .cloned()
            .collect())
    }

    async fn invoice_changes(
        &self,
        cursor: Option<DateTime<Utc>>,
    ) -> Result<BooksChanges, ConnectorError> {
        // Nobody edits these books: nothing changed since any cursor.
        Ok(BooksChanges {
            cursor,
            ..BooksChanges::default()
        })
    }

    async fn books_invoices(&self, _ids: &[String]) -> Result<Vec<BooksInvoice>, ConnectorError> {
        Ok(Vec::new())
    }

    async fn closed_through(&self) -> Result<Option<NaiveDate>, ConnectorError> {
        Ok(None)
    }

    async fn reference_choices(&self) -> Result<ReferenceChoices, ConnectorError> {
        Ok(ReferenceChoices::default())
    }

    async fn payment_changes(
        &self,
        cursor: Option<DateTime<Utc>>,
    ) -> Result<BooksPayments, ConnectorError> {
        Ok(BooksPayments {
            cursor,
            ..BooksPayments::default()
        })
    }

    fn prepare(&self, writes: &[Write]) -> Result<Prepared, ConnectorError> {
        let body = serde_json::to_vec(writes).expect("writes serialise");
        Ok(Prepared {
            request: Some(EncodedRequest {
                method: "POST".to_owned(),
                path: "/fake".to_owned(),
                body,
            }),
            accepted: (0..writes.len()).collect(),
            refused: Vec::new(),
        })
    }

    async fn send(
        &self,
        _key: &str,
        _request: &EncodedRequest,
        writes: &[Write],
    ) -> Result<Vec<WriteOutcome>, ConnectorError> {
        self.sent.lock().unwrap().extend(writes.iter().cloned());
        Ok(writes.iter().map(|w| self.answer(w)).collect())
    }

    async fn recover(
        &self,
        _key: &str,
        _request: &EncodedRequest,
        writes: &[Write],
        _age: Duration,
    ) -> Result<Vec<WriteOutcome>, ConnectorError> {
        // Every request is answered at once, so nothing is ever left to recover.
        Ok(writes.iter().map(|_| WriteOutcome::Missing).collect())
    }
}
