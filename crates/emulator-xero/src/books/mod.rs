//! The organisation's books: every record, the look-ups the API needs, and the bookkeeping
//! that keeps derived fields (AmountPaid, AmountCredited, PAID status) consistent.

pub(crate) mod calc;
pub(crate) mod model;
pub(crate) mod seed;
mod seed_data;
mod seed_docs;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

pub(crate) use model::*;

/// All records of the one organisation the sandbox serves. Plain vectors: the sandbox holds at
/// most tens of thousands of records and every list call filters and sorts anyway.
#[derive(Clone, Debug)]
pub(crate) struct Books {
    pub(crate) org: Organisation,
    pub(crate) accounts: Vec<Account>,
    pub(crate) tax_rates: Vec<TaxRate>,
    pub(crate) items: Vec<Item>,
    pub(crate) tracking: Vec<TrackingCategory>,
    pub(crate) contacts: Vec<Contact>,
    pub(crate) invoices: Vec<Document>,
    pub(crate) credit_notes: Vec<Document>,
    pub(crate) payments: Vec<Payment>,
    pub(crate) allocations: Vec<Allocation>,
}

/// Which kind of document a look-up or write is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DocKind {
    Invoice,
    CreditNote,
}

impl DocKind {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Self::Invoice => "Invoice",
            Self::CreditNote => "Credit Note",
        }
    }
}

impl Books {
    pub(crate) fn new(org: Organisation) -> Self {
        Self {
            org,
            accounts: Vec::new(),
            tax_rates: Vec::new(),
            items: Vec::new(),
            tracking: Vec::new(),
            contacts: Vec::new(),
            invoices: Vec::new(),
            credit_notes: Vec::new(),
            payments: Vec::new(),
            allocations: Vec::new(),
        }
    }

    pub(crate) fn docs(&self, kind: DocKind) -> &Vec<Document> {
        match kind {
            DocKind::Invoice => &self.invoices,
            DocKind::CreditNote => &self.credit_notes,
        }
    }

    pub(crate) fn docs_mut(&mut self, kind: DocKind) -> &mut Vec<Document> {
        match kind {
            DocKind::Invoice => &mut self.invoices,
            DocKind::CreditNote => &mut self.credit_notes,
        }
    }

    /// A document by id, or by number (path identifiers may be either).
    pub(crate) fn doc_index(&self, kind: DocKind, key: &str) -> Option<usize> {
        let docs = self.docs(kind);
        if let Ok(id) = Uuid::parse_str(key)
            && let Some(i) = docs.iter().position(|d| d.id == id)
        {
            return Some(i);
        }
        // Receivable numbers are unique; among equal payable numbers the first wins.
        docs.iter()
            .position(|d| d.number == key && d.is_receivable() && d.status != "DELETED")
            .or_else(|| docs.iter().position(|d| d.number == key))
    }

    pub(crate) fn doc_by_id(&self, kind: DocKind, id: Uuid) -> Option<usize> {
        self.docs(kind).iter().position(|d| d.id == id)
    }

    pub(crate) fn contact_index(&self, key: &str) -> Option<usize> {
        if let Ok(id) = Uuid::parse_str(key)
            && let Some(i) = self.contacts.iter().position(|c| c.id == id)
        {
            return Some(i);
        }
        self.contacts
            .iter()
            .position(|c| c.number.as_deref() == Some(key))
    }

    pub(crate) fn contact(&self, id: Uuid) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }

    /// An active contact with this name (names are unique among active contacts, ignoring case).
    pub(crate) fn active_contact_named(
        &self,
        name: &str,
        except: Option<Uuid>,
    ) -> Option<&Contact> {
        let wanted = name.trim().to_lowercase();
        self.contacts.iter().find(|c| {
            c.status == "ACTIVE" && Some(c.id) != except && c.name.trim().to_lowercase() == wanted
        })
    }

    pub(crate) fn account_by_code(&self, code: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.code.eq_ignore_ascii_case(code) && a.status != "DELETED")
    }

    pub(crate) fn account(&self, id: Uuid) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub(crate) fn tax_rate(&self, tax_type: &str) -> Option<&TaxRate> {
        self.tax_rates
            .iter()
            .find(|t| t.tax_type.eq_ignore_ascii_case(tax_type))
    }

    pub(crate) fn item_by_code(&self, code: &str) -> Option<&Item> {
        self.items
            .iter()
            .find(|i| i.code.eq_ignore_ascii_case(code))
    }

    /// Resolves a tracking assignment given by ids or by category name and option name.
    pub(crate) fn resolve_tracking(
        &self,
        category_id: Option<&str>,
        option_id: Option<&str>,
        name: Option<&str>,
        option: Option<&str>,
    ) -> Result<LineTracking, String> {
        let category = match (category_id.and_then(|c| Uuid::parse_str(c).ok()), name) {
            (Some(id), _) => self.tracking.iter().find(|c| c.id == id),
            (None, Some(name)) => self
                .tracking
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name)),
            (None, None) => None,
        }
        .filter(|c| c.status == "ACTIVE")
        .ok_or_else(|| {
            format!(
                "Tracking category '{}' does not exist.",
                name.or(category_id).unwrap_or("")
            )
        })?;
        let found = match (option_id.and_then(|o| Uuid::parse_str(o).ok()), option) {
            (Some(id), _) => category.options.iter().find(|o| o.id == id),
            (None, Some(name)) => category
                .options
                .iter()
                .find(|o| o.name.eq_ignore_ascii_case(name)),
            (None, None) => None,
        }
        .filter(|o| o.status == "ACTIVE")
        .ok_or_else(|| {
            format!(
                "Tracking option '{}' does not exist in tracking category '{}'.",
                option.or(option_id).unwrap_or(""),
                category.name
            )
        })?;
        Ok(LineTracking {
            category_id: category.id,
            option_id: found.id,
        })
    }

    /// Recomputes what is paid and credited on a document from the payments and allocations,
    /// then sets PAID (AmountDue reached 0) or back to AUTHORISED (a payment was deleted).
    pub(crate) fn settle(&mut self, kind: DocKind, id: Uuid, now: DateTime<Utc>) {
        let live_payments: Vec<(Decimal, NaiveDate)> = self
            .payments
            .iter()
            .filter(|p| p.status == "AUTHORISED")
            .filter(|p| match (kind, p.target) {
                (DocKind::Invoice, PaymentTarget::Invoice(t))
                | (DocKind::CreditNote, PaymentTarget::CreditNote(t)) => t == id,
                _ => false,
            })
            .map(|p| (p.amount, p.date))
            .collect();
        let live_allocations: Vec<(Decimal, NaiveDate)> = self
            .allocations
            .iter()
            .filter(|a| !a.deleted)
            .filter(|a| match kind {
                DocKind::Invoice => a.invoice_id == id,
                DocKind::CreditNote => a.credit_note_id == id,
            })
            .map(|a| (a.amount, a.date))
            .collect();
        let Some(i) = self.doc_by_id(kind, id) else {
            return;
        };
        let doc = &mut self.docs_mut(kind)[i];
        doc.amount_paid = live_payments.iter().map(|p| p.0).sum();
        doc.amount_credited = live_allocations.iter().map(|a| a.0).sum();
        let last_money_date = live_payments
            .iter()
            .chain(live_allocations.iter())
            .map(|p| p.1)
            .max();
        if doc.status == "AUTHORISED" && doc.amount_due() <= Decimal::ZERO {
            doc.status = "PAID".into();
            doc.fully_paid_on = Some(last_money_date.unwrap_or(doc.date));
        } else if doc.status == "PAID" && doc.amount_due() > Decimal::ZERO {
            doc.status = "AUTHORISED".into();
            doc.fully_paid_on = None;
        }
        doc.updated = now;
    }

    /// The next automatic number for a receivable document (`INV-0008`, `CN-0002`): one more
    /// than the highest number with that prefix.
    pub(crate) fn next_number(&self, kind: DocKind) -> String {
        let prefix = match kind {
            DocKind::Invoice => "INV-",
            DocKind::CreditNote => "CN-",
        };
        let highest = self
            .docs(kind)
            .iter()
            .filter_map(|d| {
                d.number
                    .strip_prefix(prefix)
                    .and_then(|n| n.parse::<u64>().ok())
            })
            .max()
            .unwrap_or(0);
        format!("{prefix}{:04}", highest + 1)
    }

    /// Whether a date falls in the locked period.
    pub(crate) fn is_locked(&self, date: NaiveDate) -> bool {
        self.org.lock_date().is_some_and(|lock| date <= lock)
    }

    /// The message Xero gives for a write into the locked period.
    pub(crate) fn lock_message(&self) -> String {
        let lock = self
            .org
            .lock_date()
            .map(|d| d.format("%d %B %Y").to_string())
            .unwrap_or_default();
        format!("The document date cannot be on or before the period lock date ({lock}).")
    }
}
