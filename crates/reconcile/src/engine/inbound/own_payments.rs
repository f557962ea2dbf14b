//! The bridge's own payments seen in the books' pull.
//!
//! A payment the bridge wrote for a ServiceTitan payment is normally linked (found by the
//! link, nothing to do). A ledger written before the outbox confirm and the link shared one
//! transaction could hold a confirmed create whose link a crash lost: the books payment is
//! unlinked, yet it is the bridge's, not a person's. The outbox tells them apart (the confirmed
//! create that wrote this remote id), so it is never brought back to ServiceTitan as a second
//! payment; its ServiceTitan payment, if still unlinked, is linked to it now (it is in the
//! books: this pull just read it), and the next run saves its base.

use ledgerbridge_core::{EntityKind, PaymentStatus};
use ledgerbridge_ledger::{NewEvent, Side};

use super::super::Engine;
use crate::error::SyncError;
use ledgerbridge_protocol::{BooksPayment, Source, Target};

const PAYMENT: EntityKind = EntityKind::Payment;

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// Whether `p` was written by the bridge (a confirmed create of a ServiceTitan payment);
    /// if so, its ServiceTitan payment is linked to it when it has no link yet.
    pub(super) async fn adopt_own_payment(&mut self, p: &BooksPayment) -> Result<bool, SyncError> {
        let (system, company) = (self.system(), self.cx.tenant.company.clone());
        let written = self
            .cx
            .ledger
            .outbox()
            .confirmed_create_of_remote(
                self.tenant(),
                PAYMENT,
                Side::Accounting,
                (system, &company),
                &p.id,
            )
            .await?;
        let Some(st) = written
            .and_then(|op| op.servicetitan_id)
            .and_then(|s| s.parse::<i64>().ok())
        else {
            return Ok(false);
        };
        // A deleted one is not linked: the link would point at nothing.
        if self.dry() || p.payment.status == PaymentStatus::Voided {
            return Ok(true);
        }
        let key = self.key(PAYMENT, st);
        let remote = p.id.clone();
        let linked = self
            .cx
            .ledger
            .transaction(async |tx| {
                if tx.links().get(&key).await?.is_some() {
                    return Ok(false);
                }
                tx.links().insert(&key, &remote).await?;
                let event = NewEvent::new("payment.relinked")
                    .tenant(&key.tenant)
                    .record(PAYMENT, &key.servicetitan_id)
                    .detail(serde_json::json!({
                        "target_id": remote,
                        "reason": "written by the bridge, link lost in a crash",
                    }));
                tx.events().append(&event).await?;
                Ok::<_, SyncError>(true)
            })
            .await?;
        if linked {
            tracing::info!(tenant = %self.tenant(), servicetitan_id = st, target_id = %p.id,
                "linked a payment the bridge wrote but never linked");
        } else {
            tracing::warn!(tenant = %self.tenant(), servicetitan_id = st, target_id = %p.id,
                "a payment the bridge wrote is unlinked while its ServiceTitan payment is linked elsewhere");
        }
        Ok(true)
    }
}
