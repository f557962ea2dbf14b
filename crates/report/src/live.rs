//! `--refresh`: reading both systems now. A system that cannot be read is a warning naming
//! it, and that side of the report comes from the ledger instead.

use ledgerbridge_connector::{ConnectorError, SourceRecord};
use ledgerbridge_core::Invoice;
use ledgerbridge_protocol::{Source, Target};

use crate::gather::Live;
use crate::period::Period;

/// ServiceTitan's invoices dated in `period`.
pub async fn servicetitan_invoices(
    st: &impl Source,
    period: Period,
) -> Result<Vec<SourceRecord<Invoice>>, ConnectorError> {
    let records = st.invoices_dated(period.from, period.to).await?;
    Ok(records
        .into_iter()
        .filter(|r| period.contains(r.record.invoice_date))
        .collect())
}

/// Reads what can be read of both systems; each side that fails becomes a warning naming it
/// (`ServiceTitan tenant 1017823 could not be read: ...`) and is left to the ledger.
pub async fn refresh<S: Source, T: Target>(
    tenant: &str,
    servicetitan: Option<&S>,
    target: Option<&T>,
    period: Period,
    warnings: &mut Vec<String>,
) -> Live {
    let mut live = Live::default();
    if let Some(st) = servicetitan {
        match servicetitan_invoices(st, period).await {
            Ok(records) => live.servicetitan = Some(records),
            Err(e) => warnings.push(format!(
                "ServiceTitan tenant {tenant} could not be read ({e}); its side of the report \
                 comes from the ledger"
            )),
        }
    }
    if let Some(t) = target {
        match t.invoices().await {
            Ok(invoices) => live.accounting = Some(invoices),
            Err(e) => warnings.push(unreachable_target(tenant, t.system().as_str(), &e)),
        }
    }
    live
}

/// The warning for an accounting system that could not be read (or connected to).
pub fn unreachable_target(tenant: &str, system: &str, error: &dyn std::fmt::Display) -> String {
    format!(
        "{system} (tenant {tenant}) could not be read ({error}); its side of the report comes \
         from the ledger"
    )
}
