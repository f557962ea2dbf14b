//! `ledgerbridge mappings unmapped`: every value that blocks a record, how many records it
//! blocks, and what it can be mapped to, fetched live: the QuickBooks or Xero lists, or, for a
//! books payment method waiting to flow back (`payment_type_reverse`), ServiceTitan's payment
//! types.

use std::sync::Arc;

use ledgerbridge_connector::CredentialStore;
use ledgerbridge_ledger::Ledger;
use ledgerbridge_reconcile::unmapped::{ServiceTitanLists, UnmappedValue, unmapped};
use serde::Serialize;

use crate::args::OutputFormat;
use crate::context::Context;
use crate::output::print_listing;

#[derive(Serialize)]
struct Row {
    tenant: String,
    #[serde(flatten)]
    value: UnmappedValue,
}

fn cells(row: &Row) -> Vec<String> {
    let choices: Vec<String> = row
        .value
        .choices
        .iter()
        .take(5)
        .map(|c| format!("{} ({})", c.value, c.label))
        .collect();
    let more = row.value.choices.len().saturating_sub(5);
    vec![
        row.tenant.clone(),
        row.value.kind.to_string(),
        row.value.source.clone(),
        row.value.count.to_string(),
        if more > 0 {
            format!("{} … and {more} more", choices.join(", "))
        } else {
            choices.join(", ")
        },
    ]
}

pub(crate) async fn list(
    ctx: &Context,
    ledger: &Ledger,
    tenant: Option<&str>,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let store: Arc<dyn CredentialStore> = Arc::new(ledger.credential_store(Some(ctx.key()?)));
    let mut rows = Vec::new();
    for t in ctx
        .settings
        .tenants
        .iter()
        .filter(|t| tenant.is_none_or(|id| id == t.servicetitan_tenant))
    {
        let st = super::targets::servicetitan(ctx, ledger, store.as_ref(), &t.servicetitan_tenant)
            .await?;
        let target = super::targets::target(ctx, ledger, store.clone(), t).await?;
        let lists = ServiceTitanLists::read(&st).await?;
        for value in unmapped(
            ledger,
            &t.servicetitan_tenant,
            &target,
            Default::default(),
            lists,
        )
        .await?
        {
            rows.push(Row {
                tenant: t.servicetitan_tenant.clone(),
                value,
            });
        }
    }
    print_listing(
        format,
        &rows,
        &["tenant", "kind", "ServiceTitan value", "blocks", "choices"],
        cells,
    )?;
    if !rows.is_empty() && format == OutputFormat::Table {
        println!(
            "Map one with `ledgerbridge mappings set --tenant T --target SYSTEM --kind KIND --source VALUE --to CHOICE`."
        );
    }
    Ok(())
}
