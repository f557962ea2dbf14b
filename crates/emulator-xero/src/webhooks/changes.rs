//! Which contacts, invoices and credit notes changed since the last look: a fingerprint of
//! each (UpdatedDateUTC, status, amounts paid and credited), compared with the books on every
//! worker tick. Xero has no payment or allocation category; a payment or an allocation changes
//! its invoice's amounts (and `UpdatedDateUTC`), so it shows here as an INVOICE UPDATE (our
//! assumption, see `docs/`). Several writes to one record within a tick become one event.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::books::{Books, Document};

/// `eventCategory` (SUBSCRIPTION is about apps, never sent by the sandbox).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    Contact,
    Invoice,
    CreditNote,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Contact => "CONTACT",
            Category::Invoice => "INVOICE",
            Category::CreditNote => "CREDITNOTE",
        }
    }

    /// The collection of its `resourceUrl`.
    pub fn collection(self) -> &'static str {
        match self {
            Category::Contact => "Contacts",
            Category::Invoice => "Invoices",
            Category::CreditNote => "CreditNotes",
        }
    }
}

/// `eventType`: CREATE, or UPDATE (archiving, voiding, deleting and payments included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Create,
    Update,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Create => "CREATE",
            EventType::Update => "UPDATE",
        }
    }
}

/// One event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub category: Category,
    pub id: Uuid,
    pub event_type: EventType,
    /// The record's `UpdatedDateUTC`.
    pub at: DateTime<Utc>,
    /// A credit note's `data: {Type, Status}`.
    pub credit_note: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Fingerprint {
    updated: DateTime<Utc>,
    status: String,
    paid: Decimal,
    credited: Decimal,
}

fn of_doc(doc: &Document) -> Fingerprint {
    Fingerprint {
        updated: doc.updated,
        status: doc.status.clone(),
        paid: doc.amount_paid,
        credited: doc.amount_credited,
    }
}

/// The fingerprints last seen.
#[derive(Clone, Debug, Default)]
pub(super) struct Seen {
    known: HashMap<(Category, Uuid), Fingerprint>,
}

impl Seen {
    /// Everything in `books` as already notified.
    pub(super) fn baseline(books: &Books) -> Self {
        let mut seen = Self::default();
        seen.changes(books);
        seen
    }

    /// What changed since the last call, oldest first.
    pub(super) fn changes(&mut self, books: &Books) -> Vec<Change> {
        let mut out = Vec::new();
        for contact in &books.contacts {
            let print = Fingerprint {
                updated: contact.updated,
                status: contact.status.clone(),
                paid: Decimal::ZERO,
                credited: Decimal::ZERO,
            };
            self.compare(Category::Contact, contact.id, print, None, &mut out);
        }
        for doc in &books.invoices {
            self.compare(Category::Invoice, doc.id, of_doc(doc), None, &mut out);
        }
        for doc in &books.credit_notes {
            let data = Some((doc.kind.clone(), doc.status.clone()));
            self.compare(Category::CreditNote, doc.id, of_doc(doc), data, &mut out);
        }
        out.sort_by_key(|c| c.at);
        out
    }

    fn compare(
        &mut self,
        category: Category,
        id: Uuid,
        print: Fingerprint,
        credit_note: Option<(String, String)>,
        out: &mut Vec<Change>,
    ) {
        let event_type = match self.known.get(&(category, id)) {
            Some(before) if *before == print => return,
            Some(_) => EventType::Update,
            None => EventType::Create,
        };
        let at = print.updated;
        self.known.insert((category, id), print);
        out.push(Change {
            category,
            id,
            event_type,
            at,
            credit_note,
        });
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate};
    use ledgerbridge_emulator::{Scenario, SeedOptions};

    use super::*;
    use crate::books::seed;

    #[test]
    fn new_records_are_creates_and_payments_update_their_invoice() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("valid");
        let opts = SeedOptions {
            seed: 42,
            scenario: Scenario::Demo,
            start: NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"),
        };
        let mut books = seed::seed(opts, crate::state::tenant_uuid(), now);
        let mut seen = Seen::baseline(&books);
        assert!(seen.changes(&books).is_empty());

        let mut contact = books.contacts[0].clone();
        contact.id = Uuid::new_v4();
        contact.updated = now + Duration::seconds(2);
        books.contacts.push(contact.clone());
        books.invoices[0].amount_paid += Decimal::ONE;
        let invoice = books.invoices[0].id;
        let found: Vec<(Category, Uuid, EventType)> = seen
            .changes(&books)
            .into_iter()
            .map(|c| (c.category, c.id, c.event_type))
            .collect();
        assert_eq!(
            found,
            [
                (Category::Invoice, invoice, EventType::Update),
                (Category::Contact, contact.id, EventType::Create),
            ]
        );
        assert!(seen.changes(&books).is_empty());
    }
}
