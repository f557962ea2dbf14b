//! The demo's closing summary: for each edit of the second act, whether it arrived on the
//! other side (read back from both systems, not assumed), then the open conflicts with their
//! ids and fields, then the commands to try next.

use ledgerbridge_core::System;
use ledgerbridge_ledger::{Conflict, ConflictFilter, ConflictStatus, Ledger};
use ledgerbridge_servicetitan::ServiceTitan;

use super::conflicts::shown;
use super::demo_edits::{Apis, Edit};

fn books_name(system: System) -> &'static str {
    match system {
        System::QuickBooks => "QuickBooks",
        System::Xero => "Xero",
        System::ServiceTitan => "ServiceTitan",
    }
}

/// The ServiceTitan client of `tenant`.
fn client<'a>(clients: &'a [(String, ServiceTitan)], tenant: &str) -> Option<&'a ServiceTitan> {
    clients.iter().find(|(t, _)| t == tenant).map(|(_, c)| c)
}

/// One line per edit: what flowed where, checked against both systems.
async fn flowed(
    edit: &Edit,
    clients: &[(String, ServiceTitan)],
    apis: &Apis,
    open: &[Conflict],
) -> String {
    match edit {
        Edit::BooksPayment {
            system,
            tenant,
            invoice,
            number,
            amount,
            balance_before,
        } => {
            let books = books_name(*system);
            let now = match client(clients, tenant) {
                Some(st) => st.invoices_by_id(&[*invoice]).await.ok(),
                None => None,
            };
            let balance = now
                .and_then(|found| found.into_iter().next())
                .map(|r| r.record.balance);
            let arrived = balance_before
                .checked_sub(amount)
                .ok()
                .zip(balance)
                .is_some_and(|(expected, now)| expected == now);
            match (arrived, balance) {
                (true, Some(now)) => format!(
                    "  {books} -> ServiceTitan: the {amount} payment on invoice {number} is in \
                     ServiceTitan once (balance {balance_before} -> {now})"
                ),
                _ => format!(
                    "  {books} -> ServiceTitan: the {amount} payment on invoice {number} did not \
                     arrive (see the sync's blocked records above)"
                ),
            }
        }
        Edit::PartAdded {
            number,
            target_id,
            lines,
            ..
        } => {
            let books = apis.quickbooks_invoice(target_id).await.ok();
            let count = books.map(|b| {
                b["Line"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|l| l["DetailType"] == "SalesItemLineDetail")
                    .count()
            });
            if count == Some(*lines) {
                format!(
                    "  ServiceTitan -> QuickBooks: the part added to invoice {number} after \
                     export is on the QuickBooks invoice ({lines} lines)"
                )
            } else {
                format!(
                    "  ServiceTitan -> QuickBooks: the part added to invoice {number} after \
                     export is not in QuickBooks ({} of {lines} lines)",
                    count.map_or_else(|| "?".to_owned(), |c| c.to_string())
                )
            }
        }
        Edit::BothSides {
            tenant,
            invoice,
            number,
        } => {
            let conflict = open
                .iter()
                .find(|c| c.tenant == *tenant && c.servicetitan_id == invoice.to_string());
            match conflict {
                Some(c) => format!(
                    "  Both sides: a line of invoice {number} was described differently in \
                     ServiceTitan and in QuickBooks; nothing was overwritten: conflict {} waits \
                     for a person (below)",
                    c.id
                ),
                None => format!(
                    "  Both sides: a line of invoice {number} was described differently in \
                     ServiceTitan and in QuickBooks, and no conflict is open for it"
                ),
            }
        }
    }
}

/// Prints the summary; returns how many conflicts are open.
pub(crate) async fn print(
    ledger: &Ledger,
    edits: &[Edit],
    clients: &[(String, ServiceTitan)],
    apis: &Apis,
) -> anyhow::Result<usize> {
    let filter = ConflictFilter {
        status: Some(ConflictStatus::Open),
        ..ConflictFilter::default()
    };
    let open = ledger.conflicts().list(&filter).await?;
    println!("\nWhat flowed where after the second sync:");
    for edit in edits {
        println!("{}", flowed(edit, clients, apis, &open).await);
    }
    if open.is_empty() {
        println!("\nNo conflict is open.");
        return Ok(0);
    }
    println!("\nOpen conflicts (records changed on both sides, frozen until a person decides):");
    for c in &open {
        println!(
            "  conflict {}: {} {} of tenant {} ({} {})",
            c.id, c.entity, c.servicetitan_id, c.tenant, c.target_system, c.target_id
        );
        for f in &c.fields {
            println!(
                "    {}: base {:?}, ServiceTitan {:?}, {} {:?}",
                f.path,
                shown(&f.base),
                shown(&f.servicetitan),
                books_name(c.target_system),
                shown(&f.accounting)
            );
        }
    }
    Ok(open.len())
}
