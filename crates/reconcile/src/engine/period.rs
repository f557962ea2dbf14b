//! Closed periods (QuickBooks closing date, Xero lock date): a record dated on or before the
//! date is blocked with a clear reason before any request, never retried in a loop.

use chrono::NaiveDate;

use super::Engine;
use crate::error::SyncError;
use ledgerbridge_protocol::{Source, Target};

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// The date through which the books are closed (read once per run).
    pub(crate) async fn closed_through(&mut self) -> Result<Option<NaiveDate>, SyncError> {
        if let Some(known) = self.closed_through {
            return Ok(known);
        }
        let date = self
            .cx
            .target
            .closed_through()
            .await
            .map_err(|e| SyncError::remote(self.system().as_str(), e))?;
        self.closed_through = Some(date);
        Ok(date)
    }

    /// Learns from a "period closed" refusal that the books are closed at least through
    /// `date`, so later records of that period are blocked without another request.
    pub(crate) fn closed_at_least(&mut self, date: NaiveDate) {
        let known = self.closed_through.flatten();
        self.closed_through = Some(Some(known.map_or(date, |k| k.max(date))));
    }

    pub(crate) fn period_reason(&self, date: NaiveDate) -> String {
        let through = self
            .closed_through
            .flatten()
            .map(|d| format!(" through {d}"))
            .unwrap_or_default();
        format!(
            "period closed: the {} books are closed{through} and this record is dated {date}; \
             reopen the period or move the date",
            self.system()
        )
    }
}
