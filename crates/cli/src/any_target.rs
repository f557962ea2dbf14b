//! [`AnyTarget`]: the books system a tenant's configuration names, picked at run time (static
//! dispatch over the vendor crates' [`Target`] adapters, no trait object). A third books
//! system is one more variant here.

use std::time::Duration;

use chrono::NaiveDate;
use ledgerbridge_connector::oauth::AuthorizationCodeTokens;
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use ledgerbridge_core::System;
use ledgerbridge_quickbooks::QuickBooksTarget;
use ledgerbridge_xero::XeroTarget;

use ledgerbridge_protocol::{
    BooksChanges, BooksInvoice, BooksPayments, EncodedRequest, Prepared, ReferenceChoices,
    RemoteCustomer, RemoteInvoice, Target, Write, WriteKind, WriteOutcome,
};

/// QuickBooks or Xero, picked at run time. `A`/`P` are the token providers (the OAuth
/// auth-code provider in production, fixed tokens in tests).
pub(crate) enum AnyTarget<A = AuthorizationCodeTokens, P = AuthorizationCodeTokens> {
    /// A QuickBooks company.
    QuickBooks(Box<QuickBooksTarget<A>>),
    /// A Xero organisation.
    Xero(Box<XeroTarget<P>>),
}

macro_rules! each {
    ($self:ident, $t:ident => $e:expr) => {
        match $self {
            AnyTarget::QuickBooks($t) => $e,
            AnyTarget::Xero($t) => $e,
        }
    };
}

impl<A: TokenProvider, P: TokenProvider> Target for AnyTarget<A, P> {
    fn system(&self) -> System {
        each!(self, t => t.system())
    }
    fn company(&self) -> &str {
        each!(self, t => t.company())
    }
    fn batch_limit(&self, kind: WriteKind) -> usize {
        each!(self, t => t.batch_limit(kind))
    }
    fn lines_need_items(&self) -> bool {
        each!(self, t => t.lines_need_items())
    }
    fn disambiguate(&self, name: &str, servicetitan_id: i64) -> String {
        each!(self, t => t.disambiguate(name, servicetitan_id))
    }
    async fn customers(&self) -> Result<Vec<RemoteCustomer>, ConnectorError> {
        each!(self, t => t.customers().await)
    }
    async fn invoices(&self) -> Result<Vec<RemoteInvoice>, ConnectorError> {
        each!(self, t => t.invoices().await)
    }
    async fn read_invoices(&self, ids: &[String]) -> Result<Vec<RemoteInvoice>, ConnectorError> {
        each!(self, t => t.read_invoices(ids).await)
    }
    async fn invoice_changes(
        &self,
        cursor: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<BooksChanges, ConnectorError> {
        each!(self, t => t.invoice_changes(cursor).await)
    }
    async fn books_invoices(&self, ids: &[String]) -> Result<Vec<BooksInvoice>, ConnectorError> {
        each!(self, t => t.books_invoices(ids).await)
    }
    async fn closed_through(&self) -> Result<Option<NaiveDate>, ConnectorError> {
        each!(self, t => t.closed_through().await)
    }
    async fn reference_choices(&self) -> Result<ReferenceChoices, ConnectorError> {
        each!(self, t => t.reference_choices().await)
    }
    async fn payment_changes(
        &self,
        cursor: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<BooksPayments, ConnectorError> {
        each!(self, t => t.payment_changes(cursor).await)
    }
    fn prepare(&self, writes: &[Write]) -> Result<Prepared, ConnectorError> {
        each!(self, t => t.prepare(writes))
    }
    async fn send(
        &self,
        key: &str,
        request: &EncodedRequest,
        writes: &[Write],
    ) -> Result<Vec<WriteOutcome>, ConnectorError> {
        each!(self, t => t.send(key, request, writes).await)
    }
    async fn recover(
        &self,
        key: &str,
        request: &EncodedRequest,
        writes: &[Write],
        age: Duration,
    ) -> Result<Vec<WriteOutcome>, ConnectorError> {
        each!(self, t => t.recover(key, request, writes, age).await)
    }
}
