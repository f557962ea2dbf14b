//! Canonical payment -> Xero payments (one per invoice paid).

use std::collections::HashMap;

use ledgerbridge_core::{Money, Payment, PaymentStatus, SourceRef};

use super::{MapError, Mappings, unsupported};
use crate::wire::invoice::InvoiceRef;
use crate::wire::payment::{AccountRef, Payment as XeroPayment};

/// A canonical payment as Xero payments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedPayment {
    /// One Xero payment per allocation, in allocation order.
    pub payments: Vec<XeroPayment>,
    /// The part applied to no invoice. Xero records that as an overpayment, a bank
    /// transaction the bridge's scopes do not cover; the caller reports it rather than
    /// letting it vanish.
    pub unapplied: Money,
}

/// Maps `payment`: a Xero payment per allocation (Xero pays one document per payment),
/// deposited to the account its payment type maps to, carrying its reference.
/// `invoice_ids` gives the Xero `InvoiceID` of each invoice the payment is allocated to.
pub fn payment_to_xero(
    payment: &Payment,
    invoice_ids: &HashMap<SourceRef, String>,
    mappings: &Mappings,
) -> Result<MappedPayment, MapError> {
    if payment.status == PaymentStatus::Voided {
        return Err(unsupported(
            "a voided payment is deleted by id, not written",
        ));
    }
    if payment.amount.is_negative() {
        return Err(unsupported(
            "a refund is recorded in Xero as a credit note and its refund, not as a payment",
        ));
    }
    let account = mappings
        .payment_accounts
        .get(payment.payment_type.trim())
        .ok_or_else(|| MapError::NeedsMapping {
            kind: "payment_type",
            value: payment.payment_type.clone(),
        })?;
    let payments = payment
        .allocations
        .iter()
        .filter(|a| !a.amount.is_zero())
        .map(|allocation| {
            if allocation.amount.is_negative() {
                return Err(unsupported(
                    "a negative allocation cannot be a Xero payment",
                ));
            }
            let invoice_id =
                invoice_ids
                    .get(&allocation.invoice)
                    .ok_or_else(|| MapError::Unsupported {
                        reason: format!(
                            "invoice {} is not in Xero yet; write it before its payment",
                            allocation.invoice
                        ),
                    })?;
            Ok(XeroPayment {
                invoice: Some(InvoiceRef {
                    invoice_id: Some(invoice_id.clone()),
                    ..InvoiceRef::default()
                }),
                account: Some(AccountRef {
                    code: Some(account.clone()),
                    ..AccountRef::default()
                }),
                date: Some(payment.date),
                amount: Some(allocation.amount.amount()),
                // No documented limit on a payment's `Reference` (api/xero.md): never cut.
                reference: payment.reference.clone(),
                ..XeroPayment::default()
            })
        })
        .collect::<Result<Vec<_>, MapError>>()?;
    Ok(MappedPayment {
        payments,
        unapplied: payment.unapplied,
    })
}
