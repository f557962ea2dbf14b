//! The invariants of the level-triggered steps: what an interrupted run meant to do next is
//! done by the next run, so at quiescence
//!
//! 7. every linked invoice and payment is marked exported in ServiceTitan (a crash between a
//!    create and its mark must not leave it `Posted` for a second export path to post again);
//! 8. every customer a linked, live invoice is addressed to is active in the books (a crash
//!    between a match and the reactivation of an inactive twin must not strand its invoices).

use ledgerbridge_core::EntityKind;
use ledgerbridge_ledger::Link;

use super::Checker;

impl Checker<'_> {
    pub(super) fn marks_and_customers(&self, out: &mut Vec<String>, links: &[Link]) {
        let s = self.system;
        for link in links {
            let id = &link.key.servicetitan_id;
            let (feed, entity) = match link.key.entity {
                EntityKind::Invoice => ("invoices", "invoice"),
                EntityKind::Payment => ("payments", "payment"),
                _ => continue,
            };
            let record = &self.st_now[feed][id.as_str()];
            if record.is_null() {
                continue;
            }
            let voided = id
                .parse::<i64>()
                .is_ok_and(|n| self.edits.voided.contains(&(self.tenant.clone(), n)));
            if record["sync_status"] != "Exported" && !voided {
                out.push(format!(
                    "{s}: {entity} {id} is linked to {} but ServiceTitan has it {} (never marked exported)",
                    link.target_id, record["sync_status"]
                ));
            }
            if link.key.entity != EntityKind::Invoice {
                continue;
            }
            let Some(books) = self.books.invoices.iter().find(|i| i.id == link.target_id) else {
                continue;
            };
            if !books.voided && self.books.inactive_customers.contains(&books.customer) {
                out.push(format!(
                    "{s}: invoice {id} ({}) is addressed to customer {}, which is inactive in the books",
                    books.number, books.customer
                ));
            }
        }
    }
}
