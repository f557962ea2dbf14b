//! Writes back to ServiceTitan: mark exported, payments, invoice edits, adjustments.
//!
//! Retry classes: marking exported (invoices, payment status) and PATCHes that set fields are
//! idempotent, so the HTTP layer may repeat them; creating a payment or an adjustment invoice,
//! and adding invoice items, are not (ServiceTitan has no idempotency key), so after a timeout
//! or a 5xx they are not sent again: the unknown outcome is returned for the caller to resolve
//! by looking the record up (payments carry our `exportId` for exactly that). A 429 is the
//! exception the HTTP layer retries for them too: it means the request never ran.

use futures::TryStreamExt;
use http::Method;
use ledgerbridge_connector::{
    ConnectorError, ExportMark, ExportMarkResult, Idempotency, RemoteProblem,
};
use ledgerbridge_core::{Payment, SourceRef};

use crate::client::ServiceTitan;
use crate::read::created_id;
use crate::wire::invoice::{AdjustmentInvoice, MarkExportedResultWire, MarkExportedWire};
use crate::wire::payment::{PaymentCreateWire, PaymentStatusWire, SplitWire};
use ledgerbridge_protocol::{InvoiceItemPatch, InvoicePatch, NewPayment};

fn unexpected_answer(operation: &str, e: serde_json::Error) -> ConnectorError {
    ConnectorError::fatal(format!("{operation}: unexpected answer"), e)
}

impl ServiceTitan {
    /// Marks invoices exported in batches of `mark_batch_size`; one result per mark, in order.
    pub async fn mark_invoices_exported(
        &self,
        marks: &[ExportMark],
    ) -> Result<Vec<ExportMarkResult>, ConnectorError> {
        const OP: &str = "mark invoices exported";
        let mut results = Vec::with_capacity(marks.len());
        for batch in marks.chunks(self.config.mark_batch_size.max(1)) {
            let body: Vec<MarkExportedWire<'_>> = batch
                .iter()
                .map(|m| MarkExportedWire {
                    invoice_id: m.invoice_id,
                    external_id: &m.external_id,
                    external_message: m.message.as_deref(),
                })
                .collect();
            let url = self.url("accounting", "invoices/markasexported");
            let response = self
                .send_json(OP, Method::POST, url, &body, Idempotency::Idempotent)
                .await?;
            let answers: Vec<MarkExportedResultWire> =
                serde_json::from_slice(&response.body).map_err(|e| unexpected_answer(OP, e))?;
            for mark in batch {
                let outcome = match answers.iter().find(|a| a.invoice_id == mark.invoice_id) {
                    Some(a) if a.success => Ok(()),
                    Some(a) => Err(a
                        .error_message
                        .clone()
                        .unwrap_or_else(|| "refused without a message".to_owned())),
                    None => Err("no result returned for this invoice".to_owned()),
                };
                results.push(ExportMarkResult {
                    invoice_id: mark.invoice_id,
                    outcome,
                });
            }
        }
        Ok(results)
    }

    /// Marks payments exported (`POST /payments/status` with `Exported`), 50 ids per call.
    pub async fn mark_payments_exported(&self, ids: &[i64]) -> Result<(), ConnectorError> {
        for chunk in ids.chunks(50) {
            let body = PaymentStatusWire {
                status: "Exported",
                payment_ids: chunk,
            };
            let url = self.url("accounting", "payments/status");
            self.send_json(
                "mark payments exported",
                Method::POST,
                url,
                &body,
                Idempotency::Idempotent,
            )
            .await?;
        }
        Ok(())
    }

    /// Creates a payment with `typeId` and `splits`; returns its id. Never repeated after a
    /// timeout or a 5xx (no idempotency key exists); a 429 is waited out. A 404/405 (the endpoint is absent from the newest spec) is
    /// [`ConnectorError::NotSupported`]: the tenant cannot take payments through the API.
    pub async fn create_payment(&self, payment: &NewPayment) -> Result<i64, ConnectorError> {
        const OP: &str = "create payment";
        let body = PaymentCreateWire {
            type_id: payment.type_id,
            memo: payment.memo.as_deref(),
            paid_on: payment.paid_on,
            check_number: payment.check_number.as_deref(),
            export_id: &payment.export_id,
            status: "Posted",
            splits: payment
                .splits
                .iter()
                .map(|(invoice_id, amount)| SplitWire {
                    invoice_id: *invoice_id,
                    amount: *amount,
                })
                .collect(),
        };
        let url = self.url("accounting", "payments");
        let response = match self
            .send_json(OP, Method::POST, url, &body, Idempotency::NotIdempotent)
            .await
        {
            Ok(response) => response,
            Err(ConnectorError::NotFound { problem }) => {
                return Err(ConnectorError::NotSupported {
                    operation: OP.to_owned(),
                    problem: Some(problem),
                });
            }
            Err(e) => return Err(e),
        };
        created_id(&response.body).ok_or_else(|| ConnectorError::Fatal {
            reason: format!("{OP}: the answer carries no payment id"),
            problem: Some(Box::new(RemoteProblem::status_only(
                response.status.as_u16(),
                response.trace_id.clone(),
            ))),
            source: None,
        })
    }

    /// Payments (voided ones included) applied to any of `invoice_ids`: the look-up that
    /// settles a [`ServiceTitan::create_payment`] whose answer was lost. The list item carries
    /// no `exportId` (only the create answer does), so the caller recognises its payment by
    /// what the list does return (its memo, total, splits); `appliedToInvoiceIds` is the
    /// documented filter that keeps the read small.
    pub async fn payments_applied_to(
        &self,
        invoice_ids: &[i64],
    ) -> Result<Vec<ledgerbridge_connector::SourceRecord<Payment>>, ConnectorError> {
        let mut out = Vec::new();
        for chunk in invoice_ids.chunks(50) {
            let joined = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let pages: Vec<crate::Page<Payment>> = self
                .payment_passes(vec![("appliedToInvoiceIds", joined)])
                .try_collect()
                .await?;
            for record in pages.into_iter().flat_map(|p| p.records) {
                if !out
                    .iter()
                    .any(|r: &ledgerbridge_connector::SourceRecord<Payment>| r.id == record.id)
                {
                    out.push(record);
                }
            }
        }
        Ok(out)
    }

    /// Records a canonical payment (from the books) against ServiceTitan invoices: resolves
    /// its payment type by name and splits it by its allocations.
    pub async fn record_payment(
        &self,
        payment: &Payment,
        external_id: &str,
    ) -> Result<i64, ConnectorError> {
        let types = self.payment_types().await?;
        let type_id = types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(payment.payment_type.trim()))
            .map(|t| t.id)
            .ok_or_else(|| ConnectorError::Validation {
                problem: Box::new(RemoteProblem {
                    status: 0,
                    title: Some(format!(
                        "no ServiceTitan payment type named {:?}; map it first",
                        payment.payment_type
                    )),
                    ..RemoteProblem::default()
                }),
            })?;
        let splits = payment
            .allocations
            .iter()
            .map(|a| match &a.invoice {
                SourceRef::ServiceTitan(id) => Ok((*id, a.amount.amount())),
                SourceRef::Accounting(_) => Err(ConnectorError::Validation {
                    problem: Box::new(RemoteProblem {
                        title: Some(format!(
                            "allocation to {} names no ServiceTitan invoice",
                            a.invoice
                        )),
                        ..RemoteProblem::default()
                    }),
                }),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let paid_on = payment
            .date
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc();
        self.create_payment(&NewPayment {
            type_id,
            paid_on,
            memo: payment.memo.clone(),
            check_number: payment.reference.clone(),
            export_id: external_id.to_owned(),
            splits,
        })
        .await
    }

    /// Patches an invoice's fields (only those set in `patch`).
    pub async fn patch_invoice(
        &self,
        invoice_id: i64,
        patch: &InvoicePatch,
    ) -> Result<(), ConnectorError> {
        let url = self.url("accounting", &format!("invoices/{invoice_id}"));
        self.send_json(
            "patch invoice",
            Method::PATCH,
            url,
            patch,
            Idempotency::Idempotent,
        )
        .await
        .map(drop)
    }

    /// Updates one invoice item (`item.id` set) or adds one (`item.id` unset); the body is a
    /// single `InvoiceItemUpdateRequest`. Only an update may be repeated: an add sent twice
    /// would add twice.
    pub async fn patch_invoice_item(
        &self,
        invoice_id: i64,
        item: &InvoiceItemPatch,
    ) -> Result<(), ConnectorError> {
        let idempotency = if item.id.is_some() {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        let url = self.url("accounting", &format!("invoices/{invoice_id}/items"));
        self.send_json("patch invoice item", Method::PATCH, url, item, idempotency)
            .await
            .map(drop)
    }

    /// Creates an adjustment invoice to `adjustment.adjustment_to_id`; returns its id.
    pub async fn create_adjustment_invoice(
        &self,
        adjustment: &AdjustmentInvoice,
    ) -> Result<i64, ConnectorError> {
        const OP: &str = "create adjustment invoice";
        let url = self.url("accounting", "invoices");
        let response = self
            .send_json(
                OP,
                Method::POST,
                url,
                adjustment,
                Idempotency::NotIdempotent,
            )
            .await?;
        created_id(&response.body).ok_or_else(|| ConnectorError::Fatal {
            reason: format!("{OP}: the answer carries no invoice id"),
            problem: Some(Box::new(RemoteProblem::status_only(
                response.status.as_u16(),
                response.trace_id.clone(),
            ))),
            source: None,
        })
    }
}
