//! The demo's second act: the edits people make after the first sync, each made the way a
//! user of that product makes it, through the emulator's own API (never its state):
//!
//! - the QuickBooks tenant: a payment recorded in QuickBooks against a synced invoice
//!   (`POST /payment`); a part added in ServiceTitan to another, already exported invoice
//!   (`PATCH /invoices/{id}/items`, "an item added after export"); the same line of a third
//!   invoice described differently in ServiceTitan and in QuickBooks (a sparse update);
//! - the Xero tenant: a payment recorded in Xero (`PUT /Payments`).
//!
//! The HTTP itself is in [`super::demo_apis`]. What each edit should lead to after the next sync is returned as an [`Edit`], which
//! [`super::demo_summary`] checks against both systems.

use anyhow::Context as _;
use ledgerbridge_core::{EntityKind, Invoice, Money, System};
use ledgerbridge_ledger::{Ledger, Mapping, MappingKind};
use ledgerbridge_servicetitan::{InvoiceItemPatch, ServiceTitan};
use rust_decimal::Decimal;

pub(crate) use super::demo_apis::Apis;
use super::demo_apis::{QUICKBOOKS_METHOD, XERO_ACCOUNT};

/// The description ServiceTitan's technician gives the contested line.
pub(crate) const TECHNICIAN_TEXT: &str = "Replaced capacitor (technician)";
/// The description the accountant gives the same line in QuickBooks.
pub(crate) const ACCOUNTANT_TEXT: &str = "Capacitor, 45/5 MFD (accountant)";
/// The ServiceTitan payment type the books' payments become.
const SERVICETITAN_TYPE: &str = "Check";

/// One edit and where it should show after the next sync.
#[derive(Clone, Debug)]
pub(crate) enum Edit {
    /// A payment recorded in the books, to arrive in ServiceTitan.
    BooksPayment {
        system: System,
        tenant: String,
        invoice: i64,
        number: String,
        amount: Money,
        balance_before: Money,
    },
    /// A part added in ServiceTitan after export, to reach the books' invoice.
    PartAdded {
        number: String,
        target_id: String,
        lines: usize,
    },
    /// The same line changed on both sides: a conflict for a person.
    BothSides {
        tenant: String,
        invoice: i64,
        number: String,
    },
}

/// A synced invoice fit for an edit: open in both systems.
#[derive(Clone, Debug)]
pub(crate) struct Picked {
    pub(crate) tenant: String,
    pub(crate) system: System,
    pub(crate) id: i64,
    pub(crate) target_id: String,
    pub(crate) record: Invoice,
    pub(crate) line: (i64, String),
}

/// Maps the books' payment method to a ServiceTitan payment type, unless the demo mappings
/// already do (what `ledgerbridge mappings set --kind payment_type_reverse` would store).
pub(crate) async fn map_books_payments(
    ledger: &Ledger,
    tenant: &str,
    system: System,
) -> anyhow::Result<()> {
    let source = match system {
        System::QuickBooks => QUICKBOOKS_METHOD,
        _ => XERO_ACCOUNT,
    };
    let kind = MappingKind::PaymentTypeReverse;
    if ledger
        .mappings()
        .get(tenant, system, kind, source)
        .await?
        .is_none()
    {
        let mapping = Mapping {
            tenant: tenant.to_owned(),
            target_system: system,
            kind,
            source: source.to_owned(),
            target: SERVICETITAN_TYPE.to_owned(),
            target_label: None,
        };
        ledger.mappings().set(&mapping).await?;
    }
    Ok(())
}

/// Synced invoices of the tenant that are open in both systems and have line links, in link
/// order, at most `n`.
pub(crate) async fn pick(
    ledger: &Ledger,
    st: &ServiceTitan,
    apis: &Apis,
    (tenant, system): (&str, System),
    n: usize,
) -> anyhow::Result<Vec<Picked>> {
    let links = ledger
        .links()
        .list(tenant, Some(EntityKind::Invoice))
        .await?;
    let mut picked = Vec::new();
    for link in links {
        let lines = ledger.links().lines(&link.key).await?;
        let (Some(first), Ok(id)) = (lines.first(), link.key.servicetitan_id.parse::<i64>()) else {
            continue;
        };
        let Some(found) = st.invoices_by_id(&[id]).await?.into_iter().next() else {
            continue;
        };
        let record = found.record;
        let open = record.balance == record.total && record.total.amount() >= Decimal::from(50);
        if !open || record.status != ledgerbridge_core::InvoiceStatus::Posted {
            continue;
        }
        if system == System::QuickBooks {
            let books = apis.quickbooks_invoice(&link.target_id).await?;
            if books["Balance"] != books["TotalAmt"] {
                continue;
            }
        }
        let Ok(item) = first.servicetitan_item_id.parse() else {
            continue;
        };
        picked.push(Picked {
            tenant: tenant.to_owned(),
            system,
            id,
            target_id: link.target_id.clone(),
            record,
            line: (item, first.target_line_id.clone()),
        });
        if picked.len() == n {
            break;
        }
    }
    Ok(picked)
}

/// A payment of a quarter of the invoice (at least 25.00, at most its balance), so the
/// invoice stays open and the payment is plainly partial.
fn part_of(balance: Money) -> anyhow::Result<Money> {
    let quarter = balance.amount() / Decimal::from(4);
    let amount = quarter.max(Decimal::from(25)).min(balance.amount()).trunc();
    Ok(Money::new(amount, balance.currency())?)
}

/// The payment in the books, for `p`.
pub(crate) async fn books_payment(apis: &Apis, p: &Picked, today: &str) -> anyhow::Result<Edit> {
    let amount = part_of(p.record.balance)?;
    match p.system {
        System::QuickBooks => {
            apis.quickbooks_payment(&p.target_id, amount.amount())
                .await?
        }
        _ => {
            apis.xero_payment(&p.target_id, amount.amount(), today)
                .await?
        }
    }
    Ok(Edit::BooksPayment {
        system: p.system,
        tenant: p.tenant.clone(),
        invoice: p.id,
        number: p.record.number.clone(),
        amount,
        balance_before: p.record.balance,
    })
}

/// A part added in ServiceTitan to the exported invoice `p`.
pub(crate) async fn part_added(apis: &Apis, st: &ServiceTitan, p: &Picked) -> anyhow::Result<Edit> {
    let sku = apis.servicetitan_sku(&p.tenant, p.id).await?;
    let part = InvoiceItemPatch {
        id: None,
        description: "Hard start kit (added after export)".to_owned(),
        quantity: Decimal::ONE,
        unit_price: Some(Decimal::new(4_850, 2)),
        sku_id: Some(sku),
    };
    st.patch_invoice_item(p.id, &part)
        .await
        .context("adding a part in ServiceTitan")?;
    Ok(Edit::PartAdded {
        number: p.record.number.clone(),
        target_id: p.target_id.clone(),
        lines: p.record.lines.len() + 1,
    })
}

/// The same line described differently in ServiceTitan and in QuickBooks.
pub(crate) async fn both_sides(apis: &Apis, st: &ServiceTitan, p: &Picked) -> anyhow::Result<Edit> {
    let (item, books_line) = &p.line;
    let line = p
        .record
        .lines
        .iter()
        .find(|l| l.servicetitan_item_id() == Some(*item))
        .context("the linked line is on the ServiceTitan invoice")?;
    let patch = InvoiceItemPatch {
        id: Some(*item),
        description: TECHNICIAN_TEXT.to_owned(),
        quantity: line.quantity,
        unit_price: None,
        sku_id: None,
    };
    st.patch_invoice_item(p.id, &patch)
        .await
        .context("editing a line in ServiceTitan")?;
    apis.quickbooks_describe(&p.target_id, books_line, ACCOUNTANT_TEXT)
        .await?;
    Ok(Edit::BothSides {
        tenant: p.tenant.clone(),
        invoice: p.id,
        number: p.record.number.clone(),
    })
}
